import { deletePrefix, sleep, uniquePrefix } from '@d2s/testkit';
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { backfillIdOf, wakeBackfillsOnSyncEnd } from './backfill-wakeups.js';

/**
 * A backfill parked between looks is woken when one of its syncs ends (import completed, or a final
 * failure of either step), and only then; real BullMQ workers and queues on real Redis.
 */
describe('waking backfills when their syncs end', () => {
  const redis = new Redis(inject('redisUrl'));
  const logger = pino({ level: 'silent' });
  const prefix = uniquePrefix('bf-wake');
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  let seq = 0;
  const newBackfillId = () => `backfill_${(++seq).toString(16).padStart(26, '0')}`;
  const connection = () => new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });

  async function parkedBackfill(): Promise<{ id: string; queue: Queue }> {
    const queue = new Queue('backfill', { connection: redis, prefix });
    closers.push(() => queue.close());
    const id = newBackfillId();
    // Parked for a minute, as a backfill between looks with a long pollInitialMs.
    await queue.add('backfill-run', {}, { jobId: id, delay: 60_000 });
    return { id, queue };
  }

  function syncWorker(queueName: 'export' | 'import', process: (job: Job) => Promise<unknown>, backfills: Queue) {
    const worker = new Worker(queueName, process, { connection: connection(), prefix });
    wakeBackfillsOnSyncEnd(worker, backfills, logger);
    closers.push(() => worker.close());
    return worker;
  }

  async function addSync(queueName: 'export' | 'import', origin: string, attempts = 1) {
    const queue = new Queue(queueName, { connection: redis, prefix });
    closers.push(() => queue.close());
    return queue.add('sync', { request: { origin } }, { attempts, backoff: { type: 'fixed', delay: 60_000 } });
  }

  async function stateAfter(queue: Queue, id: string, job: Job, waitMs = 300): Promise<string> {
    const until = Date.now() + 5_000;
    while (!(await job.isCompleted()) && !(await job.isFailed()) && !(await job.isDelayed()) && Date.now() < until)
      await sleep(20);
    await sleep(waitMs);
    return String(await (await queue.getJob(id))?.getState());
  }

  it('an import that completes (the sync succeeded) wakes its backfill', async () => {
    const { id, queue } = await parkedBackfill();
    syncWorker('import', async () => ({ rowsLoaded: 1 }), queue);
    const job = await addSync('import', `backfill:${id}`);
    expect(await stateAfter(queue, id, job)).toBe('waiting');
  });

  it('a final failure of an export (canceled, failed run) wakes it; a failure that will be retried does not', async () => {
    const retried = await parkedBackfill();
    syncWorker(
      'export',
      async () => {
        throw new Error('RUN_FAILED: transient');
      },
      retried.queue,
    );
    const retrying = await addSync('export', `backfill:${retried.id}`, 2);
    expect(await stateAfter(retried.queue, retried.id, retrying)).toBe('delayed');

    const final = await parkedBackfill();
    const job = await addSync('export', `backfill:${final.id}`, 1);
    expect(await stateAfter(final.queue, final.id, job)).toBe('waiting');
  });

  it('an export that completes (hand-off: the sync goes on) and a sync of no backfill wake nothing', async () => {
    const { id, queue } = await parkedBackfill();
    syncWorker('export', async () => ({ handedOff: true }), queue);
    const handOff = await addSync('export', `backfill:${id}`);
    expect(await stateAfter(queue, id, handOff)).toBe('delayed');
    const other = await parkedBackfill();
    syncWorker(
      'import',
      async () => {
        throw new UnrecoverableError('LOAD_FAILED: no');
      },
      other.queue,
    );
    const fromApi = await addSync('import', 'api');
    expect(await stateAfter(other.queue, other.id, fromApi)).toBe('delayed');
  });

  it('reads the backfill id only from a well-formed backfill origin', () => {
    expect(backfillIdOf(`backfill:backfill_${'a'.repeat(26)}`)).toBe(`backfill_${'a'.repeat(26)}`);
    expect(backfillIdOf('backfill:nope')).toBeUndefined();
    expect(backfillIdOf('schedule:x')).toBeUndefined();
    expect(backfillIdOf(undefined)).toBeUndefined();
  });
});
