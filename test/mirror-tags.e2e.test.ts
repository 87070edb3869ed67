import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type MirrorStack, startMirrorStack } from './support/mirror-stack.js';

/**
 * POST /v1/mirror/tags over real HTTP against the Databricks emulator's entity-tag-assignments API (the
 * sandbox catalogs; d2s's principal is a metastore admin there, so it may tag everything). The privilege
 * refusals (APPLY TAG) are covered in packages/shared/src/mirror/discovery-tags.emulator.test.ts.
 */
describe('POST /v1/mirror/tags (real HTTP, the Databricks emulator)', () => {
  let stack: MirrorStack;
  const tagsOf = async (fullName: string) =>
    Object.fromEntries(
      (await stack.databricksClient.unityCatalog.listTableTags(fullName)).map((t) => [t.tag_key, t.tag_value]),
    );

  beforeAll(async () => {
    stack = await startMirrorStack({
      redisUrl: inject('redisUrl'),
      mirrorYaml: 'mirror:\n  catalogs:\n    - { name: weather }\n    - { name: sales, database: SALES_MIRROR }\n',
    });
  }, 60_000);
  afterAll(() => stack?.close());

  it('refuses bad bodies and unknown catalogs with a 400', async () => {
    const bad = await stack.request('POST', '/v1/mirror/tags', { dryRun: 'yes' });
    expect(bad.status).toBe(400);
    const extra = await stack.request('POST', '/v1/mirror/tags', { catalog: 'sales' });
    expect(extra.status).toBe(400);
    const unknown = await stack.request('POST', '/v1/mirror/tags', { scope: { catalogs: ['nope'] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('UNKNOWN_MIRROR_CATALOG');
  });

  it('a dry run answers the changes like a plan and writes nothing; a run writes, removes stale tags, keeps opt-outs', async () => {
    // A table d2s once tagged that is no longer eligible (plain Delta, no Iceberg reads): its tag goes.
    await stack.databricks.admin.setTableTag('sales.retail.customers', 'snowflake_uniform_sync', 'true');
    const dry = await stack.request('POST', '/v1/mirror/tags', { scope: { catalogs: ['sales'] }, dryRun: true });
    expect(dry.status, dry.text).toBe(200);
    expect(dry.body).toMatchObject({ tag: 'snowflake_uniform_sync', dryRun: true });
    const byName = (body: any) =>
      Object.fromEntries(body.changes.map((c: any) => [c.fullName, c.status ? `${c.kind}:${c.status}` : c.kind]));
    expect(byName(dry.body)).toEqual({
      'sales.retail.orders': 'unchanged',
      'sales.retail.order_items': 'add',
      'sales.retail.customers': 'remove',
      'sales.finance.ledger': 'opted-out',
    });
    expect(await tagsOf('sales.retail.customers')).toEqual({ snowflake_uniform_sync: 'true' });
    expect(await tagsOf('sales.retail.order_items')).toEqual({});

    const run = await stack.request('POST', '/v1/mirror/tags', { scope: { catalogs: ['sales'] } });
    expect(run.status, run.text).toBe(200);
    expect(byName(run.body)).toMatchObject({
      'sales.retail.order_items': 'add:applied',
      'sales.retail.customers': 'remove:applied',
      'sales.finance.ledger': 'opted-out',
    });
    expect(run.body.summary).toMatchObject({ add: 1, remove: 1, 'opted-out': 1, failed: 0 });
    expect(await tagsOf('sales.retail.order_items')).toEqual({ snowflake_uniform_sync: 'true' });
    expect(await tagsOf('sales.retail.customers')).toEqual({});
    expect(await tagsOf('sales.finance.ledger')).toEqual({ snowflake_uniform_sync: 'false' });
    // Planning reads the tags as before: the opted-out table is still skipped, the tagged one still planned.
    const plan = await stack.request('POST', '/v1/mirror/plan?only=tables', { scope: { catalogs: ['sales'] } });
    expect(plan.body.skipped.find((s: any) => s.fullName === 'sales.finance.ledger')?.code).toBe('OPTED_OUT');
    expect(plan.body.actions.some((a: any) => a.kind === 'create-table' && a.target.name === 'ORDER_ITEMS')).toBe(true);
  });
});
