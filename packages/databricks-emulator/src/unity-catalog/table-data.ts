import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ObjectStore } from '../object-store.js';
import { COLUMN_TYPES } from '../data/column-types.js';
import { stableUuid } from '../data/stable-uuid.js';
import { type Cell, generateRows, seedFrom } from '../data/synthetic-rows.js';
import { type AddedDataFile, commitAppend, type ObjectWriter } from '../iceberg/snapshot-commit.js';
import { icebergSchemaOf } from '../iceberg/table-metadata.js';
import type { ParquetWriter } from '../parquet-writer.js';
import { isIcebergReadable, type TableEntry } from './catalog-store.js';
import { commitDeltaWrite } from './delta-log.js';

export interface TableDataDeps {
  objectStore: ObjectStore;
  writer: ParquetWriter;
  tempDir: string;
}

/**
 * Writes an Iceberg-readable table's first rows and its Iceberg metadata tree into the object
 * store, replacing whatever the location held, and records the metadata on the table:
 *
 *   UniForm (Delta with Iceberg reads): Parquet files where Delta writes them, at the table root
 *     (`<location>/part-00000-<uuid>-c000.snappy.parquet`); managed Iceberg: `<location>/data/`
 *     (Iceberg's default `write.data.path`, https://iceberg.apache.org/docs/latest/configuration/).
 *   UniForm also keeps the Delta transaction log it is derived from in `<location>/_delta_log/` (delta-log.ts).
 *   Both: `<location>/metadata/` holds `NNNNN-<uuid>.metadata.json` -> `snap-<id>-1-<uuid>.avro`
 *     (manifest list) -> `<uuid>-m0.avro` (manifest) -> the data files, per the Iceberg table spec.
 *
 * Rows are deterministic from the table id. Other tables are left alone.
 */
export async function writeTableData(deps: TableDataDeps, table: TableEntry, now: number): Promise<void> {
  if (!isIcebergReadable(table) || !table.storageLocation) return;
  await removeTableFiles(deps.objectStore.pathOf(table.storageLocation));
  table.iceberg = undefined;
  table.deltaLog = undefined;
  const file = await writeDataFile(deps, table, 0, table.rows);
  const files = file ? [file] : [];
  if (table.format === 'uniform')
    table.deltaLog = await commitDeltaWrite(deltaDeps(deps), table, undefined, files, now);
  table.iceberg = await commitAppend(objectWriter(deps), table, undefined, files, now);
}

/**
 * Appends `count` more rows to the table as a new data file and commits a new snapshot (a Delta
 * write converted to Iceberg by UniForm, or a write to a managed Iceberg table): new manifest,
 * new manifest list, new metadata.json. The rows continue the table's deterministic sequence.
 */
export async function appendTableRows(
  deps: TableDataDeps,
  table: TableEntry,
  count: number,
  now: number,
): Promise<void> {
  const previous = table.iceberg;
  if (!isIcebergReadable(table) || !table.storageLocation || !previous)
    throw new Error(`${table.name} is not a table the emulator writes Iceberg metadata for`);
  const file = await writeDataFile(deps, table, table.rows, count);
  const files = file ? [file] : [];
  // UniForm: the Delta commit first; its Iceberg metadata is generated from it.
  if (table.format === 'uniform')
    table.deltaLog = await commitDeltaWrite(deltaDeps(deps), table, table.deltaLog, files, now);
  table.iceberg = await commitAppend(objectWriter(deps), table, previous, files, now);
  table.rows += count;
}

/** Rows [firstRow, firstRow + count) as one Parquet file; none when count is 0 (Delta writes no empty files). */
async function writeDataFile(
  deps: TableDataDeps,
  table: TableEntry,
  firstRow: number,
  count: number,
): Promise<AddedDataFile | undefined> {
  if (count === 0) return undefined;
  const location = table.storageLocation ?? '';
  const fileUuid = stableUuid(`data:${table.tableId}:${firstRow}`);
  const url =
    table.format === 'uniform'
      ? `${location}/part-00000-${fileUuid}-c000.snappy.parquet`
      : `${location}/data/00000-0-${fileUuid}-00001.parquet`;
  const path = deps.objectStore.pathOf(url);
  const schema = icebergSchemaOf(table);
  const rows = generateRows({
    columns: table.columns,
    seed: seedFrom(0, { table: table.tableId }),
    firstRow,
    count,
  });
  await deps.writer.write(
    path,
    table.columns.map((c) => ({ name: c.name, type: c.type, duckdbType: COLUMN_TYPES[c.type].duckdbTableType })),
    rows,
    // Iceberg readers match Parquet columns by field id and find the schema under iceberg.schema.
    {
      fieldIds: Object.fromEntries(schema.fields.map((f) => [f.name, f.id])),
      keyValueMetadata: { 'iceberg.schema': JSON.stringify(schema) },
    },
  );
  return {
    path: url,
    recordCount: count,
    sizeBytes: (await stat(path)).size,
    nullValueCounts: nullCounts(rows, schema.fields.length),
  };
}

/**
 * Removes what this module writes at a table location (_delta_log/, metadata/, data/, root part-*.parquet
 * files) and nothing else: a location given in a fixture or through the admin API may hold
 * other files.
 */
async function removeTableFiles(root: string): Promise<void> {
  await rm(join(root, '_delta_log'), { recursive: true, force: true });
  await rm(join(root, 'metadata'), { recursive: true, force: true });
  await rm(join(root, 'data'), { recursive: true, force: true });
  const names = await readdir(root).catch(() => [] as string[]);
  await Promise.all(
    names.filter((n) => /^part-\d+-.+\.parquet$/.test(n)).map((n) => rm(join(root, n), { force: true })),
  );
}

function nullCounts(rows: Cell[][], columns: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (let c = 0; c < columns; c++) counts.set(c + 1, rows.filter((row) => row[c] === null).length);
  return counts;
}

function deltaDeps(deps: TableDataDeps) {
  return {
    write: objectWriter(deps),
    writeParquet: (url: string, jsonLines: string, columnTypes: Record<string, string>) =>
      deps.writer.writeJsonRows(deps.objectStore.pathOf(url), jsonLines, columnTypes),
  };
}

/** Writes through a temporary file and a rename, so a reader never sees a half-written object. */
function objectWriter(deps: TableDataDeps): ObjectWriter {
  return async (url, bytes) => {
    const path = deps.objectStore.pathOf(url);
    await mkdir(deps.tempDir, { recursive: true });
    const temp = join(deps.tempDir, `${stableUuid(`${url}:${Date.now()}:${Math.random()}`)}.tmp`);
    await writeFile(temp, bytes);
    await mkdir(dirname(path), { recursive: true });
    await rename(temp, path);
  };
}
