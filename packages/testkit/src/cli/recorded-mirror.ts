import type { MirrorPlan, MirrorRunView, MirrorTableState } from '@d2s/shared';

/**
 * Answers recorded from the real API (test/support/mirror-stack.ts over the
 * sandbox catalogs, 2026-11-23), trimmed to a few actions: the
 * first plan of an empty Snowflake account, the run that applied it, and the
 * table states it left. Typed with the server's own types, so a change in
 * their shape breaks the type check of the CLI's tests.
 */
export const RECORDED_PLAN: MirrorPlan = {
  createdAt: '2026-11-23T10:15:43.520Z',
  scope: {},
  includeRefresh: false,
  summary: {
    'create-integration': 2,
    'update-integration': 0,
    'create-schema': 4,
    'drop-table': 0,
    'rename-table': 0,
    'create-table': 3,
    'refresh-table': 0,
    actions: 9,
    unchanged: 0,
    skipped: 2,
    orphans: 0,
  },
  actions: [
    {
      id: 'create-integration-daad56479293',
      kind: 'create-integration',
      reason: 'no catalog integration for Unity Catalog catalog sales yet',
      integration: {
        name: 'D2S_UC_SALES',
        catalog: 'sales',
      },
      sql: [
        "CREATE CATALOG INTEGRATION IF NOT EXISTS \"D2S_UC_SALES\"\n  CATALOG_SOURCE = ICEBERG_REST\n  TABLE_FORMAT = ICEBERG\n  REST_CONFIG = (\n    CATALOG_URI = 'http://127.0.0.1:35905/api/2.1/unity-catalog/iceberg-rest'\n    CATALOG_NAME = 'sales'\n    ACCESS_DELEGATION_MODE = VENDED_CREDENTIALS\n  )\n  REST_AUTHENTICATION = (\n    TYPE = OAUTH\n    OAUTH_TOKEN_URI = 'http://127.0.0.1:35905/oidc/v1/token'\n    OAUTH_CLIENT_ID = 'd2s-sandbox-client'\n    OAUTH_CLIENT_SECRET = '[redacted]'\n    OAUTH_ALLOWED_SCOPES = ('all-apis', 'sql')\n  )\n  ENABLED = TRUE\n  REFRESH_INTERVAL_SECONDS = 300\n  COMMENT = 'd2s mirror of catalog sales (secret=cdfd733556f5dc1b, refresh=300)'",
        "SELECT SYSTEM$VERIFY_CATALOG_INTEGRATION('D2S_UC_SALES')",
      ],
    },
    {
      id: 'create-integration-6e971723cdb8',
      kind: 'create-integration',
      reason: 'no catalog integration for Unity Catalog catalog weather yet',
      integration: {
        name: 'D2S_UC_WEATHER',
        catalog: 'weather',
      },
      sql: [
        "CREATE CATALOG INTEGRATION IF NOT EXISTS \"D2S_UC_WEATHER\"\n  CATALOG_SOURCE = ICEBERG_REST\n  TABLE_FORMAT = ICEBERG\n  REST_CONFIG = (\n    CATALOG_URI = 'http://127.0.0.1:35905/api/2.1/unity-catalog/iceberg-rest'\n    CATALOG_NAME = 'weather'\n    ACCESS_DELEGATION_MODE = VENDED_CREDENTIALS\n  )\n  REST_AUTHENTICATION = (\n    TYPE = OAUTH\n    OAUTH_TOKEN_URI = 'http://127.0.0.1:35905/oidc/v1/token'\n    OAUTH_CLIENT_ID = 'd2s-sandbox-client'\n    OAUTH_CLIENT_SECRET = '[redacted]'\n    OAUTH_ALLOWED_SCOPES = ('all-apis', 'sql')\n  )\n  ENABLED = TRUE\n  REFRESH_INTERVAL_SECONDS = 300\n  COMMENT = 'd2s mirror of catalog weather (secret=cdfd733556f5dc1b, refresh=300)'",
        "SELECT SYSTEM$VERIFY_CATALOG_INTEGRATION('D2S_UC_WEATHER')",
      ],
    },
    {
      id: 'create-schema-eead351aca18',
      kind: 'create-schema',
      reason: 'database SALES_MIRROR does not exist yet',
      database: 'SALES_MIRROR',
      schema: 'RETAIL',
      createDatabase: true,
      sql: ['CREATE DATABASE IF NOT EXISTS "SALES_MIRROR"', 'CREATE SCHEMA IF NOT EXISTS "SALES_MIRROR"."RETAIL"'],
    },
    {
      id: 'create-schema-77125ec3b25a',
      kind: 'create-schema',
      reason: 'database SALES_MIRROR does not exist yet',
      database: 'SALES_MIRROR',
      schema: 'Retail Shop',
      createDatabase: true,
      sql: ['CREATE DATABASE IF NOT EXISTS "SALES_MIRROR"', 'CREATE SCHEMA IF NOT EXISTS "SALES_MIRROR"."Retail Shop"'],
    },
    {
      id: 'create-schema-a8ea30300e87',
      kind: 'create-schema',
      reason: 'database WEATHER does not exist yet',
      database: 'WEATHER',
      schema: 'FORECASTS',
      createDatabase: true,
      sql: ['CREATE DATABASE IF NOT EXISTS "WEATHER"', 'CREATE SCHEMA IF NOT EXISTS "WEATHER"."FORECASTS"'],
    },
    {
      id: 'create-schema-d40030f78394',
      kind: 'create-schema',
      reason: 'database WEATHER does not exist yet',
      database: 'WEATHER',
      schema: 'STATIONS',
      createDatabase: true,
      sql: ['CREATE DATABASE IF NOT EXISTS "WEATHER"', 'CREATE SCHEMA IF NOT EXISTS "WEATHER"."STATIONS"'],
    },
    {
      id: 'create-table-a51c161c0ba6',
      kind: 'create-table',
      reason: 'new in the mirror (Iceberg table)',
      table: {
        tableId: '893a51da-f020-5aa1-8bee-5e258e1258c8',
        catalog: 'sales',
        schema: 'retail',
        name: 'order_items',
      },
      integration: 'D2S_UC_SALES',
      catalogNamespace: 'retail',
      catalogTableName: 'order_items',
      target: {
        database: 'SALES_MIRROR',
        schema: 'Retail Shop',
        name: 'ORDER_ITEMS',
      },
      dependsOn: ['create-integration-daad56479293', 'create-schema-77125ec3b25a'],
      sql: [
        "CREATE ICEBERG TABLE IF NOT EXISTS \"SALES_MIRROR\".\"Retail Shop\".\"ORDER_ITEMS\"\n  CATALOG = 'D2S_UC_SALES'\n  CATALOG_TABLE_NAME = 'order_items'\n  CATALOG_NAMESPACE = 'retail'\n  AUTO_REFRESH = TRUE\n  COMMENT = 'd2s mirror of sales.retail.order_items (uc_table_id=893a51da-f020-5aa1-8bee-5e258e1258c8)'",
      ],
    },
    {
      id: 'create-table-97133b759706',
      kind: 'create-table',
      reason: 'new in the mirror (UniForm Delta table)',
      table: {
        tableId: '2ba4772d-8759-57e2-bdef-327c98cd8e46',
        catalog: 'sales',
        schema: 'retail',
        name: 'orders',
      },
      integration: 'D2S_UC_SALES',
      catalogNamespace: 'retail',
      catalogTableName: 'orders',
      target: {
        database: 'SALES_MIRROR',
        schema: 'RETAIL',
        name: 'ORDERS',
      },
      dependsOn: ['create-integration-daad56479293', 'create-schema-eead351aca18'],
      sql: [
        "CREATE ICEBERG TABLE IF NOT EXISTS \"SALES_MIRROR\".\"RETAIL\".\"ORDERS\"\n  CATALOG = 'D2S_UC_SALES'\n  CATALOG_TABLE_NAME = 'orders'\n  CATALOG_NAMESPACE = 'retail'\n  AUTO_REFRESH = TRUE\n  COMMENT = 'd2s mirror of sales.retail.orders (uc_table_id=2ba4772d-8759-57e2-bdef-327c98cd8e46)'",
      ],
    },
    {
      id: 'create-table-80122f9291cc',
      kind: 'create-table',
      reason: 'new in the mirror (UniForm Delta table)',
      table: {
        tableId: '8fb38fc0-40dc-5f49-9534-b879467c4201',
        catalog: 'weather',
        schema: 'forecasts',
        name: 'daily_forecasts',
      },
      integration: 'D2S_UC_WEATHER',
      catalogNamespace: 'forecasts',
      catalogTableName: 'daily_forecasts',
      target: {
        database: 'WEATHER',
        schema: 'FORECASTS',
        name: 'DAILY_FORECASTS',
      },
      dependsOn: ['create-integration-6e971723cdb8', 'create-schema-a8ea30300e87'],
      sql: [
        "CREATE ICEBERG TABLE IF NOT EXISTS \"WEATHER\".\"FORECASTS\".\"DAILY_FORECASTS\"\n  CATALOG = 'D2S_UC_WEATHER'\n  CATALOG_TABLE_NAME = 'daily_forecasts'\n  CATALOG_NAMESPACE = 'forecasts'\n  AUTO_REFRESH = TRUE\n  COMMENT = 'd2s mirror of weather.forecasts.daily_forecasts (uc_table_id=8fb38fc0-40dc-5f49-9534-b879467c4201)'",
      ],
    },
  ],
  skipped: [
    {
      fullName: 'weather.forecasts.daily_forecast_summary',
      tableId: '4ec52b6b-7cff-5ad8-aa58-5b42a25e6f88',
      code: 'NOT_A_TABLE',
      reason: 'a view: only tables can be mirrored',
    },
    {
      fullName: 'weather.forecasts.forecast_staging',
      tableId: 'acbe701c-5d99-502c-b9cf-bc6ab95dadcd',
      code: 'NOT_ICEBERG_READABLE',
      reason:
        "a Delta table without Iceberg reads: enable UniForm (delta.universalFormat.enabledFormats = 'iceberg') to mirror it",
    },
  ],
  orphans: [],
  stats: {
    ucTablesSeen: 74,
    databricksRequests: 60,
    snowflakeStatements: 3,
    discoveryMs: 2154,
    snowflakeMs: 69,
    totalMs: 2233,
  },
};

