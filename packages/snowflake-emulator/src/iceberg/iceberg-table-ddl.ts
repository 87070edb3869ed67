import { authorizeCreateIn, authorizeIntegration, authorizeTable } from '../engine/access/authorize.js';
import type { AutoRefreshTracking, DatabaseEntry, SchemaEntry, TableEntry } from '../engine/catalog.js';
import { resolveObjectRef, resolveTable } from '../engine/name-resolution.js';
import type { StatementContext } from '../engine/statement-context.js';
import { col, type ResultColumn, type StatementResult, statusResult } from '../engine/statement-result.js';
import { createPhysicalTable, dropPhysicalTable, dropTable } from '../engine/statements/table-ddl.js';
import { optionBool, optionText } from '../engine/token-cursor.js';
import { displayIdentifier, SnowflakeError, sqlErrors } from '../errors.js';
import { catalogSqlError } from './catalog-functions.js';
import { findCatalogIntegration } from './catalog-integration-ddl.js';
import { icebergColumns, loadIcebergData, planIcebergScan } from './iceberg-data-loader.js';
import { autoRefreshStatus, snapshotFacts } from './auto-refresh-status.js';
import { readRemoteTable, takeRemoteIcebergTable } from './iceberg-table-prefetch.js';
import { type LoadTableResult, RestCatalogClient } from './rest-catalog-client.js';

const OK = 'Statement executed successfully.';

/**
 * CREATE [OR REPLACE] ICEBERG TABLE [IF NOT EXISTS] name
 *   [EXTERNAL_VOLUME = '...'] CATALOG = 'integration' CATALOG_TABLE_NAME = '...'
 *   [CATALOG_NAMESPACE = '...'] [AUTO_REFRESH = TRUE|FALSE] [COMMENT = '...']
 * Loads the table from the integration's Iceberg REST catalog; fails like
 * Snowflake when the integration or the remote table does not exist.
 */
export async function createIcebergTable(ctx: StatementContext, orReplace: boolean): Promise<StatementResult> {
  const c = ctx.cursor;
  let ifNotExists = c.acceptIfNotExists();
  const ref = resolveObjectRef(ctx.engine.catalog, ctx.session.state, c.objectName(), 'CREATE ICEBERG TABLE');
  ifNotExists = c.acceptIfNotExists() || ifNotExists;
  if (c.isOp('(')) throw sqlErrors.unsupported('Snowflake-managed Iceberg tables (column definitions)');
  const options = c.optionList();
  c.expectEnd();
  authorizeCreateIn(ctx, ref, 'CREATE ICEBERG TABLE');
  const existing = ref.schema.tables.get(ref.name);
  if (existing && orReplace && !ifNotExists) authorizeTable(ctx, ref, existing, 'OWNERSHIP');
  if (existing && ifNotExists)
    return statusResult(`${displayIdentifier(ref.name)} already exists, statement succeeded.`);
  if (existing && !orReplace) throw sqlErrors.alreadyExists('Object', ref.qualified);
  const integrationName = optionText(options.get('CATALOG'));
  if (!integrationName) throw sqlErrors.syntax('Missing option(s): [CATALOG]');
  const integration = findCatalogIntegration(ctx, integrationName);
  if (!integration) throw sqlErrors.integrationMissing(integrationName);
  authorizeIntegration(ctx, integration, integration.name, 'USAGE');
  if (!integration.enabled)
    throw new SnowflakeError(
      '091305',
      '22000',
      `SQL execution error: Catalog integration ${integration.name} is disabled.`,
    );
  const catalogTableName = optionText(options.get('CATALOG_TABLE_NAME'));
  if (!catalogTableName) throw sqlErrors.syntax('Missing option(s): [CATALOG_TABLE_NAME]');
  const namespace = optionText(options.get('CATALOG_NAMESPACE')) ?? integration.catalogNamespace;
  if (!namespace)
    throw sqlErrors.syntax(
      'Missing option(s): [CATALOG_NAMESPACE] (the catalog integration defines no CATALOG_NAMESPACE)',
    );

  const { loaded, files, fileColumns, built } =
    (await takeRemoteIcebergTable(ctx, integration, namespace, catalogTableName)) ??
    (await readRemoteTable(ctx, integration, namespace, catalogTableName));
  const table = ctx.engine.catalog.newTable(ref.name, icebergColumns(loaded), {
    // Built before the lock (prefetchIcebergTable): its physical table is this entry's, created and loaded.
    ...(built ? { id: built.id } : {}),
    owner: ctx.session.state.role,
    comment: optionText(options.get('COMMENT')) ?? null,
    iceberg: {
      integration: integration.name,
      catalogNamespace: namespace,
      catalogTableName,
      autoRefresh: optionBool(options.get('AUTO_REFRESH')) ?? false,
      baseLocation: loaded.metadata.location,
      metadataLocation: loaded['metadata-location'] ?? null,
      tableUuid: loaded.metadata['table-uuid'] ?? null,
      lastRefreshedOn: ctx.engine.clock(),
      tracking: takenIn(loaded, ctx.engine.clock().getTime()),
    },
  });
  if (!built) {
    await createPhysicalTable(ctx, table);
    try {
      await loadIcebergData(ctx, table, files, { fresh: true, fileColumns });
    } catch (err) {
      await dropPhysicalTable(ctx, table);
      throw err;
    }
  }
  if (existing) {
    ref.schema.tables.delete(ref.name);
    await dropPhysicalTable(ctx, existing);
  }
  ref.schema.tables.set(ref.name, table);
  return statusResult(`Table ${displayIdentifier(ref.name)} successfully created.`);
}

