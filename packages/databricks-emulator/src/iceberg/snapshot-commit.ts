import { stableUuid } from '../data/stable-uuid.js';
import type { TableEntry } from '../unity-catalog/catalog-store.js';
import { encodeAvroContainer } from './avro-container.js';
import { type ManifestFileRecord, MANIFEST_LIST_SCHEMA, manifestEntrySchema } from './manifest-schemas.js';
import { icebergSchemaOf, nextTableMetadata } from './table-metadata.js';
import type { IcebergTableState, SnapshotEntry } from './table-state.js';

/** A Parquet data file a commit adds, with the per-column counts its manifest entry records. */
export interface AddedDataFile {
  /** s3:// URL */
  path: string;
  recordCount: number;
  sizeBytes: number;
  /** Iceberg field id -> number of null values in the file. */
  nullValueCounts: Map<number, number>;
}

/** Writes one object (an s3:// URL) so that a reader never sees it half-written. */
export type ObjectWriter = (url: string, bytes: Buffer) => Promise<void>;

/** Iceberg's Java writer (which UniForm runs) records the format as its enum name; readers compare case-insensitively. */
const FILE_FORMAT = 'PARQUET';

/**
 * Commits an append (spec "Snapshots", operation `append`, a "fast append"): one new manifest
 * listing `files` as ADDED, a new manifest list with that manifest first and the previous
 * snapshot's manifests after it unchanged, and a new metadata.json with the previous one in
 * `metadata-log`. The new sequence number is the previous `last-sequence-number` + 1; entries
 * leave their sequence numbers null so they inherit it from the manifest list (spec "Sequence
 * Numbers", "Manifest Entry Fields"). Files are written before the metadata that names them, so
 * the tree is never observed with a dangling reference.
 */
export async function commitAppend(
  write: ObjectWriter,
  table: TableEntry,
  previous: IcebergTableState | undefined,
  files: readonly AddedDataFile[],
  now: number,
): Promise<IcebergTableState> {
  const location = table.storageLocation ?? '';
  const sequenceNumber = (previous?.metadata['last-sequence-number'] ?? 0) + 1;
  const snapshotId = snapshotIdOf(`${table.icebergUuid}:${sequenceNumber}`);
  const parentSnapshotId = previous?.metadata['current-snapshot-id'];
  const schema = icebergSchemaOf(table);
  const fileKey = `${table.icebergUuid}:${sequenceNumber}`;

  const manifests: ManifestFileRecord[] = [...(previous?.manifests ?? [])];
  if (files.length > 0) {
    const manifestPath = `${location}/metadata/${stableUuid(`manifest:${fileKey}`)}-m0.avro`;
    const manifestBytes = await encodeAvroContainer(
      manifestEntrySchema([]),
      files.map((file) => ({
        status: 1,
        snapshot_id: snapshotId,
        sequence_number: null,
        file_sequence_number: null,
        data_file: {
          content: 0,
          file_path: file.path,
          file_format: FILE_FORMAT,
          partition: {},
          record_count: file.recordCount,
          file_size_in_bytes: file.sizeBytes,
          column_sizes: null,
          value_counts: schema.fields.map((f) => ({ key: f.id, value: file.recordCount })),
          null_value_counts: schema.fields.map((f) => ({ key: f.id, value: file.nullValueCounts.get(f.id) ?? 0 })),
          nan_value_counts: null,
          lower_bounds: null,
          upper_bounds: null,
          key_metadata: null,
          split_offsets: null,
          equality_ids: null,
          sort_order_id: 0,
          referenced_data_file: null,
        },
      })),
      {
        schema: JSON.stringify(schema),
        'schema-id': '0',
        'partition-spec': '[]',
        'partition-spec-id': '0',
        'format-version': '2',
        content: 'data',
      },
    );
    await write(manifestPath, manifestBytes);
    manifests.unshift({
      manifest_path: manifestPath,
      manifest_length: manifestBytes.length,
      partition_spec_id: 0,
      content: 0,
      sequence_number: sequenceNumber,
      min_sequence_number: sequenceNumber,
      added_snapshot_id: snapshotId,
      added_files_count: files.length,
      existing_files_count: 0,
      deleted_files_count: 0,
      added_rows_count: sum(files, (f) => f.recordCount),
      existing_rows_count: 0,
      deleted_rows_count: 0,
      partitions: [],
      key_metadata: null,
    });
  }

  const manifestListPath = `${location}/metadata/snap-${snapshotId}-1-${stableUuid(`manifest-list:${fileKey}`)}.avro`;
  await write(
    manifestListPath,
    await encodeAvroContainer(MANIFEST_LIST_SCHEMA, manifests, {
      'snapshot-id': String(snapshotId),
      'parent-snapshot-id': parentSnapshotId === undefined ? 'null' : String(parentSnapshotId),
      'sequence-number': String(sequenceNumber),
      'format-version': '2',
    }),
  );

  const snapshot: SnapshotEntry = {
    'snapshot-id': snapshotId,
    ...(parentSnapshotId === undefined ? {} : { 'parent-snapshot-id': parentSnapshotId }),
    'sequence-number': sequenceNumber,
    'timestamp-ms': now,
    'manifest-list': manifestListPath,
    summary: snapshotSummary(previous, files),
    'schema-id': 0,
  };
  const metadata = nextTableMetadata(
    table,
    previous && { location: previous.metadataLocation, metadata: previous.metadata },
    snapshot,
  );
  const version = previous ? previous.version + 1 : 0;
  const metadataLocation = `${location}/metadata/${String(version).padStart(5, '0')}-${stableUuid(`metadata:${fileKey}`)}.metadata.json`;
  await write(metadataLocation, Buffer.from(JSON.stringify(metadata, null, 2)));
  return { metadataLocation, metadata, version, manifests };
}

/** The snapshot summary of an append (spec "Snapshots" and Appendix F, optional summary fields). */
function snapshotSummary(
  previous: IcebergTableState | undefined,
  files: readonly AddedDataFile[],
): Record<string, string> {
  const before = previous?.metadata.snapshots.at(-1)?.summary ?? {};
  const total = (key: string, added: number) => String(Number(before[key] ?? 0) + added);
  const records = sum(files, (f) => f.recordCount);
  const bytes = sum(files, (f) => f.sizeBytes);
  return {
    operation: 'append',
    'added-data-files': String(files.length),
    'added-records': String(records),
    'added-files-size': String(bytes),
    'changed-partition-count': files.length > 0 ? '1' : '0',
    'total-data-files': total('total-data-files', files.length),
    'total-records': total('total-records', records),
    'total-files-size': total('total-files-size', bytes),
    'total-delete-files': '0',
    'total-position-deletes': '0',
    'total-equality-deletes': '0',
  };
}

/** A positive snapshot id below 2^53 (JSON numbers stay exact) derived from `key`. */
function snapshotIdOf(key: string): number {
  return Number.parseInt(stableUuid(`snapshot:${key}`).replaceAll('-', '').slice(0, 13), 16);
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((n, item) => n + value(item), 0);
}
