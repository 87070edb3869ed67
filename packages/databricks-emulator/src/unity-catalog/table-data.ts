import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ObjectStore } from '../object-store.js';
import { COLUMN_TYPES } from '../data/column-types.js';
import { stableUuid } from '../data/stable-uuid.js';
import { generateRows, seedFrom } from '../data/synthetic-rows.js';
import { buildTableMetadata } from '../iceberg/table-metadata.js';
import type { ParquetWriter } from '../parquet-writer.js';
import { isIcebergReadable, type TableEntry } from './catalog-store.js';

export interface TableDataDeps {
  objectStore: ObjectStore;
  writer: ParquetWriter;
  tempDir: string;
}

/**
 * Writes an Iceberg-readable table's data and Iceberg metadata into the object store:
 *   <storage_location>/data/00000-0-<uuid>-00001.parquet        (the rows, deterministic from table_id)
 *   <storage_location>/metadata/00000-<uuid>.metadata.json       (format-v2 table metadata)
 * and records the metadata location on the table. Other tables are left alone.
 */
export async function writeTableData(deps: TableDataDeps, table: TableEntry, now: number): Promise<void> {
  if (!isIcebergReadable(table) || !table.storageLocation) return;
  const location = table.storageLocation;
  const root = deps.objectStore.pathOf(location);
  await rm(join(root, 'data'), { recursive: true, force: true });
  await rm(join(root, 'metadata'), { recursive: true, force: true });

  const dataName = `00000-0-${stableUuid(`data:${table.tableId}`)}-00001.parquet`;
  const dataPath = join(root, 'data', dataName);
  const columns = table.columns.map((c) => ({
    name: c.name,
    type: c.type,
    duckdbType: COLUMN_TYPES[c.type].duckdbTableType,
  }));
  const rows = generateRows({
    columns: table.columns,
    seed: seedFrom(0, { table: table.tableId }),
    firstRow: 0,
    count: table.rows,
  });
  await deps.writer.write(dataPath, columns, rows);
  const size = (await stat(dataPath)).size;

  const metadata = buildTableMetadata(
    table,
    [{ path: `${location}/data/${dataName}`, recordCount: table.rows, sizeBytes: size }],
    now,
  );
  const metadataLocation = `${location}/metadata/00000-${stableUuid(`metadata:${table.tableId}`)}.metadata.json`;
  const metadataPath = deps.objectStore.pathOf(metadataLocation);
  await mkdir(deps.tempDir, { recursive: true });
  const temp = join(deps.tempDir, `${stableUuid(`${metadataLocation}:${now}`)}.json`);
  await writeFile(temp, JSON.stringify(metadata, null, 2));
  await mkdir(dirname(metadataPath), { recursive: true });
  await rename(temp, metadataPath);
  table.iceberg = { metadataLocation, metadata };
}
