import { randomUUID } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import avro from 'avsc';
import { ObjectStore } from '../src/object-store.js';
import { writeParquet } from './driver.js';

/**
 * Writes an Iceberg format-v2 table into the object store the way an Iceberg writer does (spec:
 * https://iceberg.apache.org/spec/ "Manifest Lists", "Manifests", "Snapshots", Appendix A), so
 * tests can point a catalog at it: each append adds a Parquet file, a manifest, a manifest list
 * that keeps the earlier manifests, and a metadata.json. Written for the Snowflake emulator's
 * tests on its own (the two emulators share no code).
 *
 * `breakNext` lets a test write the next manifest the way a buggy writer would.
 */
export class IcebergTestTable {
  metadata: Record<string, any> | undefined;
  metadataLocation: string | undefined;
  private readonly store: ObjectStore;
  private manifests: Record<string, unknown>[] = [];
  private sequence = 0;
  private version = -1;
  breakNext: 'drop-record-count' | undefined;

  constructor(
    private readonly objectStoreRoot: string,
    readonly location: string,
    readonly uuid: string,
    readonly schema: {
      type: 'struct';
      'schema-id': 0;
      fields: { id: number; name: string; required: boolean; type: string }[];
    },
  ) {
    this.store = new ObjectStore(objectStoreRoot);
  }

  /** Appends the rows of a DuckDB SELECT as one data file and commits a snapshot; returns the file's URL. */
  async append(selectSql: string, recordCount: number): Promise<string> {
    this.sequence += 1;
    const snapshotId = 1000 + this.sequence;
    const dataUrl = `${this.location}/data/${String(this.sequence).padStart(5, '0')}-0-${randomUUID()}-00001.parquet`;
    const dataPath = await writeParquet(this.objectStoreRoot, dataUrl, selectSql);
    const broken = this.breakNext;
    this.breakNext = undefined;
    const dataFileFields = [
      field('content', 134, 'int'),
      field('file_path', 100, 'string'),
      field('file_format', 101, 'string'),
      field('partition', 102, { type: 'record', name: 'r102', fields: [] }),
      ...(broken === 'drop-record-count' ? [] : [field('record_count', 103, 'long')]),
      field('file_size_in_bytes', 104, 'long'),
    ];
    const manifestUrl = `${this.location}/metadata/${randomUUID()}-m0.avro`;
    const manifestBytes = await encode(
      {
        type: 'record',
        name: 'manifest_entry',
        fields: [
          field('status', 0, 'int'),
          field('snapshot_id', 1, ['null', 'long'], null),
          field('sequence_number', 3, ['null', 'long'], null),
          field('file_sequence_number', 4, ['null', 'long'], null),
          field('data_file', 2, { type: 'record', name: 'r2', fields: dataFileFields }),
        ],
      },
      [
        {
          status: 1,
          snapshot_id: snapshotId,
          sequence_number: null,
          file_sequence_number: null,
          data_file: {
            content: 0,
            file_path: dataUrl,
            file_format: 'PARQUET',
            partition: {},
            record_count: recordCount,
            file_size_in_bytes: (await stat(dataPath)).size,
          },
        },
      ],
      {
        schema: JSON.stringify(this.schema),
        'schema-id': '0',
        'partition-spec': '[]',
        'partition-spec-id': '0',
        'format-version': '2',
        content: 'data',
      },
    );
    await this.write(manifestUrl, manifestBytes);
    this.manifests.unshift({
      manifest_path: manifestUrl,
      manifest_length: manifestBytes.length,
      partition_spec_id: 0,
      content: 0,
      sequence_number: this.sequence,
      min_sequence_number: this.sequence,
      added_snapshot_id: snapshotId,
      added_files_count: 1,
      existing_files_count: 0,
      deleted_files_count: 0,
      added_rows_count: recordCount,
      existing_rows_count: 0,
      deleted_rows_count: 0,
    });
    const listUrl = `${this.location}/metadata/snap-${snapshotId}-1-${randomUUID()}.avro`;
    await this.write(
      listUrl,
      await encode(
        {
          type: 'record',
          name: 'manifest_file',
          fields: [
            field('manifest_path', 500, 'string'),
            field('manifest_length', 501, 'long'),
            field('partition_spec_id', 502, 'int'),
            field('content', 517, 'int'),
            field('sequence_number', 515, 'long'),
            field('min_sequence_number', 516, 'long'),
            field('added_snapshot_id', 503, 'long'),
            field('added_files_count', 504, 'int'),
            field('existing_files_count', 505, 'int'),
            field('deleted_files_count', 506, 'int'),
            field('added_rows_count', 512, 'long'),
            field('existing_rows_count', 513, 'long'),
            field('deleted_rows_count', 514, 'long'),
          ],
        },
        this.manifests,
        { 'snapshot-id': String(snapshotId), 'sequence-number': String(this.sequence), 'format-version': '2' },
      ),
    );
    const previous = this.metadata;
    const now = Date.now();
    this.metadata = {
      'format-version': 2,
      'table-uuid': this.uuid,
      location: this.location,
      'last-sequence-number': this.sequence,
      'last-updated-ms': now,
      'last-column-id': this.schema.fields.length,
      'current-schema-id': 0,
      schemas: [this.schema],
      'default-spec-id': 0,
      'partition-specs': [{ 'spec-id': 0, fields: [] }],
      'last-partition-id': 999,
      'default-sort-order-id': 0,
      'sort-orders': [{ 'order-id': 0, fields: [] }],
      properties: {},
      'current-snapshot-id': snapshotId,
      snapshots: [
        ...(previous?.snapshots ?? []),
        {
          'snapshot-id': snapshotId,
          ...(previous ? { 'parent-snapshot-id': previous['current-snapshot-id'] } : {}),
          'sequence-number': this.sequence,
          'timestamp-ms': now,
          'manifest-list': listUrl,
          summary: { operation: 'append' },
          'schema-id': 0,
        },
      ],
      'snapshot-log': [...(previous?.['snapshot-log'] ?? []), { 'snapshot-id': snapshotId, 'timestamp-ms': now }],
      'metadata-log': previous
        ? [
            ...previous['metadata-log'],
            { 'metadata-file': this.metadataLocation, 'timestamp-ms': previous['last-updated-ms'] },
          ]
        : [],
    };
    this.version += 1;
    this.metadataLocation = `${this.location}/metadata/${String(this.version).padStart(5, '0')}-${randomUUID()}.metadata.json`;
    await this.write(this.metadataLocation, Buffer.from(JSON.stringify(this.metadata)));
    return dataUrl;
  }