/**
 * Re-reads the remote table: its current metadata from the catalog, then the data files its
 * snapshot's manifests name. A metadata tree that cannot be followed fails the refresh and
 * leaves the table as it was.
 */
export async function refreshIcebergTable(
  ctx: StatementContext,
  table: TableEntry,
  alreadyLoaded?: LoadTableResult,
): Promise<void> {
  const state = table.iceberg;
  if (!state) return;
  let loaded: LoadTableResult;
  if (alreadyLoaded) loaded = alreadyLoaded;
  else {
    const integration = findCatalogIntegration(ctx, state.integration);
    if (!integration) throw sqlErrors.integrationMissing(state.integration);
    try {
      loaded = await new RestCatalogClient(
        integration,
        ctx.engine.fetch,
        ctx.engine.catalogSessions.of(integration),
      ).loadTable(state.catalogNamespace, state.catalogTableName);
    } catch (err) {
      throw catalogSqlError(err);
    }
  }
  const files = await planIcebergScan(ctx, loaded);
  const columns = icebergColumns(loaded);
  const sameSchema =
    columns.length === table.columns.length &&
    columns.every((c, i) => c.name === table.columns[i]?.name && c.type.duck === table.columns[i]?.type.duck);
  if (!sameSchema) {
    await dropPhysicalTable(ctx, table);
    table.columns = columns;
    await createPhysicalTable(ctx, table);
  }
  await loadIcebergData(ctx, table, files);
  state.baseLocation = loaded.metadata.location;
  state.metadataLocation = loaded['metadata-location'] ?? null;
  state.lastRefreshedOn = ctx.engine.clock();
  state.tracking = {
    ...takenIn(loaded, state.lastRefreshedOn.getTime()),
    lastPolledAt: state.tracking?.lastPolledAt ?? 0,
  };
}

/** The table now holds `loaded`'s current snapshot. */
function takenIn(loaded: LoadTableResult, now: number): AutoRefreshTracking {
  return {
    executionState: 'RUNNING',
    invalidExecutionStateReason: null,
    lastPolledAt: now,
    lastUpdatedTime: now,
    ...snapshotFacts(loaded),
  };
}

