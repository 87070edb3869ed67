import { sleep, uniquePrefix, waitFor } from '@d2s/testkit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { JobLockLostError } from '../errors.js';
import { startWorker } from './start-worker.js';
import { finished, nextStep, runSteps, type StepTable } from './step-runner.js';
import { closeWorker } from './worker-shutdown.js';

const logger = pino({ level: 'silent' });

/**
 * A worker that can no longer renew its lock (here: the lock key is gone, as after it lapsed and the stalled
 * check handed the job to another replica) must stop running the job's steps. BullMQ 6 only reports the failed
 * renewal (`lockRenewalFailed`); without d2s aborting the job's signal, the second step below would run.
 */
describe('a worker that loses its lock on a job', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  it('stops before the next step with JOB_LOCK_LOST and records nothing as the job', async () => {
    const redisUrl = inject('redisUrl');
    const prefix = uniquePrefix('lock-lost');
    const config = loadConfig({
      env: { D2S_CONFIG: 'd2s.yaml', D2S_QUEUE_PREFIX: prefix, REDIS_URL: redisUrl },
      // Renewal every 500 ms (half the lock); the stalled check stays far away so it does not interfere.
      readFile: () => 'workers:\n  lockDurationMs: 1000\n  stalledIntervalMs: 60000\n',
    });
    const redis = new Redis(redisUrl);
    cleanups.push(async () => void redis.disconnect());

    const ran: string[] = [];
    let lockDeleted = false;
    let outcome: unknown;
    type Name = 'first' | 'second';
    const steps: StepTable<undefined, Name, string> = {
      first: async () => {
        ran.push('first');
        // Long enough for a renewal to find the lock gone.
        await waitFor('the lock deleted', async () => lockDeleted, 10_000);
        await sleep(1_500);
        return nextStep('second');
      },
      second: async () => (ran.push('second'), finished('second ran')),
    };
    const worker = startWorker(
      'notify',
      async (_job, _token, signal) => {
        try {
          return await runSteps(steps, 'first', undefined, {
            park: () => Promise.reject(new Error('never parks')),
            signal,
          });
        } catch (error) {
          outcome = error;
          throw error;
        }
      },
      { config, logger, concurrency: 1 },
    );
    cleanups.push(() => closeWorker(worker, { logger, teardownMs: 2_000 }).then(() => undefined));
    const queue = new Queue('notify', { connection: { url: redisUrl }, prefix: config.redis.prefix });
    cleanups.push(() => queue.close());

    const job = await queue.add('probe', {});
    await waitFor('the first step', async () => ran.includes('first'), 10_000);
    expect(await redis.del(`${config.redis.prefix}:notify:${job.id}:lock`)).toBe(1);
    lockDeleted = true;

    await waitFor('the job to stop', async () => outcome !== undefined, 15_000);
    expect(outcome).toBeInstanceOf(JobLockLostError);
    expect((outcome as JobLockLostError).code).toBe('JOB_LOCK_LOST');
    expect(ran).toEqual(['first']);
    // BullMQ refused this worker's move (no lock): the job is still active, for the stalled check to hand on.
    expect(await queue.getJobState(job.id as string)).toBe('active');
  }, 30_000);
});
