/**
 * The Databricks client against the Databricks emulator over loopback: every call, every page, the error
 * mapping and retry paths, OAuth refresh, idempotent run-now and the run state machine. The emulator runs on a
 * manual clock (runs move only when a test advances it); the client runs on a fake clock, so backoff and
 * Retry-After waits are recorded instead of slept.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '@d2s/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type DatabricksFixture,
  ManualClock,
  type RunningDatabricksEmulator,
  startDatabricksEmulator,
} from '@d2s/databricks-emulator';
import { Secret } from '../secret.js';
import { createDatabricksClient, type DatabricksClient, type DatabricksClientConfig } from './client.js';
import {
  DatabricksAuthError,
  DatabricksError,
  DatabricksNetworkError,
  DatabricksNotFoundError,
  DatabricksRateLimitError,
} from './errors.js';
import type { DatabricksRequestEvent } from './http-client.js';
import { classifyRunState, failedTasks } from './run-state.js';
import { FakeClock } from '@d2s/testkit/fake-clock';

const PAT = 'dapi-emulator-test-token';
const CLIENT_ID = 'd2s-test-client';
const CLIENT_SECRET = 'd2s-test-secret';

const EXPORT_JOB = 1001;
const WIDE_JOB = 1002;
const CHAIN_JOB = 1003;
const SMALL_COLUMNS = [
  { name: 'id', type: 'BIGINT' as const },
  { name: 'name', type: 'STRING' as const },
];

const fixture: DatabricksFixture = {
  auth: {
    personal_access_tokens: [{ token: PAT }],
    oauth_clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET }],
  },
  settings: { list_default_page_size: 2, list_page_size_cap: 3, empty_page_every: 2 },
  jobs: [
    {
      job_id: EXPORT_JOB,
      name: 'export orders',
      parameters: [
        { name: 'output_path', default: '' },
        { name: 'day', default: '2024-01-01' },
      ],
      timing: { pending_ms: 1_000, running_ms: 3_000, terminating_ms: 500 },
    },
    { job_id: WIDE_JOB, name: 'wide', task_count: 250 },
    {
      job_id: CHAIN_JOB,
      name: 'chain',
      tasks: [{ task_key: 'extract' }, { task_key: 'load', depends_on: ['extract'] }],
      failing_task: 'extract',
    },
  ],
  catalogs: [
    { name: 'alpha', schemas: [{ name: 'default' }] },
    {
      name: 'main',
      schemas: [
        {
          name: 'sales',
          tables: [
            {
              name: 'orders',
              format: 'uniform',
              rows: 3,
              columns: SMALL_COLUMNS,
              tags: { pii: 'false', owner: 'data-eng', tier: 'gold', domain: 'sales', mirror: '' },
            },
            { name: 'ledger', format: 'delta', columns: SMALL_COLUMNS },
          ],
          generated_tables: { count: 7, name_prefix: 'gen_', formats: ['delta'], columns: SMALL_COLUMNS },
        },
        { name: 'empty' },
        { name: 'finance' },
        { name: 'hr' },
      ],
    },
    { name: 'zeta', schemas: [] },
  ],
};

let emulator: RunningDatabricksEmulator;
let emulatorClock: ManualClock;
let objectStoreRoot: string;
const clients: DatabricksClient[] = [];

beforeAll(async () => {
  objectStoreRoot = await mkdtemp(join(tmpdir(), 'd2s-dbx-client-'));
  emulatorClock = new ManualClock();
  emulator = await startDatabricksEmulator({ port: 0, fixture, objectStoreRoot, clock: emulatorClock });
});

afterAll(async () => {
  await emulator?.close();
  if (objectStoreRoot) await rm(objectStoreRoot, { recursive: true, force: true });
});

beforeEach(async () => {
  await emulator.admin.reset();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

interface Harness {
  client: DatabricksClient;
  clock: FakeClock;
  events: DatabricksRequestEvent[];
}

function connect(overrides: Partial<DatabricksClientConfig> = {}): Harness {
  const clock = new FakeClock();
  const events: DatabricksRequestEvent[] = [];
  const client = createDatabricksClient(
    {
      host: emulator.url,
      auth: { kind: 'pat', token: new Secret(PAT) },
      requestTimeoutMs: 5_000,
      retryBudgetMs: 60_000,
      maxConcurrentRequests: 8,
      maxRequestsPerSecond: 1_000,
      ...overrides,
    },
    { clock, random: () => 0.5, onRequest: (event) => events.push(event) },
  );
  clients.push(client);
  return { client, clock, events };
}

const oauth = { kind: 'oauth-m2m', clientId: CLIENT_ID, clientSecret: new Secret(CLIENT_SECRET) } as const;

function requests(route: string) {
  return emulator.admin.requests({ route });
}

/** Waits until the emulator logged `count` requests of a route (a request it delayed is logged when it ends). */
async function settle(route: string, count: number): Promise<void> {
  for (let waited = 0; requests(route).length < count && waited < 5_000; waited += 20) {
    await sleep(20);
  }
}

