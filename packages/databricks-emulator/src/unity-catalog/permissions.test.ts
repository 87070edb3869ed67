import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, oauthToken, startTestEmulator, type TestEmulator } from '../../test-support/harness.js';
import {
  ANALYST_PAT,
  OUTSIDER_PAT,
  OWNER_PAT,
  PIPELINE_CLIENT,
  permissionsFixture,
} from '../../test-support/permissions-fixture.js';
import { validateFixture } from '../fixture.js';

/*
 * Unity Catalog privileges as a workspace enforces them. Sources:
 * - visibility per call: the REST reference, as generated into databricks-sdk-py databricks/sdk/service/catalog.py
 *   (CatalogsAPI.list: "only catalogs owned by the caller (or for which the caller has the USE_CATALOG privilege)";
 *   SchemasAPI.list: "If the caller is the metastore admin or the owner of the parent catalog, all schemas ...
 *   Otherwise, only schemas owned by the caller (or for which the caller has the USE_SCHEMA privilege)";
 *   TablesAPI.list/get: "an owner of (or have the SELECT privilege on) the table ... must also be the owner or have
 *   the USE_CATALOG privilege on the parent catalog and the USE_SCHEMA privilege on the parent schema";
 *   `include_browse`: "include ... for which the principal can only access selective metadata for");
 * - the 403 body: https://github.com/Azure/spark-cdm-connector/issues/149 quotes a workspace's
 *   {"error_code":"PERMISSION_DENIED","message":"User does not have EXTERNAL USE SCHEMA on Schema 'icebase.telemetry'.",
 *   "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"PERMISSION_DENIED",
 *   "domain":"unity-catalog.databricks.com","metadata":{...}}, RequestInfo]};
 *   "User does not have USE CATALOG on Catalog '...'." in https://github.com/databricks-demos/dbdemos/issues/74;
 * - credential vending needs EXTERNAL USE SCHEMA: https://docs.databricks.com/external-access/credential-vending.html.
 */
const UC = '/api/2.1/unity-catalog';
const ICEBERG = '/api/2.1/unity-catalog/iceberg-rest/v1/catalogs/lake/namespaces';

const names = (items: Array<{ name: string }> | undefined) => (items ?? []).map((i) => i.name);

