/**
 * Edges a Databricks client meets, against the emulator over loopback: listings whose pages are empty but still
 * carry a token and whose last page ends with `"next_page_token": ""`, a workspace's per-endpoint rate limit
 * (429 + Retry-After, not an injected fault), and 5xx HTML pages from the proxy in front of the workspace.
 * Emulator and client share one fake clock, so waiting out a Retry-After moves the emulator's window too.
 *
 * Sources: "A page may contain zero results while still providing a next_page_token. Clients must continue
 * reading pages until next_page_token is absent" (TablesAPI.list docstring, databricks-sdk-py
 * databricks/sdk/service/catalog.py); an empty token ends a listing (databricks-sdk-java PR #343 "Stop
 * pagination on empty next page token"); unlike @databricks/sdk-experimental's iterators, which stop at the
 * first empty page, d2s keeps reading. HTML error bodies: /work/shared/reference/databricks-apis.md §1.7.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type DatabricksFixture,
  type RunningDatabricksEmulator,
  startDatabricksEmulator,
} from '@d2s/databricks-emulator';
import { Secret } from '../secret.js';
import { FakeClock } from '@d2s/testkit/fake-clock';
import { createDatabricksClient, type DatabricksClient, type DatabricksClientConfig } from './client.js';
import { DatabricksError } from './errors.js';

const PAT = 'dapi-edges-token';
const columns = [{ name: 'id', type: 'BIGINT' as const }];

const fixture: DatabricksFixture = {
  auth: { personal_access_tokens: [{ token: PAT }], oauth_clients: [] },
  settings: {
    list_default_page_size: 2,
    list_page_size_cap: 2,
    empty_page_every: 2,
    empty_string_last_page_token: true,
  },
  rate_limits: { 'unity-catalog/tables': 2 },
  jobs: [],
  catalogs: [
    {
      name: 'main',
      schemas: [{ name: 'wide', generated_tables: { count: 9, name_prefix: 't_', formats: ['delta'], columns } }],
    },
  ],
};

const clock = new FakeClock();
let emulator: RunningDatabricksEmulator;
let objectStoreRoot: string;
const clients: DatabricksClient[] = [];

beforeAll(async () => {
  objectStoreRoot = await mkdtemp(join(tmpdir(), 'd2s-dbx-edges-'));
  emulator = await startDatabricksEmulator({ port: 0, fixture, objectStoreRoot, clock });
});
afterAll(async () => {
  await emulator?.close();
  if (objectStoreRoot) await rm(objectStoreRoot, { recursive: true, force: true });
});
beforeEach(async () => {
  await emulator.admin.reset();
  clock.sleeps.length = 0;
  clock.advance(60_000); // a fresh rate-limit window
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

function connect(overrides: Partial<DatabricksClientConfig> = {}): DatabricksClient {
  const client = createDatabricksClient(
    {
      host: emulator.url,
      auth: { kind: 'pat', token: new Secret(PAT) },
      requestTimeoutMs: 5_000,
      retryBudgetMs: 60_000,
      maxConcurrentRequests: 4,
      maxRequestsPerSecond: 1_000,
      ...overrides,
    },
    { clock, random: () => 0.5 },
  );
  clients.push(client);
  return client;
}

const statuses = (route: string) => emulator.admin.requests({ route }).map((r) => r.status);

describe('Unity Catalog listings at the edges', () => {
  it('reads through empty pages and stops at an empty-string token, waiting out the rate limit', async () => {
    const client = connect();
    const tables = await client.unityCatalog.listTables('main', 'wide');
    expect(tables.map((t) => t.name)).toEqual(
      Array.from({ length: 9 }, (_, i) => `t_${String(i + 1).padStart(3, '0')}`),
    );
    // 9 tables, 2 a page, every 2nd page empty: 9 pages; the workspace admits 2 a second, so some were refused
    // with 429 and retried after Retry-After (whole seconds), never given up.
    const seen = statuses('unity-catalog/tables');
    expect(seen.filter((s) => s === 200)).toHaveLength(9);
    expect(seen.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(seen.every((s) => s === 200 || s === 429)).toBe(true);
    expect(clock.sleeps.length).toBeGreaterThan(0);
    expect(clock.sleeps.every((ms) => ms >= 1_000)).toBe(true);
    const last = emulator.admin.requests({ route: 'unity-catalog/tables' }).at(-1);
    expect(last?.query.page_token).toBeDefined();
  });

  it('gives a rate limit past the budget back as a retryable error naming the wait', async () => {
    const client = connect({ retryBudgetMs: 500 });
    // Uses up this second's two admissions (a listing needs more pages than that, so it ends refused too).
    await client.unityCatalog.listTables('main', 'wide', { maxResults: 2 }).catch(() => undefined);
    const error = (await client.unityCatalog.listTables('main', 'wide').catch((e: unknown) => e)) as DatabricksError;
    expect(error).toBeInstanceOf(DatabricksError);
    expect(error).toMatchObject({ status: 429, errorCode: 'RESOURCE_EXHAUSTED', retryable: true });
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(1_000);
  });
});

describe('5xx pages from the proxy', () => {
  it('retries a 502 HTML page on a GET and then succeeds', async () => {
    const client = connect();
    emulator.admin.addHttpFault({ route: 'unity-catalog/catalogs', status: 502, html: true, count: 1 });
    const catalogs = await client.unityCatalog.listCatalogs();
    expect(catalogs.map((c) => c.name)).toEqual(['main']);
    expect(statuses('unity-catalog/catalogs')).toEqual([502, 200]);
  });

  it('reports a lasting 503 HTML page with the reason phrase and Retry-After, without the page itself', async () => {
    const client = connect({ retryBudgetMs: 3_000 });
    emulator.admin.addHttpFault({ route: 'unity-catalog/catalogs', status: 503, html: true, retry_after_seconds: 1 });
    const error = (await client.unityCatalog.listCatalogs().catch((e: unknown) => e)) as DatabricksError;
    expect(error).toBeInstanceOf(DatabricksError);
    expect(error).toMatchObject({ status: 503, retryable: true, retryAfterMs: 1_000 });
    expect(error.message).toContain('Service Unavailable');
    expect(error.message).not.toContain('<html>');
    expect(statuses('unity-catalog/catalogs').length).toBeGreaterThan(1);
  });

  it('does not retry a 500 HTML page', async () => {
    const client = connect();
    emulator.admin.addHttpFault({ route: 'unity-catalog/catalogs', status: 500, html: true, count: 1 });
    const error = (await client.unityCatalog.listCatalogs().catch((e: unknown) => e)) as DatabricksError;
    expect(error).toMatchObject({ status: 500, retryable: false });
    expect(error.message).toContain('Internal Server Error');
    expect(statuses('unity-catalog/catalogs')).toEqual([500]);
  });
});
