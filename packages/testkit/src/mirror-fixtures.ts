import {
  type DesiredTable,
  type InventoryRow,
  type MirrorTableState,
  integrationFor,
  type MirrorSettings,
  Secret,
  secretFingerprint,
  type SnowflakeIcebergTable,
  type SnowflakeSide,
  tableComment,
} from '@d2s/shared';
import type { TableInfo } from '@d2s/shared/databricks';

export const KNOWN_SECRET = 'uc-oauth-secret-7f3a9c-DO-NOT-LEAK';

export function testSettings(overrides: Partial<MirrorSettings> = {}): MirrorSettings {
  const clientId = overrides.oauthClientId ?? 'sp-client-id';
  const secret = overrides.oauthClientSecret ?? new Secret(KNOWN_SECRET);
  return {
    catalogs: [
      { name: 'weather', schemaMap: {} },
      { name: 'sales', database: 'SALES_DB', schemaMap: { retail: 'SHOP' } },
    ],
    include: [],
    exclude: [],
    tags: {
      sync: 'snowflake_uniform_sync',
      requireOptIn: false,
      database: 'snowflake_database',
      schema: 'snowflake_schema',
      table: 'snowflake_table',
    },
    integrationPer: 'catalog',
    integrationPrefix: 'D2S_UC_',
    refreshIntervalSeconds: 300,
    autoRefresh: true,
    dropRemoved: false,
    maxDropShare: 0.2,
    maxParallelTables: 8,
    oauthClientId: clientId,
    oauthClientSecret: secret,
    workspaceUrl: 'https://dbc-1234.cloud.databricks.com',
    secretFingerprint: secretFingerprint(clientId, secret),
    snowflakeAccount: 'myorg-myacct',
    ...overrides,
  };
}

export function ucTable(fullName: string, overrides: Partial<TableInfo> = {}): TableInfo {
  const [catalog = '', schema = '', name = ''] = fullName.split('.');
  return {
    name,
    catalog_name: catalog,
    schema_name: schema,
    full_name: fullName,
    table_id: `id-${fullName}`,
    table_type: 'MANAGED',
    data_source_format: 'DELTA',
    properties: { 'delta.universalFormat.enabledFormats': 'iceberg' },
    ...overrides,
  };
}

export function desired(
  fullName: string,
  settings: MirrorSettings = testSettings(),
  overrides: Partial<DesiredTable> = {},
): DesiredTable {
  const [catalog = '', schema = '', name = ''] = fullName.split('.');
  return {
    table: { tableId: `id-${fullName}`, catalog, schema, name },
    format: 'UNIFORM',
    target: { database: catalog.toUpperCase(), schema: schema.toUpperCase(), name: name.toUpperCase() },
    integration: integrationFor({ catalog, schema }, settings),
    ...overrides,
  };
}

/** The SHOW ICEBERG TABLES row d2s's CREATE for `table` would produce. */
export function mirroredRow(
  table: DesiredTable,
  overrides: Partial<SnowflakeIcebergTable> = {},
): SnowflakeIcebergTable {
  return {
    ...table.target,
    catalogName: table.integration.name,
    catalogNamespace: table.table.schema,
    catalogTableName: table.table.name,
    comment: tableComment({
      ucFullName: `${table.table.catalog}.${table.table.schema}.${table.table.name}`,
      tableId: table.table.tableId,
    }),
    ...overrides,
  };
}

export function emptySnowflake(): SnowflakeSide {
  return { integrations: [], databases: [], tables: [] };
}

/**
 * Mirror state of `count` tables (`main.s<schema>.t<table>`, 100 tables a schema), as the action jobs write
 * it: every 7th failed with an error, every 11th dropped, every 13th skipped, the rest mirrored. For
 * paging, search and filter tests at thousands of tables without running the mirror.
 */
export function mirrorTableStates(count: number, at = '2026-11-23T03:00:00.000Z'): MirrorTableState[] {
  return Array.from({ length: count }, (_, i) => {
    const schema = `s${String(Math.floor(i / 100)).padStart(2, '0')}`;
    const name = `t${String(i % 100).padStart(3, '0')}`;
    const status: MirrorTableState['status'] =
      i % 7 === 3 ? 'failed' : i % 11 === 5 ? 'dropped' : i % 13 === 6 ? 'skipped' : 'mirrored';
    const database = 'MAIN_MIRROR';
    return {
      tableId: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
      uc: { fullName: `main.${schema}.${name}` },
      snowflake:
        status === 'skipped'
          ? null
          : {
              database,
              schema: schema.toUpperCase(),
              name: name.toUpperCase(),
              qualifiedName: `${database}.${schema.toUpperCase()}.${name.toUpperCase()}`,
            },
      status,
      lastAction: { id: `create-table-${String(i).padStart(12, '0')}`, kind: 'create-table', runId: 'mirror_seed', at },
      lastError: status === 'failed' ? { code: 'SNOWFLAKE_QUERY_FAILED', message: `table ${name} failed` } : null,
      updatedAt: at,
    };
  });
}

/** An inventory row of an eligible UniForm table in weather.forecasts, as a plan that creates it leaves it. */
export function inventoryRow(tableId: string, name: string, overrides: Partial<InventoryRow> = {}): InventoryRow {
  return {
    tableId,
    catalog: 'weather',
    schema: 'forecasts',
    name,
    format: 'UNIFORM',
    metadataLocation: null,
    eligible: true,
    ineligibleReason: null,
    snowflakeIntegration: 'D2S_UC_WEATHER',
    snowflakeDatabase: 'WEATHER',
    snowflakeSchema: 'FORECASTS',
    snowflakeTable: name.toUpperCase(),
    lastAction: 'create-table',
    status: 'planned',
    error: null,
    lastAppliedAt: null,
    ...overrides,
  };
}
