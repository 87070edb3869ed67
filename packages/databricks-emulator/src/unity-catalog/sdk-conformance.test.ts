import { ApiError, WorkspaceClient } from '@databricks/sdk-experimental';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../test-support/harness.js';
import { ANALYST_PAT, OWNER_PAT, PIPELINE_CLIENT, permissionsFixture } from '../../test-support/permissions-fixture.js';

/*
 * The emulator driven by Databricks' own JavaScript SDK (@databricks/sdk-experimental): its Unity Catalog
 * iterators, tag assignment calls and error mapping, with a PAT and with OAuth M2M. If the emulator's paths,
 * field names or error shapes drift from the service's, the SDK's generated code notices.
 * (The SDK's iterators stop at the first empty page, so this fixture has none; d2s's own client does not stop.)
 */
describe('conformance with @databricks/sdk-experimental', () => {
  let emu: TestEmulator;
  const collect = async <T>(items: AsyncIterable<T>) => {
    const out: T[] = [];
    for await (const item of items) out.push(item);
    return out;
  };
  const pat = (token: string) => new WorkspaceClient({ host: emu.url, token, authType: 'pat' });

  beforeAll(async () => {
    emu = await startTestEmulator({ fixture: permissionsFixture() });
  });
  afterAll(() => emu.stop());

  it('iterates catalogs, schemas and tables with a PAT, seeing what the principal may see', async () => {
    const owner = pat(OWNER_PAT);
    expect((await collect(owner.catalogs.list({ max_results: 1 }))).map((c) => c.name)).toEqual(['lake', 'private']);
    const analyst = pat(ANALYST_PAT);
    expect((await collect(analyst.catalogs.list({}))).map((c) => c.name)).toEqual(['lake']);
    const schemas = await collect(analyst.schemas.list({ catalog_name: 'lake', max_results: 1 }));
    expect(schemas.map((s) => s.name)).toEqual(['curated', 'information_schema']);
    const tables = await collect(
      analyst.tables.list({ catalog_name: 'lake', schema_name: 'curated', include_browse: true, max_results: 1 }),
    );
    expect(tables.map((t) => [t.name, t.browse_only])).toEqual([
      ['hidden', true],
      ['visible', false],
    ]);
  });

  it('maps a 403 to the SDK error with PERMISSION_DENIED and the service message', async () => {
    const error = await pat(ANALYST_PAT)
      .tables.get({ full_name: 'lake.curated.hidden' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).statusCode).toBe(403);
    expect(JSON.stringify((error as ApiError).response ?? {}) + (error as ApiError).message).toContain(
      "User does not have SELECT on Table 'lake.curated.hidden'.",
    );
  });

  it('creates, updates (update_mask) and lists tag assignments with OAuth M2M', async () => {
    const sp = new WorkspaceClient({
      host: emu.url,
      clientId: PIPELINE_CLIENT.id,
      clientSecret: PIPELINE_CLIENT.secret,
      authType: 'oauth-m2m',
    });
    const created = await sp.entityTagAssignments.create({
      tag_assignment: { entity_type: 'tables', entity_name: 'lake.curated.hidden', tag_key: 'tier', tag_value: 'gold' },
    });
    expect(created.tag_value).toBe('gold');
    const updated = await sp.entityTagAssignments.update({
      entity_type: 'tables',
      entity_name: 'lake.curated.hidden',
      tag_key: 'tier',
      update_mask: 'tag_value',
      tag_assignment: {
        entity_type: 'tables',
        entity_name: 'lake.curated.hidden',
        tag_key: 'tier',
        tag_value: 'silver',
      },
    });
    // Finding: SDK 0.17.0 (declared for Node >= 22) sends this PATCH with an empty body on Node 20, so the
    // emulator applies update_mask=tag_value to an absent value (''). The call itself must reach the route.
    expect(updated.tag_key).toBe('tier');
    expect(emu.requestLog.entries({ route: 'unity-catalog/entity-tag-assignment/update' })[0]?.query).toEqual({
      update_mask: 'tag_value',
    });
    const tags = await collect(
      sp.entityTagAssignments.list({ entity_type: 'tables', entity_name: 'lake.curated.hidden', max_results: 1 }),
    );
    expect(tags.map((t) => t.tag_key)).toEqual(['team', 'tier']);
    expect(emu.requestLog.entries({ route: 'unity-catalog/entity-tag-assignment/update' })[0]?.auth).toBe('oauth');
  });
});
