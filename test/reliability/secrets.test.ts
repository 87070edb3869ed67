import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ManagedProcess } from '../../scripts/src/local-stack.js';
import { dumpRedis, forecastsDataset, type Stack, type StackSecrets, startStack } from './support/stack.js';

/** Distinctive values, so a leak is found by a plain substring search. */
const SECRETS: StackSecrets = {
  apiToken: 'd2s-api-Tk-9f83c2a17e5b0d44',
  apiTokenName: 'audit-client',
  databricks: { clientId: 'd2s-audit-client', clientSecret: 'dbx-oauth-Sc-4a7d19e2b6f0c3' },
  snowflakePassphrase: 'sf-pass-Ph-7c1e83d5f2a96b',
  mirror: { clientId: 'd2s-audit-mirror', clientSecret: 'uc-oauth-Ms-2b8f6e4c91d07a' },
};

const DEMO_DATASET = `
datasets:${forecastsDataset('shared_forecasts', 'SHARED_FORECASTS', 'replace', { expectedRows: 10_000, singleActive: true })}`;

const MIRROR_YAML = `
mirror:
  catalogs:
    - { name: sales, database: SALES_MIRROR }
  refreshIntervalSeconds: 300
`;

/**
 * A demo-like sync and a mirror apply run with known secrets (API token,
 * Databricks OAuth client secret, the passphrase of an encrypted Snowflake
 * key, the mirror's OAuth secret): none of them, nor the private key, appears
 * in any log line (in-process services at debug level, worker processes at
 * debug level), anything stored in Redis under the run's prefix, any API
 * answer, or the mirror plan (JSON and SQL).
 */
