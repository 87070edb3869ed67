import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Secret } from '../secret.js';
import { DatabricksAuthError, DatabricksError, DatabricksNetworkError, DatabricksRateLimitError } from './errors.js';
import { DatabricksHttpClient, type DatabricksRequestEvent, type HttpClientOptions } from './http-client.js';
import { FakeClock } from '@d2s/testkit/fake-clock';
import { json, type ScriptedHandler, startScriptedServer } from '@d2s/testkit/scripted-http-server';

const PAT = 'dapi-super-secret-token';
let cleanup: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function setup(handler: ScriptedHandler, overrides: Partial<HttpClientOptions> = {}) {
  const server = await startScriptedServer(handler);
  const clock = new FakeClock();
  const events: DatabricksRequestEvent[] = [];
  const logLines: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
  const http = new DatabricksHttpClient({
    host: server.url,
    auth: { kind: 'pat', token: new Secret(PAT) },
    requestTimeoutMs: 2_000,
    retryBudgetMs: 60_000,
    maxConcurrentRequests: 4,
    maxRequestsPerSecond: 1_000,
    backoff: { baseDelayMs: 500, maxDelayMs: 20_000 },
    userAgent: 'd2s-test',
    clock,
    random: () => 0.5,
    logger,
    onRequest: (event) => events.push(event),
    ...overrides,
  });
  cleanup.push(
    () => server.close(),
    () => http.close(),
  );
  return { server, http, clock, events, logLines };
}

const get = { method: 'GET', endpoint: 'jobs/runs/get', path: '/api/2.2/jobs/runs/get', idempotent: true } as const;
const unsafePost = {
  method: 'POST',
  endpoint: 'test/create',
  path: '/api/2.0/test/create',
  idempotent: false,
} as const;

