import { describe, expect, it } from 'vitest';
import { inventoryRow } from '@d2s/testkit/mirror-fixtures';
import { createInventoryTableSql, createInventoryViewSql, mergeInventorySql } from './inventory-sql.js';

const at = { catalog: 'd2s_ops', schema: 'mirror', table: 'inv' };
const row = (tableId: string, name: string) => inventoryRow(tableId, name);

describe('inventory SQL', () => {
  it('creates a Delta table if missing and a readable _vw view, names quoted with backticks', () => {
    expect(createInventoryTableSql(at)).toMatch(
      /^CREATE TABLE IF NOT EXISTS `d2s_ops`\.`mirror`\.`inv` \(`table_id` STRING, .*`updated_at` TIMESTAMP\) USING DELTA /,
    );
    expect(createInventoryViewSql(at)).toMatch(
      /^CREATE OR REPLACE VIEW `d2s_ops`\.`mirror`\.`inv_vw` AS SELECT `table_id` AS `Table ID`, .*CASE WHEN `eligible` THEN 'yes' ELSE 'no' END AS `Eligible`.* FROM `d2s_ops`\.`mirror`\.`inv`$/,
    );
  });

  it('merges every row in one statement, values only as typed parameters, updating only what changed', () => {
    const hostile = "x'); DROP TABLE t; --`";
    const { sql, parameters } = mergeInventorySql(at, [row('id-1', 'a'), row(hostile, hostile)], new Date(0));
    expect(sql.match(/MERGE INTO/g)).toHaveLength(1);
    expect(sql).not.toContain(hostile);
    expect(sql).not.toContain('DROP');
    expect(sql).toContain('ON t.`table_id` = s.`table_id`');
    expect(sql).toContain('WHEN MATCHED AND (t.`catalog_name` IS DISTINCT FROM s.`catalog_name` OR');
    expect(parameters).toContainEqual({ name: 'now', value: '1970-01-01T00:00:00.000Z', type: 'TIMESTAMP' });
    expect(parameters.filter((p) => p.value === hostile).length).toBe(2);
    expect(parameters.find((p) => p.value === 'true')?.type).toBe('BOOLEAN');
    // Every marker in the text has its parameter, and every parameter is used.
    const markers = new Set([...sql.matchAll(/:(\w+)/g)].map((m) => m[1]));
    expect(new Set(parameters.map((p) => p.name))).toEqual(markers);
  });

  it('keeps the metadata location the inventory has when a row brings none (looked up only for tables acted on)', () => {
    const { sql } = mergeInventorySql(at, [row('id-1', 'a')], new Date(0));
    expect(sql).toContain(
      '(s.`metadata_location` IS NOT NULL AND t.`metadata_location` IS DISTINCT FROM s.`metadata_location`)',
    );
    expect(sql).toContain('`metadata_location` = COALESCE(s.`metadata_location`, t.`metadata_location`)');
    expect(sql).toContain('`status` = s.`status`');
  });
});