async function advance(ms: number): Promise<void> {
  emulatorClock.advance(ms);
  await emulator.admin.advanceRuns();
}

describe('Jobs API against the emulator', () => {
  it('walks a run through pending → running → terminating → succeeded', async () => {
    const { client } = connect();
    const started = await client.jobs.runNow({
      job_id: EXPORT_JOB,
      idempotency_token: 'sync-0001',
      job_parameters: { output_path: 's3://bucket/orders/sync-0001/' },
    });
    expect(started.run_id).toEqual(expect.any(Number));
    expect(started.number_in_job).toBe(started.run_id);

    const phases: string[] = [];
    let run = await client.jobs.getRun(started.run_id);
    phases.push(classifyRunState(run).phase);
    for (const step of [1_000, 3_000, 500]) {
      await advance(step);
      run = await client.jobs.getRun(started.run_id);
      phases.push(classifyRunState(run).phase);
    }
    expect(phases).toEqual(['pending', 'running', 'terminating', 'succeeded']);

    const summary = classifyRunState(run);
    expect(summary).toMatchObject({ lifeCycleState: 'TERMINATED', resultState: 'SUCCESS', terminationCode: 'SUCCESS' });
    expect(summary.runPageUrl).toContain(`#job/${EXPORT_JOB}/run/${started.run_id}`);
    expect(run.run_id).toBe(started.run_id);
    expect(run.job_id).toBe(EXPORT_JOB);
    expect(run.start_time).toBeGreaterThan(0);
    expect(run.end_time).toBeGreaterThan(run.start_time ?? 0);
    expect(run.job_parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'output_path', value: 's3://bucket/orders/sync-0001/' }),
        expect.objectContaining({ name: 'day', value: '2024-01-01' }),
      ]),
    );
    expect(run.tasks).toHaveLength(1);
    expect(run.tasks?.[0]?.run_id).toEqual(expect.any(Number));

    const output = await client.jobs.getRunOutput(run.tasks?.[0]?.run_id ?? 0);
    expect(output.metadata?.run_id).toBe(run.tasks?.[0]?.run_id);
    expect(output.notebook_output).toBeDefined();
    expect(output.error).toBeUndefined();
  });

  it('returns the same run for a repeated idempotency token', async () => {
    const { client } = connect();
    const first = await client.jobs.runNow({ job_id: EXPORT_JOB, idempotency_token: 'sync-same' });
    const second = await client.jobs.runNow({ job_id: EXPORT_JOB, idempotency_token: 'sync-same' });
    expect(second.run_id).toBe(first.run_id);
    expect(emulator.admin.runs()).toHaveLength(1);
  });

  it('retries a run-now whose response was lost and gets the run it already started', async () => {
    const { client, events } = connect();
    emulator.admin.addHttpFault({ route: 'jobs/run-now', status: 503, when: 'after', count: 1 });
    const started = await client.jobs.runNow({ job_id: EXPORT_JOB, idempotency_token: 'sync-lost-response' });
    expect(emulator.admin.runs().map((r) => r.run_id)).toEqual([started.run_id]);
    expect(requests('jobs/run-now').map((r) => [r.status, r.idempotencyToken])).toEqual([
      [503, 'sync-lost-response'],
      [200, 'sync-lost-response'],
    ]);
    expect(events.map((e) => [e.endpoint, e.status, e.attempt])).toEqual([
      ['jobs/run-now', 503, 1],
      ['jobs/run-now', 200, 2],
    ]);
  });

  it('cancels a run: terminating, then canceled with USER_CANCELED', async () => {
    const { client } = connect();
    const { run_id } = await client.jobs.runNow({ job_id: EXPORT_JOB, idempotency_token: 'sync-cancel' });
    await advance(1_000);
    expect(classifyRunState(await client.jobs.getRun(run_id)).phase).toBe('running');
    await client.jobs.cancelRun(run_id);
    await client.jobs.cancelRun(run_id); // idempotent
    expect(classifyRunState(await client.jobs.getRun(run_id)).phase).toBe('terminating');
    await advance(500);
    const summary = classifyRunState(await client.jobs.getRun(run_id));
    expect(summary.phase).toBe('canceled');
    expect(summary.failure).toMatchObject({ code: 'USER_CANCELED' });
    expect(summary.failure?.runPageUrl).toContain(String(run_id));
  });

  it('reports a failed run with its termination code, message, page URL, and the failing task output', async () => {
    const { client } = connect();
    emulator.admin.addRunFault({ job_id: CHAIN_JOB, outcome: 'FAILED', message: 'Notebook raised ValueError' });
    const { run_id } = await client.jobs.runNow({ job_id: CHAIN_JOB, idempotency_token: 'sync-fail' });
    await advance(10_000);
    const run = await client.jobs.getRun(run_id);
    const summary = classifyRunState(run);
    expect(summary.phase).toBe('failed');
    expect(summary.failure).toMatchObject({
      code: 'RUN_EXECUTION_ERROR',
      message: 'Notebook raised ValueError',
      terminationType: 'CLIENT_ERROR',
      isClientError: true,
    });
    expect(summary.failure?.runPageUrl).toContain(String(run_id));

    const failures = failedTasks(run);
    expect(failures.map((f) => f.taskKey)).toContain('extract');
    const extract = failures.find((f) => f.taskKey === 'extract');
    const output = await client.jobs.getRunOutput(extract?.taskRunId ?? 0);
    expect(output.error).toContain('Notebook raised ValueError');

    // A multi-task parent run id is a plain 400 (not a missing run) and is not retried.
    const error = (await client.jobs.getRunOutput(run_id).catch((e: unknown) => e)) as DatabricksError;
    expect(error).toBeInstanceOf(DatabricksError);
    expect(error).not.toBeInstanceOf(DatabricksNotFoundError);
    expect(error).toMatchObject({ status: 400, errorCode: 'INVALID_PARAMETER_VALUE', retryable: false });
    expect(requests('jobs/runs/get-output').filter((r) => r.runId === run_id)).toHaveLength(1);
  });

  it('reports an internal error as a failure that is not the client’s fault', async () => {
    const { client } = connect();
    emulator.admin.addRunFault({ job_id: EXPORT_JOB, outcome: 'INTERNAL_ERROR' });
    const { run_id } = await client.jobs.runNow({ job_id: EXPORT_JOB, idempotency_token: 'sync-internal' });
    await advance(10_000);
    const summary = classifyRunState(await client.jobs.getRun(run_id));
    expect(summary.phase).toBe('failed');
    expect(summary.lifeCycleState).toBe('INTERNAL_ERROR');
    expect(summary.failure).toMatchObject({ code: 'INTERNAL_ERROR', isClientError: false });
  });

  it('follows next_page_token to gather every task of a 250-task run', async () => {
    const { client } = connect();
    const { run_id } = await client.jobs.runNow({ job_id: WIDE_JOB, idempotency_token: 'sync-wide' });
    const run = await client.jobs.getRun(run_id);
    expect(run.tasks).toHaveLength(250);
    expect(new Set(run.tasks?.map((t) => t.task_key)).size).toBe(250);
    expect(run.next_page_token).toBeUndefined();
    expect(requests('jobs/runs/get').filter((r) => r.runId === run_id)).toHaveLength(3);
  });

  it('maps a missing run to DatabricksNotFoundError without retrying', async () => {
    const { client } = connect();
    for (const call of [
      () => client.jobs.getRun(42),
      () => client.jobs.cancelRun(42),
      () => client.jobs.getRunOutput(42),
    ]) {
      const error = (await call().catch((e: unknown) => e)) as DatabricksNotFoundError;
      expect(error).toBeInstanceOf(DatabricksNotFoundError);
      expect(error).toMatchObject({ status: 400, errorCode: 'INVALID_PARAMETER_VALUE', retryable: false });
    }
    const missingJob = await client.jobs.runNow({ job_id: 999, idempotency_token: 'x' }).catch((e: unknown) => e);
    expect(missingJob).toBeInstanceOf(DatabricksNotFoundError);
    expect(emulator.admin.requests()).toHaveLength(4);
  });

  it('honours a 429 Retry-After before retrying', async () => {
    const { client, clock } = connect();
    const { run_id } = await client.jobs.runNow({ job_id: EXPORT_JOB, idempotency_token: 'sync-429' });
    emulator.admin.addHttpFault({ route: 'jobs/runs/get', status: 429, retry_after_seconds: 7, count: 1 });
    const run = await client.jobs.getRun(run_id);
    expect(run.run_id).toBe(run_id);
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(7_000);
    expect(clock.sleeps[0]).toBeLessThan(8_000);
    expect(requests('jobs/runs/get').map((r) => r.status)).toEqual([429, 200]);
  });

  it('throws a retryable DatabricksRateLimitError when Retry-After is longer than the budget', async () => {
    const { client, clock } = connect({ retryBudgetMs: 5_000 });
    emulator.admin.addHttpFault({ route: 'jobs/runs/get', status: 429, retry_after_seconds: 30, count: 1 });
    const error = (await client.jobs.getRun(1).catch((e: unknown) => e)) as DatabricksRateLimitError;
    expect(error).toBeInstanceOf(DatabricksRateLimitError);
    expect(error).toMatchObject({
      retryable: true,
      retryAfterMs: 30_000,
      status: 429,
      errorCode: 'RESOURCE_EXHAUSTED',
    });
    expect(clock.sleeps).toEqual([]);
  });

  it('retries 503 with backoff, and gives up at the budget', async () => {
    const { client, clock } = connect();
    const { run_id } = await client.jobs.runNow({ job_id: EXPORT_JOB, idempotency_token: 'sync-503' });
    emulator.admin.addHttpFault({ route: 'jobs/runs/get', status: 503, count: 2 });
    await client.jobs.getRun(run_id);
    expect(clock.sleeps).toEqual([250, 500]);
    expect(requests('jobs/runs/get').map((r) => r.status)).toEqual([503, 503, 200]);

    const tight = connect({ retryBudgetMs: 1_000 });
    emulator.admin.addHttpFault({ route: 'jobs/runs/get', status: 503 });
    const error = (await tight.client.jobs.getRun(run_id).catch((e: unknown) => e)) as DatabricksError;
    expect(error).toMatchObject({ status: 503, errorCode: 'TEMPORARILY_UNAVAILABLE', retryable: true });
    expect(error.details).toMatchObject({ retryBudgetExhausted: true });
  });

  it('does not retry a 400 (or a 500)', async () => {
    const { client } = connect();
    emulator.admin.addHttpFault({
      route: 'jobs/runs/get',
      status: 400,
      error_code: 'INVALID_PARAMETER_VALUE',
      count: 1,
    });
    const bad = (await client.jobs.getRun(1).catch((e: unknown) => e)) as DatabricksError;
    expect(bad).toMatchObject({ status: 400, errorCode: 'INVALID_PARAMETER_VALUE', retryable: false });
    emulator.admin.addHttpFault({ route: 'jobs/runs/get', status: 500, count: 1 });
    const internal = (await client.jobs.getRun(1).catch((e: unknown) => e)) as DatabricksError;
    expect(internal).toMatchObject({ status: 500, retryable: false });
    expect(requests('jobs/runs/get')).toHaveLength(2);
  });

  it('times out a slow response and retries it', async () => {
    const { client, events } = connect({ requestTimeoutMs: 150 });
    const { run_id } = await client.jobs.runNow({ job_id: EXPORT_JOB, idempotency_token: 'sync-slow' });
    emulator.admin.addHttpFault({ route: 'jobs/runs/get', latency_ms: 600, count: 1 });
    const run = await client.jobs.getRun(run_id);
    expect(run.run_id).toBe(run_id);
    expect(events.filter((e) => e.endpoint === 'jobs/runs/get').map((e) => [e.status, e.errorCode])).toEqual([
      ['network-error', 'TIMEOUT'],
      [200, undefined],
    ]);
    await settle('jobs/runs/get', 2);
  });

  it('reports a timeout past the budget as a retryable network error', async () => {
    const { client } = connect({ requestTimeoutMs: 100, retryBudgetMs: 1 });
    emulator.admin.addHttpFault({ route: 'jobs/runs/get', latency_ms: 400, count: 1 });
    const error = await client.jobs.getRun(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabricksNetworkError);
    expect(error).toMatchObject({ retryable: true, errorCode: 'TIMEOUT', code: 'DATABRICKS_NETWORK_ERROR' });
    await settle('jobs/runs/get', 1);
  });
});

