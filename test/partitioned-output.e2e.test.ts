import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOAD_DATASETS, type SyncStack, startSyncStack } from './support/sync-stack.js';

/**
 * A job that writes with partitionBy: part files in column=value sub-folders, each folder with
 * its own DBIO commit files, and an empty _SUCCESS at the top (Spark's DataFrameWriter.partitionBy;
 * https://docs.databricks.com/en/archive/legacy/dbio-commit.html). d2s loads every part file
 * below the run's prefix, and none of the commit files.
 */
describe('sync of partitioned Spark output', () => {
  let stack: SyncStack;

  beforeAll(async () => {
    stack = await startSyncStack({
      redisUrl: inject('redisUrl'),
      datasetsYaml: LOAD_DATASETS,
      snowflake: true,
      databricksFixture: (sandbox) => ({
        ...sandbox,
        jobs: sandbox.jobs.map((job) =>
          job.job_id === 1001 && job.export ? { ...job, export: { ...job.export, partition_by: 'city' } } : job,
        ),
      }),
    });
  }, 60_000);
  afterAll(() => stack?.close());

  it('loads the part files of every partition folder, exactly once, and nothing else', async () => {
    const created = await stack.request('POST', '/v1/syncs', { dataset: 'forecasts_append' });
    const id = created.body.id as string;
    const done = await stack.waitForStatus(id, (s) => ['succeeded', 'failed'].includes(s.status), 60_000);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');

    const prefix = join(stack.objectStoreRoot, 'd2s-sandbox/exports/forecasts_append', id);
    const folders = (await readdir(prefix)).filter((name) => name.startsWith('city='));
    expect(folders.length).toBeGreaterThan(1);
    expect(await readdir(prefix)).toContain('_SUCCESS');
    const partFiles = (await Promise.all(folders.map((f) => readdir(join(prefix, f))))).flat();
    expect(partFiles.filter((f) => f.startsWith('_committed_'))).toHaveLength(folders.length);

    expect(done.load?.files).toHaveLength(partFiles.filter((f) => f.endsWith('.parquet')).length);
    expect(done.load?.files?.every((f) => /\/city=[^/]+\/part-[^/]*\.parquet$/.test(f.file))).toBe(true);
    expect(done.load?.rowsLoaded).toBe(10_000);
    const rows = await stack.sql('SELECT COUNT(*) AS N FROM D2S_SANDBOX.PUBLIC.FORECASTS_APPEND');
    expect(Number(rows[0]?.N)).toBe(10_000);
  });
});