export const RECORDED_RUN: MirrorRunView = {
  id: 'mirror_01M83YF4P4N1P5DA5SB10094V2',
  status: 'succeeded',
  origin: 'api',
  scope: {},
  includeRefresh: null,
  createdAt: '2026-11-23T10:15:46.630Z',
  startedAt: '2026-11-23T10:15:46.632Z',
  summary: {
    'create-integration': 2,
    'update-integration': 0,
    'create-schema': 4,
    'drop-table': 0,
    'rename-table': 0,
    'create-table': 3,
    'refresh-table': 0,
    actions: 9,
    unchanged: 0,
    skipped: 2,
    orphans: 0,
  },
  counts: {
    pending: 0,
    running: 0,
    succeeded: 9,
    failed: 0,
    skipped: 0,
  },
  actions: [
    {
      id: 'create-integration-daad56479293',
      kind: 'create-integration',
      target: 'D2S_UC_SALES',
      reason: 'no catalog integration for Unity Catalog catalog sales yet',
      status: 'succeeded',
    },
    {
      id: 'create-integration-6e971723cdb8',
      kind: 'create-integration',
      target: 'D2S_UC_WEATHER',
      reason: 'no catalog integration for Unity Catalog catalog weather yet',
      status: 'succeeded',
    },
    {
      id: 'create-schema-eead351aca18',
      kind: 'create-schema',
      target: 'SALES_MIRROR.RETAIL',
      reason: 'database SALES_MIRROR does not exist yet',
      status: 'succeeded',
    },
    {
      id: 'create-schema-77125ec3b25a',
      kind: 'create-schema',
      target: 'SALES_MIRROR.Retail Shop',
      reason: 'database SALES_MIRROR does not exist yet',
      status: 'succeeded',
    },
    {
      id: 'create-schema-a8ea30300e87',
      kind: 'create-schema',
      target: 'WEATHER.FORECASTS',
      reason: 'database WEATHER does not exist yet',
      status: 'succeeded',
    },
    {
      id: 'create-schema-d40030f78394',
      kind: 'create-schema',
      target: 'WEATHER.STATIONS',
      reason: 'database WEATHER does not exist yet',
      status: 'succeeded',
    },
    {
      id: 'create-table-a51c161c0ba6',
      kind: 'create-table',
      target: 'SALES_MIRROR.Retail Shop.ORDER_ITEMS',
      reason: 'new in the mirror (Iceberg table)',
      status: 'succeeded',
      tableId: '893a51da-f020-5aa1-8bee-5e258e1258c8',
      ucFullName: 'sales.retail.order_items',
      snowflake: {
        qualifiedName: 'SALES_MIRROR.Retail Shop.ORDER_ITEMS',
      },
      attempts: 1,
      durationMs: 222,
    },
    {
      id: 'create-table-97133b759706',
      kind: 'create-table',
      target: 'SALES_MIRROR.RETAIL.ORDERS',
      reason: 'new in the mirror (UniForm Delta table)',
      status: 'succeeded',
      tableId: '2ba4772d-8759-57e2-bdef-327c98cd8e46',
      ucFullName: 'sales.retail.orders',
      snowflake: {
        qualifiedName: 'SALES_MIRROR.RETAIL.ORDERS',
      },
      attempts: 1,
      durationMs: 231,
    },
    {
      id: 'create-table-80122f9291cc',
      kind: 'create-table',
      target: 'WEATHER.FORECASTS.DAILY_FORECASTS',
      reason: 'new in the mirror (UniForm Delta table)',
      status: 'succeeded',
      tableId: '8fb38fc0-40dc-5f49-9534-b879467c4201',
      ucFullName: 'weather.forecasts.daily_forecasts',
      snowflake: {
        qualifiedName: 'WEATHER.FORECASTS.DAILY_FORECASTS',
      },
      attempts: 1,
      durationMs: 231,
    },
  ],
  skipped: [
    {
      fullName: 'weather.forecasts.daily_forecast_summary',
      tableId: '4ec52b6b-7cff-5ad8-aa58-5b42a25e6f88',
      code: 'NOT_A_TABLE',
      reason: 'a view: only tables can be mirrored',
    },
    {
      fullName: 'weather.forecasts.forecast_staging',
      tableId: 'acbe701c-5d99-502c-b9cf-bc6ab95dadcd',
      code: 'NOT_ICEBERG_READABLE',
      reason:
        "a Delta table without Iceberg reads: enable UniForm (delta.universalFormat.enabledFormats = 'iceberg') to mirror it",
    },
  ],
  orphans: [],
  error: null,
  stats: {
    ucTablesSeen: 74,
    databricksRequests: 60,
    snowflakeStatements: 3,
    discoveryMs: 3113,
    snowflakeMs: 10,
    totalMs: 3125,
  },
  finishedAt: '2026-11-23T10:15:50.909Z',
};

