import type { CatalogIntegrationEntry, TableEntry } from '../engine/catalog.js';
import { resolveObjectRef } from '../engine/name-resolution.js';
import type { StatementContext, StatementPrefetch } from '../engine/statement-context.js';
import { runDuck } from '../engine/duck-results.js';
import { createPhysicalTableSql, dropPhysicalTable } from '../engine/statements/table-ddl.js';
import { optionText, TokenCursor } from '../engine/token-cursor.js';
import { catalogSqlError } from './catalog-functions.js';
import { findCatalogIntegration } from './catalog-integration-ddl.js';
import {
  fileColumnsOn,
  icebergColumns,
  icebergInsertSql,
  parquetColumns,
  planIcebergScan,
} from './iceberg-data-loader.js';
import { type LoadTableResult, RestCatalogClient } from './rest-catalog-client.js';

/** What CREATE ICEBERG TABLE reads from the integration's catalog and the object store before it loads rows. */
export interface RemoteIcebergTable {
  loaded: LoadTableResult;
  /** The current snapshot's data files (planIcebergScan). */
  files: string[];
  /** The columns those files hold (parquetColumns). */
  fileColumns: string[];
  /**
   * The physical table already made and loaded from them (prefetchIcebergTable): an entry of newTable's that is
   * in no schema, for the handler to adopt by its id instead of creating and loading one under the lock.
   */
  built?: TableEntry;
}

/**
 * Reads the remote table of a `CREATE [OR REPLACE] ICEBERG TABLE` (its metadata, data files and their columns)
 * before the statement takes the engine's catalog lock. The engine runs statements one at a time; Snowflake
 * does not (DDL on different tables of an account runs at once), and the remote read (loadTable, the manifests,
 * the Parquet schema) is most of a CREATE's time, so holding the lock through it made every session wait for every
 * other session's HTTP round trips. The read is speculative: the handler uses it only when the integration,
 * namespace and table name it resolves under the lock are exactly those read here (createIcebergTable calls
 * takeRemoteIcebergTable), and reports its errors only where it would have read the table itself. Nothing
 * here changes the catalog.
 *
 * The physical table is built here too (created and loaded, the same steps in the same order as the handler's),
 * on a connection of its own: those DuckDB statements were the rest of a CREATE's time under the lock, so
 * concurrent CREATEs ran them one after another. Until the handler adopts it the table is in no schema, so no
 * statement can see it; one the handler does not take is dropped after the statement (`release`).
 *
 * Undefined for any other statement, or when the statement will not read the remote table (the name exists
 * and it is not OR REPLACE, the integration is missing or disabled, the text does not parse).
 */
export function prefetchIcebergTable(ctx: StatementContext): StatementPrefetch | undefined {
  try {
    const c = new TokenCursor(ctx.tokens, ctx.sql);
    if (!c.acceptWords('CREATE')) return undefined;
    const orReplace = c.acceptWords('OR', 'REPLACE');
    if (!c.acceptWords('ICEBERG', 'TABLE')) return undefined;
    c.acceptIfNotExists();
    const ref = resolveObjectRef(ctx.engine.catalog, ctx.session.state, c.objectName(), 'CREATE ICEBERG TABLE');
    c.acceptIfNotExists();
    const options = c.optionList();
    if (ref.schema.tables.has(ref.name) && !orReplace) return undefined;
    const integrationName = optionText(options.get('CATALOG'));
    const catalogTableName = optionText(options.get('CATALOG_TABLE_NAME'));
    const integration = integrationName ? findCatalogIntegration(ctx, integrationName) : undefined;
    if (!integration?.enabled || !catalogTableName) return undefined;
    const namespace = optionText(options.get('CATALOG_NAMESPACE')) ?? integration.catalogNamespace;
    if (!namespace) return undefined;
    const key = remoteTableKey(integration, namespace, catalogTableName);
    const value = readAndBuildRemoteTable(ctx, integration, namespace, catalogTableName).then(
      (ok) => ({ ok }),
      (error: unknown) => ({ error }),
    );
    const prefetch: StatementPrefetch = {
      key,
      value,
      release: async () => {
        const outcome = await value;
        if (prefetch.taken || !('ok' in outcome)) return;
        const { built } = outcome.ok;
        if (built)
          await ctx.engine
            .withScratchConnection((connection) => connection.run(`DROP TABLE IF EXISTS ${built.physical}`))
            .catch(() => undefined);
      },
    };
    return prefetch;
  } catch {
    // The handler parses again under the lock and reports the error where Snowflake would.
    return undefined;
  }
}

