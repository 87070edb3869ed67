import { describe, expect, it } from 'vitest';
import type { MirrorRun, Sync } from './api-types.js';
import { plannedChanges } from '@d2s/testkit/planned-changes';
import { RECORDED_PLAN, RECORDED_RUN, RECORDED_TABLES } from '@d2s/testkit/recorded-mirror';
import { noNetwork, runD2s } from '@d2s/testkit/run-cli';

const ENV = { D2S_API_URL: 'http://api.test', D2S_API_TOKEN: 'tok-secret-123' };

interface Call {
  method: string;
  path: string;
  body: unknown;
  headers: Headers;
}

/** A fetch that answers from a script: each route is a function of the call (or a list answered in turn). */
function fakeApi(routes: Record<string, ((call: Call) => Response) | Response[]>) {
  const calls: Call[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(String(input));
    const call: Call = {
      method: init?.method ?? 'GET',
      path: url.pathname + url.search,
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
      headers: new Headers(init?.headers),
    };
    calls.push(call);
    const route = routes[`${call.method} ${call.path}`];
    if (Array.isArray(route)) {
      const next = route.length > 1 ? route.shift() : route[0];
      if (next) return next.clone();
    } else if (route) return route(call);
    return Response.json(
      { error: { code: 'ROUTE_NOT_FOUND', message: `No route ${call.method} ${call.path}` } },
      { status: 404 },
    );
  };
  return { fetch, calls };
}

const json = (body: unknown, status = 200) => Response.json(body, { status });

