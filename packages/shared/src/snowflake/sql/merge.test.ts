import { describe, expect, it } from 'vitest';
import { SqlBuildError } from '../errors.js';
import {
  abortTransaction,
  mergeFromStaging,
  mergeLogTable,
  mergePreview,
  parseMergeCounts,
  readMergeMarker,
  stagedKeyStats,
  writeMergeMarker,
} from './merge.js';

const target = { database: 'DB', schema: 'SCH', name: 'T' };
const staging = { database: 'DB', schema: 'SCH', name: 'T__D2S_STAGING_S1' };
const spec = {
  target,
  staging,
  columns: ['id', 'changed_at', 'v', 'op'],
  keys: ['id'],
  orderBy: 'changed_at',
  deleteWhen: { column: 'op', value: 'delete' },
};

describe('merge SQL', () => {
  it('MERGEs the latest staged row per key: delete, update when different, insert', () => {
    expect(mergeFromStaging(spec).text()).toBe(
      [
        'MERGE INTO "DB"."SCH"."T" AS "D2S_TARGET"',
        'USING (SELECT * FROM "DB"."SCH"."T__D2S_STAGING_S1" QUALIFY ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "changed_at" DESC NULLS LAST) = 1) AS "D2S_SOURCE"',
        'ON "D2S_TARGET"."id" = "D2S_SOURCE"."id"',
        `WHEN MATCHED AND COALESCE("D2S_SOURCE"."op" = 'delete', FALSE) THEN DELETE`,
        'WHEN MATCHED AND ("D2S_TARGET"."changed_at" IS DISTINCT FROM "D2S_SOURCE"."changed_at" OR "D2S_TARGET"."v" IS DISTINCT FROM "D2S_SOURCE"."v" OR "D2S_TARGET"."op" IS DISTINCT FROM "D2S_SOURCE"."op") THEN UPDATE SET "changed_at" = "D2S_SOURCE"."changed_at", "v" = "D2S_SOURCE"."v", "op" = "D2S_SOURCE"."op"',
        `WHEN NOT MATCHED AND NOT COALESCE("D2S_SOURCE"."op" = 'delete', FALSE) THEN INSERT ("id", "changed_at", "v", "op") VALUES ("D2S_SOURCE"."id", "D2S_SOURCE"."changed_at", "D2S_SOURCE"."v", "D2S_SOURCE"."op")`,
      ].join('\n'),
    );
  });

  it('without deleteWhen or other columns: no DELETE clause, no UPDATE clause', () => {
    const sql = mergeFromStaging({ target, staging, columns: ['a', 'b'], keys: ['a', 'b'] }).text();
    expect(sql).toContain('ON "D2S_TARGET"."a" = "D2S_SOURCE"."a" AND "D2S_TARGET"."b" = "D2S_SOURCE"."b"');
    expect(sql).toContain('PARTITION BY "a", "b" ORDER BY "a", "b"');
    expect(sql).not.toMatch(/DELETE|UPDATE/);
    expect(sql).toMatch(/WHEN NOT MATCHED THEN INSERT/);
  });

  it('takes deleteWhen values as literals of their type, quoted when text', () => {
    const sql = (value: string | number | boolean) =>
      mergeFromStaging({ ...spec, deleteWhen: { column: 'op', value } }).text();
    expect(sql(true)).toContain('COALESCE("D2S_SOURCE"."op" = TRUE, FALSE)');
    expect(sql(3)).toContain('COALESCE("D2S_SOURCE"."op" = 3, FALSE)');
    expect(sql("it's")).toContain(`COALESCE("D2S_SOURCE"."op" = 'it''s', FALSE)`);
    expect(() => sql(Number.NaN)).toThrow(SqlBuildError);
  });

  it('counts staged rows, NULL keys, distinct keys and rows ranked latest', () => {
    expect(stagedKeyStats(staging, spec).text()).toBe(
      [
        'SELECT COUNT(*) AS "ROWS_STAGED",',
        '  COUNT_IF("id" IS NULL) AS "NULL_KEYS",',
        '  COUNT_IF("D2S_FIRST" = 1) AS "DISTINCT_KEYS",',
        '  COUNT_IF("D2S_RANK" = 1) AS "LATEST_ROWS"',
        'FROM (SELECT *, RANK() OVER (PARTITION BY "id" ORDER BY "changed_at" DESC NULLS LAST) AS "D2S_RANK", ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "id") AS "D2S_FIRST" FROM "DB"."SCH"."T__D2S_STAGING_S1")',
      ].join('\n'),
    );
  });

  it('previews the MERGE over the same de-duplicated rows', () => {
    const sql = mergePreview(spec).text();
    expect(sql).toContain('AS "TO_INSERT"');
    expect(sql).toContain('AS "UNCHANGED"');
    expect(sql).toContain('LEFT JOIN "DB"."SCH"."T" AS "D2S_TARGET" ON "D2S_TARGET"."id" = "D2S_SOURCE"."id"');
  });

  it('reads the counts Snowflake answers, only those of the actions the MERGE has', () => {
    expect(parseMergeCounts([{ 'number of rows inserted': 2, 'number of rows updated': 1 }])).toEqual({
      inserted: 2,
      updated: 1,
      deleted: 0,
    });
  });

  it('writes and reads the marker by sync id and target, values as literals', () => {
    const log = mergeLogTable(target);
    expect(log).toEqual({ database: 'DB', schema: 'SCH', name: 'D2S_MERGE_LOG' });
    expect(readMergeMarker(log, "s'1", target).text()).toBe(
      `SELECT "ROWS_INSERTED", "ROWS_UPDATED", "ROWS_DELETED", "ROWS_UNCHANGED" FROM "DB"."SCH"."D2S_MERGE_LOG" WHERE "SYNC_ID" = 's''1' AND "TARGET" = '"DB"."SCH"."T"'`,
    );
    expect(writeMergeMarker(log, 's1', target, { inserted: 1, updated: 2, deleted: 3, unchanged: 4 }).text()).toContain(
      `VALUES ('s1', '"DB"."SCH"."T"', 1, 2, 3, 4, CURRENT_TIMESTAMP())`,
    );
  });

  it('aborts a transaction by a numeric id only', () => {
    expect(abortTransaction('1700000000000000').text()).toBe('SELECT SYSTEM$ABORT_TRANSACTION(1700000000000000)');
    expect(() => abortTransaction('1); DROP TABLE T; --')).toThrow(SqlBuildError);
  });
});
