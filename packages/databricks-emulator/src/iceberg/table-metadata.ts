import { COLUMN_TYPES } from '../data/column-types.js';
import type { TableEntry } from '../unity-catalog/catalog-store.js';
import type { SnapshotEntry, TableMetadata } from './table-state.js';

/** The table's schema as Iceberg JSON (spec Appendix C): field ids 1..n in column order. */
export function icebergSchemaOf(table: TableEntry): { type: 'struct'; 'schema-id': 0; fields: IcebergSchemaField[] } {
  return {
    type: 'struct',
    'schema-id': 0,
    fields: table.columns.map((c, i) => ({
      id: i + 1,
      name: c.name,
      required: false,
      type: COLUMN_TYPES[c.type].icebergType,
      ...(c.comment ? { doc: c.comment } : {}),
    })),
  };
}

export interface IcebergSchemaField {
  id: number;
  name: string;
  required: boolean;
  type: string;
  doc?: string;
}

/**
 * The next table metadata: `snapshot` becomes current, the earlier snapshots and their log
 * stay, and the file being replaced (`previous`) goes into `metadata-log`, as every Iceberg
 * commit does (spec "Table Metadata Fields": snapshot-log, metadata-log).
 */
export function nextTableMetadata(
  table: TableEntry,
  previous: { location: string; metadata: TableMetadata } | undefined,
  snapshot: SnapshotEntry,
): TableMetadata {
  const schema = icebergSchemaOf(table);
  const before = previous?.metadata;
  return {
    'format-version': 2,
    'table-uuid': table.icebergUuid,
    location: table.storageLocation ?? '',
    'last-sequence-number': snapshot['sequence-number'],
    'last-updated-ms': snapshot['timestamp-ms'],
    'last-column-id': schema.fields.length,
    'current-schema-id': 0,
    schemas: [schema],
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
    'current-snapshot-id': snapshot['snapshot-id'],
    refs: { main: { 'snapshot-id': snapshot['snapshot-id'], type: 'branch' } },
    snapshots: [...(before?.snapshots ?? []), snapshot],
    'snapshot-log': [
      ...(before?.['snapshot-log'] ?? []),
      { 'snapshot-id': snapshot['snapshot-id'], 'timestamp-ms': snapshot['timestamp-ms'] },
    ],
    'metadata-log': before
      ? [...before['metadata-log'], { 'metadata-file': previous.location, 'timestamp-ms': before['last-updated-ms'] }]
      : [],
    statistics: [],
    'partition-statistics': [],
  };
}
