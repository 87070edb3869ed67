import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestEmulator, type TestEmulator } from '../../test-support/harness.js';
import { ANALYST_PAT, OUTSIDER_PAT, OWNER_PAT, permissionsFixture } from '../../test-support/permissions-fixture.js';

/*
 * The Iceberg REST catalog enforces Unity Catalog privileges for the calling principal, as Unity Catalog's own
 * REST lists do. Sources:
 * - A principal reading through Databricks' Iceberg REST catalog needs "SELECT permission on the table, USE CATALOG
 *   on its parent catalog, and USE SCHEMA on its parent schema", and EXTERNAL USE SCHEMA for temporary credentials
 *   (https://docs.databricks.com/external-access/admin.html, "Grant a principal Unity Catalog privileges").
 * - The refusal is the Iceberg REST spec's 403 ForbiddenResponse, "Forbidden. Authenticated user does not have the
 *   necessary permissions.", an ErrorModel {"error": {"message", "type", "code"}} (apache/iceberg
 *   open-api/rest-catalog-open-api.yaml, components.responses.ForbiddenResponse / schemas.ErrorModel).
 * The permissions fixture: analyst@ has USE CATALOG + BROWSE on `lake`, USE SCHEMA on `lake.curated`, SELECT on
 * `lake.curated.visible` only; outsider@ has nothing; owner@ is the metastore admin.
 */
const REST = '/api/2.1/unity-catalog/iceberg-rest/v1';
const LAKE = `${REST}/catalogs/lake`;

describe('Iceberg REST catalog privileges', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ fixture: permissionsFixture() });
  });
  afterAll(() => emu.stop());

  const forbidden = (message: string) => ({ error: { message, type: 'ForbiddenException', code: 403 } });

  it('refuses the warehouse to a principal without USE CATALOG', async () => {
    const config = await api(emu, 'GET', `${REST}/config?warehouse=lake`, { token: OUTSIDER_PAT });
    expect(config.status).toBe(403);
    expect(config.body).toEqual(forbidden("User does not have USE CATALOG on Catalog 'lake'."));
    const namespaces = await api(emu, 'GET', `${LAKE}/namespaces`, { token: OUTSIDER_PAT });
    expect(namespaces.status).toBe(403);
    expect(namespaces.body.error.type).toBe('ForbiddenException');
    // A catalog that does not exist is still a 404, whoever asks.
    expect((await api(emu, 'GET', `${REST}/config?warehouse=nope`, { token: OUTSIDER_PAT })).status).toBe(404);
    expect((await api(emu, 'GET', `${REST}/config?warehouse=lake`, { token: ANALYST_PAT })).status).toBe(200);
  });

  it('lists only the namespaces the principal may use', async () => {
    const analyst = await api(emu, 'GET', `${LAKE}/namespaces`, { token: ANALYST_PAT });
    expect(analyst.body.namespaces).toEqual([['curated'], ['information_schema']]);
    const owner = await api(emu, 'GET', `${LAKE}/namespaces`, { token: OWNER_PAT });
    expect(owner.body.namespaces).toEqual([['curated'], ['information_schema'], ['raw']]);
  });

  it('refuses a namespace without USE SCHEMA', async () => {
    const get = await api(emu, 'GET', `${LAKE}/namespaces/raw`, { token: ANALYST_PAT });
    expect(get.status).toBe(403);
    expect(get.body).toEqual(forbidden("User does not have USE SCHEMA on Schema 'lake.raw'."));
    expect((await api(emu, 'HEAD', `${LAKE}/namespaces/raw`, { token: ANALYST_PAT })).status).toBe(403);
    const tables = await api(emu, 'GET', `${LAKE}/namespaces/raw/tables`, { token: ANALYST_PAT });
    expect(tables.status).toBe(403);
    expect(tables.body).toEqual(forbidden("User does not have USE SCHEMA on Schema 'lake.raw'."));
  });

  it('lists only the tables the principal may read', async () => {
    const analyst = await api(emu, 'GET', `${LAKE}/namespaces/curated/tables`, { token: ANALYST_PAT });
    expect(analyst.body.identifiers).toEqual([{ namespace: ['curated'], name: 'visible' }]);
    const owner = await api(emu, 'GET', `${LAKE}/namespaces/curated/tables`, { token: OWNER_PAT });
    expect(owner.body.identifiers.map((t: { name: string }) => t.name)).toEqual(['hidden', 'visible']);
  });

  it('loads a table only with SELECT on it, and says which privilege is missing', async () => {
    const ok = await api(emu, 'GET', `${LAKE}/namespaces/curated/tables/visible`, { token: ANALYST_PAT });
    expect(ok.status).toBe(200);
    expect(ok.body['metadata-location']).toMatch(/\.metadata\.json$/);
    const hidden = await api(emu, 'GET', `${LAKE}/namespaces/curated/tables/hidden`, { token: ANALYST_PAT });
    expect(hidden.status).toBe(403);
    expect(hidden.body).toEqual(forbidden("User does not have SELECT on Table 'lake.curated.hidden'."));
    expect((await api(emu, 'HEAD', `${LAKE}/namespaces/curated/tables/hidden`, { token: ANALYST_PAT })).status).toBe(
      403,
    );
    // The parents are checked first: the first missing privilege is the one named.
    const raw = await api(emu, 'GET', `${LAKE}/namespaces/raw/tables/events`, { token: ANALYST_PAT });
    expect(raw.body).toEqual(forbidden("User does not have USE SCHEMA on Schema 'lake.raw'."));
    // A missing table is a 404 NoSuchTableException once the parents may be used.
    const missing = await api(emu, 'GET', `${LAKE}/namespaces/curated/tables/nope`, { token: ANALYST_PAT });
    expect(missing.status).toBe(404);
    expect(missing.body.error.type).toBe('NoSuchTableException');
  });

  it('vends credentials only with EXTERNAL USE SCHEMA, even to a principal that may read the table', async () => {
    const vended = { 'X-Iceberg-Access-Delegation': 'vended-credentials' };
    const res = await api(emu, 'GET', `${LAKE}/namespaces/curated/tables/visible`, {
      token: ANALYST_PAT,
      headers: vended,
    });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(forbidden("User does not have EXTERNAL USE SCHEMA on Schema 'lake.curated'."));
  });
});
