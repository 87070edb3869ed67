import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestEmulator, type TestEmulator } from '../../test-support/harness.js';
import { testFixture } from '../../test-support/test-fixture.js';
import { ManualClock } from '../clock.js';
import { validateFixture } from '../fixture.js';

/*
 * Edges every Databricks client meets besides the happy path:
 * - per-endpoint request rates: Databricks' "Resource limits" page lists API rate limits in requests per second
 *   per workspace (https://docs.databricks.com/aws/en/resources/limits); a refused call is HTTP 429 with
 *   error_code RESOURCE_EXHAUSTED "Too many requests. Please wait a moment and try again." (body quoted in
 *   ecmwf/WeatherGenerator#1482) and the SDKs read Retry-After on 429 (databricks-sdk-py _base_client.py);
 * - 5xx pages from the proxy in front of the workspace: the official SDKs' error parsers accept an HTML body and
 *   read its `<pre>` block or fall back to the reason phrase (databricks-sdk-py errors/parser.py,
 *   databricks-sdk-go apierr/errors.go; summarized in /work/shared/reference/databricks-apis.md §1.7).
 */
const UC = '/api/2.1/unity-catalog';

describe('per-endpoint rate limits and proxy error pages', () => {
  let emu: TestEmulator;
  const clock = new ManualClock();
  beforeAll(async () => {
    emu = await startTestEmulator({
      fixture: { ...testFixture(), rate_limits: { 'unity-catalog/tables': 3 } },
      clock,
    });
  });
  afterAll(() => emu.stop());

  it('answers 429 with Retry-After once a route exceeds its rate, and admits again after the window', async () => {
    const path = `${UC}/tables?catalog_name=main&schema_name=mixed`;
    for (let i = 0; i < 3; i++) expect((await api(emu, 'GET', path)).status).toBe(200);
    clock.advance(400);
    const refused = await api(emu, 'GET', path);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error_code: 'RESOURCE_EXHAUSTED',
      message: 'Too many requests. Please wait a moment and try again.',
    });
    expect(refused.headers['retry-after']).toBe('1');
    // Other routes have their own budget (or none).
    expect((await api(emu, 'GET', `${UC}/schemas?catalog_name=main`)).status).toBe(200);
    clock.advance(700);
    expect((await api(emu, 'GET', path)).status).toBe(200);
    expect(emu.requestLog.entries({ route: 'unity-catalog/tables' }).filter((e) => e.rateLimited)).toHaveLength(1);
  });

  it('changes limits at run time and refuses nonsense', async () => {
    emu.admin.setRateLimits({});
    for (let i = 0; i < 6; i++) {
      expect((await api(emu, 'GET', `${UC}/tables?catalog_name=main&schema_name=mixed`)).status).toBe(200);
    }
    expect(() => emu.admin.setRateLimits({ 'jobs/run-now': 0 })).toThrow(/requests per second >= 1/);
    const res = await api(emu, 'PUT', '/__emulator/rate-limits', { body: { 'unity-catalog/tables': 'many' } });
    expect(res.status).toBe(400);
  });

  it('answers a 502/503 fault with a proxy HTML page, not JSON', async () => {
    emu.admin.addHttpFault({ route: 'unity-catalog/catalogs', status: 502, html: true, count: 1 });
    const res = await request(`${emu.url}${UC}/catalogs`, { headers: { authorization: 'Bearer dapi-test-token' } });
    expect(res.statusCode).toBe(502);
    expect(res.headers['content-type']).toBe('text/html');
    const page = await res.body.text();
    expect(page).toContain('<title>502 Bad Gateway</title>');
    expect(page).not.toContain('error_code');
    emu.admin.addHttpFault({
      route: 'unity-catalog/catalogs',
      status: 503,
      html: true,
      retry_after_seconds: 2,
      count: 1,
    });
    const busy = await request(`${emu.url}${UC}/catalogs`, { headers: { authorization: 'Bearer dapi-test-token' } });
    expect(busy.statusCode).toBe(503);
    expect(busy.headers['retry-after']).toBe('2');
    expect(await busy.body.text()).toContain('503 Service Temporarily Unavailable');
    expect((await api(emu, 'GET', `${UC}/catalogs`)).status).toBe(200);
    expect(() =>
      validateFixture({ ...testFixture(), faults: { http: [{ route: '*', status: 429, html: true }] } }),
    ).toThrow(/needs a 5xx status/);
  });
});