  /** The local path of an s3:// URL of this table. */
  pathOf(url: string): string {
    return this.store.pathOf(url);
  }

  private async write(url: string, bytes: Buffer): Promise<void> {
    const path = this.store.pathOf(url);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  }
}

function field(name: string, fieldId: number, type: unknown, ...defaultValue: [null?]): Record<string, unknown> {
  return { name, type, 'field-id': fieldId, ...(defaultValue.length > 0 ? { default: defaultValue[0] } : {}) };
}

/** An Avro object container file of `records` (avsc's encoder; its default codec, null, unless `codec` says). */
export async function encode(
  schema: unknown,
  records: unknown[],
  metadata: Record<string, string>,
  framing: { codec?: 'null' | 'deflate'; blockSize?: number } = {},
): Promise<Buffer> {
  const options = {
    writeHeader: 'always',
    metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v)])),
    ...framing,
  };
  const encoder = new avro.streams.BlockEncoder(
    schema as avro.Schema | avro.Type,
    options as unknown as ConstructorParameters<typeof avro.streams.BlockEncoder>[1],
  );
  const chunks: Buffer[] = [];
  encoder.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    encoder.on('end', resolve);
    encoder.on('error', reject);
  });
  for (const record of records) encoder.write(record);
  encoder.end();
  await done;
  return Buffer.concat(chunks);
}
