import { access, readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAvroContainer } from '../../test-support/avro-files.js';
import { api, duckQuery, startTestEmulator, type TestEmulator } from '../../test-support/harness.js';

/*
 * A UniForm table's Delta transaction log beside its Iceberg metadata, per the Delta protocol (delta-io/delta
 * PROTOCOL.md): "Delta files are stored as JSON in a directory at the root of the table named _delta_log",
 * named by version as 20 zero-padded digits ("00000000000000000000.json"), one action per line ("Delta Log
 * Entries": commitInfo, protocol, metaData, add with a path relative to the table root, size, modificationTime,
 * dataChange, stats); "Checkpoints are also stored in the _delta_log directory" as
 * "n.checkpoint.parquet" holding the state's actions ("Checkpoint Schema"), named by "_last_checkpoint"
 * ("Last Checkpoint File": version, size, numOfAddFiles); `delta.checkpointInterval` defaults to 10 (Delta table
 * properties reference). UniForm needs column mapping and IcebergCompatV2
 * (https://docs.databricks.com/en/delta/uniform.html), so each schema field carries delta.columnMapping.id — the
 * Iceberg field id.
 */
const IRC = '/api/2.1/unity-catalog/iceberg-rest/v1/catalogs/main/namespaces/mixed/tables';

describe('UniForm tables keep their Delta log', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.stop());

  const local = (url: string) => url.replace('s3://', `${emu.objectStoreRoot}/`);
  const tableRoot = async (name: string) =>
    (await api(emu, 'GET', `/api/2.1/unity-catalog/tables/main.mixed.${name}`)).body.storage_location as string;
  const readActions = async (root: string, version: number) =>
    (await readFile(local(`${root}/_delta_log/${String(version).padStart(20, '0')}.json`), 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, any>);
  /** The data files the table's current Iceberg snapshot names (metadata.json → manifest list → manifests). */
  const icebergDataFiles = async (name: string) => {
    const loaded = (await api(emu, 'GET', `${IRC}/${name}`)).body;
    const current = loaded.metadata.snapshots.find(
      (s: { 'snapshot-id': number }) => s['snapshot-id'] === loaded.metadata['current-snapshot-id'],
    );
    const list = await readAvroContainer(await readFile(local(current['manifest-list'])));
    const files: string[] = [];
    for (const manifest of list.records) {
      const entries = await readAvroContainer(await readFile(local(manifest.manifest_path)));
      files.push(...entries.records.map((e) => e.data_file.file_path as string));
    }
    return files.sort();
  };

  it('writes version 0 with protocol, metaData and an add for the data file Iceberg names too', async () => {
    const root = await tableRoot('uni');
    const actions = await readActions(root, 0);
    expect(Object.keys(actions[0] ?? {})).toEqual(['commitInfo']);
    expect(actions[0]?.commitInfo).toMatchObject({ operation: 'CREATE TABLE AS SELECT', isBlindAppend: true });
    const protocol = actions.find((a) => a.protocol)?.protocol;
    expect(protocol).toMatchObject({ minReaderVersion: 2, minWriterVersion: 7 });
    expect(protocol.writerFeatures).toEqual(expect.arrayContaining(['columnMapping', 'icebergCompatV2']));
    const metaData = actions.find((a) => a.metaData)?.metaData;
    expect(metaData.format).toEqual({ provider: 'parquet', options: {} });
    expect(metaData.configuration).toMatchObject({
      'delta.columnMapping.mode': 'name',
      'delta.enableIcebergCompatV2': 'true',
      'delta.universalFormat.enabledFormats': 'iceberg',
    });
    const deltaFields = JSON.parse(metaData.schemaString).fields as Array<{ name: string; metadata: any }>;
    const loaded = (await api(emu, 'GET', `${IRC}/uni`)).body;
    const icebergFields = loaded.metadata.schemas[0].fields as Array<{ id: number; name: string }>;
    expect(deltaFields.map((f) => [f.name, f.metadata['delta.columnMapping.id']])).toEqual(
      icebergFields.map((f) => [f.name, f.id]),
    );
    const adds = actions.filter((a) => a.add).map((a) => a.add);
    expect(adds).toHaveLength(1);
    expect(adds[0].path).toMatch(/^part-00000-[0-9a-f-]+-c000\.snappy\.parquet$/);
    expect(JSON.parse(adds[0].stats)).toMatchObject({ numRecords: 7 });
    expect(await icebergDataFiles('uni')).toEqual([`${root}/${adds[0].path}`]);
  });

  it('commits each write as the next version and checkpoints every 10th, naming it in _last_checkpoint', async () => {
    const root = await tableRoot('uni');
    for (let i = 0; i < 10; i++) await emu.admin.appendRows('main.mixed.uni', 2);
    const log = (await readdir(local(`${root}/_delta_log`))).sort();
    expect(log).toEqual([
      ...Array.from({ length: 11 }, (_, v) => `${String(v).padStart(20, '0')}.json`).flatMap((name) =>
        name === '00000000000000000010.json' ? ['00000000000000000010.checkpoint.parquet', name] : [name],
      ),
      '_last_checkpoint',
    ]);
    const append = await readActions(root, 3);
    expect(append[0]?.commitInfo).toMatchObject({ operation: 'WRITE', readVersion: 2 });
    expect(append.filter((a) => a.add)).toHaveLength(1);
    expect(append.some((a) => a.metaData || a.protocol)).toBe(false);

    const last = JSON.parse(await readFile(local(`${root}/_delta_log/_last_checkpoint`), 'utf8'));
    expect(last).toEqual({ version: 10, size: 13, numOfAddFiles: 11 });
    const checkpoint = local(`${root}/_delta_log/00000000000000000010.checkpoint.parquet`);
    const rows = await duckQuery(
      `SELECT add.path AS path, add.dataChange AS dc, protocol.minWriterVersion AS w, metaData.id AS id FROM read_parquet('${checkpoint}')`,
    );
    expect(rows).toHaveLength(13);
    const paths = rows.filter((r) => r.path !== null).map((r) => `${root}/${String(r.path)}`);
    expect(paths.sort()).toEqual(await icebergDataFiles('uni'));
    expect(rows.filter((r) => r.path !== null).every((r) => r.dc === false)).toBe(true);
    expect(rows.filter((r) => r.w !== null)).toHaveLength(1);
    expect(rows.filter((r) => r.id !== null)).toHaveLength(1);
  });

  it('writes no Delta log for a managed Iceberg table', async () => {
    const root = await tableRoot('ice');
    await expect(access(local(`${root}/_delta_log`))).rejects.toThrow();
    await expect(access(local(`${root}/metadata`))).resolves.toBeUndefined();
  });
});
