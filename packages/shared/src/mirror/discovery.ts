import type { MirrorCatalogConfig } from '../config/schema.js';
import { DatabricksPermissionError } from '../databricks/errors.js';
import type { ListTablesOptions, TagListOptions } from '../databricks/unity-catalog-api.js';
import type { EffectivePrivilege, SchemaInfo, TableInfo, TagAssignment } from '../databricks/unity-catalog-types.js';
import { type CatalogTableTags, isPermissionRefusal, readCatalogTableTags } from './bulk-tags.js';
import { mapWithConcurrency } from './concurrency.js';
import type { MetadataLocationReader } from './inventory/metadata-locations.js';
import type { StatementRunner } from './inventory/mirror-inventory.js';
import { icebergReadability, tableFilter, tagMap } from './eligibility.js';
import type { MirrorScope } from './mirror-action.js';
import type { MirrorSettings } from './mirror-settings.js';
import { integrationFor, snowflakeTargetFor } from './naming.js';
import type { DesiredTable, DiscoveredTables, SkippedTable } from './plan.js';

/** The part of the Unity Catalog client discovery uses (every list follows every page token). */
export interface UnityCatalogReader {
  listSchemas(catalogName: string): Promise<SchemaInfo[]>;
  listTables(catalogName: string, schemaName: string, options?: ListTablesOptions): Promise<TableInfo[]>;
  listTableTags(fullName: string, options?: TagListOptions): Promise<TagAssignment[]>;
  /** Privileges a principal holds on a schema; used to check EXTERNAL USE SCHEMA for the integration. */
  effectivePrivileges?(securableType: 'schema', fullName: string, principal: string): Promise<EffectivePrivilege[]>;
  /** One table in detail; the inventory reads a UniForm table's Iceberg metadata location from it. */
  getTable?: MetadataLocationReader['getTable'];
}

export interface DiscoveryOptions {
  /** Unity Catalog calls in flight at once. @defaultValue 8 */
  concurrency?: number;
  signal?: AbortSignal;
  /**
   * Who d2s reads Unity Catalog as (a user name or an OAuth client id), named in "grant … to <principal>"
   * reasons. @defaultValue "d2s's Databricks principal"
   */
  principal?: string;
  /**
   * The principal Snowflake's catalog integration authenticates as (mirror.oauthClientId). When set, every
   * schema with tables to mirror is checked for EXTERNAL USE SCHEMA for it: without that privilege the Iceberg
   * REST catalog vends no storage credentials and Snowflake cannot load the tables.
   */
  integrationPrincipal?: string;
  /**
   * SQL on a warehouse (databricks.sqlWarehouseId): tags are then read with one query per catalog over
   * `information_schema.table_tags` instead of one request per table; a query refused for a missing privilege
   * falls back to per-table requests for that catalog.
   */
  sql?: StatementRunner;
}

export interface DiscoveryResult extends DiscoveredTables {
  /** Every table and view listed, eligible or not. */
  tablesSeen: number;
  schemasSeen: number;
  /** List and tag calls made (each list call may have followed several pages). */
  calls: number;
}

/** `information_schema` holds views about the catalog, never data to mirror. */
const SYSTEM_SCHEMAS = new Set(['information_schema']);

/**
 * Walks the configured catalogs (narrowed by `scope`): schemas, then tables of
 * each schema, then the tags of every table that could be mirrored. Tables
 * that cannot or should not be mirrored come back under `skipped` with the
 * reason; tags are read only for tables that pass the format and name rules.
 */
