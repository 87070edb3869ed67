import { describe, expect, it } from 'vitest';
import { countRows, createTableFromFiles, createTableLike, dropTable, showTables, swapTables } from './tables.js';

const table = { database: 'ANALYTICS', schema: 'PUBLIC', name: 'orders' };
const staging = { database: 'ANALYTICS', schema: 'PUBLIC', name: 'orders__d2s_staging' };
const stage = { database: 'ANALYTICS', schema: 'RAW', name: 'D2S_EXPORTS' };
const fileFormat = { database: 'ANALYTICS', schema: 'RAW', name: 'D2S_PARQUET' };

describe('createTableFromFiles', () => {
  it('creates the table from the inferred schema, in file column order', () => {
    expect(createTableFromFiles({ table, stage, path: 'sync-1/', fileFormat }).text()).toBe(
      [
        'CREATE TABLE IF NOT EXISTS "ANALYTICS"."PUBLIC"."orders"',
        '  USING TEMPLATE (',
        '    SELECT ARRAY_AGG(OBJECT_CONSTRUCT(*)) WITHIN GROUP (ORDER BY ORDER_ID)',
        '    FROM TABLE(INFER_SCHEMA(LOCATION => \'@"ANALYTICS"."RAW"."D2S_EXPORTS"/sync-1/\', FILE_FORMAT => \'"ANALYTICS"."RAW"."D2S_PARQUET"\'))',
        '  )',
      ].join('\n'),
    );
  });

  it('can upper-case the column names', () => {
    expect(createTableFromFiles({ table, stage, fileFormat, ignoreCase: true }).text()).toContain(
      'FILE_FORMAT => \'"ANALYTICS"."RAW"."D2S_PARQUET"\', IGNORE_CASE => TRUE))',
    );
  });

  it('escapes quotes of names inside the literals', () => {
    const sql = createTableFromFiles({
      table,
      stage: { database: 'DB', schema: 'S', name: "it's" },
      fileFormat: { database: 'DB', schema: 'S', name: 'f"f' },
    }).text();
    expect(sql).toContain('LOCATION => \'@"DB"."S"."it\'\'s"\'');
    expect(sql).toContain('FILE_FORMAT => \'"DB"."S"."f""f"\'');
  });
});

describe('createTableLike', () => {
  it('if not exists by default, or replace', () => {
    expect(createTableLike({ table: staging, like: table }).text()).toBe(
      'CREATE TABLE IF NOT EXISTS "ANALYTICS"."PUBLIC"."orders__d2s_staging" LIKE "ANALYTICS"."PUBLIC"."orders"',
    );
    expect(createTableLike({ table: staging, like: table, orReplace: true }).text()).toBe(
      'CREATE OR REPLACE TABLE "ANALYTICS"."PUBLIC"."orders__d2s_staging" LIKE "ANALYTICS"."PUBLIC"."orders"',
    );
  });

  it('copies the grants of the table it is like when asked', () => {
    expect(createTableLike({ table: staging, like: table, copyGrants: true }).text()).toBe(
      'CREATE TABLE IF NOT EXISTS "ANALYTICS"."PUBLIC"."orders__d2s_staging" LIKE "ANALYTICS"."PUBLIC"."orders" COPY GRANTS',
    );
  });
});

describe('countRows, swapTables, dropTable', () => {
  it('count', () => {
    expect(countRows(table).text()).toBe('SELECT COUNT(*) AS "ROW_COUNT" FROM "ANALYTICS"."PUBLIC"."orders"');
  });
  it('swap', () => {
    expect(swapTables(table, staging).text()).toBe(
      'ALTER TABLE "ANALYTICS"."PUBLIC"."orders" SWAP WITH "ANALYTICS"."PUBLIC"."orders__d2s_staging"',
    );
  });
  it('drop', () => {
    expect(dropTable(staging).text()).toBe('DROP TABLE IF EXISTS "ANALYTICS"."PUBLIC"."orders__d2s_staging"');
  });
});

describe('showTables', () => {
  it('lists a schema’s tables, optionally by a LIKE pattern', () => {
    expect(showTables(table).text()).toBe('SHOW TABLES IN SCHEMA "ANALYTICS"."PUBLIC"');
    expect(showTables(table, { like: "orders%'" }).text()).toBe(
      `SHOW TABLES LIKE 'orders%''' IN SCHEMA "ANALYTICS"."PUBLIC"`,
    );
  });
});

describe('createTableFromFiles with FILES', () => {
  it('names the data files INFER_SCHEMA reads (it takes no PATTERN)', () => {
    expect(
      createTableFromFiles({
        table,
        stage,
        path: 'orders/sync_1/',
        fileFormat,
        files: ['part-00000.parquet', 'date=2026-11-23/part-00001.parquet'],
      }).text(),
    ).toContain(
      `INFER_SCHEMA(LOCATION => '@"ANALYTICS"."RAW"."D2S_EXPORTS"/orders/sync_1/', FILE_FORMAT => '"ANALYTICS"."RAW"."D2S_PARQUET"', FILES => ('part-00000.parquet', 'date=2026-11-23/part-00001.parquet'))`,
    );
  });
  it('refuses an empty or oversized FILES list', () => {
    expect(() => createTableFromFiles({ table, stage, fileFormat, files: [] })).toThrow(/FILES/);
  });
});
