import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, duckQuery, oauthToken, startTestEmulator, type TestEmulator } from '../../test-support/harness.js';

const IRC = '/api/2.1/unity-catalog/iceberg-rest';

describe('Iceberg REST catalog', () => {
  let emu: TestEmulator;
  let token: string;
  beforeAll(async () => {
    emu = await startTestEmulator();
    token = await oauthToken(emu);
  });
  afterAll(() => emu.stop());

  it('requires a bearer token and answers in Iceberg error shape', async () => {
    const res = await api(emu, 'GET', `${IRC}/v1/config?warehouse=main`, { token: null });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { message: expect.any(String), type: 'NotAuthorizedException', code: 401 } });
  });

  it('returns the config with the catalog prefix', async () => {
    const res = await api(emu, 'GET', `${IRC}/v1/config?warehouse=main`, { token });
    expect(res.status).toBe(200);
    expect(res.body.defaults).toEqual({});
    expect(res.body.overrides).toEqual({ prefix: 'catalogs/main' });
    expect(res.body.endpoints).toContain('GET /v1/{prefix}/namespaces/{namespace}/tables/{table}');
    expect((await api(emu, 'GET', `${IRC}/v1/config?warehouse=nope`, { token })).status).toBe(404);
    expect((await api(emu, 'GET', `${IRC}/v1/config`, { token })).body.error.type).toBe('BadRequestException');
  });

  it('lists namespaces and only Iceberg-readable tables, with pagination', async () => {
    const ns = await api(emu, 'GET', `${IRC}/v1/catalogs/main/namespaces`, { token });
    expect(ns.body.namespaces).toEqual([['big'], ['information_schema'], ['mixed']]);
    const tables = await api(emu, 'GET', `${IRC}/v1/catalogs/main/namespaces/mixed/tables`, { token });
    expect(tables.body.identifiers).toEqual([
      { namespace: ['mixed'], name: 'ext' },
      { namespace: ['mixed'], name: 'ice' },
      { namespace: ['mixed'], name: 'uni' },
    ]);
    const names: string[] = [];
    let pageToken: string | undefined;
    do {
      const res = await api(
        emu,
        'GET',
        `${IRC}/v1/catalogs/main/namespaces/big/tables?pageSize=5${pageToken ? `&pageToken=${pageToken}` : ''}`,
        { token },
      );
      names.push(...res.body.identifiers.map((i: { name: string }) => i.name));
      pageToken = res.body['next-page-token'];
    } while (pageToken);
    expect(names).toHaveLength(12);
    const missing = await api(emu, 'GET', `${IRC}/v1/catalogs/main/namespaces/nope/tables`, { token });
    expect(missing.status).toBe(404);
    expect(missing.body.error.type).toBe('NoSuchNamespaceException');
    expect((await api(emu, 'GET', `${IRC}/v1/catalogs/main/namespaces/mixed`, { token })).body.namespace).toEqual([
      'mixed',
    ]);
    expect((await api(emu, 'HEAD', `${IRC}/v1/catalogs/main/namespaces/mixed`, { token })).status).toBe(204);
  });

  it('loads a UniForm table: metadata file on disk, location = storage_location, Parquet at the table root', async () => {
    const uc = (await api(emu, 'GET', '/api/2.1/unity-catalog/tables/main.mixed.uni', { token })).body;
    const res = await api(emu, 'GET', `${IRC}/v1/catalogs/main/namespaces/mixed/tables/uni`, { token });
    expect(res.status).toBe(200);
    const metadataLocation = res.body['metadata-location'] as string;
    expect(metadataLocation).toBe(uc.delta_uniform_iceberg.metadata_location);
    expect(res.body.config).toEqual({});
    const metadata = res.body.metadata;
    expect(metadata).toMatchObject({ 'format-version': 2, location: uc.storage_location, 'current-schema-id': 0 });
    expect(metadata['table-uuid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(metadata.schemas[0].fields.map((f: { name: string; type: string }) => [f.name, f.type])).toEqual([
      ['id', 'long'],
      ['label', 'string'],
      ['amount', 'double'],
      ['day', 'date'],
      ['at', 'timestamptz'],
    ]);
    const snapshot = metadata.snapshots[0];
    expect(metadata['current-snapshot-id']).toBe(snapshot['snapshot-id']);
    expect(snapshot.summary['total-records']).toBe('7');

    const onDisk = JSON.parse(await readFile(metadataLocation.replace('s3://', `${emu.objectStoreRoot}/`), 'utf8'));
    expect(onDisk).toEqual(metadata);
    // UniForm keeps Delta's layout: the Parquet files sit at the table root (metadata-tree.test.ts
    // follows the manifests to them).
    const tableDir = uc.storage_location.replace('s3://', `${emu.objectStoreRoot}/`);
    const rows = await duckQuery(`SELECT count(*) AS n FROM read_parquet('${tableDir}/*.parquet')`);
    expect(rows[0]?.n).toBe(7n);
    const schema = await duckQuery(`DESCRIBE SELECT * FROM read_parquet('${tableDir}/*.parquet')`);
    expect(schema.map((c) => c.column_type)).toEqual([
      'BIGINT',
      'VARCHAR',
      'DOUBLE',
      'DATE',
      'TIMESTAMP WITH TIME ZONE',
    ]);
  });

  it('vends credentials when asked', async () => {
    const res = await api(emu, 'GET', `${IRC}/v1/catalogs/main/namespaces/mixed/tables/ice`, {
      token,
      headers: { 'X-Iceberg-Access-Delegation': 'vended-credentials' },
    });
    expect(res.body.config).toMatchObject({
      's3.access-key-id': expect.stringMatching(/^ASIA/),
      's3.secret-access-key': expect.any(String),
      's3.session-token': expect.any(String),
      's3.session-token-expires-at-ms': expect.stringMatching(/^\d+$/),
    });
    expect(res.body['storage-credentials'][0].prefix).toBe(res.body.metadata.location);
    const uc = (await api(emu, 'GET', '/api/2.1/unity-catalog/tables/main.mixed.ice', { token })).body;
    expect(res.body.metadata['table-uuid']).toBe(uc.table_id);
  });

  it('answers 404 NoSuchTableException for Delta tables, views and missing tables', async () => {
    for (const name of ['plain', 'v', 'nope']) {
      const res = await api(emu, 'GET', `${IRC}/v1/catalogs/main/namespaces/mixed/tables/${name}`, { token });
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ type: 'NoSuchTableException', code: 404 });
    }
    expect((await api(emu, 'HEAD', `${IRC}/v1/catalogs/main/namespaces/mixed/tables/plain`, { token })).status).toBe(
      404,
    );
  });

  it('also accepts a PAT and serves the legacy /iceberg path', async () => {
    const res = await api(emu, 'GET', '/api/2.1/unity-catalog/iceberg/v1/catalogs/main/namespaces/mixed/tables');
    expect(res.status).toBe(200);
    expect(res.body.identifiers).toHaveLength(3);
  });

  it('follows renames and drops made through the admin API', async () => {
    const before = await api(emu, 'GET', `${IRC}/v1/catalogs/main/namespaces/mixed/tables/ext`, { token });
    await emu.admin.renameTable('main.mixed.ext', 'ext2');
    const after = await api(emu, 'GET', `${IRC}/v1/catalogs/main/namespaces/mixed/tables/ext2`, { token });
    expect(after.body.metadata['table-uuid']).toBe(before.body.metadata['table-uuid']);
    expect(after.body['metadata-location']).toBe(before.body['metadata-location']);
    emu.admin.dropTable('main.mixed.ext2');
    expect((await api(emu, 'GET', `${IRC}/v1/catalogs/main/namespaces/mixed/tables/ext2`, { token })).status).toBe(404);
  });
});
