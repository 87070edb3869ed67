import { readFileSync, statSync } from 'node:fs';
import type { ObjectStore } from '../object-store.js';
import { SnowflakeError, sqlErrors } from '../errors.js';
import { readAvroContainer } from './avro-container-reader.js';
import {
  DATA_FILE_FIELDS,
  forFormatVersion,
  InvalidManifestError,
  MANIFEST_ENTRY_FIELDS,
  MANIFEST_FILE_FIELDS,
  MANIFEST_METADATA_KEYS,
  projectionFor,
  recordSchemaOf,
} from './manifest-projection.js';

/** The table metadata a scan follows (Iceberg spec "Table Metadata Fields", "Snapshots"). */
export interface ScannedTableMetadata {
  'format-version'?: number;
  'current-snapshot-id'?: number | null;
  snapshots?: { 'snapshot-id': number; 'manifest-list'?: string; manifests?: string[] }[];
}

/** A live data file of the current snapshot. */
export interface SnapshotDataFile {
  /** s3:// URL, as the manifest names it. */
  url: string;
  /** Its local path in the object store. */
  path: string;
  recordCount: bigint;
}

/**
 * Snowflake's words when a file it must read is not in storage (Snowflake docs quote it for
 * stage and Snowpipe reads: https://docs.snowflake.com/en/user-guide/data-load-snowpipe-ts and
 * https://docs.snowflake.com/en/sql-reference/functions/to_file). The error code for an Iceberg
 * scan is not documented publicly; 091016 is the emulator's choice.
 */
export function remoteFileMissing(url: string): SnowflakeError {
  return new SnowflakeError(
    '091016',
    '22000',
    `Remote file '${url}' was not found. There are several potential causes. The file might not exist. The required credentials may be missing or invalid. If you are running a copy command, please make sure files are not deleted when they are being loaded or files are not being loaded into two different tables concurrently with auto purge option.`,
  );
}

/** A metadata file that is not valid Iceberg (wording and code are the emulator's; Snowflake's are not documented). */
function invalidMetadata(url: string, detail: string): SnowflakeError {
  return sqlErrors.executionError(`Failed to read Iceberg metadata file '${url}': ${detail}`);
}

/**
 * The data files of the table's current snapshot, found only by following its metadata tree:
 * current-snapshot-id -> the snapshot's manifest list (Avro) -> its data manifests (Avro) -> the
 * entries that are not DELETED. Nothing is listed: a file the manifests do not name is not read,
 * and a file they name that is gone fails the read. A table with no current snapshot is empty.
 */
export async function currentSnapshotDataFiles(
  store: ObjectStore,
  metadata: ScannedTableMetadata,
): Promise<SnapshotDataFile[]> {
  const formatVersion = metadata['format-version'] ?? 1;
  if (formatVersion !== 1 && formatVersion !== 2)
    throw sqlErrors.unsupported(`Iceberg table format version ${formatVersion}`);
  const currentId = metadata['current-snapshot-id'];
  if (currentId === undefined || currentId === null || currentId === -1) return [];
  const snapshot = metadata.snapshots?.find((s) => s['snapshot-id'] === currentId);
  if (!snapshot)
    throw sqlErrors.executionError(
      `Iceberg table metadata names current snapshot ${currentId}, which is not in its snapshots.`,
    );
  const listUrl = snapshot['manifest-list'];
  if (!listUrl) throw sqlErrors.unsupported('Iceberg v1 snapshots without a manifest list');

  const list = await readContainer(store, listUrl);
  const manifestFile = guard(listUrl, () =>
    projectionFor(
      recordSchemaOf(list.writerSchema),
      forFormatVersion(MANIFEST_FILE_FIELDS, formatVersion),
      `manifest list ${listUrl}`,
    ),
  );
  const files: SnapshotDataFile[] = [];
  for (const record of list.records) {
    const manifest = guard(listUrl, () => manifestFile(record));
    const content = Number(manifest.content ?? 0);
    const path = String(manifest.path);
    if (content === 1) {
      const liveDeletes = Number(manifest.addedFilesCount ?? 1) + Number(manifest.existingFilesCount ?? 1);
      if (liveDeletes > 0) throw sqlErrors.unsupported('Iceberg row-level deletes (delete files)');
      continue;
    }
    if (content !== 0) throw invalidMetadata(listUrl, `manifest ${path} has unknown content ${content}`);
    files.push(...(await dataFilesOf(store, path, BigInt(manifest.length as bigint), formatVersion)));
  }
  return files;
}

