/**
 * Discovery tags written through the real entity-tag-assignments API of the Databricks emulator, as a
 * principal with APPLY TAG on one schema only. The API (POST …/entity-tag-assignments with the TagAssignment as
 * the body, PATCH …/tags/{key}?update_mask=tag_value, DELETE …/tags/{key}) and its privileges ("you must own the
 * entity or have APPLY TAG on the entity, USE SCHEMA … USE CATALOG") are those of EntityTagAssignmentsService in
 * @databricks/sdk-experimental (dist/apis/catalog/api.js) and https://docs.databricks.com/api/workspace/entitytagassignments.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type DatabricksFixture,
  type RunningDatabricksEmulator,
  startDatabricksEmulator,
} from '@d2s/databricks-emulator';
import { createDatabricksClient, type DatabricksClient } from '../databricks/client.js';
import { Secret } from '../secret.js';
import { applyDiscoveryTags, type DiscoveryTagResult, planDiscoveryTags } from './discovery-tags.js';
import { testSettings } from '@d2s/testkit/mirror-fixtures';

const columns = [{ name: 'id', type: 'BIGINT' as const }];
const SYNC = 'snowflake_uniform_sync';

/** d2s@ reads the whole catalog and may tag in `curated` only. */
const fixture: DatabricksFixture = {
  workspace: { user_name: 'admin@example.com' },
  auth: {
    personal_access_tokens: [
      { token: 'dapi-d2s', user_name: 'd2s@example.com' },
      { token: 'dapi-admin', user_name: 'admin@example.com' },
    ],
    oauth_clients: [],
  },
  jobs: [],
  catalogs: [
    {
      name: 'lake',
      grants: [{ principal: 'd2s@example.com', privileges: ['USE CATALOG', 'USE SCHEMA', 'SELECT'] }],
      schemas: [
        {
          name: 'curated',
          grants: [{ principal: 'd2s@example.com', privileges: ['APPLY TAG'] }],
          tables: [
            { name: 'fresh', format: 'uniform', rows: 1, columns },
            { name: 'odd', format: 'uniform', rows: 1, columns, tags: { [SYNC]: 'yes' } },
            { name: 'tagged', format: 'iceberg', rows: 1, columns, tags: { [SYNC]: 'true' } },
            { name: 'mine', format: 'uniform', rows: 1, columns, tags: { [SYNC]: 'No' } },
            { name: 'plain', format: 'delta', rows: 1, columns, tags: { [SYNC]: 'true', owner: 'ops' } },
            { name: 'off', format: 'delta', rows: 1, columns, tags: { [SYNC]: 'false' } },
            { name: 'skipme', format: 'uniform', rows: 1, columns, tags: { [SYNC]: 'true' } },
          ],
        },
        { name: 'locked', tables: [{ name: 'events', format: 'uniform', rows: 1, columns }] },
      ],
    },
  ],
};

const settings = testSettings({ catalogs: [{ name: 'lake', schemaMap: {} }], exclude: ['lake.curated.skipme'] });

