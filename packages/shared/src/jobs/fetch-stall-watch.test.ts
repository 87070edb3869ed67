import { once } from 'node:events';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import type { RedisClient } from '../redis/connections.js';
import { FetchStallWatch } from './fetch-stall-watch.js';

const logger = pino({ level: 'silent' });
const idleJobs = { count: 0, lastStartedAt: 0 };
// Only what FetchWatchdog.start asks of a worker before its first look.
const worker = {
  waitUntilReady: async () => undefined,
  isRunning: () => true,
  closing: undefined,
} as unknown as Worker;

function configWith(fetchStallMs: number) {
  return loadConfig({
    env: { D2S_CONFIG: 'd2s.yaml', REDIS_URL: inject('redisUrl') },
    readFile: () => `workers:\n  fetchStallMs: ${fetchStallMs}\n`,
  });
}

describe('FetchStallWatch', () => {
  it("watches every worker of a process through one connection, closed with the last worker's watch", async () => {
    const opened: Redis[] = [];
    const watch = new FetchStallWatch({
      config: configWith(60_000),
      logger,
      onStall: () => {},
      connect: () => {
        const probe = new Redis(inject('redisUrl'));
        opened.push(probe);
        return probe as RedisClient;
      },
    });
    const first = watch.watch('export', worker, idleJobs, 2);
    const second = watch.watch('notify', worker, idleJobs, 1);
    expect(opened).toHaveLength(1);
    const probe = opened[0] as Redis;
    await probe.ping();
    first?.stop();
    first?.stop(); // a second stop of the same watch does not count twice
    expect(await probe.ping()).toBe('PONG');
    const ended = once(probe, 'end');
    second?.stop();
    await ended;
    // A worker started afterwards gets a connection of its own again.
    const third = watch.watch('mirror', worker, idleJobs, 1);
    expect(opened).toHaveLength(2);
    const thirdEnded = once(opened[1] as Redis, 'end');
    third?.stop();
    await thirdEnded;
  });

  it('opens nothing when watching is off (workers.fetchStallMs: 0)', () => {
    let connects = 0;
    const watch = new FetchStallWatch({
      config: configWith(0),
      logger,
      onStall: () => {},
      connect: () => {
        connects++;
        return new Redis(inject('redisUrl'), { lazyConnect: true }) as RedisClient;
      },
    });
    expect(watch.watch('export', worker, idleJobs, 2)).toBeUndefined();
    expect(connects).toBe(0);
  });
});