export async function discoverTables(
  uc: UnityCatalogReader,
  settings: Pick<MirrorSettings, 'catalogs' | 'include' | 'exclude' | 'tags' | 'integrationPer' | 'integrationPrefix'>,
  scope: MirrorScope = {},
  options: DiscoveryOptions = {},
): Promise<DiscoveryResult> {
  const concurrency = options.concurrency ?? 8;
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  const filter = tableFilter(settings);
  let calls = 0;
  const who = options.principal ?? "d2s's Databricks principal";
  const skipped: SkippedTable[] = [];
  const unreadable: string[] = [];
  /** A listing refused for a missing privilege: recorded as skipped with the grant that fixes it. */
  const refused = (scope: string, error: unknown): [] => {
    if (!(error instanceof DatabricksPermissionError)) throw error;
    unreadable.push(scope);
    skipped.push({
      fullName: `${scope}.*`,
      code: 'PERMISSION_DENIED',
      reason: `cannot list ${scope.includes('.') ? 'schema' : 'catalog'} ${scope}: ${grantAdvice(error, who)}`,
    });
    return [];
  };

  const catalogs = settings.catalogs.filter((c) => scope.catalogs === undefined || scope.catalogs.includes(c.name));
  const schemaLists = await mapWithConcurrency(catalogs, concurrency, async (catalog) => {
    calls++;
    const schemas = await uc.listSchemas(catalog.name).catch((error: unknown) => refused(catalog.name, error));
    return schemas
      .filter((s) => !SYSTEM_SCHEMAS.has(s.name.toLowerCase()))
      .filter((s) => catalog.schemas === undefined || catalog.schemas.includes(s.name))
      .filter(
        (s) =>
          scope.schemas === undefined ||
          scope.schemas.some((wanted) => wanted === s.name || wanted === `${catalog.name}.${s.name}`),
      )
      .map((s) => ({ catalog, schema: s.name }));
  });
  const schemas = schemaLists.flat();

  // A catalog's tags in one query (with a warehouse), started now: it needs only the catalog's name, and on the
  // warehouse it takes as long as listing every schema's tables, so the two overlap instead of adding up.
  const sql = options.sql;
  const tagReads = new Map<string, Promise<CatalogTableTags | undefined>>();
  if (sql)
    for (const catalogName of new Set(schemas.map(({ catalog }) => catalog.name))) {
      const read = readCatalogTableTags(sql, catalogName, options.signal).catch((error: unknown) => {
        if (!isPermissionRefusal(error)) throw error;
        return undefined; // refused: this catalog's tags are read table by table
      });
      read.catch(() => undefined); // awaited below; a failure while listing must not go unhandled
      tagReads.set(catalogName, read);
    }

  const tableLists = await mapWithConcurrency(schemas, concurrency, async ({ catalog, schema }) => {
    calls++;
    // include_browse: tables d2s may only browse come back marked browse_only, so they are reported as skipped
    // with the grant they need instead of silently missing.
    const tables = await uc
      .listTables(catalog.name, schema, { omitColumns: true, includeBrowse: true, ...signal })
      .catch((error: unknown) => refused(`${catalog.name}.${schema}`, error));
    return tables.map((table) => ({ catalog, table }));
  });
  const listed = tableLists.flat();

  const candidates: Array<{ catalog: MirrorCatalogConfig; table: TableInfo }> = [];
  for (const entry of listed) {
    const { table } = entry;
    const fullName = table.full_name || `${table.catalog_name}.${table.schema_name}.${table.name}`;
    const skip = (code: SkippedTable['code'], reason: string) =>
      skipped.push({ fullName, ...(table.table_id ? { tableId: table.table_id } : {}), code, reason });
    if (table.browse_only === true) {
      skip('PERMISSION_DENIED', `d2s may only browse it: grant SELECT on table ${fullName} to ${who}`);
      continue;
    }
    const readable = icebergReadability(table);
    if (!readable.readable) {
      skip(readable.code, readable.reason);
      continue;
    }
    if (!table.table_id) {
      skip('NO_TABLE_ID', 'Unity Catalog returned no table_id; d2s keys mirrored tables by it');
      continue;
    }
    const byName = filter.byName(fullName);
    if (!byName.selected) {
      skip(byName.code, byName.reason);
      continue;
    }
    candidates.push(entry);
  }

  const externalUse = await checkExternalUse(uc, candidates, options.integrationPrincipal, concurrency);
  calls += externalUse.calls;

  const bulkTags = new Map<string, CatalogTableTags>();
  for (const [catalogName, read] of tagReads) {
    calls++;
    const tags = await read;
    if (tags) bulkTags.set(catalogName, tags);
  }

  const decided = await mapWithConcurrency(candidates, concurrency, async ({ catalog, table }) => {
    const schemaName = `${table.catalog_name}.${table.schema_name}`;
    const missing = externalUse.missing.get(schemaName);
    if (missing) return { catalog, table, refusal: { code: 'NO_EXTERNAL_USE' as const, reason: missing } };
    const inBulk = bulkTags.get(catalog.name);
    if (inBulk) return { catalog, table, tags: inBulk.get(table.full_name) ?? {} };
    calls++;
    try {
      const tags = tagMap(await uc.listTableTags(table.full_name, signal));
      return { catalog, table, tags };
    } catch (error) {
      if (!(error instanceof DatabricksPermissionError)) throw error;
      return {
        catalog,
        table,
        refusal: { code: 'PERMISSION_DENIED' as const, reason: `cannot read its tags: ${grantAdvice(error, who)}` },
      };
    }
  });

  const tables: DesiredTable[] = [];
  for (const { catalog, table, tags, refusal } of decided) {
    if (refusal || tags === undefined) {
      const { code, reason } = refusal ?? { code: 'PERMISSION_DENIED' as const, reason: 'tags unreadable' };
      skipped.push({ fullName: table.full_name, tableId: table.table_id, code, reason });
      continue;
    }
    const byTags = filter.byTags(tags);
    if (!byTags.selected) {
      skipped.push({ fullName: table.full_name, tableId: table.table_id, code: byTags.code, reason: byTags.reason });
      continue;
    }
    const readable = icebergReadability(table);
    const ref = { catalog: table.catalog_name, schema: table.schema_name, name: table.name };
    tables.push({
      table: { tableId: table.table_id as string, ...ref },
      format: readable.readable ? readable.format : 'ICEBERG',
      target: snowflakeTargetFor(ref, tags, catalog, settings),
      integration: integrationFor(ref, settings),
    });
  }
  return { tables, skipped, unreadable, tablesSeen: listed.length, schemasSeen: schemas.length, calls };
}

