import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type MirrorStack, SANDBOX_OAUTH_SECRET, startMirrorStack } from '../../../test/support/mirror-stack.js';
import { runD2s } from '@d2s/testkit/run-cli';

/** The mirror commands against the real mirror routes and worker over both emulators (the sandbox catalogs). */
describe('d2s mirror against the mirror stack', () => {
  let stack: MirrorStack;
  const written = new Map<string, string>();
  const d2s = (...argv: string[]) =>
    runD2s(argv, {
      // The mirror stack mounts the routes without auth; the CLI still needs a token to send.
      env: { D2S_API_URL: stack.api, D2S_API_TOKEN: 'any' },
      writeFile: async (path, text) => {
        written.set(path, text);
      },
    });

  beforeAll(async () => {
    stack = await startMirrorStack({
      redisUrl: inject('redisUrl'),
      mirrorYaml: 'mirror:\n  catalogs:\n    - { name: sales, database: SALES_MIRROR }\n',
    });
  }, 60_000);
  afterAll(() => stack?.close());

  it('plan --offline --out writes DDL with the secret as a variable; apply <plan-id> refuses a stale plan', async () => {
    const offline = await d2s('mirror', 'plan', '--offline', '--out', 'offline.sql');
    expect(offline.code, offline.stderr).toBe(0);
    expect(written.get('offline.sql')).toContain("OAUTH_CLIENT_SECRET = '&{d2s_oauth_client_secret}'");
    expect(written.get('offline.sql')).toContain('CREATE ICEBERG TABLE IF NOT EXISTS "SALES_MIRROR"."RETAIL"."ORDERS"');
    expect(written.get('offline.sql')).not.toContain(SANDBOX_OAUTH_SECRET);

    const reviewed = await d2s('mirror', 'plan', '--only', 'integrations');
    expect(reviewed.stdout).toContain('  + create-integration D2S_UC_SALES\n');
    expect(reviewed.stdout).not.toContain('create-table');
    const plan = await d2s('mirror', 'plan');
    const planId = /d2s mirror apply (plan_\w+)/.exec(plan.stderr)?.[1];
    expect(planId, plan.stderr).toBeDefined();
    await stack.databricks.admin.addTable('sales', 'retail', {
      name: 'returns',
      format: 'uniform',
      rows: 3,
      columns: [{ name: 'id', type: 'BIGINT' }],
    });
    const stale = await d2s('mirror', 'apply', planId as string);
    expect(stale.code).toBe(3);
    expect(stale.stderr).toContain('PLAN_STALE');
  }, 120_000);

  it('plan → apply --wait → plan says "No changes." → tables', async () => {
    const plan = await d2s('mirror', 'plan', '--out', 'first.sql');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('  + create-integration D2S_UC_SALES\n');
    expect(plan.stdout).toMatch(/ {2}\+ create-table SALES_MIRROR\.RETAIL\.ORDERS \(from sales\.retail\.orders\)\n/);
    expect(plan.stdout).toMatch(/\nPlan: \d+ to create, 0 to update, 0 to drop\.\n$/);
    expect(plan.stdout).not.toContain(SANDBOX_OAUTH_SECRET);
    expect(written.get('first.sql')).toContain("-- SECRETS ARE MASKED as '[redacted]'");
    expect(written.get('first.sql')).not.toContain(SANDBOX_OAUTH_SECRET);

    const apply = await d2s('mirror', 'apply', '--wait');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/^Mirror run mirror_\w+: (queued|planning)\n/);
    expect(apply.stdout).toContain('  ✓ create-integration D2S_UC_SALES succeeded');
    expect(apply.stdout).toMatch(/ {2}✓ create-table SALES_MIRROR\.RETAIL\.ORDERS succeeded/);
    expect(apply.stdout).toMatch(
      /\nMirror run mirror_\w+ succeeded in .*: \d+ succeeded, 0 failed, 0 not attempted\.\n/,
    );

    const again = await d2s('mirror', 'plan');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/No changes\. Snowflake matches Unity Catalog \(\d+ tables? up to date\)\.\n$/);

    const tables = await d2s('mirror', 'tables');
    expect(tables.code).toBe(0);
    expect(tables.stdout).toMatch(/\nsales\.retail\.orders\s+SALES_MIRROR\.RETAIL\.ORDERS\s+mirrored\s+create-table\s/);
  }, 120_000);

  it('mirror apply --idempotency-key: run again, the same key names the same run; with another scope it is refused', async () => {
    const first = await d2s('mirror', 'apply', '--idempotency-key', 'cli-mirror-key-1', '--json');
    expect(first.code, first.stderr).toBe(0);
    const run = JSON.parse(first.stdout);
    const again = await d2s('mirror', 'apply', '--idempotency-key', 'cli-mirror-key-1', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).id).toBe(run.id);
    const other = await d2s('mirror', 'apply', '--idempotency-key', 'cli-mirror-key-1', '--schema', 'sales.retail');
    expect(other.code).toBe(3);
    expect(other.stderr).toContain('IDEMPOTENCY_KEY_REUSED');
    // Let the run end before the stack closes.
    expect((await d2s('mirror', 'get', run.id, '--wait')).code).toBe(0);
  }, 120_000);

  it('apply <plan-id> --wait applies exactly the reviewed plan', async () => {
    await stack.databricks.admin.addTable('sales', 'retail', {
      name: 'refunds',
      format: 'uniform',
      rows: 2,
      columns: [{ name: 'id', type: 'BIGINT' }],
    });
    const plan = await d2s('mirror', 'plan', '--json');
    const reviewed = JSON.parse(plan.stdout) as { id: string; actions: { kind: string }[] };
    expect(reviewed.actions.map((a) => a.kind)).toEqual(['create-table']);
    const apply = await d2s('mirror', 'apply', reviewed.id, '--wait');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/ {2}✓ create-table SALES_MIRROR\.RETAIL\.REFUNDS succeeded/);
  }, 120_000);

  it('mirror tag --dry-run says which tables get the tag; mirror tag writes it and never touches an opt-out', async () => {
    const tagsOf = async (fullName: string) =>
      Object.fromEntries(
        (await stack.databricksClient.unityCatalog.listTableTags(fullName)).map((t) => [t.tag_key, t.tag_value]),
      );
    const dry = await d2s('mirror', 'tag', '--dry-run', '--catalog', 'sales');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(
      "  + add sales.retail.order_items: snowflake_uniform_sync = 'true' (eligible and not tagged)\n",
    );
    expect(dry.stdout).toContain("  ! opted-out sales.finance.ledger: snowflake_uniform_sync = 'false' left alone");
    expect(dry.stdout).not.toContain('sales.retail.orders'); // unchanged: counted, not listed
    expect(dry.stdout).toMatch(
      /Dry run: [1-9]\d* to add, 0 to update, 0 to remove, \d+ unchanged, 1 opted out\. Nothing was written\.\n$/,
    );
    expect(await tagsOf('sales.retail.order_items')).toEqual({});

    const written = await d2s('mirror', 'tag', '--catalog', 'sales', '--json');
    expect(written.code, written.stderr).toBe(0);
    const result = JSON.parse(written.stdout);
    expect(result.changes.find((c: { fullName: string }) => c.fullName === 'sales.retail.order_items')).toMatchObject({
      kind: 'add',
      status: 'applied',
    });
    expect(await tagsOf('sales.retail.order_items')).toEqual({ snowflake_uniform_sync: 'true' });
    expect(await tagsOf('sales.finance.ledger')).toEqual({ snowflake_uniform_sync: 'false' });

    const again = await d2s('mirror', 'tag', '--catalog', 'sales');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/No tag changes: 0 to add, 0 to update, 0 to remove, \d+ unchanged, 1 opted out\.\n$/);
  }, 120_000);

  it('an unknown catalog is a 4xx: exit 3 with the code', async () => {
    const result = await d2s('mirror', 'plan', '--catalog', 'nope');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('d2s: error: UNKNOWN_MIRROR_CATALOG: Not a configured mirror catalog: nope');
  });
});
