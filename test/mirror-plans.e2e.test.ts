import { Secret } from '@d2s/shared';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  addForecastsTable,
  type MirrorStack,
  SANDBOX_MIRROR_YAML,
  SANDBOX_OAUTH_CLIENT,
  SANDBOX_OAUTH_SECRET,
  startMirrorStack,
} from './support/mirror-stack.js';

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Runs a .sql file the way Snowflake CLI (`snow sql -f plan.sql -D "name=value"`) does: client-side
 * variables `&{ name }` substituted before anything is sent, then one statement at a time
 * (https://docs.snowflake.com/en/developer-guide/snowflake-cli/sql/execute-sql, "Using variables for
 * SQL templates").
 */
async function runSqlFile(stack: MirrorStack, sql: string, variables: Record<string, string>): Promise<number> {
  const substituted = sql.replace(/&\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/g, (whole, name: string) => {
    const value = variables[name];
    if (value === undefined) throw new Error(`variable ${name} is not defined (-D ${name}=...)`);
    return value;
  });
  const statements = substituted
    .split(/;\n/)
    .map((s) =>
      s
        .split('\n')
        .filter((line) => !line.startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((s) => s !== '');
  for (const statement of statements) await stack.query.execute(statement);
  return statements.length;
}

describe('mirror plans: reviewed plans applied exactly, PLAN_STALE, dry runs per kind, offline DDL (real HTTP, both emulators)', () => {
  let stack: MirrorStack;

  const plan = async (body: unknown = {}, query = '') => {
    const response = await stack.request('POST', `/v1/mirror/plan${query}`, body);
    expect(response.status, response.text).toBe(200);
    return response.body;
  };
  const runAndWait = async (body: unknown = {}) => {
    const started = await stack.request('POST', '/v1/mirror/runs', body);
    expect(started.status, started.text).toBe(202);
    return stack.waitForRun(started.body.id as string);
  };

  beforeAll(async () => {
    stack = await startMirrorStack({ redisUrl: inject('redisUrl'), mirrorYaml: SANDBOX_MIRROR_YAML });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('writes runnable, idempotent DDL from Unity Catalog alone, the secret as a client-side variable', async () => {
    const before = stack.statements.length;
    const response = await stack.request('POST', '/v1/mirror/plan?offline=true&format=sql', {
      scope: { catalogs: ['sales'] },
    });
    expect(response.status, response.text).toBe(200);
    const sql = response.text;
    // No Snowflake connection was used to compute it.
    expect(stack.statements.length).toBe(before);
    expect(sql).not.toContain(SANDBOX_OAUTH_SECRET);
    expect(sql).toContain("OAUTH_CLIENT_SECRET = '&{d2s_oauth_client_secret}'");
    const creates = sql.split('\n').filter((l) => /^CREATE /.test(l));
    expect(creates.length).toBeGreaterThanOrEqual(3);
    for (const line of creates) expect(line).toMatch(/IF NOT EXISTS/);
    // In order: integrations, then schemas, then tables.
    const order = ['CREATE CATALOG INTEGRATION', 'CREATE SCHEMA', 'CREATE ICEBERG TABLE'].map((s) => sql.indexOf(s));
    expect(order).toEqual([...order].sort((a, b) => a - b));

    const ran = await runSqlFile(stack, sql, { d2s_oauth_client_secret: SANDBOX_OAUTH_SECRET });
    expect(ran).toBeGreaterThanOrEqual(4);
    const orders = await stack.query.execute(
      `SELECT COUNT(*) AS N FROM ${q('SALES_MIRROR')}.${q('RETAIL')}.${q('ORDERS')}`,
    );
    expect(Number(orders.rows[0]?.N)).toBe(30);
    // Idempotent: the same file runs again without error, and d2s sees the result as its own mirror.
    await runSqlFile(stack, sql, { d2s_oauth_client_secret: SANDBOX_OAUTH_SECRET });
    expect((await plan({ scope: { catalogs: ['sales'] } })).actions).toEqual([]);
  }, 120_000);

  it('limits a dry run to one kind, in JSON and SQL, without a plan id', async () => {
    const integrations = await plan({}, '?only=integrations');
    expect(integrations.id).toBeUndefined();
    expect(integrations.actions.map((a: any) => a.kind)).toEqual(['create-integration']);
    expect(integrations.summary).toMatchObject({ actions: 1, 'create-integration': 1, 'create-table': 0 });
    const tables = await plan({}, '?only=tables');
    expect(tables.actions.length).toBeGreaterThan(1);
    expect(tables.actions.every((a: any) => a.kind === 'create-schema' || a.kind === 'create-table')).toBe(true);
    const tablesSql = await stack.request('POST', '/v1/mirror/plan?only=tables&format=sql', {});
    expect(tablesSql.text).not.toContain('CATALOG INTEGRATION');
    expect(tablesSql.text).toContain('CREATE ICEBERG TABLE IF NOT EXISTS');
    expect((await stack.request('POST', '/v1/mirror/plan?only=views', {})).status).toBe(400);
  });

  it('applies a reviewed plan exactly, once: the run has its actions, and the same id names the same run', async () => {
    const reviewed = await plan();
    expect(reviewed.id).toMatch(/^plan_/);
    expect(reviewed.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(reviewed.expiresAt)).toBeGreaterThan(Date.now());
    const run = await runAndWait({ planId: reviewed.id });
    expect(run.status, JSON.stringify(run.actions.filter((a) => a.error))).toBe('succeeded');
    expect(run.planId).toBe(reviewed.id);
    expect(run.actions.map((a) => a.id).sort()).toEqual(reviewed.actions.map((a: any) => a.id).sort());
    const again = await stack.request('POST', '/v1/mirror/runs', { planId: reviewed.id });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: run.id, deduplicated: 'same-run' });
    expect((await plan()).actions).toEqual([]);
  }, 120_000);

  it('refuses a plan whose state changed since review with 409 PLAN_STALE, saying what changed', async () => {
    await addForecastsTable(stack, 'late_arrival', 4);
    const reviewed = await plan();
    expect(reviewed.actions.map((a: any) => a.kind)).toEqual(['create-table']);
    // Someone else changes Unity Catalog between review and apply.
    await addForecastsTable(stack, 'later_still', 2);
    const refused = await stack.request('POST', '/v1/mirror/runs', { planId: reviewed.id });
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'PLAN_STALE',
      details: {
        planId: reviewed.id,
        changes: { unityCatalog: { added: { count: 1, items: ['weather.forecasts.later_still'] } } },
        actions: { added: [expect.objectContaining({ kind: 'create-table' })], removed: [] },
      },
    });
    // Nothing was started for it.
    expect(await stack.queues.mirror.getJob(`mirror_${String(reviewed.id).slice(5)}`)).toBeUndefined();
  }, 60_000);

  it('the worker checks a reviewed plan again before its first action: state changed while the run waited fails it PLAN_STALE', async () => {
    await addForecastsTable(stack, 'queued_one', 2);
    const reviewed = await plan();
    expect(reviewed.actions.map((a: any) => a.kind)).toContain('create-table');
    // The run is accepted (the API finds the plan fresh), then waits in the queue while Unity Catalog changes.
    await stack.queues.mirror.pause();
    try {
      const started = await stack.request('POST', '/v1/mirror/runs', { planId: reviewed.id });
      expect(started.status, started.text).toBe(202);
      await addForecastsTable(stack, 'while_queued', 2);
      await stack.queues.mirror.resume();
      const run = await stack.waitForRun(started.body.id as string);
      expect(run.status).toBe('failed');
      expect(run.error?.code).toBe('PLAN_STALE');
      expect(run.actions).toEqual([]);
    } finally {
      await stack.queues.mirror.resume();
    }
    const icebergTables = await stack.query.execute(`SHOW ICEBERG TABLES LIKE 'QUEUED_ONE' IN DATABASE "WEATHER"`);
    expect(icebergTables.rows).toEqual([]);
  }, 120_000);

  it('answers 404 for an unknown plan id, 410 for an expired one, 400 for a plan id with other options', async () => {
    const unknown = await stack.request('POST', '/v1/mirror/runs', { planId: 'plan_0000000000ZZZZZZZZ' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('PLAN_NOT_FOUND');
    const reviewed = await plan();
    // What Redis does when mirror.planTtlSeconds runs out: the plan key goes, the issued marker stays.
    await stack.redis.del(`${stack.prefix}:d2s:mirror:plan:${reviewed.id}`);
    const expired = await stack.request('POST', '/v1/mirror/runs', { planId: reviewed.id });
    expect(expired.status).toBe(410);
    expect(expired.body.error.code).toBe('PLAN_EXPIRED');
    const mixed = await stack.request('POST', '/v1/mirror/runs', {
      planId: reviewed.id,
      scope: { catalogs: ['sales'] },
    });
    expect(mixed.status).toBe(400);
    expect((await stack.request('POST', '/v1/mirror/runs', { planId: 'not a plan' })).status).toBe(400);
    // Leave the catalog in step for the next tests.
    expect((await runAndWait()).status).toBe('succeeded');
  }, 120_000);

  it('alters AUTO_REFRESH of existing tables when mirror.autoRefresh changes, and plans no refresh by default', async () => {
    // Every d2s table, those the offline DDL created too.
    const shown = async (database: string) =>
      (await stack.query.execute(`SHOW ICEBERG TABLES IN DATABASE ${q(database)}`)).rows;
    const mirrored = (await shown('WEATHER')).length + (await shown('SALES_MIRROR')).length;
    expect(mirrored).toBeGreaterThan(50);
    stack.config.mirror.autoRefresh = false;
    try {
      const off = await plan();
      expect(off.actions.length).toBe(mirrored);
      expect(off.actions.every((a: any) => a.kind === 'alter-table' && a.autoRefresh === false)).toBe(true);
      expect(off.actions[0].sql[0]).toMatch(/^ALTER ICEBERG TABLE .+ SET AUTO_REFRESH = FALSE$/);
      expect((await runAndWait()).status).toBe('succeeded');
      const states = [...(await shown('WEATHER')), ...(await shown('SALES_MIRROR'))].map(
        (r) => JSON.parse(String(r.auto_refresh_status)).executionState,
      );
      expect(new Set(states)).toEqual(new Set(['STOPPED']));
      // With AUTO_REFRESH off, a plan is still empty: refreshes only when asked for.
      expect((await plan()).actions).toEqual([]);
      expect((await plan({ includeRefresh: true })).actions.every((a: any) => a.kind === 'refresh-table')).toBe(true);
    } finally {
      stack.config.mirror.autoRefresh = true;
    }
    const on = await plan();
    expect(on.actions.every((a: any) => a.kind === 'alter-table' && a.autoRefresh === true)).toBe(true);
    expect((await runAndWait()).status).toBe('succeeded');
    expect((await plan()).actions).toEqual([]);
  }, 180_000);

  it('with dropRemoved drops only tables gone from Unity Catalog, and refuses to drop more than maxDropShare unless forced', async () => {
    stack.config.mirror.dropRemoved = true;
    stack.config.mirror.exclude = ['weather.forecasts.late_arrival'];
    try {
      const excluded = await plan();
      expect(excluded.actions).toEqual([]);
      expect(excluded.orphans).toEqual([
        expect.objectContaining({
          name: 'WEATHER.FORECASTS.LATE_ARRIVAL',
          reason: expect.stringContaining('drops only tables gone from Unity Catalog'),
        }),
      ]);

      stack.databricks.admin.dropTable('weather.forecasts.later_still');
      stack.databricks.admin.dropTable('sales.retail.orders');
      stack.config.mirror.maxDropShare = 0.01;
      const refusedPlan = await stack.request('POST', '/v1/mirror/plan', {});
      expect(refusedPlan.status).toBe(409);
      expect(refusedPlan.body.error).toMatchObject({ code: 'MIRROR_DROP_LIMIT', details: { drops: 2 } });
      const refusedRun = await stack.request('POST', '/v1/mirror/runs', {});
      const refused = await stack.waitForRun(refusedRun.body.id as string);
      expect(refused).toMatchObject({ status: 'failed', error: { code: 'MIRROR_DROP_LIMIT' } });
      const sales = await stack.query.execute(`SHOW ICEBERG TABLES IN DATABASE ${q('SALES_MIRROR')}`);
      expect(sales.rows.map((r) => r.name)).toContain('ORDERS');

      const forced = await runAndWait({ force: true });
      expect(forced.status).toBe('succeeded');
      expect(forced.actions.map((a) => [a.kind, a.target]).sort()).toEqual([
        ['drop-table', 'SALES_MIRROR.RETAIL.ORDERS'],
        ['drop-table', 'WEATHER.FORECASTS.LATER_STILL'],
      ]);
      // The excluded table is still there.
      const weather = await stack.query.execute(`SHOW ICEBERG TABLES LIKE 'LATE_ARRIVAL' IN DATABASE ${q('WEATHER')}`);
      expect(weather.rows).toHaveLength(1);
    } finally {
      stack.config.mirror.dropRemoved = false;
      stack.config.mirror.exclude = [];
      stack.config.mirror.maxDropShare = 0.2;
    }
  }, 180_000);

  // Snowflake's ALTER CATALOG INTEGRATION cannot set a client id, and an integration Iceberg tables use can be
  // neither replaced nor dropped (https://docs.snowflake.com/en/sql-reference/sql/alter-catalog-integration;
  // drop-catalog-integration, usage notes). The Snowflake emulator refuses both, as Snowflake does.
  it('moves the tables to an integration of the new OAuth client, and back again, never replacing one in use', async () => {
    const clientOf = async (name: string) => {
      const described = await stack.query.execute(`DESCRIBE CATALOG INTEGRATION ${q(name)}`);
      const auth = described.rows.find((r) => r.property === 'REST_AUTHENTICATION');
      return /OAUTH_CLIENT_ID=([^,]*)/.exec(String(auth?.property_value))?.[1];
    };
    const integrationsOfWeather = async () => {
      const shown = await stack.query.execute(`SHOW ICEBERG TABLES IN DATABASE ${q('WEATHER')}`);
      return new Set(shown.rows.map((r) => r.catalog_name));
    };
    expect(await clientOf('D2S_UC_WEATHER')).toBe(SANDBOX_OAUTH_CLIENT);
    const tablesBefore = (await stack.query.execute(`SHOW ICEBERG TABLES IN DATABASE ${q('WEATHER')}`)).rows.length;
    expect(tablesBefore).toBeGreaterThan(0);
    // A second service principal of the sandbox, in the same group (packages/databricks-emulator/fixtures).
    const rotatedClient = 'd2s-sandbox-client-2';
    stack.config.mirror.oauthClientId = rotatedClient;
    stack.config.mirror.oauthClientSecret = new Secret('d2s-sandbox-secret-2');
    let ownName: string | undefined;
    try {
      const changed = await plan({ scope: { catalogs: ['weather'] } });
      const [create, ...moves] = changed.actions;
      expect(create).toMatchObject({
        kind: 'create-integration',
        reason: expect.stringContaining('client id changed'),
      });
      const own: string = create.integration.name;
      ownName = own;
      expect(own).toMatch(/^D2S_UC_WEATHER_C[0-9A-F]{8}$/);
      expect(create.sql[0]).toMatch(new RegExp(`^CREATE CATALOG INTEGRATION IF NOT EXISTS "${own}"`));
      expect(moves).toHaveLength(tablesBefore);
      for (const move of moves)
        expect(move).toMatchObject({ kind: 'rename-table', mode: 'recreate', integration: own });
      expect(changed.orphans).toEqual([expect.objectContaining({ kind: 'integration', name: 'D2S_UC_WEATHER' })]);

      const run = await runAndWait({ scope: { catalogs: ['weather'] } });
      expect(run.status).toBe('succeeded');
      expect(await clientOf(own)).toBe(rotatedClient);
      expect(await integrationsOfWeather()).toEqual(new Set([own]));
      // The old integration is left as it was, for the user to drop; the one in use cannot be dropped.
      expect(await clientOf('D2S_UC_WEATHER')).toBe(SANDBOX_OAUTH_CLIENT);
      await expect(stack.query.execute(`DROP CATALOG INTEGRATION ${q(own)}`)).rejects.toThrow(
        /Iceberg table\(s\) are associated/,
      );
      expect((await plan({ scope: { catalogs: ['weather'] } })).actions).toEqual([]);
    } finally {
      stack.config.mirror.oauthClientId = SANDBOX_OAUTH_CLIENT;
      stack.config.mirror.oauthClientSecret = new Secret(SANDBOX_OAUTH_SECRET);
    }
    // Back to the first client: its integration is found again and the tables move back, nothing created.
    const back = await plan({ scope: { catalogs: ['weather'] } });
    expect(back.actions.map((a: { kind: string }) => a.kind)).toEqual(Array(tablesBefore).fill('rename-table'));
    const healed = await runAndWait({ scope: { catalogs: ['weather'] } });
    expect(healed.status).toBe('succeeded');
    expect(await integrationsOfWeather()).toEqual(new Set(['D2S_UC_WEATHER']));
    expect((await plan({ scope: { catalogs: ['weather'] } })).actions).toEqual([]);
    // No table uses the rotated client's integration any more: now Snowflake lets it go.
    await stack.query.execute(`DROP CATALOG INTEGRATION ${q(String(ownName))}`);
  }, 180_000);
});
