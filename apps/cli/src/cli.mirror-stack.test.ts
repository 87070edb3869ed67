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

  it('an unknown catalog is a 4xx: exit 3 with the code', async () => {
    const result = await d2s('mirror', 'plan', '--catalog', 'nope');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('d2s: error: UNKNOWN_MIRROR_CATALOG: Not a configured mirror catalog: nope');
  });
});
