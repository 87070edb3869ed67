import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixtureError, loadFixture, sandboxFixturePath, validateFixture } from './index.js';
import {
  api,
  duckQuery,
  oauthToken,
  startTestEmulator,
  type TestEmulator,
  waitForRun,
} from '../test-support/harness.js';
import { testFixture } from '../test-support/test-fixture.js';

const SANDBOX_PAT = 'dapi-sandbox-token';

describe('fixture validation', () => {
  it('loads the sandbox fixture', async () => {
    const fixture = await loadFixture(sandboxFixturePath);
    expect(fixture.jobs.find((j) => j.job_id === 1001)?.export?.dataset).toBe('shared_forecasts');
    expect(fixture.auth.personal_access_tokens[0]?.token).toBe(SANDBOX_PAT);
    expect(fixture.auth.oauth_clients[0]).toMatchObject({
      client_id: 'd2s-sandbox-client',
      client_secret: 'd2s-sandbox-secret',
    });
  });

  it('names the offending field', () => {
    const broken = testFixture() as unknown as { jobs: Array<Record<string, unknown>> };
    (broken.jobs[0] as Record<string, unknown>).job_id = 'x';
    expect(() => validateFixture(broken)).toThrow(new FixtureError('fixture.jobs[0].job_id: expected an integer >= 1'));
    const badColumn = testFixture();
    const table = badColumn.catalogs[0]?.schemas[1]?.tables?.[0];
    if (table) table.columns = [{ name: 'id', type: 'VARIANT' as 'STRING' }];
    expect(() => validateFixture(badColumn)).toThrow(
      /catalogs\[0\]\.schemas\[1\]\.tables\[0\]\.columns\[0\]\.type: expected one of/,
    );
    expect(() =>
      validateFixture({
        auth: {},
        jobs: [
          { job_id: 1, name: 'a' },
          { job_id: 1, name: 'b' },
        ],
      }),
    ).toThrow(/duplicate job_id 1/);
  });

  it('checks the column lists of an export’s schema versions', () => {
    const job = (versions: unknown) => ({
      auth: {},
      jobs: [
        {
          job_id: 1,
          name: 'a',
          export: {
            dataset: 'd',
            files: 1,
            rows_per_file: 1,
            columns: [{ name: 'id', type: 'BIGINT' }],
            schema_versions: versions,
          },
        },
      ],
    });
    expect(() =>
      validateFixture(job({ parameter: 'schema', columns: { v2: [{ name: 'id', type: 'BIGINT' }] } })),
    ).not.toThrow();
    expect(() => validateFixture(job({ columns: {} }))).toThrow(/export\.schema_versions\.parameter/);
    expect(() =>
      validateFixture(job({ parameter: 'schema', columns: { v2: [{ name: 'id', type: 'NOPE' }] } })),
    ).toThrow(/export\.schema_versions\.columns\.v2\[0\]\.type: expected one of/);
  });
});

describe('the sandbox workspace', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ fixture: sandboxFixturePath, timeScale: 0.01 });
  });
  afterAll(() => emu.stop());

  it('exports shared_forecasts: 4 files x 2500 rows', async () => {
    const created = await api(emu, 'POST', '/api/2.2/jobs/run-now', {
      token: SANDBOX_PAT,
      body: {
        job_id: 1001,
        idempotency_token: 'sandbox-1',
        job_parameters: { output_path: 's3://d2s-exports/shared_forecasts/test' },
      },
    });
    const done = await waitForRun(emu, created.body.run_id, { token: SANDBOX_PAT });
    expect(done.body.state.result_state).toBe('SUCCESS');
    const dir = join(emu.objectStoreRoot, 'd2s-exports/shared_forecasts/test');
    const rows = await duckQuery(
      `SELECT count(*) AS n, count(DISTINCT filename) AS files FROM read_parquet('${dir}/*.parquet', filename = true)`,
    );
    expect(rows[0]).toEqual({ n: 10000n, files: 4n });
  });

  it('has a schema that needs several pages, following tokens through empty pages', async () => {
    const token = await oauthToken(emu, 'd2s-sandbox-client', 'd2s-sandbox-secret');
    const names: string[] = [];
    let pageToken: string | undefined;
    let emptyPages = 0;
    let pages = 0;
    do {
      const res = await api(
        emu,
        'GET',
        `/api/2.1/unity-catalog/tables?catalog_name=weather&schema_name=stations&max_results=0${pageToken ? `&page_token=${pageToken}` : ''}`,
        { token },
      );
      pages++;
      if (res.body.tables === undefined || res.body.tables.length === 0) emptyPages++;
      names.push(...(res.body.tables ?? []).map((t: { name: string }) => t.name));
      pageToken = res.body.next_page_token;
    } while (pageToken && pages < 50);
    expect(names).toHaveLength(64);
    expect(pages).toBeGreaterThan(2);
    expect(emptyPages).toBeGreaterThan(0);
    const irc = await api(
      emu,
      'GET',
      '/api/2.1/unity-catalog/iceberg-rest/v1/catalogs/weather/namespaces/stations/tables',
      { token },
    );
    expect(irc.body.identifiers).toHaveLength(48);
    const forecasts = await api(
      emu,
      'GET',
      '/api/2.1/unity-catalog/iceberg-rest/v1/catalogs/weather/namespaces/forecasts/tables',
      { token },
    );
    expect(forecasts.body.identifiers.map((i: { name: string }) => i.name)).toEqual([
      'daily_forecasts',
      'hourly_observations',
      'station_registry',
    ]);
  });
});