async function dataFilesOf(
  store: ObjectStore,
  url: string,
  length: bigint,
  formatVersion: number,
): Promise<SnapshotDataFile[]> {
  const manifest = await readContainer(store, url, length);
  if (formatVersion >= 2) {
    const missing = MANIFEST_METADATA_KEYS.filter((key) => manifest.metadata[key] === undefined);
    if (missing.length > 0) throw invalidMetadata(url, `the manifest's Avro metadata lacks ${missing.join(', ')}`);
    if (manifest.metadata.content !== 'data')
      throw invalidMetadata(url, `the manifest list says data, the manifest says ${manifest.metadata.content}`);
  }
  const entry = guard(url, () =>
    projectionFor(
      recordSchemaOf(manifest.writerSchema),
      forFormatVersion(MANIFEST_ENTRY_FIELDS, formatVersion),
      `manifest ${url}`,
    ),
  );
  const dataFileSchema = recordSchemaOf(manifest.writerSchema)?.fields.find((f) => f['field-id'] === 2)?.type;
  const dataFile = guard(url, () =>
    projectionFor(dataFileSchema, forFormatVersion(DATA_FILE_FIELDS, formatVersion), `manifest ${url}`),
  );
  const files: SnapshotDataFile[] = [];
  for (const record of manifest.records) {
    const { status, dataFile: raw } = guard(url, () => entry(record));
    if (Number(status) === 2) continue; // DELETED entries are informational only (spec "Manifests").
    const file = guard(url, () => dataFile(raw as Record<string, unknown>));
    if (Number(file.content ?? 0) !== 0) throw invalidMetadata(url, 'a data manifest lists a delete file');
    const format = String(file.fileFormat);
    // "Snowflake supports Iceberg tables that use the Apache Parquet file format"
    // (https://docs.snowflake.com/en/user-guide/tables-iceberg).
    if (format.toUpperCase() !== 'PARQUET') throw sqlErrors.unsupported(`Iceberg data files in ${format} format`);
    const fileUrl = String(file.filePath);
    const path = localPath(store, fileUrl);
    if (!(await exists(path))) throw remoteFileMissing(fileUrl);
    files.push({ url: fileUrl, path, recordCount: BigInt(file.recordCount as bigint) });
  }
  return files;
}

/**
 * Reads and decodes one Avro metadata file; `length` (from the manifest list) must match. Read in one call:
 * manifest lists and manifests are a few KiB, and fs/promises' readFile (open, fstat, read, close, each a
 * thread-pool round trip) cost more event-loop time than the read itself.
 */
async function readContainer(store: ObjectStore, url: string, length?: bigint) {
  let bytes: Buffer;
  try {
    bytes = readFileSync(localPath(store, url));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw remoteFileMissing(url);
    throw err;
  }
  if (length !== undefined && BigInt(bytes.length) !== length)
    throw invalidMetadata(url, `the manifest list gives its length as ${length} bytes, the file has ${bytes.length}`);
  try {
    return await readAvroContainer<Record<string, unknown>>(bytes);
  } catch (err) {
    throw invalidMetadata(url, `not a readable Avro file (${(err as Error).message})`);
  }
}

function localPath(store: ObjectStore, url: string): string {
  try {
    return store.pathOf(url);
  } catch (err) {
    throw sqlErrors.executionError(
      `Iceberg metadata names a file outside the object store: ${url} (${(err as Error).message})`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

function guard<T>(url: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof InvalidManifestError) throw invalidMetadata(url, err.message);
    throw err;
  }
}