/**
 * The remote table read before the lock, when it was read for exactly this integration (as it is now: an
 * ALTER in between changes the key), namespace and name; undefined when the handler must read it itself.
 * A failed read is thrown here, as the handler's own read would throw it.
 */
export async function takeRemoteIcebergTable(
  ctx: StatementContext,
  integration: CatalogIntegrationEntry,
  namespace: string,
  catalogTableName: string,
): Promise<RemoteIcebergTable | undefined> {
  const prefetch = ctx.prefetch;
  if (!prefetch || prefetch.key !== remoteTableKey(integration, namespace, catalogTableName)) return undefined;
  prefetch.taken = true;
  const outcome = await prefetch.value;
  if ('error' in outcome) throw outcome.error;
  return outcome.ok as RemoteIcebergTable;
}

/** Reads the table's metadata from the catalog (its failures as Snowflake reports them) and plans its scan. */
export async function readRemoteTable(
  ctx: StatementContext,
  integration: CatalogIntegrationEntry,
  namespace: string,
  catalogTableName: string,
): Promise<RemoteIcebergTable> {
  const loaded = await loadRemoteTable(ctx, integration, namespace, catalogTableName);
  const files = await planIcebergScan(ctx, loaded);
  return { loaded, files, fileColumns: await parquetColumns(ctx, files) };
}

/**
 * readRemoteTable, then the physical table the handler would create and load (createIcebergTable, the same
 * statements in the same order), on a connection of its own, not the session's (whose transaction a CREATE commits
 * before it creates anything). A failed load drops the table, as the handler does; every failure is reported where
 * the handler's read would report it.
 */
async function readAndBuildRemoteTable(
  ctx: StatementContext,
  integration: CatalogIntegrationEntry,
  namespace: string,
  catalogTableName: string,
): Promise<RemoteIcebergTable> {
  const loaded = await loadRemoteTable(ctx, integration, namespace, catalogTableName);
  const files = await planIcebergScan(ctx, loaded);
  return ctx.engine.withOwnConnection(ctx.session.state, async (connection) => {
    const fileColumns = await fileColumnsOn(connection, files);
    const built = ctx.engine.catalog.newTable(catalogTableName, icebergColumns(loaded));
    const create = createPhysicalTableSql(built);
    // CREATE and INSERT in one DuckDB run (it stops at the first statement that fails): a run is a thread-pool
    // round trip, and the CPU is what many concurrent CREATEs wait for.
    try {
      if (files.length === 0) await runDuck(connection, create);
      else await runDuck(connection, `${create};\n${icebergInsertSql(built, files, fileColumns)}`, ctx.signal);
    } catch (err) {
      await dropPhysicalTable({ ...ctx, session: { ...ctx.session, connection } }, built);
      throw err;
    }
    return { loaded, files, fileColumns, built };
  });
}

async function loadRemoteTable(
  ctx: StatementContext,
  integration: CatalogIntegrationEntry,
  namespace: string,
  catalogTableName: string,
): Promise<LoadTableResult> {
  try {
    return await new RestCatalogClient(
      integration,
      ctx.engine.fetch,
      ctx.engine.catalogSessions.of(integration),
    ).loadTable(namespace, catalogTableName);
  } catch (err) {
    throw catalogSqlError(err);
  }
}

/** Every setting of the integration is in the key, so a table is never loaded with credentials since changed. */
export function remoteTableKey(
  integration: CatalogIntegrationEntry,
  namespace: string,
  catalogTableName: string,
): string {
  return JSON.stringify([integration, namespace, catalogTableName]);
}