/**
 * ALTER ICEBERG TABLE [IF EXISTS] t REFRESH ['path'] | SET AUTO_REFRESH = b | SET COMMENT = '...'
 *
 * Not RENAME TO: Snowflake's documented ALTER ICEBERG TABLE syntax
 * (https://docs.snowflake.com/en/sql-reference/sql/alter-iceberg-table and
 * its REFRESH / CONVERT TO MANAGED / ALTER COLUMN pages) has no table rename,
 * only RENAME COLUMN, so `ALTER ICEBERG TABLE t RENAME TO u` fails as
 * unsupported (000002 / 0A000).
 */
export async function alterIcebergTable(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifExists = c.acceptIfExists();
  let found: ReturnType<typeof resolveTable>;
  try {
    found = resolveTable(ctx.engine.catalog, ctx.session.state, c.objectName(), 'ALTER ICEBERG TABLE');
  } catch (err) {
    if (ifExists) return statusResult(OK);
    throw err;
  }
  const { table } = found;
  if (!table.iceberg) throw sqlErrors.objectMissing(found.ref.qualified);
  authorizeTable(ctx, found.ref, table, 'OWNERSHIP');
  if (c.acceptWords('REFRESH')) {
    if (!c.done) c.string();
    c.expectEnd();
    await refreshIcebergTable(ctx, table);
    return statusResult(OK);
  }
  if (c.acceptWords('SET')) {
    const options = c.optionList();
    c.expectEnd();
    const autoRefresh = optionBool(options.get('AUTO_REFRESH'));
    if (autoRefresh !== undefined) table.iceberg.autoRefresh = autoRefresh;
    if (options.has('COMMENT')) table.comment = optionText(options.get('COMMENT')) ?? null;
    return statusResult(OK);
  }
  if (c.acceptWords('UNSET', 'COMMENT')) {
    table.comment = null;
    return statusResult(OK);
  }
  const t = c.peek();
  if (t?.kind === 'word') throw sqlErrors.unsupported(`ALTER ICEBERG TABLE ... ${t.upper}`);
  return c.fail(t);
}

export async function dropIcebergTable(ctx: StatementContext): Promise<StatementResult> {
  return dropTable(ctx, true);
}

export const ICEBERG_TABLE_COLUMNS: ResultColumn[] = [
  col.timestamp('created_on'),
  col.text('name'),
  col.text('database_name'),
  col.text('schema_name'),
  col.text('owner'),
  col.text('external_volume_name'),
  col.text('catalog_name'),
  col.text('iceberg_table_type'),
  col.text('catalog_table_name'),
  col.text('catalog_namespace'),
  col.text('base_location'),
  col.text('can_write_metadata'),
  col.text('invalid'),
  col.text('invalid_reason'),
  col.text('comment'),
  col.text('owner_role_type'),
  col.text('auto_refresh_status'),
  col.text('storage_serialization_policy'),
  col.text('catalog_sync_name'),
];

/** One SHOW ICEBERG TABLES row. */
export function icebergTableRow(database: DatabaseEntry, schema: SchemaEntry, table: TableEntry): unknown[] {
  const i = table.iceberg;
  // "the auto_refresh_status column" of SHOW ICEBERG TABLES holds the same status (SYSTEM$AUTO_REFRESH_STATUS docs).
  const autoRefresh = i ? JSON.stringify(autoRefreshStatus(i, i.tracking)) : null;
  return [
    table.createdOn,
    table.name,
    database.name,
    schema.name,
    table.owner,
    null,
    i?.integration ?? 'SNOWFLAKE',
    i ? 'UNMANAGED' : 'MANAGED',
    i?.catalogTableName ?? null,
    i?.catalogNamespace ?? null,
    i?.baseLocation ?? null,
    'N',
    'false',
    null,
    table.comment ?? '',
    'ROLE',
    autoRefresh,
    'COMPATIBLE',
    null,
  ];
}
