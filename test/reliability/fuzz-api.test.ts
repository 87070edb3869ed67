import { syncKeys } from '@d2s/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fuzzRuns, fuzzSeed } from './support/fuzz-seed.js';
import { APPEND_AND_REPLACE, forecastsDataset, type Stack, startStack } from './support/stack.js';

/**
 * Property-based fuzzing of every route the API registers: arbitrary bodies
 * (any JSON, wrong types, huge, unicode, prototype-pollution keys, not JSON at
 * all), query strings, path parameters and headers. The API never answers
 * 5xx; every 4xx is a JSON error body with a code; a refused request changes
 * nothing in the queues (job counts, schedulers, the sync index).
 *
 * Each run draws a new seed (printed, and in the suite's name); replay one
 * with D2S_FUZZ_SEED=<seed>. D2S_FUZZ_RUNS and D2S_FUZZ_RUNS_PER_ROUTE set how many.
 */
const SEED = fuzzSeed('API');
const RUNS = fuzzRuns('D2S_FUZZ_RUNS', 300);
/** Requests per route in the every-route property, so each route gets its share however many there are. */
const RUNS_PER_ROUTE = fuzzRuns('D2S_FUZZ_RUNS_PER_ROUTE', 60);

const TYPED_DATASET = `${forecastsDataset('typed', 'TYPED', 'append')}    description: every parameter type
`.replace(
  `      forecast_date: { type: date, default: "2024-06-01" }`,
  `      forecast_date: { type: date, default: "2024-06-01" }
      region: { type: string, enum: [eu, us] }
      code: { type: string, pattern: "[A-Z]{3}" }
      batch: { type: integer }
      ratio: { type: number }
      full: { type: boolean, required: false }`,
);

const MIRROR_YAML = `
mirror:
  catalogs:
    - { name: sales }
  refreshIntervalSeconds: 300
`;

/** Values a fuzzer should always try: prototype keys, type confusion, edge numbers, odd text. */
const NASTY_STRINGS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '',
  ' ',
  '..',
  '../..',
  '%00',
  '\u0000',
  '\uffff',
  '💥',
  'é',
  'Ω≈ç√',
  "'; DROP TABLE x; --",
  '"',
  '${7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1e309',
  '9007199254740993',
  'true',
  'forecasts_append',
  'forecasts_replace',
  'typed',
  'sales',
  'sync_01ARZ3NDEKTSV4RRFFQ69G5FAV',
  'sync_K0000000000000000000000000',
  'mirror_01ARZ3NDEKTSV4RRFFQ69G5FAV',
  'json',
  'sql',
  'failed',
  'queued',
];

const text = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 300, maxLength: 3000 }) },
);

/** Any JSON value, with nasty keys and strings mixed in. */
const jsonish: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(0, -0, 1e308, -1, 2 ** 53 + 1, 1.5),
    text,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Bodies shaped like the real ones, with arbitrary values in each field. */
const nearlyValidBodies = fc.oneof(
  fc.record(
    {
      dataset: fc.oneof(fc.constantFrom('forecasts_append', 'forecasts_replace', 'typed'), jsonish),
      parameters: fc.oneof(
        jsonish,
        fc.dictionary(
          fc.oneof(fc.constantFrom('forecast_date', 'region', 'code', 'batch', 'ratio', 'full', '__proto__'), text),
          jsonish,
          { maxKeys: 4 },
        ),
      ),
      extra: jsonish,
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      kind: fc.oneof(fc.constantFrom('sync', 'mirror'), jsonish),
      dataset: fc.oneof(fc.constantFrom('forecasts_append', 'typed'), jsonish),
      cron: fc.oneof(
        fc.constantFrom('0 3 * * *', '* * * * * *', '61 * * * *', '0 0 31 2 *', '@daily', '*/0 * * * *'),
        text,
      ),
      every: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1000, 999, 2 ** 31, Number.MAX_SAFE_INTEGER), jsonish),
      tz: fc.oneof(fc.constantFrom('UTC', 'Europe/Paris', 'Mars/Olympus', 'Etc/GMT+14', ''), text),
      parameters: jsonish,
      scope: fc.oneof(fc.record({ catalogs: fc.array(text, { maxLength: 3 }) }, { requiredKeys: [] }), jsonish),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      scope: fc.oneof(
        fc.record(
          {
            catalogs: fc.oneof(
              fc.array(fc.oneof(fc.constantFrom('sales', 'weather'), text), { maxLength: 3 }),
              jsonish,
            ),
            schemas: fc.oneof(fc.array(text, { maxLength: 3 }), jsonish),
          },
          { requiredKeys: [] },
        ),
        jsonish,
      ),
      includeRefresh: fc.oneof(fc.boolean(), jsonish),
    },
    { requiredKeys: [] },
  ),
);