function sse(events: Array<[string, unknown]>): Response {
  const text = events
    .map(([event, data], i) => `id: ${i + 1}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    .join('');
  const bytes = new TextEncoder().encode(text);
  // Delivered in small chunks, split mid-event.
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 13) controller.enqueue(bytes.slice(i, i + 13));
      controller.close();
    },
  });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
}

function sync(status: Sync['status'], extra: Partial<Sync> = {}): Sync {
  return {
    id: 'sync_01WAIT',
    dataset: 'forecasts',
    parameters: {},
    status,
    databricks: {},
    load: null,
    timings: { createdAt: new Date().toISOString(), durationsMs: {} },
    error: null,
    ...extra,
  };
}

describe('help and usage', () => {
  it('d2s --help lists every command, the environment and the exit codes', async () => {
    const result = await runD2s(['--help'], { fetch: noNetwork });
    expect(result.code).toBe(0);
    for (const usage of [
      'sync <dataset>',
      'syncs ls',
      'syncs get <id>',
      'syncs cancel <id>',
      'syncs retry <id>',
      'datasets ls',
      'mirror plan',
      'mirror apply',
      'mirror tables',
      'schedules ls',
      'schedules set <id>',
      'schedules rm <id>',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`\\n {2}${usage.replace(/[<>]/g, '.')} +\\S`));
    }
    expect(result.stdout).toContain('D2S_API_TOKEN');
    expect(result.stdout).toContain(
      [
        'Exit codes:',
        '  0    success',
        '  1    the sync or mirror run waited for (--wait) finished failed or canceled',
        '  2    usage error: bad command, flags or arguments (nothing was sent)',
        '  3    the API refused the request (4xx): its error code and message are printed',
        '  4    the API cannot be reached, answered 5xx, or no token was given',
      ].join('\n'),
    );
    expect((await runD2s(['help'], { fetch: noNetwork })).stdout).toBe(result.stdout);
    expect((await runD2s(['-h'], { fetch: noNetwork })).stdout).toBe(result.stdout);
  });

  it('every command has --help, on stdout, exit 0, without a token', async () => {
    for (const argv of [
      ['sync'],
      ['syncs', 'ls'],
      ['syncs', 'get'],
      ['syncs', 'cancel'],
      ['syncs', 'retry'],
      ['datasets', 'ls'],
      ['mirror', 'plan'],
      ['mirror', 'apply'],
      ['mirror', 'get'],
      ['mirror', 'tables'],
      ['schedules', 'ls'],
      ['schedules', 'set'],
      ['schedules', 'rm'],
    ]) {
      const result = await runD2s([...argv, '--help'], { fetch: noNetwork });
      expect(result.code, argv.join(' ')).toBe(0);
      expect(result.stdout, argv.join(' ')).toMatch(new RegExp(`^Usage: d2s ${argv.join(' ')}`));
      expect(result.stdout).toContain('Exit codes:');
    }
    const set = await runD2s(['schedules', 'set', '-h'], { fetch: noNetwork });
    expect(set.stdout).toContain('--every <duration>');
    expect(set.stdout).toContain('Durations: 30s, 15m, 1h, 1h30m, 1d');
  });

  it('--version prints the version; bare d2s and bare groups print help on stderr with exit 2', async () => {
    expect(await runD2s(['--version'], { fetch: noNetwork })).toMatchObject({ code: 0, stdout: '9.9.9-test\n' });
    const bare = await runD2s([], { fetch: noNetwork });
    expect(bare).toMatchObject({ code: 2, stdout: '' });
    expect(bare.stderr).toContain('Usage: d2s <command>');
    const group = await runD2s(['mirror'], { fetch: noNetwork });
    expect(group).toMatchObject({ code: 2, stdout: '' });
    expect(group.stderr).toContain('d2s mirror plan [--out <file.sql>]');
    expect((await runD2s(['mirror', '--help'], { fetch: noNetwork })).code).toBe(0);
  });

  it('global flags may come before the command', async () => {
    const api = fakeApi({ 'GET /v1/datasets': () => json({ items: [] }) });
    const result = await runD2s(['--api', 'http://other.test/', '--token', 't', 'datasets', 'ls'], {
      fetch: api.fetch,
    });
    expect(result).toMatchObject({ code: 0, stderr: 'No datasets configured.\n' });
    expect(api.calls[0]?.headers.get('authorization')).toBe('Bearer t');
  });
});

describe('errors from the API', () => {
  it('5xx: exit 4 with the code; a non-JSON answer: exit 4', async () => {
    const api = fakeApi({
      'GET /v1/datasets': () =>
        json(
          {
            error: { code: 'REDIS_UNAVAILABLE', message: 'The job store (Redis) is not reachable; try again shortly.' },
          },
          503,
        ),
      'GET /v1/schedules': () => new Response('<html>proxy</html>', { status: 200 }),
      'GET /v1/mirror/tables': () => new Response('Bad gateway', { status: 502 }),
    });
    const down = await runD2s(['datasets', 'ls'], { env: ENV, fetch: api.fetch });
    expect(down).toMatchObject({
      code: 4,
      stderr:
        'd2s: the API failed: REDIS_UNAVAILABLE: The job store (Redis) is not reachable; try again shortly. (HTTP 503)\n',
    });
    const html = await runD2s(['schedules', 'ls'], { env: ENV, fetch: api.fetch });
    expect(html.code).toBe(4);
    expect(html.stderr).toContain('INVALID_RESPONSE');
    const gateway = await runD2s(['mirror', 'tables'], { env: ENV, fetch: api.fetch });
    expect(gateway).toMatchObject({ code: 4, stderr: 'd2s: the API failed: HTTP_502: Bad gateway (HTTP 502)\n' });
  });

  it('a request that takes too long: exit 4', async () => {
    const slow: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const result = await runD2s(['datasets', 'ls'], { env: ENV, fetch: slow, timeoutMs: 50 });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('No answer from http://api.test/v1/datasets within 0 s.');
  });
});

describe('sync --wait (scripted event stream)', () => {
  it('follows the stream, reconnects when it closes early, prints the summary, exits 0', async () => {
    const running = sync('exporting', { databricks: { runId: 9, lifeCycleState: 'RUNNING' } });
    const done = sync('succeeded', {
      databricks: {
        runId: 9,
        runPageUrl: 'https://dbc.test/#job/1/run/9',
        lifeCycleState: 'TERMINATED',
        resultState: 'SUCCESS',
      },
      load: { files: [{ file: 'a.parquet', status: 'LOADED', rowsLoaded: 10 }], rowsLoaded: 10, targetRowCount: 30 },
      timings: { createdAt: new Date().toISOString(), durationsMs: { total: 4_000 } },
    });
    const api = fakeApi({
      'POST /v1/syncs': () => json(sync('queued'), 202),
      'GET /v1/syncs/sync_01WAIT/events': [
        // The first connection drops after the export started; the second sees the end.
        sse([
          ['stage', { id: 'sync_01WAIT', stage: 'queued', at: '' }],
          ['stage', { id: 'sync_01WAIT', stage: 'exporting', at: '' }],
          ['status', running],
        ]),
        sse([
          ['stage', { id: 'sync_01WAIT', stage: 'importing', at: '' }],
          ['stage', { id: 'sync_01WAIT', stage: 'verifying', at: '' }],
          ['stage', { id: 'sync_01WAIT', stage: 'succeeded', at: '' }],
          ['status', done],
        ]),
      ],
    });
    const result = await runD2s(['sync', 'forecasts', '--wait'], { env: ENV, fetch: api.fetch });
    expect(result.code).toBe(0);
    expect(api.calls.filter((c) => c.path.endsWith('/events'))).toHaveLength(2);
    expect(api.calls.find((c) => c.path.endsWith('/events'))?.headers.get('accept')).toBe('text/event-stream');
    expect(result.stdout).toBe(
      [
        'Sync sync_01WAIT succeeded in 4s',
        '  dataset      forecasts',
        '  files        1 file, 1 loaded',
        '  rows loaded  10',
        '  target rows  30',
        '  Databricks   run 9 (TERMINATED/SUCCESS) https://dbc.test/#job/1/run/9',
        '',
      ].join('\n'),
    );
    // Not a terminal: plain progress lines on stderr, one per change.
    const progress = result.stderr.split('\n').filter((l) => l.startsWith('['));
    expect(progress.map((l) => l.replace(/^\[[ \d:]+\] /, ''))).toEqual([
      'queued',
      'exporting',
      'exporting (Databricks RUNNING)',
      'importing (Databricks RUNNING)',
      'verifying (Databricks RUNNING)',
      'succeeded (Databricks RUNNING)',
      'succeeded (Databricks TERMINATED/SUCCESS)',
    ]);
  });

  it('exits 1 with the error when the sync fails; --json prints the final status only', async () => {
    const failed = sync('failed', {
      error: { code: 'COPY_FAILED', message: 'File a.parquet: column mismatch', stage: 'import' },
    });
    const api = fakeApi({
      'POST /v1/syncs': () => json(sync('queued'), 202),
      'GET /v1/syncs/sync_01WAIT/events': () => sse([['status', failed]]),
    });
    const text = await runD2s(['sync', 'forecasts', '-w'], { env: ENV, fetch: api.fetch });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('  error    COPY_FAILED: File a.parquet: column mismatch');
    expect(text.stderr).toContain('d2s: sync sync_01WAIT failed: COPY_FAILED: File a.parquet: column mismatch\n');

    const raw = await runD2s(['sync', 'forecasts', '--wait', '--json'], { env: ENV, fetch: api.fetch });
    expect(raw.code).toBe(1);
    expect(JSON.parse(raw.stdout)).toMatchObject({ id: 'sync_01WAIT', status: 'failed' });
    expect(raw.stderr).not.toContain('[');
  });

  it('gives up with exit 4 when the stream keeps closing without news', async () => {
    const queued = sync('queued');
    const api = fakeApi({
      'POST /v1/syncs': () => json(queued, 202),
      'GET /v1/syncs/sync_01WAIT/events': () => sse([['status', queued]]),
    });
    const result = await runD2s(['sync', 'forecasts', '--wait'], { env: ENV, fetch: api.fetch });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('kept closing before the sync ended');
    expect(api.calls.filter((c) => c.path.endsWith('/events'))).toHaveLength(6);
  });

  it('Ctrl-C stops watching with exit 130 and says the sync goes on', async () => {
    const controller = new AbortController();
    const hanging: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/v1/syncs')) return json(sync('queued'), 202);
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(`event: status\ndata: ${JSON.stringify(sync('exporting'))}\n\n`));
          init?.signal?.addEventListener('abort', () => c.error(init.signal?.reason));
        },
      });
      setTimeout(() => controller.abort(), 50);
      return new Response(stream);
    };
    const result = await runD2s(['sync', 'forecasts', '--wait'], {
      env: ENV,
      fetch: hanging,
      signal: controller.signal,
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('d2s: Interrupted. A sync or mirror run already requested goes on');
  });
});

describe('mirror commands (recorded answers)', () => {
  it('mirror plan prints the plan like terraform; --json prints it raw', async () => {
    const api = fakeApi({ 'POST /v1/mirror/plan': () => json(RECORDED_PLAN) });
    const result = await runD2s(['mirror', 'plan'], { env: ENV, fetch: api.fetch });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('  + create-integration D2S_UC_SALES\n');
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('Plan: 9 to create, 0 to update, 0 to drop.');
    expect(api.calls[0]?.body).toEqual({});

    const raw = await runD2s(['mirror', 'plan', '--json', '--catalog', 'sales', '--no-refresh'], {
      env: ENV,
      fetch: api.fetch,
    });
    expect(JSON.parse(raw.stdout)).toEqual(RECORDED_PLAN);
    expect(api.calls[1]?.body).toEqual({ scope: { catalogs: ['sales'] }, includeRefresh: false });
  });

  it('mirror plan --out writes the masked SQL with a header saying so', async () => {
    const files = new Map<string, string>();
    const api = fakeApi({ 'POST /v1/mirror/plan': () => json(plannedChanges()) });
    const result = await runD2s(['mirror', 'plan', '--out', 'plan.sql'], {
      env: ENV,
      fetch: api.fetch,
      writeFile: async (path, text) => {
        files.set(path, text);
      },
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('Wrote plan.sql: 9 statement(s), secrets masked.\n');
    const sql = files.get('plan.sql') ?? '';
    expect(sql).toContain("-- SECRETS ARE MASKED as '[redacted]'");
    expect(sql).toContain('DROP ICEBERG TABLE IF EXISTS "WEATHER"."FORECASTS"."GONE";');
    expect(result.stdout).toContain('Plan: 2 to create, 2 to update, 1 to drop, 2 to rename.');

    const unwritable = await runD2s(['mirror', 'plan', '-o', '/nope/plan.sql'], {
      env: ENV,
      fetch: api.fetch,
      writeFile: async () => {
        throw new Error("ENOENT: no such file or directory, open '/nope/plan.sql'");
      },
    });
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toContain('d2s: Cannot write /nope/plan.sql: ENOENT: no such file or directory');
  });

  it('mirror apply --wait polls the run, printing each action as its status changes', async () => {
    const [a, b, c] = RECORDED_RUN.actions;
    const planning: MirrorRun = {
      ...RECORDED_RUN,
      status: 'planning',
      actions: [],
      summary: null,
      finishedAt: undefined,
    } as MirrorRun;
    const applying = {
      ...RECORDED_RUN,
      status: 'applying',
      finishedAt: undefined,
      actions: RECORDED_RUN.actions.map((x) => (x === a ? { ...x, status: 'succeeded' } : { ...x, status: 'pending' })),
    };
    const failedOne = {
      ...RECORDED_RUN,
      status: 'failed',
      counts: { pending: 0, running: 0, succeeded: RECORDED_RUN.actions.length - 2, failed: 1, skipped: 1 },
      error: {
        code: 'MIRROR_ACTIONS_FAILED',
        message: '1 action(s) failed and 1 were not attempted; see actions[].error',
      },
      actions: RECORDED_RUN.actions.map((x) =>
        x === b
          ? {
              ...x,
              status: 'failed',
              error: { code: 'SNOWFLAKE_STATEMENT_FAILED', message: 'Integration verification failed' },
            }
          : x === c
            ? { ...x, status: 'skipped' }
            : x,
      ),
    };
    const api = fakeApi({
      'POST /v1/mirror/runs': () => json({ ...planning, status: 'queued' }, 202),
      [`GET /v1/mirror/runs/${RECORDED_RUN.id}`]: [json(planning), json(applying), json(applying), json(failedOne)],
    });
    const result = await runD2s(['mirror', 'apply', '--wait'], { env: ENV, fetch: api.fetch });
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 4)).toEqual([
      `Mirror run ${RECORDED_RUN.id}: queued`,
      `Mirror run ${RECORDED_RUN.id}: planning`,
      `Mirror run ${RECORDED_RUN.id}: applying (9 to create, 0 to update, 0 to drop)`,
      `  ✓ create-integration ${a?.target} succeeded`,
    ]);
    expect(lines).toContain(`Mirror run ${RECORDED_RUN.id}: failed (9 to create, 0 to update, 0 to drop)`);
    expect(lines).toContain(
      `  ✗ create-integration ${b?.target} failed: SNOWFLAKE_STATEMENT_FAILED: Integration verification failed`,
    );
    expect(lines).toContain(`  - create-schema ${c?.target} skipped`);
    // Each action is printed once per status: the succeeded ones once, in the last poll.
    expect(lines.filter((l) => l.startsWith(`  ✓ create-integration ${a?.target}`))).toHaveLength(1);
    expect(lines.slice(-3)).toEqual([
      expect.stringMatching(/^Mirror run mirror_\w+ failed in \d+.*: 7 succeeded, 1 failed, 1 not attempted\.$/),
      '  9 action(s) planned, 0 table(s) unchanged, 2 skipped, 0 orphan(s).',
      '  error: MIRROR_ACTIONS_FAILED: 1 action(s) failed and 1 were not attempted; see actions[].error',
    ]);
    expect(result.stderr).toContain(`d2s: mirror run ${RECORDED_RUN.id} failed: MIRROR_ACTIONS_FAILED`);
  });

  it('mirror apply without --wait prints the run id; mirror tables lists the state', async () => {
    const api = fakeApi({
      'POST /v1/mirror/runs': () => json({ ...RECORDED_RUN, status: 'queued' }, 202),
      'GET /v1/mirror/tables': () => json({ items: RECORDED_TABLES }),
    });
    const started = await runD2s(['mirror', 'apply', '--idempotency-key', 'k1'], { env: ENV, fetch: api.fetch });
    expect(started).toMatchObject({ code: 0, stdout: `${RECORDED_RUN.id}\n` });
    expect(api.calls[0]?.headers.get('idempotency-key')).toBe('k1');
    const tables = await runD2s(['mirror', 'tables'], { env: ENV, fetch: api.fetch });
    expect(tables.code).toBe(0);
    const lines = tables.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^UNITY CATALOG\s+SNOWFLAKE\s+STATUS\s+LAST ACTION\s+UPDATED \(UTC\)\s+ERROR$/);
    expect(lines[1]).toMatch(
      /^sales\.retail\.order_items\s+SALES_MIRROR\.Retail Shop\.ORDER_ITEMS\s+mirrored\s+create-table\s+2026-/,
    );
    expect(JSON.parse((await runD2s(['mirror', 'tables', '--json'], { env: ENV, fetch: api.fetch })).stdout)).toEqual({
      items: RECORDED_TABLES,
    });
  });
});
