import { COLUMN_TYPES } from '../data/column-types.js';
import type { TableEntry } from '../unity-catalog/catalog-store.js';

export interface DataFileInfo {
  /** s3:// URL */
  path: string;
  recordCount: number;
  sizeBytes: number;
}

/**
 * Iceberg table metadata (format v2, spec "Table Metadata") for a table whose data is one
 * Parquet file under `<location>/data/`. It names one snapshot; that snapshot's manifest list
 * (Avro) is NOT written — readers in this repo list `<location>/data/` instead.
 */
export function buildTableMetadata(table: TableEntry, dataFiles: DataFileInfo[], now: number): Record<string, unknown> {
  const location = table.storageLocation ?? '';
  const snapshotId = snapshotIdOf(table.icebergUuid);
  const records = dataFiles.reduce((n, f) => n + f.recordCount, 0);
  const bytes = dataFiles.reduce((n, f) => n + f.sizeBytes, 0);
  const fields = table.columns.map((c, i) => ({
    id: i + 1,
    name: c.name,
    required: false,
    type: COLUMN_TYPES[c.type].icebergType,
    ...(c.comment ? { doc: c.comment } : {}),
  }));
  return {
    'format-version': 2,
    'table-uuid': table.icebergUuid,
    location,
    'last-sequence-number': 1,
    'last-updated-ms': now,
    'last-column-id': fields.length,
    'current-schema-id': 0,
    schemas: [{ type: 'struct', 'schema-id': 0, fields }],
    'default-spec-id': 0,
    'partition-specs': [{ 'spec-id': 0, fields: [] }],
    'last-partition-id': 999,
    'default-sort-order-id': 0,
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    properties: {
      'write.format.default': 'parquet',
      'write.parquet.compression-codec': 'snappy',
      ...(table.format === 'uniform' ? { 'databricks.uniform.source': 'delta' } : {}),
    },
    'current-snapshot-id': snapshotId,
    refs: { main: { 'snapshot-id': snapshotId, type: 'branch' } },
    snapshots: [
      {
        'snapshot-id': snapshotId,
        'sequence-number': 1,
        'timestamp-ms': now,
        'manifest-list': `${location}/metadata/snap-${snapshotId}-1-${table.icebergUuid}.avro`,
        summary: {
          operation: 'append',
          'added-data-files': String(dataFiles.length),
          'added-records': String(records),
          'added-files-size': String(bytes),
          'total-data-files': String(dataFiles.length),
          'total-records': String(records),
          'total-files-size': String(bytes),
          'total-delete-files': '0',
          'total-position-deletes': '0',
          'total-equality-deletes': '0',
        },
        'schema-id': 0,
      },
    ],
    'snapshot-log': [{ 'snapshot-id': snapshotId, 'timestamp-ms': now }],
    'metadata-log': [],
    statistics: [],
  };
}

/** A positive snapshot id below 2^53 derived from the table uuid. */
function snapshotIdOf(uuid: string): number {
  return Number.parseInt(uuid.replaceAll('-', '').slice(0, 13), 16);
}