/** Raw request bodies: JSON text of the above, prototype pollution, malformed JSON, huge, deep. */
const rawBody = fc.oneof(
  { weight: 4, arbitrary: nearlyValidBodies.map((b) => JSON.stringify(b)) },
  { weight: 3, arbitrary: jsonish.map((b) => JSON.stringify(b) ?? 'null') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"__proto__": {"polluted": "yes"}, "dataset": "forecasts_append"}',
      '{"dataset": "forecasts_append", "parameters": {"__proto__": {"polluted": "yes"}}}',
      '{"constructor": {"prototype": {"polluted": "yes"}}}',
      '{"kind": "sync", "dataset": "typed", "every": 60000, "parameters": {"__proto__": {"x": 1}}}',
      '{"scope": {"__proto__": {"catalogs": ["sales"]}}}',
      '{"dataset": "forecasts_append", "dataset": "typed"}',
      '',
      '{',
      '{"a":}',
      'null',
      '[]',
      '"string"',
      '\u0000',
      '{"dataset": "\\ud800"}',
      '{"dataset": "forecasts_append", "parameters": {"forecast_date": "2024-02-30"}}',
      '{"dataset": "typed", "parameters": {"code": "ABCD", "batch": 1.5, "ratio": 1e999}}',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 60_000, max: 200_000 }).map((n) => JSON.stringify({ dataset: 'x'.repeat(n) })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 5_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 100, max: 2_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  },
);

/** A header value fetch can send: visible Latin-1 without CR/LF/NUL. */
const headerValue = fc.oneof(
  fc.constantFrom('', ' ', 'x', 'Bearer', 'Bearer ', 'Basic Og==', 'bearer  token', '__proto__', 'null'),
  fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,300}$/),
  fc.string({ unit: fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
);

const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=utf-16',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    'application/vnd.api+json',
    'application/JSON',
  ),
  headerValue,
);