describe('Unity Catalog permissions', () => {
  let emu: TestEmulator;
  let pipeline: string;
  beforeAll(async () => {
    emu = await startTestEmulator({ fixture: permissionsFixture() });
    pipeline = await oauthToken(emu, PIPELINE_CLIENT.id, PIPELINE_CLIENT.secret);
  });
  afterAll(() => emu.stop());

  it('lists only the catalogs a principal may use; BROWSE only with include_browse', async () => {
    expect(names((await api(emu, 'GET', `${UC}/catalogs`, { token: OWNER_PAT })).body.catalogs)).toEqual([
      'lake',
      'private',
    ]);
    expect(names((await api(emu, 'GET', `${UC}/catalogs`, { token: pipeline })).body.catalogs)).toEqual(['lake']);
    const outsider = await api(emu, 'GET', `${UC}/catalogs`, { token: OUTSIDER_PAT });
    expect(outsider.status).toBe(200);
    expect(outsider.body.catalogs ?? []).toEqual([]);
  });

  it('lists schemas by USE SCHEMA, and refuses the listing without USE CATALOG', async () => {
    const analyst = await api(emu, 'GET', `${UC}/schemas?catalog_name=lake`, { token: ANALYST_PAT });
    expect(names(analyst.body.schemas)).toEqual(['curated', 'information_schema']);
    const browsing = await api(emu, 'GET', `${UC}/schemas?catalog_name=lake&include_browse=true`, {
      token: ANALYST_PAT,
    });
    expect(browsing.body.schemas.map((s: { name: string; browse_only: boolean }) => [s.name, s.browse_only])).toEqual([
      ['curated', false],
      ['information_schema', false],
      ['raw', true],
    ]);
    const denied = await api(emu, 'GET', `${UC}/schemas?catalog_name=private`, { token: ANALYST_PAT });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      error_code: 'PERMISSION_DENIED',
      message: "User does not have USE CATALOG on Catalog 'private'.",
    });
    expect(denied.body.details[0]).toEqual({
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'PERMISSION_DENIED',
      domain: 'unity-catalog.databricks.com',
      metadata: { principalName: 'User', msg: 'USE CATALOG', resourceType: 'Catalog', resourceName: 'private' },
    });
    expect(denied.body.details[1]['@type']).toBe('type.googleapis.com/google.rpc.RequestInfo');
  });

  it('lists tables by SELECT (or ownership) and marks browse-only ones', async () => {
    const analyst = await api(emu, 'GET', `${UC}/tables?catalog_name=lake&schema_name=curated`, { token: ANALYST_PAT });
    expect(names(analyst.body.tables)).toEqual(['visible']);
    const browse = await api(emu, 'GET', `${UC}/tables?catalog_name=lake&schema_name=curated&include_browse=true`, {
      token: ANALYST_PAT,
    });
    expect(browse.body.tables.map((t: { name: string; browse_only: boolean }) => [t.name, t.browse_only])).toEqual([
      ['hidden', true],
      ['visible', false],
    ]);
    const noSchema = await api(emu, 'GET', `${UC}/tables?catalog_name=lake&schema_name=raw`, { token: ANALYST_PAT });
    expect(noSchema.status).toBe(403);
    expect(noSchema.body.message).toBe("User does not have USE SCHEMA on Schema 'lake.raw'.");
    // The owner (metastore admin) and the service principal granted SELECT on the catalog see both.
    for (const token of [OWNER_PAT, pipeline]) {
      const all = await api(emu, 'GET', `${UC}/tables?catalog_name=lake&schema_name=curated`, { token });
      expect(names(all.body.tables)).toEqual(['hidden', 'visible']);
    }
  });

  it('refuses GET of a table the principal may not read, naming the first missing privilege', async () => {
    const hidden = await api(emu, 'GET', `${UC}/tables/lake.curated.hidden`, { token: ANALYST_PAT });
    expect(hidden.status).toBe(403);
    expect(hidden.body.message).toBe("User does not have SELECT on Table 'lake.curated.hidden'.");
    expect(hidden.body.details[0].metadata).toMatchObject({ msg: 'SELECT', resourceType: 'Table' });
    const browse = await api(emu, 'GET', `${UC}/tables/lake.curated.hidden?include_browse=true`, {
      token: ANALYST_PAT,
    });
    expect(browse.status).toBe(200);
    expect(browse.body.browse_only).toBe(true);
    const outsider = await api(emu, 'GET', `${UC}/tables/lake.curated.visible`, { token: OUTSIDER_PAT });
    expect(outsider.status).toBe(403);
    expect(outsider.body.message).toBe("User does not have USE CATALOG on Catalog 'lake'.");
    expect((await api(emu, 'GET', `${UC}/tables/lake.curated.visible`, { token: ANALYST_PAT })).status).toBe(200);
    // A table that does not exist is still a 404 for a principal that may use the schema.
    expect((await api(emu, 'GET', `${UC}/tables/lake.curated.nope`, { token: ANALYST_PAT })).status).toBe(404);
  });

  it('checks tag reads against the table and tag writes against APPLY TAG', async () => {
    const read = await api(emu, 'GET', `${UC}/entity-tag-assignments/tables/lake.curated.hidden/tags`, {
      token: ANALYST_PAT,
    });
    expect(read.status).toBe(403);
    const write = await api(emu, 'POST', `${UC}/entity-tag-assignments`, {
      token: ANALYST_PAT,
      body: { entity_type: 'tables', entity_name: 'lake.curated.visible', tag_key: 'k', tag_value: 'v' },
    });
    expect(write.status).toBe(403);
    expect(write.body.message).toBe("User does not have APPLY TAG on Table 'lake.curated.visible'.");
    const byPipeline = await api(emu, 'POST', `${UC}/entity-tag-assignments`, {
      token: pipeline,
      body: { entity_type: 'tables', entity_name: 'lake.curated.visible', tag_key: 'k', tag_value: 'v' },
    });
    expect(byPipeline.status).toBe(200);
  });

  it('vends Iceberg credentials only with EXTERNAL USE SCHEMA on the schema', async () => {
    const vended = { 'X-Iceberg-Access-Delegation': 'vended-credentials' };
    const ok = await api(emu, 'GET', `${ICEBERG}/curated/tables/hidden`, { token: pipeline, headers: vended });
    expect(ok.status).toBe(200);
    expect(ok.body.config['s3.access-key-id']).toMatch(/^ASIA/);
    const raw = await api(emu, 'GET', `${ICEBERG}/raw/tables/events`, { token: pipeline, headers: vended });
    expect(raw.status).toBe(403);
    expect(raw.body).toEqual({
      error: {
        message: "User does not have EXTERNAL USE SCHEMA on Schema 'lake.raw'.",
        type: 'ForbiddenException',
        code: 403,
      },
    });
    // The metastore admin and owner is not exempt: the privilege must be granted explicitly.
    const owner = await api(emu, 'GET', `${ICEBERG}/curated/tables/hidden`, { token: OWNER_PAT, headers: vended });
    expect(owner.status).toBe(403);
    // Metadata without vended credentials does not need the privilege.
    expect((await api(emu, 'GET', `${ICEBERG}/raw/tables/events`, { token: pipeline })).status).toBe(200);
  });

  it('reports effective permissions, inherited ones with where they come from', async () => {
    // GrantsAPI.get_effective: GET /api/2.1/unity-catalog/effective-permissions/{securable_type}/{full_name}
    // → {privilege_assignments: [{principal, privileges: [{privilege, inherited_from_type, inherited_from_name}]}]}
    // (EffectivePermissionsList / EffectivePrivilegeAssignment / EffectivePrivilege in databricks-sdk-py).
    const res = await api(emu, 'GET', `${UC}/effective-permissions/schema/lake.curated?principal=pipeline-client`, {
      token: OWNER_PAT,
    });
    expect(res.status).toBe(200);
    expect(res.body.privilege_assignments).toEqual([
      {
        principal: 'pipeline-client',
        privileges: [
          { privilege: 'APPLY_TAG', inherited_from_type: 'CATALOG', inherited_from_name: 'lake' },
          { privilege: 'EXTERNAL_USE_SCHEMA' },
          { privilege: 'SELECT', inherited_from_type: 'CATALOG', inherited_from_name: 'lake' },
          { privilege: 'USE_CATALOG', inherited_from_type: 'CATALOG', inherited_from_name: 'lake' },
          { privilege: 'USE_SCHEMA', inherited_from_type: 'CATALOG', inherited_from_name: 'lake' },
        ],
      },
    ]);
    const raw = await api(emu, 'GET', `${UC}/effective-permissions/schema/lake.raw?principal=pipeline-client`, {
      token: pipeline,
    });
    expect(raw.body.privilege_assignments[0].privileges.map((p: { privilege: string }) => p.privilege)).not.toContain(
      'EXTERNAL_USE_SCHEMA',
    );
    expect((await api(emu, 'GET', `${UC}/effective-permissions/schema/lake.raw`, { token: OUTSIDER_PAT })).status).toBe(
      403,
    );
    expect((await api(emu, 'GET', `${UC}/effective-permissions/widget/lake`, { token: OWNER_PAT })).status).toBe(400);
  });

  it('refuses a fixture grant with an unknown privilege', () => {
    const fixture = permissionsFixture();
    fixture.catalogs[0]!.grants = [{ principal: 'x', privileges: ['READ EVERYTHING'] }];
    expect(() => validateFixture(structuredClone(fixture))).toThrow(/unknown privilege "READ EVERYTHING"/);
  });
});
