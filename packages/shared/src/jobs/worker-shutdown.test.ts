import { sleep, spawnRedisServer, type TestRedis, uniquePrefix } from '@d2s/testkit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { startWorker } from './start-worker.js';
import { closeWorker } from './worker-shutdown.js';

const logger = pino({ level: 'silent' });

function configFor(redisUrl: string, prefix: string) {
  return loadConfig({
    env: { D2S_CONFIG: 'd2s.yaml', D2S_QUEUE_PREFIX: prefix, REDIS_URL: redisUrl },
    readFile: () => '',
  });
}

describe('closeWorker', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  it('lets a running job finish, however long it takes, then closes', async () => {
    const redisUrl = inject('redisUrl');
    const prefix = uniquePrefix('shutdown');
    const config = configFor(redisUrl, prefix);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => (started = resolve));
    const worker = startWorker(
      'notify',
      async () => {
        started();
        await gate;
        return 'done';
      },
      { config, logger, concurrency: 1 },
    );
    const queue = new Queue('notify', { connection: new Redis(redisUrl), prefix });
    cleanups.push(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
      await queue.disconnect();
    });
    const job = await queue.add('probe', {});
    await running;

    let result: boolean | undefined;
    const closing = closeWorker(worker, { logger, teardownMs: 50 }).then((closed) => (result = closed));
    // Well past the teardown budget: the budget starts only when the job has ended.
    await sleep(500);
    expect(result).toBeUndefined();
    release();
    await closing;
    expect(result).toBe(true);
    expect(await job.getState()).toBe('completed');
  });

  it('stops waiting for a close that cannot finish once the jobs are done (Redis gone)', async () => {
    // BullMQ's Worker.close() waits for its blocking connection to report `end`, which a client retrying a server
    // that went away never does (taskforcesh/bullmq#4656); after a Redis Cluster failover the same wait hung a
    // worker's SIGTERM (test/reliability/redis-cluster.test.ts).
    const server: TestRedis = await spawnRedisServer();
    cleanups.push(() => server.stop());
    const config = configFor(server.url, uniquePrefix('shutdown'));
    const worker = startWorker('notify', async () => 'done', { config, logger, concurrency: 1 });
    await worker.waitUntilReady();
    await server.stop();

    const closed = await Promise.race([
      closeWorker(worker, { logger, teardownMs: 200 }),
      sleep(10_000).then(() => 'hung'),
    ]);
    expect(closed).toBe(false);
    // The close was given up, not forced: BullMQ's own close is still waiting (what closeWorker bounds).
    expect(worker.closing).toBeDefined();
  }, 20_000);
});
