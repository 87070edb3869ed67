import { describe, expect, it } from 'vitest';
import { SqlBuildError } from '../errors.js';
import {
  createIcebergTable,
  dropIcebergTable,
  refreshIcebergTable,
  renameIcebergTable,
  showIcebergTables,
} from './iceberg-tables.js';

const table = { database: 'LAKE', schema: 'sales', name: 'orders' };

describe('createIcebergTable', () => {
  it('puts IF NOT EXISTS before the quoted name', () => {
    expect(
      createIcebergTable({
        table,
        catalogIntegration: 'D2S_UC_MAIN',
        catalogNamespace: 'sales',
        catalogTableName: 'orders',
        comment: 'd2s mirror of main.sales.orders',
      }).text(),
    ).toBe(
      [
        'CREATE ICEBERG TABLE IF NOT EXISTS "LAKE"."sales"."orders"',
        "  CATALOG = 'D2S_UC_MAIN'",
        "  CATALOG_TABLE_NAME = 'orders'",
        "  CATALOG_NAMESPACE = 'sales'",
        '  AUTO_REFRESH = TRUE',
        "  COMMENT = 'd2s mirror of main.sales.orders'",
      ].join('\n'),
    );
  });

  it('minimal form', () => {
    expect(
      createIcebergTable({
        table,
        catalogIntegration: 'UC_MAIN',
        catalogTableName: "o'rders",
        autoRefresh: false,
      }).text(),
    ).toBe(
      [
        'CREATE ICEBERG TABLE IF NOT EXISTS "LAKE"."sales"."orders"',
        "  CATALOG = 'UC_MAIN'",
        "  CATALOG_TABLE_NAME = 'o''rders'",
        '  AUTO_REFRESH = FALSE',
      ].join('\n'),
    );
  });
});

it("refuses an integration name that is ambiguous inside CATALOG = '...'", () => {
  expect(() => createIcebergTable({ table, catalogIntegration: 'uc_main', catalogTableName: 'orders' })).toThrow(
    SqlBuildError,
  );
});

describe('refresh, drop, rename, show', () => {
  it('refresh', () => {
    expect(refreshIcebergTable(table).text()).toBe('ALTER ICEBERG TABLE "LAKE"."sales"."orders" REFRESH');
  });
  it('drop', () => {
    expect(dropIcebergTable(table).text()).toBe('DROP ICEBERG TABLE IF EXISTS "LAKE"."sales"."orders"');
  });
  it('rename', () => {
    expect(renameIcebergTable(table, { ...table, name: 'orders_v2' }).text()).toBe(
      'ALTER ICEBERG TABLE "LAKE"."sales"."orders" RENAME TO "LAKE"."sales"."orders_v2"',
    );
  });
  it('show in a database or a schema, with LIKE', () => {
    expect(showIcebergTables({ database: 'LAKE' }).text()).toBe('SHOW ICEBERG TABLES IN DATABASE "LAKE"');
    expect(showIcebergTables({ database: 'LAKE', schema: 'sales' }, { like: 'ord%' }).text()).toBe(
      'SHOW ICEBERG TABLES LIKE \'ord%\' IN SCHEMA "LAKE"."sales"',
    );
  });
});
