import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { Secret } from '../secret.js';
import { createDatabricksClient, type DatabricksClientConfig } from './client.js';
import { DatabricksError, DatabricksResponseError } from './errors.js';
import { FakeClock } from '@d2s/testkit/fake-clock';
import { json, type ScriptedHandler, startScriptedServer } from '@d2s/testkit/scripted-http-server';

const base: DatabricksClientConfig = {
  host: 'https://example.cloud.databricks.com',
  auth: { kind: 'pat', token: new Secret('dapi-x') },
  requestTimeoutMs: 30_000,
  retryBudgetMs: 120_000,
  maxConcurrentRequests: 16,
  maxRequestsPerSecond: 20,
};

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function clientAgainst(handler: ScriptedHandler) {
  const server = await startScriptedServer(handler);
  const client = createDatabricksClient({ ...base, host: server.url }, { clock: new FakeClock(), random: () => 0 });
  cleanup.push(
    () => server.close(),
    () => client.close(),
  );
  return { server, client };
}

describe('createDatabricksClient', () => {
  it('fails with a ConfigError when the host is missing', () => {
    expect(() => createDatabricksClient({ ...base, host: undefined })).toThrow(ConfigError);
    expect(() => createDatabricksClient({ ...base, host: undefined })).toThrow(/DATABRICKS_HOST/);
  });

  it('fails with a ConfigError when no credentials are configured', () => {
    expect(() => createDatabricksClient({ ...base, auth: { kind: 'none' } })).toThrow(ConfigError);
    expect(() => createDatabricksClient({ ...base, auth: { kind: 'none' } })).toThrow(/DATABRICKS_TOKEN/);
  });

  it('fails with a ConfigError on a bad host or limit', () => {
    expect(() => createDatabricksClient({ ...base, host: 'nope' })).toThrow(ConfigError);
    expect(() => createDatabricksClient({ ...base, maxRequestsPerSecond: 0 })).toThrow(ConfigError);
  });

  it('builds a client with jobs and unityCatalog, and closes it', async () => {
    const client = createDatabricksClient(base);
    expect(client.host).toBe(base.host);
    expect(typeof client.jobs.runNow).toBe('function');
    expect(typeof client.unityCatalog.listTables).toBe('function');
    await client.close();
    await client.close();
  });
});

describe('wire format', () => {
  it('percent-encodes names with spaces, quotes, slashes and unicode in paths', async () => {
    const { client, server } = await clientAgainst((_req, res) => json(res, 200, { name: 't', tag_assignments: [] }));
    await client.unityCatalog.getTable("main.säles data.o'brien/#1?");
    await client.unityCatalog.listTableTags('main.sales.ünïcode "t"');
    expect(server.requests[0]?.url).toBe('/api/2.1/unity-catalog/tables/main.s%C3%A4les%20data.o%27brien%2F%231%3F');
    expect(server.requests[1]?.url).toBe(
      '/api/2.1/unity-catalog/entity-tag-assignments/tables/main.sales.%C3%BCn%C3%AFcode%20%22t%22/tags',
    );
  });

  it('puts list parameters in the query string', async () => {
    const { client, server } = await clientAgainst((_req, res) => json(res, 200, { tables: [] }));
    await client.unityCatalog.listTables('my cat', 'a&b', { omitColumns: true });
    expect(server.requests[0]?.url).toBe(
      '/api/2.1/unity-catalog/tables?catalog_name=my+cat&schema_name=a%26b&max_results=0&omit_columns=true',
    );
  });

  it('stops a listing whose server repeats the page token', async () => {
    const { client } = await clientAgainst((_req, res) => json(res, 200, { catalogs: [], next_page_token: 'same' }));
    await expect(client.unityCatalog.listCatalogs()).rejects.toBeInstanceOf(DatabricksResponseError);
  });

  it('gathers the paged arrays of runs/get', async () => {
    const { client, server } = await clientAgainst((req, res) => {
      const token = new URL(req.url, 'http://x').searchParams.get('page_token');
      if (token === null) {
        json(res, 200, {
          run_id: 7,
          state: { life_cycle_state: 'RUNNING' },
          tasks: [{ task_key: 'a' }],
          job_parameters: [{ name: 'p', value: '1' }],
          next_page_token: 'p2',
        });
      } else if (token === 'p2') {
        json(res, 200, { run_id: 7, tasks: [{ task_key: 'b' }], job_parameters: [], next_page_token: 'p3' });
      } else {
        json(res, 200, { run_id: 7, tasks: [{ task_key: 'c' }] });
      }
    });
    const run = await client.jobs.getRun(7);
    expect(run.tasks?.map((t) => t.task_key)).toEqual(['a', 'b', 'c']);
    expect(run.job_parameters).toEqual([{ name: 'p', value: '1' }]);
    expect(run.next_page_token).toBeUndefined();
    expect(run.state?.life_cycle_state).toBe('RUNNING');
    expect(server.requests.map((r) => r.url)).toEqual([
      '/api/2.2/jobs/runs/get?run_id=7',
      '/api/2.2/jobs/runs/get?run_id=7&page_token=p2',
      '/api/2.2/jobs/runs/get?run_id=7&page_token=p3',
    ]);
  });

  it('refuses a run-now without a usable idempotency token before sending anything', async () => {
    const { client, server } = await clientAgainst((_req, res) => json(res, 200, { run_id: 1 }));
    await expect(client.jobs.runNow({ job_id: 1, idempotency_token: '' })).rejects.toBeInstanceOf(DatabricksError);
    await expect(client.jobs.runNow({ job_id: 1, idempotency_token: 'x'.repeat(65) })).rejects.toThrow(
      /idempotency_token/,
    );
    expect(server.requests).toHaveLength(0);
  });

  it('reports a run-now answer without run_id as a bad response', async () => {
    const { client } = await clientAgainst((_req, res) => json(res, 200, {}));
    await expect(client.jobs.runNow({ job_id: 1, idempotency_token: 't' })).rejects.toMatchObject({
      code: 'DATABRICKS_BAD_RESPONSE',
    });
  });
});