describe('authentication against the emulator', () => {
  it('rejects an unknown PAT with DatabricksAuthError, once, without leaking it', async () => {
    const { client } = connect({ auth: { kind: 'pat', token: new Secret('dapi-wrong-token') } });
    const error = (await client.jobs.getRun(1).catch((e: unknown) => e)) as DatabricksAuthError;
    expect(error).toBeInstanceOf(DatabricksAuthError);
    expect(error.retryable).toBe(false);
    expect(JSON.stringify(error)).not.toContain('dapi-wrong-token');
    expect(error.message).not.toContain('dapi-wrong-token');
    expect(requests('jobs/runs/get')).toHaveLength(1);
  });

  it('uses OAuth M2M: one token for many concurrent calls', async () => {
    const { client } = connect({ auth: oauth });
    const { run_id } = await client.jobs.runNow({ job_id: EXPORT_JOB, idempotency_token: 'sync-oauth' });
    await Promise.all(Array.from({ length: 20 }, () => client.jobs.getRun(run_id)));
    expect(requests('oidc/v1/token')).toHaveLength(1);
    expect(requests('jobs/runs/get').every((r) => r.auth === 'oauth' && r.status === 200)).toBe(true);
  });

  it('refreshes the OAuth token before it expires', async () => {
    const { client, clock } = connect({ auth: oauth });
    await client.unityCatalog.listCatalogs();
    clock.advance(3_600_000 - 120_000 - 1);
    await client.unityCatalog.listCatalogs();
    expect(requests('oidc/v1/token')).toHaveLength(1);
    clock.advance(1);
    await client.unityCatalog.listCatalogs();
    expect(requests('oidc/v1/token')).toHaveLength(2);
  });

  it('refreshes once and retries when the server says the token expired', async () => {
    const { client } = connect({ auth: oauth });
    const { run_id } = await client.jobs.runNow({ job_id: EXPORT_JOB, idempotency_token: 'sync-expired' });
    emulator.admin.expireTokens();
    const run = await client.jobs.getRun(run_id);
    expect(run.run_id).toBe(run_id);
    expect(requests('oidc/v1/token')).toHaveLength(2);
    expect(requests('jobs/runs/get').map((r) => r.status)).toEqual([403, 200]);
  });

  it('does not loop when a fresh token is rejected too', async () => {
    const { client } = connect({ auth: oauth });
    await client.unityCatalog.listCatalogs();
    emulator.admin.addHttpFault({ route: 'jobs/runs/get', status: 401, error_code: 'UNAUTHENTICATED', count: 5 });
    const error = await client.jobs.getRun(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabricksAuthError);
    expect(requests('jobs/runs/get')).toHaveLength(2);
    expect(requests('oidc/v1/token')).toHaveLength(2);
  });

  it('fails fast on a wrong client secret', async () => {
    const { client } = connect({ auth: { ...oauth, clientSecret: new Secret('not-the-secret') } });
    const error = (await client.jobs.getRun(1).catch((e: unknown) => e)) as DatabricksAuthError;
    expect(error).toBeInstanceOf(DatabricksAuthError);
    expect(error).toMatchObject({
      status: 401,
      errorCode: 'invalid_client',
      retryable: false,
      endpoint: 'oidc/v1/token',
    });
    expect(JSON.stringify(error)).not.toContain('not-the-secret');
    expect(requests('oidc/v1/token')).toHaveLength(1);
    expect(requests('jobs/runs/get')).toHaveLength(0);
  });

  it('retries a token endpoint that is temporarily unavailable', async () => {
    const { client } = connect({ auth: oauth });
    emulator.admin.addHttpFault({ route: 'oidc/v1/token', status: 503, count: 1 });
    await client.unityCatalog.listCatalogs();
    expect(requests('oidc/v1/token').map((r) => r.status)).toEqual([503, 200]);
  });
});