describe('secrets audit', () => {
  let stack: Stack;
  const workers: ManagedProcess[] = [];

  beforeAll(async () => {
    stack = await startStack({
      redisUrl: inject('redisUrl'),
      label: 'secrets',
      datasetsYaml: DEMO_DATASET,
      mirrorYaml: MIRROR_YAML,
      timeScale: 0.1,
      logLevel: 'debug',
      secrets: SECRETS,
    });
    for (const name of ['export-worker', 'import-worker', 'mirror-worker'] as const) {
      workers.push(stack.startProcess(name, { LOG_LEVEL: 'debug' }));
    }
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('no secret appears in logs, Redis, API answers or plans', async () => {
    // The demo: a sync through the API, followed over SSE to the end.
    expect((await stack.request('GET', '/v1/datasets')).status).toBe(200);
    const created = await stack.request('POST', '/v1/syncs', { dataset: 'shared_forecasts' });
    expect(created.status, created.text).toBe(202);
    const id = created.body.id as string;
    const events = await fetch(`${stack.api}/v1/syncs/${id}/events`, {
      headers: { authorization: `Bearer ${SECRETS.apiToken}`, accept: 'text/event-stream' },
      signal: AbortSignal.timeout(60_000),
    });
    const stream = await events.text();
    stack.responses.push(stream);
    expect(stream).toContain('"status":"succeeded"');
    const view = await stack.request('GET', `/v1/syncs/${id}`);
    expect(view.body, view.text).toMatchObject({ status: 'succeeded', load: { rowsLoaded: 10_000 } });
    await stack.request('GET', '/v1/syncs?limit=10');
    await stack.request('PUT', '/v1/schedules/nightly', {
      kind: 'sync',
      dataset: 'shared_forecasts',
      cron: '0 3 * * *',
    });

    // The mirror: a plan (JSON and SQL), a run that applies it, its status, the tables, a re-plan.
    const plan = await stack.request('POST', '/v1/mirror/plan', {});
    expect(plan.status, plan.text).toBe(200);
    expect(plan.text).toContain("OAUTH_CLIENT_SECRET = '[redacted]'");
    const sql = await stack.request('POST', '/v1/mirror/plan?format=sql', {});
    expect(sql.status).toBe(200);
    expect(sql.text).toContain('CREATE CATALOG INTEGRATION');
    const run = await stack.request('POST', '/v1/mirror/runs', {});
    expect(run.status, run.text).toBe(202);
    const done = await stack.waitForMirrorRun(run.body.id, 60_000);
    expect(done.status, JSON.stringify(done.actions.filter((a: any) => a.error))).toBe('succeeded');
    await stack.request('GET', `/v1/mirror/runs/${run.body.id}`);
    await stack.request('GET', '/v1/mirror/tables');
    const replan = await stack.request('POST', '/v1/mirror/plan', {});
    expect(replan.body.actions).toEqual([]);
    // After the run: an `every` schedule fires at once, and two mirror runs never apply together.
    await stack.request('PUT', '/v1/schedules/mirror-hourly', { kind: 'mirror', every: 3_600_000 });
    await stack.request('GET', '/v1/schedules');

    // Operator views and refusals.
    await stack.request('GET', '/openapi.json');
    await stack.request('GET', '/admin/queues/api/queues?activeQueue=export&status=completed');
    await stack.request('GET', `/admin/queues/api/queues/export/${id}`);
    await stack.request('GET', `/admin/queues/api/queues/import/${id}`);
    const refused = await stack.request('GET', '/v1/syncs', undefined, { authorization: 'Bearer wrong-token' });
    expect(refused.status).toBe(401);
    // A client that puts the token in the query string by mistake: the URL is logged, the token is not.
    await stack.request('GET', `/v1/syncs?token=${SECRETS.apiToken}`, undefined, { authorization: '' });
    // A browser's stream token: handed to the client by design, never logged or stored as such.
    const minted = await stack.request('POST', `/v1/syncs/${id}/events/token`);
    expect(minted.status, minted.text).toBe(201);
    const streamToken = minted.body.token as string;
    const byStreamToken = await fetch(`${stack.api}${minted.body.url}`, { signal: AbortSignal.timeout(30_000) });
    expect(byStreamToken.status).toBe(200);
    expect(await byStreamToken.text()).toContain('event: end');

    // Let the workers flush, then stop them (their shutdown lines are part of the audit).
    for (const worker of workers) expect(await worker.stop('SIGTERM'), worker.output().slice(-2000)).toBe(0);

    const keyPem = await readFile(stack.snowflake.privateKeyPath, 'utf8');
    expect(keyPem).toContain('ENCRYPTED PRIVATE KEY');
    const keyLines = keyPem.split('\n').filter((l) => l.length > 40 && !l.startsWith('-----'));
    const secretValues: Record<string, string> = {
      'API token': SECRETS.apiToken,
      'Databricks OAuth client secret': (SECRETS.databricks as { clientSecret: string }).clientSecret,
      'Databricks OAuth Basic credentials': Buffer.from(
        `${(SECRETS.databricks as { clientId: string }).clientId}:${(SECRETS.databricks as { clientSecret: string }).clientSecret}`,
      ).toString('base64'),
      'Snowflake key passphrase': SECRETS.snowflakePassphrase as string,
      'Snowflake private key (first line)': keyLines[0] as string,
      'Snowflake private key (middle line)': keyLines[Math.floor(keyLines.length / 2)] as string,
      'mirror OAuth secret': SECRETS.mirror.clientSecret,
      'mirror OAuth Basic credentials': Buffer.from(
        `${SECRETS.mirror.clientId}:${SECRETS.mirror.clientSecret}`,
      ).toString('base64'),
    };

    const redis = await dumpRedis(stack.testRedis, stack.prefix);
    const places: Record<string, string> = {
      'in-process logs (api, plans; debug)': stack.logLines.join(''),
      ...Object.fromEntries(workers.map((w) => [`${w.name} process output (debug)`, w.output()])),
      'Redis under the prefix': redis.text,
      'API answers': stack.responses.join('\n'),
      'mirror plan (JSON)': plan.text,
      'mirror plan (SQL)': sql.text,
    };
    // The places are full of what they should hold, so an empty search cannot pass by accident.
    expect(stack.logLines.length).toBeGreaterThan(20);
    expect(stack.logLines.some((l) => l.includes('"level":20'))).toBe(true);
    for (const worker of workers) expect(worker.output(), worker.name).toContain(`${worker.name} stopped`);
    expect(workers.some((w) => w.output().includes('"level":20'))).toBe(true);
    expect(places['import-worker process output (debug)']).toContain(id);
    expect(redis.keys).toBeGreaterThan(10);
    expect(redis.text).toContain(id);
    expect(places['API answers']).toContain('D2S_UC_SALES');

    // Positive controls: the secrets were really in use (so their absence above means something).
    expect(
      stack.snowflake.emulator.queryLog.entries().some((e) => e.sql.includes(SECRETS.mirror.clientSecret)),
      'the integration DDL reached Snowflake with the real secret',
    ).toBe(true);
    expect(stack.databricks.requestLog.entries({ route: 'jobs/run-now' }).every((e) => e.auth === 'oauth')).toBe(true);
    expect(places['mirror-worker process output (debug)']).toContain("OAUTH_CLIENT_SECRET = '[redacted]'");

    const leaks: string[] = [];
    for (const [place, text] of Object.entries(places)) {
      for (const [what, secret] of Object.entries(secretValues)) {
        expect(secret.length, what).toBeGreaterThan(10);
        for (const form of [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]) {
          const at = text.indexOf(form);
          if (at >= 0) leaks.push(`${what} in ${place}: …${text.slice(Math.max(0, at - 200), at + 60)}…`);
        }
      }
    }
    // The stream token is in the answer that minted it, by design; nowhere else.
    for (const place of ['in-process logs (api, plans; debug)', 'Redis under the prefix']) {
      const at = (places[place] ?? '').indexOf(streamToken.slice(3));
      if (at >= 0) leaks.push(`stream token in ${place}`);
    }
    // Audit lines name the token; positive control that they were written at all.
    const audit = stack.logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'audit');
    expect(audit.length).toBeGreaterThan(3);
    expect(audit.every((l) => l.audit.tokenName === 'audit-client' || l.audit.status === 401)).toBe(true);
    expect(leaks).toEqual([]);
  }, 120_000);
});
