import { createServer, type Server, Socket } from 'node:net';
import { sleep, uniquePrefix, waitFor } from '@d2s/testkit';
import { Queue } from 'bullmq';
import pino from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { FetchStallWatch } from './fetch-stall-watch.js';
import type { FetchStallReport } from './fetch-watchdog.js';
import { startWorker } from './start-worker.js';
import { closeWorker } from './worker-shutdown.js';

const logger = pino({ level: process.env.WD_DEBUG ? 'debug' : 'silent' });

/**
 * A TCP proxy to Redis that can stop answering the worker's connections while they stay open: what a connection
 * whose commands are never answered looks like from the worker (the state a Redis Cluster failover left BullMQ's
 * fetch loop in). The watchdog's own connection (named `…-watchdog`) is never frozen.
 */
async function freezableProxy(redisUrl: string): Promise<{ url: string; freeze(): void; close(): Promise<void> }> {
  const target = new URL(redisUrl);
  const pairs: { client: Socket; upstream: Socket; exempt: boolean }[] = [];
  let frozen = false;
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    const pair = { client, upstream, exempt: false };
    pairs.push(pair);
    upstream.connect(Number(target.port || 6379), target.hostname);
    client.on('data', (chunk: Buffer) => {
      // ioredis names its connection first thing (CLIENT SETNAME d2s-<queue>-watchdog).
      if (chunk.includes('-watchdog\r\n')) pair.exempt = true;
      if (!frozen || pair.exempt) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!frozen || pair.exempt) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    freeze: () => {
      frozen = true;
    },
    close: async () => {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('the fetch watchdog', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  function setUp(redisUrl: string, concurrency: number, processor: () => Promise<unknown>) {
    const prefix = uniquePrefix('fetch-stall');
    const config = loadConfig({
      env: { D2S_CONFIG: 'd2s.yaml', D2S_QUEUE_PREFIX: prefix, REDIS_URL: redisUrl },
      readFile: () => 'workers:\n  fetchStallMs: 1500\n',
    });
    const stalls: FetchStallReport[] = [];
    const worker = startWorker('notify', processor, {
      config,
      logger,
      concurrency,
      fetchStallWatch: new FetchStallWatch({ config, logger, onStall: (report) => stalls.push(report) }),
    });
    cleanups.push(() => closeWorker(worker, { logger, teardownMs: 1_000 }));
    const queue = new Queue('notify', { connection: { url: inject('redisUrl') }, prefix: config.redis.prefix });
    cleanups.push(() => queue.close());
    return { worker, queue, stalls };
  }

  it('reports a worker whose connection stopped answering while ready jobs wait and its slots are free', async () => {
    const proxy = await freezableProxy(inject('redisUrl'));
    cleanups.push(() => proxy.close());
    const done: string[] = [];
    const { worker, queue, stalls } = setUp(proxy.url, 2, async () => void done.push('job'));
    await worker.waitUntilReady();
    await queue.add('first', {});
    await waitFor('the first job', async () => done.length === 1, 10_000);

    proxy.freeze();
    await queue.add('second', {});
    await queue.add('third', {});
    await waitFor('the stall report', async () => stalls.length > 0, 15_000);
    expect(done).toEqual(['job']);
    expect(stalls).toEqual([expect.objectContaining({ queue: 'notify', waiting: 2, activeHere: 0, concurrency: 2 })]);
    expect(stalls[0]?.stalledForMs).toBeGreaterThanOrEqual(1500);
  }, 30_000);

  it('stays quiet on an idle queue, while every slot is busy, and while the queue is paused', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { worker, queue, stalls } = setUp(inject('redisUrl'), 1, () => held);
    await worker.waitUntilReady();
    await sleep(2_500);
    expect(stalls).toEqual([]);

    // One slot, held by a long job; the others wait their turn, as they should.
    await queue.add('long', {});
    await queue.add('next', {});
    await queue.add('after', {});
    await sleep(3_000);
    expect(stalls).toEqual([]);

    await queue.pause();
    release();
    await waitFor('the long job to end', async () => (await queue.getCompletedCount()) >= 1, 10_000);
    await sleep(3_000);
    expect(await queue.getWaitingCount()).toBeGreaterThan(0);
    expect(stalls).toEqual([]);
  }, 30_000);
});