const queryString = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(
          'limit',
          'status',
          'dataset',
          'cursor',
          'format',
          '__proto__',
          'constructor',
          'limit[]',
          'a[b]',
        ),
        text,
      ),
      fc.oneof(
        fc.constantFrom('0', '1', '200', '201', '-5', '1.5', '1e3', 'NaN', 'sql', 'json', 'xml', 'failed', ''),
        fc.constantFrom(Buffer.from('999:sync_01ARZ3NDEKTSV4RRFFQ69G5FAV').toString('base64url'), 'Zm9v'),
        text,
      ),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs).toString()}` : ''));

/** A token with only the `read` scope: what a status dashboard gets. */
const READ_ONLY_TOKEN = 'fuzz-reader-token-5d0c8e21';

/** Routes served without a token: health checks and the web page's static files (it asks for the token itself). */
const PUBLIC_ROUTES = ['/healthz', '/readyz', '/', '/ui'];

interface Route {
  method: string;
  url: string;
}

describe(`API fuzzing (seed ${SEED}, ${RUNS} runs a property, ${RUNS_PER_ROUTE} a route)`, () => {
  let stack: Stack;
  let routes: Route[];
  const existing: { syncId: string; failedSyncId?: string } = { syncId: '' };

  beforeAll(async () => {
    stack = await startStack({
      redisUrl: inject('redisUrl'),
      label: 'fuzz',
      datasetsYaml: `${APPEND_AND_REPLACE}${TYPED_DATASET}`,
      mirrorYaml: MIRROR_YAML,
      logLevel: 'fatal',
      extraApiTokens: [`reader:read:${READ_ONLY_TOKEN}`],
    });
    const registered = Object.getOwnPropertySymbols(stack.app).find((s) => s.description === 'd2s.registeredRoutes');
    routes = [...((registered ? (stack.app as any)[registered] : []) as Route[])];
    // Known things to aim at: a sync, a sync schedule and a mirror schedule.
    const created = await stack.request('POST', '/v1/syncs', { dataset: 'forecasts_append' });
    expect(created.status).toBe(202);
    existing.syncId = created.body.id;
    expect(
      (await stack.request('PUT', '/v1/schedules/nightly-sync', { kind: 'sync', dataset: 'typed', cron: '0 3 * * *' }))
        .status,
    ).toBe(200);
    expect(
      (await stack.request('PUT', '/v1/schedules/nightly-mirror', { kind: 'mirror', every: 3_600_000 })).status,
    ).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  /** Everything a refused request must leave alone. */
  const snapshot = async () => {
    const keys = syncKeys(stack.prefix);
    const counts = await Promise.all(
      Object.values(stack.queues).map(async (q) => ({
        jobs: await q.getJobCounts(),
        schedulers: (await q.getJobSchedulers()).map((s) => JSON.stringify(s)).sort(),
      })),
    );
    return { counts, index: await stack.testRedis.zcard(keys.index) };
  };

  const check = async (request: { method: string; path: string; headers: Record<string, string>; body?: string }) => {
    const before = await snapshot();
    const response = await fetch(`${stack.api}${request.path}`, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    const body = await response.text();
    const where = `${request.method} ${request.path.slice(0, 300)} → ${response.status} ${body.slice(0, 500)}`;
    expect(response.status, where).toBeLessThan(500);
    if (response.status >= 400 && request.method !== 'HEAD') {
      expect(response.headers.get('content-type'), where).toMatch(/^application\/json/);
      const parsed = JSON.parse(body);
      expect(parsed, where).toMatchObject({ error: { code: expect.stringMatching(/^[A-Z][A-Z0-9_]+$/) } });
      expect(typeof parsed.error.message, where).toBe('string');
    }
    if (response.status >= 400) expect(await snapshot(), where).toEqual(before);
    // No request pollutes the server's prototypes (the test shares the process with the API).
    expect(({} as Record<string, unknown>).polluted, where).toBeUndefined();
    expect(({} as Record<string, unknown>).x, where).toBeUndefined();
    return response.status;
  };

  it('registers the routes it fuzzes', () => {
    const v1 = routes.filter((r) => r.url.startsWith('/v1/')).map((r) => `${r.method} ${r.url}`);
    expect(v1).toEqual(
      expect.arrayContaining([
        'POST /v1/syncs',
        'GET /v1/syncs',
        'GET /v1/syncs/:id',
        'POST /v1/syncs/:id/cancel',
        'POST /v1/syncs/:id/retry',
        'GET /v1/syncs/:id/events',
        'GET /v1/datasets',
        'PUT /v1/schedules/:id',
        'GET /v1/schedules',
        'GET /v1/schedules/:id',
        'DELETE /v1/schedules/:id',
        'POST /v1/mirror/plan',
        'POST /v1/mirror/runs',
        'GET /v1/mirror/runs/:id',
        'GET /v1/mirror/tables',
      ]),
    );
  });

  // Found by the fuzzer below: Fastify's router (and Node's HTTP parser) answer these themselves, before any
  // hook or the error handler, with Fastify's own body ({"error": "Bad Request", "code": "FST_ERR_…",
  // "statusCode": …}, or no code at all for 431) instead of d2s's {"error": {"code", "message"}}. buildServer
  // needs Fastify's `frameworkErrors` (414, 400) and `clientErrorHandler` (431) options.
  it.each([
    [
      'a path parameter longer than 100 characters (FST_ERR_MAX_PARAM_LENGTH, 414)',
      `/v1/syncs/sync_${'A'.repeat(120)}`,
    ],
    ['a malformed percent-encoding (FST_ERR_BAD_URL, 400)', '/v1/syncs/%E0%A4%A'],
    ['a request line over 16 KiB (Node: 431)', `/v1/syncs?cursor=${'A'.repeat(17_000)}`],
  ])('answers %s with a coded JSON error', async (_what, path) => {
    const answer = await stack.request('GET', path);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body, answer.text).toMatchObject({
      error: { code: expect.stringMatching(/^[A-Z][A-Z0-9_]+$/), message: expect.any(String) },
    });
  });

  it('every route: no 5xx, coded JSON errors, nothing enqueued when refused', async () => {
    // d2s's own routes: the API, health, the OpenAPI document and the web page (Bull Board's are below).
    const targets = routes.filter((r) => !r.url.startsWith('/admin/queues') && !r.url.startsWith('/docs'));
    const statuses: Record<number, number> = {};
    const byRoute: Record<string, Record<number, number>> = {};
    // One property per route, each with its own runs: a route is never left to chance.
    for (const [index, target] of targets.entries()) {
      await fc.assert(
        fc.asyncProperty(
          fc.constant(target),
          fc.oneof(
            { weight: 4, arbitrary: text.map(encodeURIComponent) },
            { weight: 1, arbitrary: fc.constantFrom('existing', 'nightly-sync', 'nightly-mirror') },
            { weight: 1, arbitrary: fc.string({ minLength: 90, maxLength: 2_000 }).map(encodeURIComponent) },
            // Not valid percent-encoding, or decoding to something odd.
            {
              weight: 1,
              arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%2e%2e', '%252e', '%u0041', '%%'),
            },
          ),
          queryString,
          fc.record(
            {
              authorization: fc.oneof(
                { weight: 8, arbitrary: fc.constant('valid') },
                { weight: 2, arbitrary: headerValue },
              ),
              'content-type': contentType,
              'idempotency-key': headerValue,
              'x-request-id': headerValue,
              accept: fc.constantFrom('application/json', 'text/event-stream', '*/*', 'text/html'),
            },
            { requiredKeys: ['authorization'] },
          ),
          rawBody,
          async (route, param, query, headers, body) => {
            let segment = param === 'existing' ? existing.syncId : param;
            // An open event stream of a live sync only ends with the sync; this stack runs no workers.
            if (route.url.endsWith('/events') && segment === existing.syncId) segment = 'sync_nope';
            const path = route.url.replace(/:[A-Za-z]+/g, () => segment) + query;
            const sent: Record<string, string> = { ...headers } as Record<string, string>;
            sent.authorization =
              headers.authorization === 'valid' ? `Bearer ${stack.secrets.apiToken}` : headers.authorization;
            const withBody = !['GET', 'HEAD'].includes(route.method);
            const status = await check({
              method: route.method,
              path,
              headers: sent,
              ...(withBody ? { body } : {}),
            });
            statuses[status] = (statuses[status] ?? 0) + 1;
            const seen = (byRoute[`${route.method} ${route.url}`] ??= {});
            seen[status] = (seen[status] ?? 0) + 1;
          },
        ),
        { numRuns: RUNS_PER_ROUTE, seed: SEED + index, endOnFailure: true },
      );
    }
    console.log(`API fuzz answers by status: ${JSON.stringify(statuses)}; by route: ${JSON.stringify(byRoute)}`);
    // Every route was tried as often as asked, and the fuzzer reached past validation too.
    expect(Object.keys(byRoute)).toHaveLength(targets.length);
    for (const [route, seen] of Object.entries(byRoute)) {
      expect(
        Object.values(seen).reduce((a, b) => a + b, 0),
        route,
      ).toBe(RUNS_PER_ROUTE);
    }
    expect(Object.keys(statuses).some((s) => Number(s) < 300)).toBe(true);
    expect(Object.keys(statuses).some((s) => Number(s) === 400)).toBe(true);
  }, 300_000);

  it('POST /v1/syncs and PUT /v1/schedules/:id with nearly valid bodies: accepted exactly or refused with no trace', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('sync', 'schedule-sync', 'schedule-mirror', 'schedule-new'),
        nearlyValidBodies,
        async (target, body) => {
          const path =
            target === 'sync'
              ? '/v1/syncs'
              : `/v1/schedules/${target === 'schedule-sync' ? 'nightly-sync' : target === 'schedule-mirror' ? 'nightly-mirror' : 'fuzz-new'}`;
          const method = target === 'sync' ? 'POST' : 'PUT';
          const before = await stack.queues.export.getJobCounts('waiting');
          const status = await check({
            method,
            path,
            headers: { authorization: `Bearer ${stack.secrets.apiToken}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          if (target === 'sync' && status === 202) {
            expect((await stack.queues.export.getJobCounts('waiting')).waiting).toBe((before.waiting ?? 0) + 1);
          }
        },
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, 180_000);

  it('unauthenticated requests to any route, Bull Board and the docs included, get a coded 401', async () => {
    await fc.assert(
      // Path parameters within Fastify's maxParamLength (longer ones are refused before auth: see the test below).
      fc.asyncProperty(fc.constantFrom(...routes), headerValue, text, async (route, authorization, segment) => {
        // fetch resolves `.` and `..` segments itself, into paths of routes that do not exist (404 before auth).
        if (encodeURIComponent(segment).length > 100 || segment === '.' || segment === '..') return;
        if (route.method === 'HEAD' || PUBLIC_ROUTES.some((p) => route.url === p || route.url.startsWith(`${p}/`)))
          return;
        const path = route.url.replace(/:[A-Za-z]+/g, () => encodeURIComponent(segment)).replace('*', 'x');
        const headers: Record<string, string> =
          authorization === '' || authorization === stack.secrets.apiToken ? {} : { authorization };
        const response = await fetch(`${stack.api}${path}`, { method: route.method, headers });
        const body = await response.text();
        const where = `${route.method} ${path} (${authorization}) → ${response.status} ${body.slice(0, 300)}`;
        expect(response.status, where).toBe(401);
        expect(JSON.parse(body), where).toMatchObject({
          error: { code: expect.stringMatching(/^(UNAUTHENTICATED|INVALID_TOKEN)$/) },
        });
      }),
      { numRuns: 150, seed: SEED, endOnFailure: true },
    );
  }, 120_000);
  it('a read-only token gets a coded 403 on every route that changes something, and changes nothing', async () => {
    const mutating = routes.filter(
      (r) =>
        ['POST', 'PUT', 'DELETE'].includes(r.method) &&
        (r.url.startsWith('/v1/') || r.url === '/metrics') &&
        // Minting a stream token is a read: it opens a sync's events, which this token may read anyway.
        !r.url.endsWith('/events/token'),
    );
    expect(mutating.length).toBeGreaterThan(5);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...mutating), text, async (route, segment) => {
        if (encodeURIComponent(segment).length > 100 || segment === '.' || segment === '..') return;
        const path = route.url.replace(/:[A-Za-z]+/g, () => encodeURIComponent(segment));
        const before = await snapshot();
        const response = await fetch(`${stack.api}${path}`, {
          method: route.method,
          headers: { authorization: `Bearer ${READ_ONLY_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ dataset: 'forecasts_append', kind: 'mirror', every: 3_600_000 }),
        });
        const body = await response.text();
        const where = `${route.method} ${path} → ${response.status} ${body.slice(0, 300)}`;
        expect(response.status, where).toBe(403);
        expect(JSON.parse(body), where).toMatchObject({ error: { code: 'INSUFFICIENT_SCOPE' } });
        expect(await snapshot(), where).toEqual(before);
      }),
      { numRuns: 60, seed: SEED, endOnFailure: true },
    );
  }, 120_000);

  it('a refused PUT /v1/schedules/:id leaves the existing schedule of that id alone', async () => {
    expect((await stack.request('PUT', '/v1/schedules/keep-me', { kind: 'mirror', every: 60_000 })).status).toBe(200);
    // Valid for zod, refused by BullMQ's cron parser: 400 INVALID_SCHEDULE ...
    const refused = await stack.request('PUT', '/v1/schedules/keep-me', {
      kind: 'sync',
      dataset: 'forecasts_append',
      cron: '61 * * * *',
    });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'INVALID_SCHEDULE' } });
    // ... and the mirror schedule it would have replaced is still there.
    const kept = await stack.request('GET', '/v1/schedules/keep-me');
    expect(kept.status, kept.text).toBe(200);
    expect(kept.body).toMatchObject({ id: 'keep-me', kind: 'mirror', every: 60_000 });
  });

  it('Bull Board (read-only) with a valid token: no 5xx and no change to any queue', async () => {
    const board = routes.filter((r) => r.url.startsWith('/admin/queues/api/'));
    const state = async () =>
      Promise.all(
        Object.values(stack.queues).map(async (q) => ({
          counts: await q.getJobCounts(),
          paused: await q.isPaused(),
          concurrency: await q.getGlobalConcurrency(),
          job: JSON.stringify((await q.getJob(existing.syncId))?.data ?? null),
        })),
      );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...board),
        fc.record({
          queueName: fc.oneof(fc.constantFrom('export', 'import', 'mirror'), text),
          jobId: fc.oneof(fc.constant(existing.syncId), text),
          queueStatus: fc.oneof(fc.constantFrom('waiting', 'failed', 'completed', 'delayed', 'active'), text),
          schedulerId: fc.oneof(fc.constantFrom('nightly-sync', 'nightly-mirror'), text),
        }),
        fc.oneof(nearlyValidBodies, jsonish, fc.record({ jobData: jsonish, delay: jsonish, priority: jsonish })),
        async (route, params, body) => {
          const before = await state();
          const path = route.url.replace(/:([A-Za-z]+)/g, (_m, name: keyof typeof params) =>
            encodeURIComponent(params[name] === 'existing' ? existing.syncId : params[name]).slice(0, 100),
          );
          const withBody = !['GET', 'HEAD'].includes(route.method);
          const response = await fetch(`${stack.api}${path}`, {
            method: route.method,
            headers: {
              authorization: `Bearer ${stack.secrets.apiToken}`,
              ...(withBody ? { 'content-type': 'application/json' } : {}),
            },
            ...(withBody ? { body: JSON.stringify(body) ?? 'null' } : {}),
          });
          const text = await response.text();
          const where = `${route.method} ${path} → ${response.status} ${text.slice(0, 300)}`;
          expect(response.status, where).toBeLessThan(500);
          expect(await state(), where).toEqual(before);
        },
      ),
      { numRuns: 150, seed: SEED, endOnFailure: true },
    );
  }, 120_000);
});