/** "grant USE SCHEMA on schema weather.forecasts to <who>", from what the 403 says is missing. */
function grantAdvice(error: DatabricksPermissionError, who: string): string {
  const missing = error.missingPrivilege;
  if (!missing) return `permission denied (${error.message}); check d2s's grants`;
  return `grant ${missing.privilege} on ${missing.securableType.toLowerCase()} ${missing.securableName} to ${who}`;
}

/**
 * For each schema with tables to mirror, whether the integration's principal holds EXTERNAL USE SCHEMA (one
 * effective-permissions call per schema). A schema d2s may not inspect is not judged: Snowflake will say.
 */
async function checkExternalUse(
  uc: UnityCatalogReader,
  candidates: ReadonlyArray<{ table: TableInfo }>,
  principal: string | undefined,
  concurrency: number,
): Promise<{ missing: Map<string, string>; calls: number }> {
  const missing = new Map<string, string>();
  if (principal === undefined || uc.effectivePrivileges === undefined) return { missing, calls: 0 };
  const check = uc.effectivePrivileges.bind(uc);
  const schemas = [...new Set(candidates.map(({ table }) => `${table.catalog_name}.${table.schema_name}`))];
  await mapWithConcurrency(schemas, concurrency, async (schema) => {
    try {
      const privileges = await check('schema', schema, principal);
      if (!privileges.some((p) => p.privilege === 'EXTERNAL_USE_SCHEMA')) {
        missing.set(
          schema,
          `grant EXTERNAL USE SCHEMA on schema ${schema} to ${principal} (Snowflake's catalog integration reads as ${principal}; without it Unity Catalog vends no storage credentials)`,
        );
      }
    } catch (error) {
      if (!(error instanceof DatabricksPermissionError)) throw error;
    }
  });
  return { missing, calls: schemas.length };
}
