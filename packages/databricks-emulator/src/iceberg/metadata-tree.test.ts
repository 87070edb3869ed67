import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldsOf, readAvroContainer } from '../../test-support/avro-files.js';
import { api, duckQuery, oauthToken, startTestEmulator, type TestEmulator } from '../../test-support/harness.js';

/*
 * The Iceberg metadata tree the emulator writes for Iceberg-readable Unity Catalog tables, checked
 * against the Apache Iceberg table spec (https://iceberg.apache.org/spec/, format/spec.md in
 * apache/iceberg): "Manifest Lists" (manifest_file, v2 required fields and field ids 500-519),
 * "Manifests" (manifest_entry and data_file, v2, field ids 0-4 and 100-143; Avro key-value metadata
 * schema / schema-id / partition-spec / partition-spec-id / format-version / content), "Snapshots"
 * (sequence numbers, parent-snapshot-id, summary with `operation`), "Table Metadata Fields"
 * (last-sequence-number, snapshot-log, metadata-log) and Appendix A (Avro: `field-id` on fields,
 * `element-id` on lists, int-keyed maps as arrays of key/value records with logicalType "map").
 *
 * Layout: UniForm keeps the Delta table's files where Delta writes them and adds Iceberg metadata
 * under `<table location>/metadata/` (https://docs.databricks.com/en/delta/uniform.html: "Iceberg
 * metadata ... written to the table's storage location"; Delta data files are `part-*.parquet` at
 * the table root for unpartitioned tables).
 */

const IRC = '/api/2.1/unity-catalog/iceberg-rest';

/** v2 manifest_file: [name, field id, required] (spec "Manifest Lists", v2 column). */
const MANIFEST_FILE_V2: [string, number, boolean][] = [
  ['manifest_path', 500, true],
  ['manifest_length', 501, true],
  ['partition_spec_id', 502, true],
  ['content', 517, true],
  ['sequence_number', 515, true],
  ['min_sequence_number', 516, true],
  ['added_snapshot_id', 503, true],
  ['added_files_count', 504, true],
  ['existing_files_count', 505, true],
  ['deleted_files_count', 506, true],
  ['added_rows_count', 512, true],
  ['existing_rows_count', 513, true],
  ['deleted_rows_count', 514, true],
  ['partitions', 507, false],
  ['key_metadata', 519, false],
];

/** v2 manifest_entry (spec "Manifests", v2 column). */
const MANIFEST_ENTRY_V2: [string, number, boolean][] = [
  ['status', 0, true],
  ['snapshot_id', 1, false],
  ['sequence_number', 3, false],
  ['file_sequence_number', 4, false],
  ['data_file', 2, true],
];

/** v2 data_file: the required fields and the optional ones the emulator fills. */
const DATA_FILE_V2: [string, number, boolean][] = [
  ['content', 134, true],
  ['file_path', 100, true],
  ['file_format', 101, true],
  ['partition', 102, true],
  ['record_count', 103, true],
  ['file_size_in_bytes', 104, true],
  ['value_counts', 109, false],
  ['null_value_counts', 110, false],
  ['sort_order_id', 140, false],
];

/** Checks a writer schema's fields: each has its spec field id; required ones are not nullable unions. */
function expectSpecFields(schema: unknown, spec: [string, number, boolean][]): void {
  const fields = fieldsOf(schema);
  for (const [name, id, required] of spec) {
    const field = fields.get(name);
    expect(field, name).toBeDefined();
    expect(field?.['field-id'], name).toBe(id);
    const nullable = Array.isArray(field?.type) && field.type.includes('null');
    expect(nullable, `${name} nullable`).toBe(!required);
  }
}