describe('discovery tags written onto Unity Catalog tables (entity tag assignments)', () => {
  let root: string;
  let emulator: RunningDatabricksEmulator;
  let client: DatabricksClient;
  const tagsOf = (fullName: string) =>
    client.unityCatalog.listTableTags(fullName).then((a) => Object.fromEntries(a.map((t) => [t.tag_key, t.tag_value])));
  const kinds = (result: DiscoveryTagResult) =>
    Object.fromEntries(result.changes.map((c) => [c.fullName, c.status ? `${c.kind}:${c.status}` : c.kind]));

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'd2s-discovery-tags-'));
    emulator = await startDatabricksEmulator({ port: 0, fixture, objectStoreRoot: root });
    client = createDatabricksClient({
      host: emulator.url,
      auth: { kind: 'pat', token: new Secret('dapi-d2s') },
      requestTimeoutMs: 5_000,
      retryBudgetMs: 10_000,
      maxConcurrentRequests: 8,
      maxRequestsPerSecond: 1_000,
    });
  });
  afterEach(async () => {
    await client?.close();
    await emulator?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('plans add, update, remove, unchanged and opted-out like a plan, and a dry run writes nothing', async () => {
    const plan = await planDiscoveryTags(client.unityCatalog, settings, {}, { principal: 'd2s@example.com' });
    expect(kinds(plan)).toEqual({
      'lake.curated.fresh': 'add',
      'lake.curated.odd': 'update',
      'lake.curated.tagged': 'unchanged',
      'lake.curated.mine': 'opted-out',
      'lake.curated.plain': 'remove',
      'lake.curated.skipme': 'remove',
      'lake.locked.events': 'add',
    });
    expect(plan.summary).toEqual({ add: 2, update: 1, remove: 2, unchanged: 1, 'opted-out': 1, failed: 0 });
    expect(plan.changes.find((c) => c.fullName === 'lake.curated.odd')).toMatchObject({
      current: 'yes',
      value: 'true',
    });
    expect(plan.changes.find((c) => c.fullName === 'lake.curated.plain')?.reason).toContain('no longer eligible');
    expect(await tagsOf('lake.curated.fresh')).toEqual({});
    expect(await tagsOf('lake.curated.plain')).toEqual({ [SYNC]: 'true', owner: 'ops' });
  });

  it('writes them; a table without APPLY TAG fails alone with the grant it needs; opt-outs stay; a second pass is a no-op', async () => {
    const plan = await planDiscoveryTags(client.unityCatalog, settings, {}, { principal: 'd2s@example.com' });
    const written = await applyDiscoveryTags(client.unityCatalog, plan, { principal: 'd2s@example.com' });
    expect(kinds(written)).toMatchObject({
      'lake.curated.fresh': 'add:applied',
      'lake.curated.odd': 'update:applied',
      'lake.curated.plain': 'remove:applied',
      'lake.curated.skipme': 'remove:applied',
      'lake.locked.events': 'add:failed',
    });
    const failed = written.changes.find((c) => c.fullName === 'lake.locked.events');
    expect(failed?.error?.code).toBe('PERMISSION_DENIED');
    expect(failed?.error?.message).toContain('grant APPLY TAG on table lake.locked.events to d2s@example.com');
    expect(written.summary.failed).toBe(1);

    expect(await tagsOf('lake.curated.fresh')).toEqual({ [SYNC]: 'true' });
    expect(await tagsOf('lake.curated.odd')).toEqual({ [SYNC]: 'true' });
    expect(await tagsOf('lake.curated.mine')).toEqual({ [SYNC]: 'No' });
    expect(await tagsOf('lake.curated.off')).toEqual({ [SYNC]: 'false' });
    // Only d2s's tag goes; the table's other tags stay.
    expect(await tagsOf('lake.curated.plain')).toEqual({ owner: 'ops' });
    expect(await tagsOf('lake.locked.events')).toEqual({});

    const again = await planDiscoveryTags(client.unityCatalog, settings, {}, { principal: 'd2s@example.com' });
    expect(again.summary).toMatchObject({ add: 1, update: 0, remove: 0, unchanged: 3, 'opted-out': 1 });
  });

  it('never overwrites an opt-out set between the plan and the write', async () => {
    const plan = await planDiscoveryTags(client.unityCatalog, settings, { schemas: ['curated'] });
    emulator.admin.setTableTag('lake.curated.odd', SYNC, 'false');
    emulator.admin.setTableTag('lake.curated.fresh', SYNC, 'no');
    const written = await applyDiscoveryTags(client.unityCatalog, plan);
    expect(kinds(written)).toMatchObject({
      'lake.curated.odd': 'opted-out:skipped',
      'lake.curated.fresh': 'opted-out:skipped',
    });
    expect(await tagsOf('lake.curated.odd')).toEqual({ [SYNC]: 'false' });
    expect(await tagsOf('lake.curated.fresh')).toEqual({ [SYNC]: 'no' });
  });

  it('with requireOptIn leaves every tag as the user set it', async () => {
    const optIn = testSettings({
      catalogs: [{ name: 'lake', schemaMap: {} }],
      exclude: ['lake.curated.skipme'],
      tags: { ...settings.tags, requireOptIn: true },
    });
    const plan = await planDiscoveryTags(client.unityCatalog, optIn, { schemas: ['curated'] });
    expect(plan.summary).toMatchObject({ add: 0, update: 0, remove: 0, unchanged: 1 });
  });
});
