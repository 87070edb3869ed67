import type { MirrorCatalogConfig } from '../config/schema.js';
import type { ListTablesOptions, TagListOptions } from '../databricks/unity-catalog-api.js';
import type { SchemaInfo, TableInfo, TagAssignment } from '../databricks/unity-catalog-types.js';
import { mapWithConcurrency } from './concurrency.js';
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
}

export interface DiscoveryOptions {
  /** Unity Catalog calls in flight at once. @defaultValue 8 */
  concurrency?: number;
  signal?: AbortSignal;
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

  const catalogs = settings.catalogs.filter((c) => scope.catalogs === undefined || scope.catalogs.includes(c.name));
  const schemaLists = await mapWithConcurrency(catalogs, concurrency, async (catalog) => {
    calls++;
    const schemas = await uc.listSchemas(catalog.name);
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

  const tableLists = await mapWithConcurrency(schemas, concurrency, async ({ catalog, schema }) => {
    calls++;
    const tables = await uc.listTables(catalog.name, schema, { omitColumns: true, ...signal });
    return tables.map((table) => ({ catalog, table }));
  });
  const listed = tableLists.flat();

  const skipped: SkippedTable[] = [];
  const candidates: Array<{ catalog: MirrorCatalogConfig; table: TableInfo }> = [];
  for (const entry of listed) {
    const { table } = entry;
    const fullName = table.full_name || `${table.catalog_name}.${table.schema_name}.${table.name}`;
    const skip = (code: SkippedTable['code'], reason: string) =>
      skipped.push({ fullName, ...(table.table_id ? { tableId: table.table_id } : {}), code, reason });
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

  const decided = await mapWithConcurrency(candidates, concurrency, async ({ catalog, table }) => {
    calls++;
    const tags = tagMap(await uc.listTableTags(table.full_name, signal));
    return { catalog, table, tags };
  });

  const tables: DesiredTable[] = [];
  for (const { catalog, table, tags } of decided) {
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
  return { tables, skipped, tablesSeen: listed.length, schemasSeen: schemas.length, calls };
}
