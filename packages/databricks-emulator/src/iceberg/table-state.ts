import type { ManifestFileRecord } from './manifest-schemas.js';

/** The parts of Iceberg table metadata (spec "Table Metadata", format v2) the emulator writes. */
export interface SnapshotEntry {
  'snapshot-id': number;
  'parent-snapshot-id'?: number;
  'sequence-number': number;
  'timestamp-ms': number;
  'manifest-list': string;
  summary: Record<string, string>;
  'schema-id': number;
}

export type TableMetadata = Record<string, unknown> & {
  'format-version': 2;
  'table-uuid': string;
  location: string;
  'last-sequence-number': number;
  'last-updated-ms': number;
  'current-snapshot-id': number;
  snapshots: SnapshotEntry[];
  'snapshot-log': { 'snapshot-id': number; 'timestamp-ms': number }[];
  'metadata-log': { 'metadata-file': string; 'timestamp-ms': number }[];
};

/** Where the table's Iceberg metadata stands after a commit. */
export interface IcebergTableState {
  metadataLocation: string;
  metadata: TableMetadata;
  /** The number in the metadata file's name (00000, 00001, ...). */
  version: number;
  /** The current snapshot's manifest list, as written (newest manifest first). */
  manifests: ManifestFileRecord[];
}