export const RECORDED_TABLES: MirrorTableState[] = [
  {
    tableId: '893a51da-f020-5aa1-8bee-5e258e1258c8',
    uc: {
      fullName: 'sales.retail.order_items',
    },
    snowflake: {
      database: 'SALES_MIRROR',
      schema: 'Retail Shop',
      name: 'ORDER_ITEMS',
      qualifiedName: 'SALES_MIRROR.Retail Shop.ORDER_ITEMS',
    },
    status: 'mirrored',
    lastAction: {
      id: 'create-table-a51c161c0ba6',
      kind: 'create-table',
      runId: 'mirror_01M83YF4P4N1P5DA5SB10094V2',
      at: '2026-11-23T10:15:50.068Z',
    },
    lastError: null,
    updatedAt: '2026-11-23T10:15:50.068Z',
  },
  {
    tableId: '2ba4772d-8759-57e2-bdef-327c98cd8e46',
    uc: {
      fullName: 'sales.retail.orders',
    },
    snowflake: {
      database: 'SALES_MIRROR',
      schema: 'RETAIL',
      name: 'ORDERS',
      qualifiedName: 'SALES_MIRROR.RETAIL.ORDERS',
    },
    status: 'mirrored',
    lastAction: {
      id: 'create-table-97133b759706',
      kind: 'create-table',
      runId: 'mirror_01M83YF4P4N1P5DA5SB10094V2',
      at: '2026-11-23T10:15:50.100Z',
    },
    lastError: null,
    updatedAt: '2026-11-23T10:15:50.100Z',
  },
  {
    tableId: '8fb38fc0-40dc-5f49-9534-b879467c4201',
    uc: {
      fullName: 'weather.forecasts.daily_forecasts',
    },
    snowflake: {
      database: 'WEATHER',
      schema: 'FORECASTS',
      name: 'DAILY_FORECASTS',
      qualifiedName: 'WEATHER.FORECASTS.DAILY_FORECASTS',
    },
    status: 'mirrored',
    lastAction: {
      id: 'create-table-80122f9291cc',
      kind: 'create-table',
      runId: 'mirror_01M83YF4P4N1P5DA5SB10094V2',
      at: '2026-11-23T10:15:50.101Z',
    },
    lastError: null,
    updatedAt: '2026-11-23T10:15:50.101Z',
  },
];
