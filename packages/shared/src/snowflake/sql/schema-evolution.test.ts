import { describe, expect, it } from 'vitest';
import { addColumn, inferSchemaOfFiles, setColumnType } from './schema-evolution.js';
import { createTableFromFiles } from './tables.js';

const table = { database: 'ANALYTICS', schema: 'PUBLIC', name: 'orders' };
const stage = { database: 'ANALYTICS', schema: 'RAW', name: 'D2S_EXPORTS' };
const fileFormat = { database: 'ANALYTICS', schema: 'RAW', name: 'D2S_PARQUET' };

describe('inferSchemaOfFiles', () => {
  it('reads the named files, in column order', () => {
    expect(inferSchemaOfFiles({ stage, path: 'sync-1/', fileFormat, files: ['part-0.parquet'] }).text()).toBe(
      'SELECT * FROM TABLE(INFER_SCHEMA(LOCATION => \'@"ANALYTICS"."RAW"."D2S_EXPORTS"/sync-1/\', FILE_FORMAT => \'"ANALYTICS"."RAW"."D2S_PARQUET"\', FILES => (\'part-0.parquet\'))) ORDER BY ORDER_ID',
    );
  });
});

describe('addColumn', () => {
  it('adds a nullable column, safe to repeat', () => {
    expect(addColumn(table, 'discount', 'NUMBER(38,0)').text()).toBe(
      'ALTER TABLE "ANALYTICS"."PUBLIC"."orders" ADD COLUMN IF NOT EXISTS "discount" NUMBER(38,0)',
    );
  });

  it('refuses a type that is not a data type', () => {
    expect(() => addColumn(table, 'x', 'NUMBER; DROP TABLE t')).toThrow(/Not a data type/);
    expect(() => addColumn(table, 'x', 'VARCHAR(10) DEFAULT 1')).toThrow(/Not a data type/);
  });
});

describe('setColumnType', () => {
  it('alters the column type', () => {
    expect(setColumnType(table, 'note', 'VARCHAR(16777216)').text()).toBe(
      'ALTER TABLE "ANALYTICS"."PUBLIC"."orders" ALTER COLUMN "note" SET DATA TYPE VARCHAR(16777216)',
    );
    expect(setColumnType(table, 'at', 'TIMESTAMP_NTZ(9)').text()).toContain('SET DATA TYPE TIMESTAMP_NTZ(9)');
  });
});

describe('createTableFromFiles, replacing', () => {
  it('keeps the replaced table grants with COPY GRANTS', () => {
    expect(
      createTableFromFiles({ table, stage, path: 's/', fileFormat, orReplace: true, copyGrants: true }).text(),
    ).toMatch(/^CREATE OR REPLACE TABLE "ANALYTICS"\."PUBLIC"\."orders" COPY GRANTS\n {2}USING TEMPLATE \(/);
  });
});