describe('Unity Catalog API against the emulator', () => {
  it('lists every catalog, schema and table across pages, including empty pages with tokens', async () => {
    const { client } = connect();
    const catalogs = await client.unityCatalog.listCatalogs();
    expect(catalogs.map((c) => c.name)).toEqual(['alpha', 'main', 'zeta']);

    const schemas = await client.unityCatalog.listSchemas('main');
    // Unity Catalog adds information_schema to every catalog.
    expect(schemas.map((s) => s.name).sort()).toEqual(['empty', 'finance', 'hr', 'information_schema', 'sales']);
    expect(schemas.every((s) => s.catalog_name === 'main')).toBe(true);

    const tables = await client.unityCatalog.listTables('main', 'sales');
    expect(tables.map((t) => t.name).sort()).toEqual(
      ['gen_001', 'gen_002', 'gen_003', 'gen_004', 'gen_005', 'gen_006', 'gen_007', 'ledger', 'orders'].sort(),
    );
    for (const table of tables) {
      expect(table.full_name).toBe(`main.sales.${table.name}`);
      expect(table.table_id).toEqual(expect.any(String));
    }
    const pages = requests('unity-catalog/tables');
    // Page size 2 with every second page empty: more requests than 9 / 2, and some of them returned nothing.
    expect(pages.length).toBeGreaterThan(5);
    expect(pages.every((p) => p.query.max_results === '0')).toBe(true);

    expect(await client.unityCatalog.listTables('main', 'empty')).toEqual([]);
    expect((await client.unityCatalog.listSchemas('zeta')).map((schema) => schema.name)).toEqual([
      'information_schema',
    ]);
  });

  it('streams tables page by page as an async iterable', async () => {
    const { client } = connect();
    const names: string[] = [];
    for await (const table of client.unityCatalog.iterateTables('main', 'sales', {
      maxResults: 3,
      omitColumns: true,
    })) {
      names.push(table.name);
      expect(table.columns).toBeUndefined();
    }
    expect(names).toHaveLength(9);
    expect(requests('unity-catalog/tables').every((p) => p.query.max_results === '3')).toBe(true);
  });

  it('gets a UniForm table with its properties, columns and the raw delta_uniform_iceberg object', async () => {
    const { client } = connect();
    const table = await client.unityCatalog.getTable('main.sales.orders');
    expect(table).toMatchObject({
      full_name: 'main.sales.orders',
      table_type: 'MANAGED',
      data_source_format: 'DELTA',
    });
    expect(table.table_id).toEqual(expect.any(String));
    expect(table.storage_location).toMatch(/^s3:\/\//);
    expect(table.properties?.['delta.universalFormat.enabledFormats']).toContain('iceberg');
    expect(table.columns?.map((c) => c.name)).toEqual(['id', 'name']);
    expect(table.created_at).toEqual(expect.any(Number));
    expect(table.updated_at).toEqual(expect.any(Number));
    expect(table.delta_uniform_iceberg?.metadata_location).toMatch(/metadata\.json$/);
    expect(table.delta_uniform_iceberg).toHaveProperty('converted_delta_version');

    const delta = await client.unityCatalog.getTable('main.sales.ledger');
    expect(delta.delta_uniform_iceberg).toBeUndefined();
  });

  it('maps a missing table to DatabricksNotFoundError, with odd names encoded intact', async () => {
    const { client } = connect();
    const name = 'main.säles data.o\'brien "x"/#?%';
    const error = (await client.unityCatalog.getTable(name).catch((e: unknown) => e)) as DatabricksNotFoundError;
    expect(error).toBeInstanceOf(DatabricksNotFoundError);
    expect(error).toMatchObject({ status: 404, retryable: false });
    expect(error.message).toContain(name); // the emulator echoes the decoded name
    expect(requests('unity-catalog/table')).toHaveLength(1);

    const catalog = await client.unityCatalog.listSchemas('nope').catch((e: unknown) => e);
    expect(catalog).toBeInstanceOf(DatabricksNotFoundError);
  });

  it('lists a table’s tag assignments across pages', async () => {
    const { client } = connect();
    const tags = await client.unityCatalog.listTableTags('main.sales.orders', { maxResults: 2 });
    expect(Object.fromEntries(tags.map((t) => [t.tag_key, t.tag_value]))).toEqual({
      pii: 'false',
      owner: 'data-eng',
      tier: 'gold',
      domain: 'sales',
      mirror: '',
    });
    expect(tags.every((t) => t.entity_name === 'main.sales.orders' && t.entity_type === 'tables')).toBe(true);
    expect(requests('unity-catalog/entity-tag-assignments').length).toBeGreaterThanOrEqual(3);
    expect(await client.unityCatalog.listTableTags('main.sales.ledger')).toEqual([]);
  });

  it('retries a 503 in the middle of a listing and still returns every item once', async () => {
    const { client } = connect();
    emulator.admin.addHttpFault({ route: 'unity-catalog/tables', status: 503, count: 2 });
    const tables = await client.unityCatalog.listTables('main', 'sales');
    expect(new Set(tables.map((t) => t.name)).size).toBe(9);
    expect(tables).toHaveLength(9);
  });
});

describe('observability', () => {
  it('reports every attempt by route template, never by name or id', async () => {
    const { client, events } = connect();
    emulator.admin.addHttpFault({ route: 'unity-catalog/catalogs', status: 429, retry_after_seconds: 1, count: 1 });
    await client.unityCatalog.listCatalogs();
    await client.unityCatalog.getTable('main.sales.orders');
    // Three catalogs, two a page, every second page empty: three pages, the first one rate limited once.
    expect(
      events.map((e) => ({ endpoint: e.endpoint, method: e.method, status: e.status, attempt: e.attempt })),
    ).toEqual([
      { endpoint: 'unity-catalog/catalogs', method: 'GET', status: 429, attempt: 1 },
      { endpoint: 'unity-catalog/catalogs', method: 'GET', status: 200, attempt: 2 },
      { endpoint: 'unity-catalog/catalogs', method: 'GET', status: 200, attempt: 1 },
      { endpoint: 'unity-catalog/catalogs', method: 'GET', status: 200, attempt: 1 },
      { endpoint: 'unity-catalog/tables/{full_name}', method: 'GET', status: 200, attempt: 1 },
    ]);
    expect(events[0]?.errorCode).toBe('RESOURCE_EXHAUSTED');
    expect(events.every((e) => e.durationMs >= 0)).toBe(true);
  });
});