describe('DatabricksHttpClient', () => {
  it('sends the bearer token, JSON body, encoded query and user agent', async () => {
    const { http, server } = await setup((_req, res) => json(res, 200, { ok: true }));
    const result = await http.request<{ ok: boolean }>({
      ...unsafePost,
      query: { run_id: 5, page_token: 'a b&c', skip: undefined, flag: true },
      body: { x: 1 },
    });
    expect(result).toEqual({ ok: true });
    const [request] = server.requests;
    expect(request?.headers.authorization).toBe(`Bearer ${PAT}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['user-agent']).toBe('d2s-test');
    expect(request?.url).toBe('/api/2.0/test/create?run_id=5&page_token=a+b%26c&flag=true');
    expect(JSON.parse(request?.body ?? '')).toEqual({ x: 1 });
  });

  it('keeps a path prefix of the host', async () => {
    const server = await startScriptedServer((_req, res) => json(res, 200, {}));
    const http = new DatabricksHttpClient({
      host: `${server.url}/proxy/`,
      auth: { kind: 'pat', token: new Secret(PAT) },
      requestTimeoutMs: 1_000,
      retryBudgetMs: 1_000,
      maxConcurrentRequests: 1,
      maxRequestsPerSecond: 10,
      backoff: { baseDelayMs: 1, maxDelayMs: 1 },
      userAgent: 'x',
      clock: new FakeClock(),
      random: () => 0,
    });
    cleanup.push(
      () => server.close(),
      () => http.close(),
    );
    await http.request(get);
    expect(server.requests[0]?.url).toBe('/proxy/api/2.2/jobs/runs/get');
  });

  it('retries a connection reset on an idempotent GET', async () => {
    const { http, server, events, clock } = await setup((_req, res, index) => {
      if (index === 0) res.socket?.destroy();
      else json(res, 200, { run_id: 1 });
    });
    expect(await http.request(get)).toEqual({ run_id: 1 });
    expect(server.requests).toHaveLength(2);
    expect(events.map((e) => [e.status, e.attempt])).toEqual([
      ['network-error', 1],
      [200, 2],
    ]);
    expect(clock.sleeps).toEqual([250]);
  });

  it('does not retry a reset of a non-idempotent POST: it may have been processed', async () => {
    const { http, server } = await setup((_req, res) => res.socket?.destroy());
    const error = await http.request(unsafePost).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabricksNetworkError);
    expect((error as DatabricksError).retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a 503 of a non-idempotent POST, but does retry its 429', async () => {
    const unavailable = await setup((_req, res) =>
      json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'x' }),
    );
    const error = (await unavailable.http.request(unsafePost).catch((e: unknown) => e)) as DatabricksError;
    expect(error.status).toBe(503);
    expect(error.retryable).toBe(false);
    expect(unavailable.server.requests).toHaveLength(1);

    const limited = await setup((_req, res, index) =>
      index === 0
        ? json(res, 429, { error_code: 'RESOURCE_EXHAUSTED', message: 'slow down' }, { 'retry-after': '3' })
        : json(res, 200, {}),
    );
    await limited.http.request(unsafePost);
    expect(limited.server.requests).toHaveLength(2);
    expect(limited.clock.sleeps).toEqual([3_150]);
  });

  it('retries 503 with exponential backoff and full jitter until it succeeds', async () => {
    const { http, clock, events } = await setup((_req, res, index) =>
      index < 3
        ? json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' })
        : json(res, 200, { ok: 1 }),
    );
    expect(await http.request(get)).toEqual({ ok: 1 });
    expect(clock.sleeps).toEqual([250, 500, 1_000]);
    expect(events.map((e) => e.errorCode)).toEqual([
      'TEMPORARILY_UNAVAILABLE',
      'TEMPORARILY_UNAVAILABLE',
      'TEMPORARILY_UNAVAILABLE',
      undefined,
    ]);
  });

  it('honours Retry-After as an HTTP date and the RetryInfo detail', async () => {
    const { http, clock } = await setup((_req, res, index) => {
      if (index === 0) {
        const at = new Date(clock.now() + 5_000).toUTCString();
        json(res, 429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'x' }, { 'retry-after': at });
      } else if (index === 1) {
        json(res, 503, {
          error_code: 'TEMPORARILY_UNAVAILABLE',
          message: 'x',
          details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retry_delay: '2s' }],
        });
      } else json(res, 200, {});
    });
    await http.request(get);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(4_000); // whole seconds in the date
    expect(clock.sleeps[0]).toBeLessThanOrEqual(6_000);
    expect(clock.sleeps[1]).toBe(2_100);
  });

  it('gives up within the retry budget and says so', async () => {
    const { http, server, clock } = await setup(
      (_req, res) => json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'down' }),
      {
        retryBudgetMs: 3_000,
      },
    );
    const error = (await http.request(get).catch((e: unknown) => e)) as DatabricksError;
    expect(error).toBeInstanceOf(DatabricksError);
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({ attempts: 4, retryBudgetExhausted: true, status: 503 });
    // 250 + 500 + 1000 = 1750 slept; the next wait (2000) would end past the 3000 ms budget.
    expect(clock.sleeps).toEqual([250, 500, 1_000]);
    expect(server.requests).toHaveLength(4);
  });

  it('does not wait for a Retry-After longer than the budget: it throws it back for the caller to reschedule', async () => {
    const { http, server, clock } = await setup(
      (_req, res) => json(res, 429, { error_code: 'RESOURCE_EXHAUSTED', message: 'later' }, { 'retry-after': '600' }),
      { retryBudgetMs: 10_000 },
    );
    const error = (await http.request(get).catch((e: unknown) => e)) as DatabricksRateLimitError;
    expect(error).toBeInstanceOf(DatabricksRateLimitError);
    expect(error.retryAfterMs).toBe(600_000);
    expect(error.retryable).toBe(true);
    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('gives back a Retry-After longer than the caller’s maxRetryWaitMs, even within the budget', async () => {
    // The export worker's case: 503 + Retry-After: 50 on a run poll must not hold a worker slot for 50 s.
    const { http, server, clock } = await setup((_req, res) =>
      json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }, { 'retry-after': '50' }),
    );
    const error = (await http.request({ ...get, maxRetryWaitMs: 2_000 }).catch((e: unknown) => e)) as DatabricksError;
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(50_000);
    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('still retries short waits within maxRetryWaitMs', async () => {
    let calls = 0;
    const { http, server } = await setup((_req, res) =>
      ++calls < 3
        ? json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }, { 'retry-after': '1' })
        : json(res, 200, { ok: true }),
    );
    await expect(http.request({ ...get, maxRetryWaitMs: 2_000 })).resolves.toEqual({ ok: true });
    expect(server.requests).toHaveLength(3);
  });

  it.each([400, 403, 404, 409, 500])('does not retry HTTP %i', async (status) => {
    const { http, server } = await setup((_req, res) => json(res, status, { error_code: 'X', message: 'no' }));
    const error = (await http.request(get).catch((e: unknown) => e)) as DatabricksError;
    expect(error.status).toBe(status);
    expect(error.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a PAT 401 and never reveals the token', async () => {
    const { http, server, logLines } = await setup((_req, res) =>
      json(res, 401, { error_code: 'UNAUTHENTICATED', message: 'Invalid access token.' }),
    );
    const error = (await http.request(get).catch((e: unknown) => e)) as DatabricksAuthError;
    expect(error).toBeInstanceOf(DatabricksAuthError);
    expect(server.requests).toHaveLength(1);
    const everything = [error.message, JSON.stringify(error), String(error.stack), ...logLines].join('\n');
    expect(everything).not.toContain(PAT);
  });

  it('times out a stalled request and retries it (idempotent)', async () => {
    const { http, server, events } = await setup(
      (_req, res, index) => {
        if (index === 0) return; // never answer
        json(res, 200, { late: false });
      },
      { requestTimeoutMs: 150 },
    );
    expect(await http.request(get)).toEqual({ late: false });
    expect(server.requests).toHaveLength(2);
    expect(events[0]).toMatchObject({ status: 'network-error', errorCode: 'TIMEOUT', attempt: 1 });
  });

  it('stops at once when the caller aborts, even between retries', async () => {
    const controller = new AbortController();
    const { http, server } = await setup((_req, res) => {
      controller.abort(new Error('sync canceled'));
      json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'x' });
    });
    await expect(http.request({ ...get, signal: controller.signal })).rejects.toThrow('sync canceled');
    expect(server.requests).toHaveLength(1);
  });

  it('logs retries at debug level without headers or tokens', async () => {
    const { http, logLines } = await setup((_req, res, index) =>
      index === 0 ? json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'x' }) : json(res, 200, {}),
    );
    await http.request(get);
    expect(logLines.some((line) => line.includes('retrying Databricks request'))).toBe(true);
    expect(logLines.join('')).not.toContain(PAT);
    expect(logLines.join('').toLowerCase()).not.toContain('authorization');
  });

  it('reports a 2xx body that is not JSON as a non-retryable bad response', async () => {
    const { http } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });
    await expect(http.request(get)).rejects.toMatchObject({ code: 'DATABRICKS_BAD_RESPONSE', retryable: false });
  });

  it('survives an onRequest hook that throws', async () => {
    const { http } = await setup((_req, res) => json(res, 200, { fine: true }), {
      onRequest: () => {
        throw new Error('metrics broke');
      },
    });
    expect(await http.request(get)).toEqual({ fine: true });
  });

  it('refuses a host that is not an http(s) URL', () => {
    const base = {
      auth: { kind: 'pat', token: new Secret(PAT) },
      requestTimeoutMs: 1,
      retryBudgetMs: 1,
      maxConcurrentRequests: 1,
      maxRequestsPerSecond: 1,
      backoff: { baseDelayMs: 1, maxDelayMs: 1 },
      userAgent: 'x',
      clock: new FakeClock(),
      random: () => 0,
    } as const;
    expect(() => new DatabricksHttpClient({ ...base, host: 'not a url' })).toThrow(/not a valid URL/);
    expect(() => new DatabricksHttpClient({ ...base, host: 'ftp://example.com' })).toThrow(/http\(s\)/);
  });
});
