import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestEmulator, type TestEmulator } from '../test-support/harness.js';
import { testFixture } from '../test-support/test-fixture.js';

describe('fault injection', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    const fixture = testFixture();
    fixture.faults = { http: [{ route: 'unity-catalog/catalogs', status: 503, count: 1 }] };
    emu = await startTestEmulator({ fixture, timeScale: 0.1 });
  });
  afterAll(() => emu.stop());

  it('applies faults declared in the fixture', async () => {
    const first = await api(emu, 'GET', '/api/2.1/unity-catalog/catalogs');
    expect(first.status).toBe(503);
    expect(first.body).toEqual({
      error_code: 'TEMPORARILY_UNAVAILABLE',
      message: 'The service is temporarily unavailable. Please try again later.',
    });
    expect((await api(emu, 'GET', '/api/2.1/unity-catalog/catalogs')).status).toBe(200);
  });

  it('answers the next N requests to a route with 429 + Retry-After, then recovers', async () => {
    const added = await api(emu, 'POST', '/__emulator/faults/http', {
      token: null,
      body: { route: 'jobs/runs/get', status: 429, retry_after_seconds: 2, count: 2 },
    });
    expect(added.status).toBe(200);
    const runId = (await api(emu, 'POST', '/api/2.2/jobs/run-now', { body: { job_id: 1002 } })).body.run_id;
    for (let i = 0; i < 2; i++) {
      const res = await api(emu, 'GET', `/api/2.2/jobs/runs/get?run_id=${runId}`);
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBe('2');
      expect(res.body).toEqual({
        error_code: 'RESOURCE_EXHAUSTED',
        message: 'Too many requests. Please wait a moment and try again.',
      });
    }
    expect((await api(emu, 'GET', `/api/2.2/jobs/runs/get?run_id=${runId}`)).status).toBe(200);
    expect((await api(emu, 'GET', '/__emulator/faults', { token: null })).body.http).toEqual([]);
    const log = emu.requestLog.entries({ route: 'jobs/runs/get' });
    expect(log.map((e) => e.status)).toEqual([429, 429, 200]);
    expect(log[0]?.fault).toMatch(/^#\d+$/);
  });

  it('can lose the response after the work is done (run-now created the run), and the token dedupes the retry', async () => {
    emu.admin.addHttpFault({ route: 'jobs/run-now', status: 503, count: 1, when: 'after' });
    const body = { job_id: 1002, idempotency_token: 'lost-response' };
    const lost = await api(emu, 'POST', '/api/2.2/jobs/run-now', { body });
    expect(lost.status).toBe(503);
    const retry = await api(emu, 'POST', '/api/2.2/jobs/run-now', { body });
    expect(retry.status).toBe(200);
    expect(emu.admin.runs().filter((r) => r.idempotency_token === 'lost-response')).toHaveLength(1);
    const calls = emu.requestLog
      .entries({ route: 'jobs/run-now' })
      .filter((e) => e.idempotencyToken === 'lost-response');
    expect(calls.map((e) => e.status)).toEqual([503, 200]);
  });

  it('adds latency without failing, matched by method', async () => {
    emu.admin.addHttpFault({ route: '*', method: 'GET', latency_ms: 30, count: 1 });
    const res = await api(emu, 'GET', '/api/2.1/unity-catalog/catalogs');
    expect(res.status).toBe(200);
    const entry = emu.requestLog.entries({ route: 'unity-catalog/catalogs' }).at(-1);
    expect(entry?.fault).toBeDefined();
  });

  it('serves, filters and clears the request log over HTTP; admin requests are not logged', async () => {
    const log = await api(emu, 'GET', '/__emulator/requests?route=jobs/run-now', { token: null });
    expect(log.body.requests.length).toBeGreaterThan(0);
    expect(log.body.requests[0]).toMatchObject({
      method: 'POST',
      path: '/api/2.2/jobs/run-now',
      route: 'jobs/run-now',
    });
    expect(typeof log.body.requests[0].time).toBe('number');
    await api(emu, 'DELETE', '/__emulator/requests', { token: null });
    expect((await api(emu, 'GET', '/__emulator/requests', { token: null })).body.requests).toEqual([]);
  });

  it('changes settings at run time and resets to the fixture', async () => {
    const patched = await api(emu, 'PATCH', '/__emulator/settings', { token: null, body: { empty_page_every: 2 } });
    expect(patched.body.empty_page_every).toBe(2);
    const page1 = await api(
      emu,
      'GET',
      '/api/2.1/unity-catalog/tables?catalog_name=main&schema_name=big&max_results=5',
    );
    const page2 = await api(
      emu,
      'GET',
      `/api/2.1/unity-catalog/tables?catalog_name=main&schema_name=big&max_results=5&page_token=${page1.body.next_page_token}`,
    );
    expect(page2.body.tables).toEqual([]);
    expect(page2.body.next_page_token).toBeDefined();
    emu.admin.dropTable('main.mixed.uni');
    await api(emu, 'POST', '/__emulator/reset', { token: null });
    expect(emu.admin.settings().empty_page_every).toBe(3);
    expect(emu.admin.runs()).toEqual([]);
    expect((await api(emu, 'GET', '/api/2.1/unity-catalog/tables/main.mixed.uni')).status).toBe(200);
    // the fixture's 503 is back after reset
    expect((await api(emu, 'GET', '/api/2.1/unity-catalog/catalogs')).status).toBe(503);
  });
});
