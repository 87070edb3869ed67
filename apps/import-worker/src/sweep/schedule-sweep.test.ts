import { type D2sConfig, DatasetConfig, openQueues, closeQueues } from '@d2s/shared';
import { deletePrefix, uniquePrefix } from '@d2s/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CLEANUP_SWEEP_SCHEDULER, scheduleCleanupSweep } from './schedule-sweep.js';

const dataset = (cleanup: unknown) =>
  DatasetConfig.parse({
    databricks: { jobId: 1 },
    export: { s3Prefix: 's3://bucket/exports/forecasts', cleanup },
    snowflake: {
      stage: { database: 'D', schema: 'S', name: 'ST' },
      stageUrl: 's3://bucket/exports',
      table: { database: 'D', schema: 'S', name: 'T' },
    },
  });

const configWith = (cleanup: unknown): Pick<D2sConfig, 'datasets' | 'cleanup' | 'api'> =>
  ({
    datasets: { forecasts: dataset(cleanup) },
    cleanup: { default: 'keep', sweepIntervalMinutes: 30 },
    api: { retentionSeconds: 3600 },
  }) as unknown as Pick<D2sConfig, 'datasets' | 'cleanup' | 'api'>;

/** The sweep's Job Scheduler on real Redis, upserted by several import workers as each starts. */
describe('scheduleCleanupSweep', () => {
  const prefix = uniquePrefix('sweep');
  const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  const queues = openQueues(redis, prefix);
  afterAll(async () => {
    await closeQueues(queues);
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('keeps one scheduler and one pending firing however many replicas upsert it', async () => {
    const config = configWith({ afterDays: 7 });
    const replicas = await Promise.all([1, 2, 3].map(() => scheduleCleanupSweep(queues.import, config)));
    expect(replicas).toEqual(['scheduled', 'scheduled', 'scheduled']);
    const schedulers = await queues.import.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: CLEANUP_SWEEP_SCHEDULER, name: 'cleanup-sweep', every: 30 * 60_000 });
    const pending = await queues.import.getJobs(['delayed', 'waiting']);
    expect(pending.filter((job) => job.name === 'cleanup-sweep')).toHaveLength(1);
  });

  it('removes the scheduler once no dataset has anything to clean up', async () => {
    expect(await scheduleCleanupSweep(queues.import, configWith('keep'))).toBe('removed');
    expect(await queues.import.getJobSchedulers()).toEqual([]);
  });
});
