import { uniquePrefix } from '@d2s/testkit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { addJobs } from './typed-queue.js';

const backfill = (n: number) => ({
  backfillId: `backfill_${String(n).padStart(26, '0')}`,
  dataset: 'forecasts',
  parameter: 'date',
  from: '2026-11-01',
  to: '2026-11-02',
  step: '1d',
  values: ['2026-11-01', '2026-11-02'],
  parameters: {},
  maxConcurrent: 1,
  requestedAt: '2026-12-03T07:00:00.000Z',
  started: {},
});

describe('addJobs (real Redis)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  const open = () => {
    const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    const queue = new Queue('backfill', { connection: redis, prefix: uniquePrefix('add-jobs') });
    cleanups.push(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
      redis.disconnect();
    });
    return queue;
  };

  it('adds every job in chunks with the kind’s defaults, and keeps a job whose id exists already', async () => {
    const queue = open();
    await queue.add('backfill-run', { ...backfill(0), dataset: 'first' }, { jobId: 'b-0' });
    const jobs = Array.from({ length: 7 }, (_, i) => ({ data: backfill(i), options: { jobId: `b-${i}` } }));
    await addJobs(queue, 'backfill', 'backfill-run', jobs, { retentionSeconds: 60, chunkSize: 3 });
    expect(await queue.count()).toBe(7);
    expect((await queue.getJob('b-0'))?.data.dataset).toBe('first');
    const added = await queue.getJob('b-6');
    expect(added?.data).toEqual(backfill(6));
    expect(added?.opts.attempts).toBe(10); // the catalog's retryWithBackoff(10, …) for backfill-run
  });

  it('adds nothing when any job’s data is invalid', async () => {
    const queue = open();
    const jobs = [
      { data: backfill(1), options: { jobId: 'ok' } },
      { data: { ...backfill(2), backfillId: 'not-an-id' }, options: { jobId: 'bad' } },
    ];
    await expect(
      addJobs(queue, 'backfill', 'backfill-run', jobs, { retentionSeconds: 60, chunkSize: 1 }),
    ).rejects.toThrow();
    expect(await queue.count()).toBe(0);
  });
});
