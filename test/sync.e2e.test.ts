import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOAD_DATASETS, type SyncStack, startSyncStack } from './support/sync-stack.js';

/** The whole sync: API → export worker → Databricks emulator → import worker → Snowflake emulator (real driver). */
describe('sync end to end', () => {
  let stack: SyncStack;

  beforeAll(async () => {
    stack = await startSyncStack({ redisUrl: inject('redisUrl'), datasetsYaml: LOAD_DATASETS, snowflake: true });
  }, 60_000);
  afterAll(() => stack?.close());

  const count = async (table: string) =>
    Number((await stack.sql(`SELECT COUNT(*) AS N FROM D2S_SANDBOX.PUBLIC.${table}`))[0]?.N);
  const stagingTables = async () =>
    (await stack.sql(`SHOW TABLES LIKE '%D2S_STAGING%' IN SCHEMA D2S_SANDBOX.PUBLIC`)).map((r) => r.name);

  async function syncTo(dataset: string, parameters?: Record<string, unknown>) {
    const created = await stack.request('POST', '/v1/syncs', { dataset, ...(parameters ? { parameters } : {}) });
    expect(created.status).toBe(202);
    return stack.waitForStatus(created.body.id, (s) => ['succeeded', 'failed', 'canceled'].includes(s.status), 60_000);
  }

  it('appends: every file loaded and verified, the target grows by the exported rows', async () => {
    const first = await syncTo('forecasts_append');
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    expect(first.load?.files).toHaveLength(4);
    expect(first.load?.files?.every((f) => f.status === 'LOADED' && f.rowsLoaded === 2500)).toBe(true);
    // The run's output holds Databricks' commit files too (_SUCCESS, _started_<txn>, _committed_<txn>);
    // only the part files were listed, loaded and counted.
    const written = await readdir(join(stack.objectStoreRoot, 'd2s-sandbox/exports/forecasts_append', first.id));
    expect(written.filter((f) => f.startsWith('_'))).toHaveLength(3);
    expect(first.load?.files?.every((f) => /\/part-[^/]*\.parquet$/.test(f.file))).toBe(true);
    expect(first.load?.rowsLoaded).toBe(10_000);
    expect(await count('FORECASTS_APPEND')).toBe(10_000);
    expect(first.load?.queryIds?.length).toBeGreaterThan(2);

    const second = await syncTo('forecasts_append', { forecast_date: '2024-06-02' });
    expect(second.status).toBe('succeeded');
    expect(await count('FORECASTS_APPEND')).toBe(20_000);
    expect(second.load?.targetRowCount).toBe(20_000);
    // Every COPY carried the sync id as its query tag.
    const tags = stack.snowflake?.emulator.queryLog
      .entries()
      .filter((e) => /^COPY/i.test(e.sql))
      .map((e) => e.queryTag);
    expect(tags).toContain(`d2s:sync:${second.id}`);
  });

  it('replaces: loads a staging table, swaps it in after verification, leaves no staging table', async () => {
    const first = await syncTo('forecasts_replace');
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    expect(first.load).toMatchObject({ mode: 'replace', rowsLoaded: 10_000, targetRowCount: 10_000 });
    const second = await syncTo('forecasts_replace', { forecast_date: '2024-07-01' });
    expect(second.status).toBe('succeeded');
    expect(await count('FORECASTS_REPLACE')).toBe(10_000);
    const dates = await stack.sql('SELECT MIN("date") AS D FROM D2S_SANDBOX.PUBLIC.FORECASTS_REPLACE');
    expect(String(dates[0]?.D)).toContain('2024-07-01');
    expect(await stagingTables()).toEqual([]);
  });

  it('fails on a COPY that fails part-way: the replace target is untouched and no staging table is left', async () => {
    const before = await count('FORECASTS_REPLACE');
    stack.snowflake?.emulator.admin.failFiles([{ match: /part-00002/, message: 'Numeric value out of range' }]);
    try {
      const failed = await syncTo('forecasts_replace', { forecast_date: '2024-08-01' });
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatchObject({ code: 'LOAD_FAILED', stage: 'import' });
      expect(failed.error?.message).toContain('part-00002');
      expect(failed.error?.details).toMatchObject({ snowflakeCode: expect.any(String) });
    } finally {
      stack.snowflake?.emulator.admin.failFiles([]);
    }
    expect(await count('FORECASTS_REPLACE')).toBe(before);
    expect(await stagingTables()).toEqual([]);
  });

  it('fails with NO_DATA_FILES, naming the prefix and what was there, when the run wrote no data file', async () => {
    const failed = await syncTo('forecasts_no_data');
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'NO_DATA_FILES', stage: 'import' });
    expect(failed.error?.message).toContain(`s3://d2s-sandbox/exports/forecasts_no_data/${failed.id}/`);
    expect(failed.error?.message).toContain('_SUCCESS');
    expect(failed.error?.details).toMatchObject({
      location: `s3://d2s-sandbox/exports/forecasts_no_data/${failed.id}/`,
    });
    // Nothing was COPYed for it.
    const copies = stack.snowflake?.emulator.queryLog
      .entries()
      .filter((e) => /^COPY/i.test(e.sql) && e.queryTag === `d2s:sync:${failed.id}`);
    expect(copies?.every((e) => e.status !== 'SUCCESS' || /0 files/.test(JSON.stringify(e)))).toBe(true);
  });

  it('fails at once, with Snowflake’s code, on a permanent error (a missing database)', async () => {
    const failed = await syncTo('forecasts_nowhere');
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ stage: 'import', details: { snowflakeCode: '002003' } });
    expect(failed.error?.message).toMatch(/does not exist/);
    const job = await stack.queues.import.getJob(failed.id);
    expect(job?.attemptsMade).toBe(1);
  });

  it('streams every stage over SSE until the sync ends', async () => {
    const created = await stack.request('POST', '/v1/syncs', { dataset: 'forecasts_append' });
    const response = await fetch(`${stack.api}/v1/syncs/${created.body.id}/events`, {
      headers: { authorization: 'Bearer stack-test-token', accept: 'text/event-stream' },
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text(); // the server ends the stream when the sync ends
    const events = [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => ({
      event: m[1],
      data: JSON.parse(m[2] as string),
    }));
    expect(events.filter((e) => e.event === 'stage').map((e) => e.data.stage)).toEqual([
      'queued',
      'exporting',
      'importing',
      'verifying',
      'succeeded',
    ]);
    const statuses = events.filter((e) => e.event === 'status').map((e) => e.data.status);
    expect(statuses.at(-1)).toBe('succeeded');
    expect(statuses).toContain('exporting');
  });
});