describe('Iceberg metadata tree (metadata.json -> manifest list -> manifests -> data files)', () => {
  let emu: TestEmulator;
  let token: string;
  const local = (url: string) => url.replace('s3://', `${emu.objectStoreRoot}/`);
  const load = async (table: string) =>
    (await api(emu, 'GET', `${IRC}/v1/catalogs/main/namespaces/mixed/tables/${table}`, { token })).body;

  beforeAll(async () => {
    emu = await startTestEmulator();
    token = await oauthToken(emu);
  });
  afterAll(() => emu.stop());

  it('writes a manifest list and a manifest with the spec fields, field ids and file metadata', async () => {
    const loaded = await load('uni');
    const metadata = loaded.metadata;
    const snapshot = metadata.snapshots[0];
    expect(metadata.snapshots).toHaveLength(1);
    expect(snapshot).toMatchObject({ 'sequence-number': 1, summary: { operation: 'append', 'total-records': '7' } });
    expect(snapshot).not.toHaveProperty('parent-snapshot-id');
    expect(metadata['last-sequence-number']).toBe(1);
    expect(metadata['metadata-log']).toEqual([]);
    expect(snapshot['manifest-list']).toMatch(
      new RegExp(`^${metadata.location}/metadata/snap-${snapshot['snapshot-id']}-1-[0-9a-f-]{36}\\.avro$`),
    );

    const list = await readAvroContainer(await readFile(local(snapshot['manifest-list'])));
    expect(list.schema.name).toBe('manifest_file');
    expectSpecFields(list.schema, MANIFEST_FILE_V2);
    expect(list.metadata).toMatchObject({
      'avro.codec': 'deflate',
      'format-version': '2',
      'snapshot-id': String(snapshot['snapshot-id']),
      'sequence-number': '1',
    });
    expect(list.records).toHaveLength(1);
    const manifest = list.records[0]!;
    expect(manifest).toMatchObject({
      partition_spec_id: 0,
      content: 0,
      sequence_number: 1,
      min_sequence_number: 1,
      added_snapshot_id: snapshot['snapshot-id'],
      added_files_count: 1,
      existing_files_count: 0,
      deleted_files_count: 0,
      added_rows_count: 7,
    });
    const manifestBytes = await readFile(local(manifest.manifest_path));
    expect(manifest.manifest_length).toBe(manifestBytes.length);

    const entries = await readAvroContainer(manifestBytes);
    expect(entries.schema.name).toBe('manifest_entry');
    expectSpecFields(entries.schema, MANIFEST_ENTRY_V2);
    expectSpecFields(fieldsOf(entries.schema).get('data_file')?.type, DATA_FILE_V2);
    const valueCounts = fieldsOf(fieldsOf(entries.schema).get('data_file')?.type).get('value_counts')
      ?.type as unknown[];
    expect(valueCounts[1]).toMatchObject({
      type: 'array',
      logicalType: 'map',
      items: {
        fields: [
          { name: 'key', 'field-id': 119 },
          { name: 'value', 'field-id': 120 },
        ],
      },
    });
    expect(entries.metadata).toMatchObject({
      'schema-id': '0',
      'partition-spec': '[]',
      'partition-spec-id': '0',
      'format-version': '2',
      content: 'data',
    });
    expect(JSON.parse(entries.metadata.schema!)).toEqual(metadata.schemas[0]);
    expect(entries.records).toHaveLength(1);
    const entry = entries.records[0]!;
    // New entries leave sequence numbers null: they inherit the manifest's (spec "Sequence Numbers").
    expect(entry).toMatchObject({ status: 1, snapshot_id: snapshot['snapshot-id'], sequence_number: null });
    expect(entry.data_file).toMatchObject({ content: 0, file_format: 'PARQUET', record_count: 7, partition: {} });
    expect(entry.data_file.value_counts).toHaveLength(5);
    expect(entry.data_file.value_counts[0]).toEqual({ key: 1, value: 7 });

    // The data file sits where Delta writes it: at the table root, not under data/.
    const dataFile: string = entry.data_file.file_path;
    expect(dataFile).toMatch(new RegExp(`^${metadata.location}/part-00000-[0-9a-f-]{36}-c000\\.snappy\\.parquet$`));
    expect((await readFile(local(dataFile))).length).toBe(entry.data_file.file_size_in_bytes);
    await expect(access(local(`${metadata.location}/data`))).rejects.toThrow();
    const fieldIds = await duckQuery(
      `SELECT name, field_id FROM parquet_schema('${local(dataFile)}') WHERE field_id IS NOT NULL`,
    );
    expect(fieldIds.map((r) => [r.name, Number(r.field_id)])).toEqual([
      ['id', 1],
      ['label', 2],
      ['amount', 3],
      ['day', 4],
      ['at', 5],
    ]);
    const kv = await duckQuery(
      `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${local(dataFile)}')`,
    );
    expect(JSON.parse(String(kv.find((r) => r.k === 'iceberg.schema')?.v))).toEqual(metadata.schemas[0]);
  });

  it('writes managed Iceberg data under data/ (Iceberg default write.data.path)', async () => {
    const loaded = await load('ice');
    const list = await readAvroContainer(await readFile(local(loaded.metadata.snapshots[0]['manifest-list'])));
    const entries = await readAvroContainer(await readFile(local(list.records[0]!.manifest_path)));
    expect(entries.records[0]!.data_file.file_path).toMatch(
      new RegExp(`^${loaded.metadata.location}/data/.+\\.parquet$`),
    );
  });

  it('commits a new snapshot when rows are appended, keeping the previous manifests and metadata file', async () => {
    const before = await load('uni');
    const appended = await api(emu, 'POST', '/__emulator/tables/main.mixed.uni/rows', { body: { count: 3 } });
    expect(appended.status).toBe(200);
    expect(appended.body).toMatchObject({ full_name: 'main.mixed.uni', rows: 10 });
    const after = await load('uni');
    const metadata = after.metadata;
    expect(after['metadata-location']).not.toBe(before['metadata-location']);
    expect(after['metadata-location']).toMatch(/\/metadata\/00001-[0-9a-f-]{36}\.metadata\.json$/);
    expect(appended.body.metadata_location).toBe(after['metadata-location']);
    expect(JSON.parse(await readFile(local(after['metadata-location']), 'utf8'))).toEqual(metadata);
    // The previous metadata file stays and is named in metadata-log (spec "Table Metadata Fields").
    await access(local(before['metadata-location']));
    expect(metadata['metadata-log']).toEqual([
      { 'metadata-file': before['metadata-location'], 'timestamp-ms': before.metadata['last-updated-ms'] },
    ]);
    const [first, second] = metadata.snapshots;
    expect(second).toMatchObject({
      'parent-snapshot-id': first['snapshot-id'],
      'sequence-number': 2,
      summary: { operation: 'append', 'added-records': '3', 'total-records': '10', 'total-data-files': '2' },
    });
    expect(metadata['current-snapshot-id']).toBe(second['snapshot-id']);
    expect(metadata.refs.main['snapshot-id']).toBe(second['snapshot-id']);
    expect(metadata['last-sequence-number']).toBe(2);
    expect(metadata['snapshot-log'].map((e: { 'snapshot-id': number }) => e['snapshot-id'])).toEqual([
      first['snapshot-id'],
      second['snapshot-id'],
    ]);

    const list = await readAvroContainer(await readFile(local(second['manifest-list'])));
    expect(list.metadata).toMatchObject({
      'parent-snapshot-id': String(first['snapshot-id']),
      'sequence-number': '2',
    });
    const oldList = await readAvroContainer(await readFile(local(first['manifest-list'])));
    expect(list.records.map((m) => [m.added_snapshot_id, m.sequence_number, m.added_rows_count])).toEqual([
      [second['snapshot-id'], 2, 3],
      [first['snapshot-id'], 1, 7],
    ]);
    expect(list.records[1]).toEqual(oldList.records[0]);
    const newEntries = await readAvroContainer(await readFile(local(list.records[0]!.manifest_path)));
    await access(local(newEntries.records[0]!.data_file.file_path));

    const uc = (await api(emu, 'GET', '/api/2.1/unity-catalog/tables/main.mixed.uni', { token })).body;
    expect(uc.delta_uniform_iceberg).toMatchObject({
      metadata_location: after['metadata-location'],
      converted_delta_version: 1,
    });
    const rows = await duckQuery(
      `SELECT count(*) AS n FROM read_parquet('${local(newEntries.records[0]!.data_file.file_path)}')`,
    );
    expect(rows[0]?.n).toBe(3n);
  });

  it('goes back to one snapshot on reset, removing only the files it wrote', async () => {
    const location = (await load('uni')).metadata.location as string;
    await writeFile(local(`${location}/notes.txt`), "not the emulator's");
    await emu.admin.reset();
    token = await oauthToken(emu); // a reset forgets the tokens issued
    const loaded = await load('uni');
    expect(loaded['metadata-location']).toMatch(/\/metadata\/00000-[0-9a-f-]{36}\.metadata\.json$/);
    expect(loaded.metadata.snapshots).toHaveLength(1);
    expect(loaded.metadata.snapshots[0].summary['total-records']).toBe('7');
    const parquet = (await readdir(local(location))).filter((n) => n.endsWith('.parquet'));
    expect(parquet).toHaveLength(1);
    expect(await readFile(local(`${location}/notes.txt`), 'utf8')).toBe("not the emulator's");
  });

  it('refuses bad appends with Databricks errors', async () => {
    const zero = await api(emu, 'POST', '/__emulator/tables/main.mixed.uni/rows', { body: { count: 0 } });
    expect(zero.status).toBe(400);
    expect(zero.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const delta = await api(emu, 'POST', '/__emulator/tables/main.mixed.plain/rows', { body: { count: 1 } });
    expect(delta.status).toBe(400);
    expect(delta.body.message).toContain('not readable as Iceberg');
    const missing = await api(emu, 'POST', '/__emulator/tables/main.mixed.nope/rows', { body: { count: 1 } });
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe('TABLE_DOES_NOT_EXIST');
  });
});
