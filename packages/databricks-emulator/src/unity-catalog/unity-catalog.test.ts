import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestEmulator, type TestEmulator } from '../../test-support/harness.js';

const UC = '/api/2.1/unity-catalog';

/** Follows next_page_token to the end, returning items and the page sizes seen. */
async function listAll(emu: TestEmulator, path: string, key: string, maxResults: number) {
  const items: Array<Record<string, unknown>> = [];
  const sizes: number[] = [];
  let token: string | undefined;
  for (let i = 0; i < 100; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await api(emu, 'GET', `${path}${sep}max_results=${maxResults}${token ? `&page_token=${token}` : ''}`);
    expect(res.status).toBe(200);
    const page = (res.body[key] ?? []) as Array<Record<string, unknown>>;
    items.push(...page);
    sizes.push(page.length);
    token = res.body.next_page_token;
    if (!token) return { items, sizes };
  }
  throw new Error('pagination did not end');
}

describe('Unity Catalog REST', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.stop());

  it('lists catalogs with CatalogInfo fields', async () => {
    const res = await api(emu, 'GET', `${UC}/catalogs`);
    expect(res.body.catalogs.map((c: { name: string }) => c.name)).toEqual(['main', 'other']);
    const main = res.body.catalogs[0];
    expect(main).toMatchObject({
      name: 'main',
      full_name: 'main',
      catalog_type: 'MANAGED_CATALOG',
      storage_root: 's3://uc-test/main',
    });
    expect(typeof main.created_at).toBe('number');
    expect(typeof main.metastore_id).toBe('string');
    expect(res.body.next_page_token).toBeUndefined();
    expect((await api(emu, 'GET', `${UC}/catalogs/main`)).body.name).toBe('main');
  });

  it('lists schemas, including information_schema', async () => {
    const res = await api(emu, 'GET', `${UC}/schemas?catalog_name=main`);
    expect(res.body.schemas.map((s: { name: string }) => s.name)).toEqual(['big', 'information_schema', 'mixed']);
    expect(res.body.schemas[0]).toMatchObject({ catalog_name: 'main', full_name: 'main.big' });
    const missing = await api(emu, 'GET', `${UC}/schemas?catalog_name=nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error_code: 'CATALOG_DOES_NOT_EXIST', message: "Catalog 'nope' does not exist." });
    const noParam = await api(emu, 'GET', `${UC}/schemas`);
    expect(noParam.status).toBe(400);
    expect(noParam.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('pages tables, with empty pages that still carry next_page_token', async () => {
    const { items, sizes } = await listAll(emu, `${UC}/tables?catalog_name=main&schema_name=big`, 'tables', 10);
    expect(items).toHaveLength(60);
    expect(new Set(items.map((t) => t.name)).size).toBe(60);
    expect(sizes).toContain(0);
    expect(sizes.every((n) => n <= 10)).toBe(true);
    // max_results above the cap is capped; 0 means the server's default size
    const capped = await api(emu, 'GET', `${UC}/tables?catalog_name=main&schema_name=big&max_results=500`);
    expect(capped.body.tables).toHaveLength(10);
    const dflt = await api(emu, 'GET', `${UC}/tables?catalog_name=main&schema_name=big&max_results=0`);
    expect(dflt.body.tables).toHaveLength(7);
    // no max_results: everything at once
    const all = await api(emu, 'GET', `${UC}/tables?catalog_name=main&schema_name=big`);
    expect(all.body.tables).toHaveLength(60);
    expect(all.body.next_page_token).toBeUndefined();
    const negative = await api(emu, 'GET', `${UC}/tables?catalog_name=main&schema_name=big&max_results=-1`);
    expect(negative.status).toBe(400);
    expect(negative.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const badToken = await api(emu, 'GET', `${UC}/tables?catalog_name=main&schema_name=big&page_token=xyz`);
    expect(badToken.status).toBe(400);
  });

  it('pages catalogs and schemas the same way', async () => {
    expect((await listAll(emu, `${UC}/catalogs`, 'catalogs', 1)).items.map((c) => c.name)).toEqual(['main', 'other']);
    expect((await listAll(emu, `${UC}/schemas?catalog_name=main`, 'schemas', 1)).items).toHaveLength(3);
  });

  it('returns TableInfo with the documented fields and types', async () => {
    const list = await api(emu, 'GET', `${UC}/tables?catalog_name=main&schema_name=mixed`);
    const byName = Object.fromEntries(list.body.tables.map((t: { name: string }) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(['ext', 'ice', 'plain', 'uni', 'v']);
    const uni = (await api(emu, 'GET', `${UC}/tables/main.mixed.uni`)).body;
    expect(uni).toMatchObject({
      name: 'uni',
      catalog_name: 'main',
      schema_name: 'mixed',
      full_name: 'main.mixed.uni',
      table_type: 'MANAGED',
      data_source_format: 'DELTA',
    });
    expect(uni.table_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(typeof uni.created_at).toBe('number');
    expect(typeof uni.updated_at).toBe('number');
    expect(uni.storage_location).toMatch(
      /^s3:\/\/uc-test\/main\/__unitystorage\/catalogs\/[0-9a-f-]+\/tables\/[0-9a-f-]+$/,
    );
    expect(uni.properties).toMatchObject({
      'delta.universalFormat.enabledFormats': 'iceberg',
      'delta.enableIcebergCompatV2': 'true',
    });
    expect(uni.delta_uniform_iceberg.metadata_location).toMatch(
      new RegExp(`^${uni.storage_location}/metadata/00000-[0-9a-f-]+\\.metadata\\.json$`),
    );
    expect(typeof uni.delta_uniform_iceberg.converted_delta_version).toBe('number');
    expect(uni.columns[0]).toEqual({
      name: 'id',
      type_text: 'bigint',
      type_name: 'LONG',
      type_json: '{"name":"id","type":"long","nullable":true,"metadata":{}}',
      position: 0,
      nullable: true,
    });
    expect(uni.columns.map((c: { type_name: string }) => c.type_name)).toEqual([
      'LONG',
      'STRING',
      'DOUBLE',
      'DATE',
      'TIMESTAMP',
    ]);
    expect(byName.uni.delta_uniform_iceberg).toBeUndefined();
    expect(byName.ice).toMatchObject({ data_source_format: 'ICEBERG', table_type: 'MANAGED' });
    expect(byName.ext).toMatchObject({
      data_source_format: 'ICEBERG',
      table_type: 'EXTERNAL',
      storage_location: 's3://ext-bucket/ext',
    });
    expect(byName.plain.properties['delta.universalFormat.enabledFormats']).toBeUndefined();
    expect(byName.v).toMatchObject({ table_type: 'VIEW', view_definition: 'SELECT * FROM main.mixed.uni' });
    expect(byName.v.data_source_format).toBeUndefined();
    const omitted = await api(
      emu,
      'GET',
      `${UC}/tables?catalog_name=main&schema_name=mixed&omit_columns=true&omit_properties=true`,
    );
    expect(omitted.body.tables[0].columns).toBeUndefined();
    expect(omitted.body.tables[0].properties).toBeUndefined();
  });

  it('answers a missing table with 404 TABLE_DOES_NOT_EXIST', async () => {
    const res = await api(emu, 'GET', `${UC}/tables/main.mixed.nope`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error_code: 'TABLE_DOES_NOT_EXIST',
      message: "Table 'main.mixed.nope' does not exist.",
    });
    expect((await api(emu, 'GET', `${UC}/tables/main.mixed.nope/exists`)).body).toEqual({ table_exists: false });
    expect((await api(emu, 'GET', `${UC}/tables/main.mixed.uni/exists`)).body).toEqual({ table_exists: true });
  });

  it('serves entity tag assignments (list, get, create, delete)', async () => {
    const list = await api(emu, 'GET', `${UC}/entity-tag-assignments/tables/main.mixed.uni/tags`);
    expect(list.body.tag_assignments).toEqual([
      { entity_type: 'tables', entity_name: 'main.mixed.uni', tag_key: 'snowflake_schema', tag_value: 'MIXED' },
      { entity_type: 'tables', entity_name: 'main.mixed.uni', tag_key: 'snowflake_uniform_sync', tag_value: 'true' },
    ]);
    const paged = await listAll(emu, `${UC}/entity-tag-assignments/tables/main.mixed.uni/tags`, 'tag_assignments', 1);
    expect(paged.items).toHaveLength(2);
    const one = await api(emu, 'GET', `${UC}/entity-tag-assignments/tables/main.mixed.uni/tags/snowflake_schema`);
    expect(one.body.tag_value).toBe('MIXED');
    const created = await api(emu, 'POST', `${UC}/entity-tag-assignments`, {
      body: {
        tag_assignment: {
          entity_type: 'tables',
          entity_name: 'main.mixed.ice',
          tag_key: 'snowflake_uniform_sync',
          tag_value: 'true',
        },
      },
    });
    expect(created.status).toBe(200);
    expect(
      (await api(emu, 'GET', `${UC}/entity-tag-assignments/tables/main.mixed.ice/tags`)).body.tag_assignments,
    ).toHaveLength(1);
    expect(
      (await api(emu, 'DELETE', `${UC}/entity-tag-assignments/tables/main.mixed.ice/tags/snowflake_uniform_sync`))
        .status,
    ).toBe(200);
    expect(
      (await api(emu, 'GET', `${UC}/entity-tag-assignments/tables/main.mixed.ice/tags`)).body.tag_assignments,
    ).toEqual([]);
    expect(
      (await api(emu, 'GET', `${UC}/entity-tag-assignments/schemas/main.mixed/tags`)).body.tag_assignments,
    ).toHaveLength(1);
    expect(
      (await api(emu, 'GET', `${UC}/entity-tag-assignments/catalogs/main/tags`)).body.tag_assignments[0].tag_key,
    ).toBe('env');
    expect((await api(emu, 'GET', `${UC}/entity-tag-assignments/tables/main.mixed.nope/tags`)).status).toBe(404);
    expect((await api(emu, 'GET', `${UC}/entity-tag-assignments/widgets/x/tags`)).status).toBe(400);
  });

  it('updates a tag assignment with PATCH and update_mask, refusing a second create of the same key', async () => {
    // EntityTagAssignmentsAPI.update / create in databricks-sdk-py databricks/sdk/service/catalog.py:
    // PATCH /api/2.1/unity-catalog/entity-tag-assignments/{entity_type}/{entity_name}/tags/{tag_key}?update_mask=…
    // with the TagAssignment as the body; create is POST /api/2.1/unity-catalog/entity-tag-assignments.
    const path = `${UC}/entity-tag-assignments/tables/main.mixed.uni/tags/snowflake_schema`;
    const patched = await api(emu, 'PATCH', `${path}?update_mask=tag_value`, {
      body: { entity_type: 'tables', entity_name: 'main.mixed.uni', tag_key: 'snowflake_schema', tag_value: 'M2' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ tag_key: 'snowflake_schema', tag_value: 'M2' });
    expect((await api(emu, 'GET', path)).body.tag_value).toBe('M2');
    const noMask = await api(emu, 'PATCH', path, { body: { tag_value: 'x' } });
    expect(noMask.status).toBe(400);
    expect(noMask.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const badMask = await api(emu, 'PATCH', `${path}?update_mask=tag_key`, { body: { tag_key: 'other' } });
    expect(badMask.status).toBe(400);
    const missing = await api(emu, 'PATCH', `${path}_nope?update_mask=tag_value`, { body: { tag_value: 'x' } });
    expect(missing.status).toBe(404);
    const again = await api(emu, 'POST', `${UC}/entity-tag-assignments`, {
      body: { entity_type: 'tables', entity_name: 'main.mixed.uni', tag_key: 'snowflake_schema', tag_value: 'x' },
    });
    expect(again.status).toBe(409);
    await api(emu, 'PATCH', `${path}?update_mask=*`, {
      body: { entity_type: 'tables', entity_name: 'main.mixed.uni', tag_key: 'snowflake_schema', tag_value: 'MIXED' },
    });
    expect((await api(emu, 'GET', path)).body.tag_value).toBe('MIXED');
  });

  it('can end the last page with an empty-string next_page_token', async () => {
    emu.admin.updateSettings({ empty_string_last_page_token: true });
    try {
      const last = await api(emu, 'GET', `${UC}/schemas?catalog_name=main&max_results=10`);
      expect(last.body.next_page_token).toBe('');
      const { items } = await listAll(emu, `${UC}/tables?catalog_name=main&schema_name=big`, 'tables', 10);
      expect(items.length).toBeGreaterThan(10);
      // The deprecated unpaginated call has no page token at all.
      expect('next_page_token' in (await api(emu, 'GET', `${UC}/catalogs`)).body).toBe(false);
    } finally {
      emu.admin.updateSettings({ empty_string_last_page_token: false });
    }
  });

  it('adds, renames (keeping table_id and storage) and drops tables through the admin API', async () => {
    const added = await api(emu, 'POST', '/__emulator/tables', {
      token: null,
      body: {
        catalog_name: 'main',
        schema_name: 'mixed',
        table: {
          name: 'fresh',
          format: 'uniform',
          rows: 3,
          columns: [{ name: 'id', type: 'BIGINT' }],
          tags: { snowflake_uniform_sync: 'true' },
        },
      },
    });
    expect(added.status).toBe(200);
    const before = (await api(emu, 'GET', `${UC}/tables/main.mixed.fresh`)).body;
    expect(before.table_id).toBe(added.body.table_id);

    const renamed = await api(emu, 'POST', '/__emulator/tables/main.mixed.fresh/rename', {
      token: null,
      body: { new_name: 'renamed' },
    });
    expect(renamed.status).toBe(200);
    expect((await api(emu, 'GET', `${UC}/tables/main.mixed.fresh`)).status).toBe(404);
    const after = (await api(emu, 'GET', `${UC}/tables/main.mixed.renamed`)).body;
    expect(after.table_id).toBe(before.table_id);
    expect(after.storage_location).toBe(before.storage_location);
    expect(after.full_name).toBe('main.mixed.renamed');
    expect(after.updated_at).toBeGreaterThanOrEqual(before.updated_at);

    const duplicate = await api(emu, 'POST', '/__emulator/tables', {
      token: null,
      body: {
        catalog_name: 'main',
        schema_name: 'mixed',
        table: { name: 'renamed', format: 'delta', columns: [{ name: 'id', type: 'BIGINT' }] },
      },
    });
    expect(duplicate.status).toBe(409);
    const invalid = await api(emu, 'POST', '/__emulator/tables', {
      token: null,
      body: { catalog_name: 'main', schema_name: 'mixed', table: { name: 'bad', format: 'csv', columns: [] } },
    });
    expect(invalid.status).toBe(400);

    expect((await api(emu, 'DELETE', '/__emulator/tables/main.mixed.renamed', { token: null })).status).toBe(200);
    expect((await api(emu, 'GET', `${UC}/tables/main.mixed.renamed`)).status).toBe(404);
  });
});
