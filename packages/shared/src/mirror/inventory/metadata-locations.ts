import type { GetTableOptions } from '../../databricks/unity-catalog-api.js';
import type { TableInfo } from '../../databricks/unity-catalog-types.js';
import { mapWithConcurrency } from '../concurrency.js';
import { isTableAction, tableIdOf } from '../mirror-action.js';
import type { PlannedAction } from '../plan.js';
import type { InventoryRow } from './inventory-rows.js';

/** The one Unity Catalog call that says where a UniForm table's Iceberg metadata is (`delta_uniform_iceberg`). */
export interface MetadataLocationReader {
  getTable(fullName: string, options?: GetTableOptions): Promise<TableInfo>;
}

export interface MetadataLookupOptions {
  /** Lookups at most, per refresh: a plan that re-creates 5,000 tables must not wait for 5,000 requests. */
  limit: number;
  concurrency: number;
  signal?: AbortSignal;
}

export interface MetadataLookupReport {
  /** Tables looked up, and how many of them answered with a location. */
  looked: number;
  found: number;
  failed: number;
  /** Wanted but over the limit: their rows keep the location the inventory had. */
  deferred: number;
}

const ACTED_ON = new Set(['create-table', 'rename-table', 'refresh-table', 'alter-table']);

/**
 * Fills `metadataLocation` on the rows of the UniForm tables a plan acts on (create, rename, refresh, alter),
 * from GET table: the table listings d2s plans from do not carry it, and one request per table is what it costs,
 * so only the tables being (re)mirrored are looked up, at most `limit` of them. A row left null (not looked up,
 * failed, or a managed Iceberg table, for which Unity Catalog returns no `delta_uniform_iceberg`) keeps the
 * location the inventory had (mergeInventorySql). Never throws: the inventory must not fail a run.
 */
export async function lookUpMetadataLocations(
  rows: InventoryRow[],
  actions: readonly PlannedAction[],
  unityCatalog: MetadataLocationReader,
  options: MetadataLookupOptions,
): Promise<MetadataLookupReport> {
  const byId = new Map(rows.map((row) => [row.tableId, row]));
  // A Set, in plan order: a first run plans thousands of creates, and a row is wanted once.
  const wanted = new Set<InventoryRow>();
  for (const action of actions) {
    if (!isTableAction(action) || !ACTED_ON.has(action.kind)) continue;
    const row = byId.get(tableIdOf(action));
    if (row?.format === 'UNIFORM') wanted.add(row);
  }
  const looked = [...wanted].slice(0, options.limit);
  let found = 0;
  let failed = 0;
  await mapWithConcurrency(looked, options.concurrency, async (row) => {
    try {
      const info = await unityCatalog.getTable(
        `${row.catalog}.${row.schema}.${row.name}`,
        options.signal ? { signal: options.signal } : {},
      );
      const location = info.delta_uniform_iceberg?.metadata_location;
      if (typeof location === 'string' && location !== '') {
        row.metadataLocation = location;
        found++;
      }
    } catch {
      failed++;
    }
  });
  return { looked: looked.length, found, failed, deferred: wanted.size - looked.length };
}
