import { spawnRedisServer, type TestRedis } from '@d2s/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { RedisPolicyError } from '../errors.js';
import { createRedisConnection, waitForRedis } from './connections.js';
import { checkEvictionPolicy } from './eviction-policy.js';

describe('checkEvictionPolicy against a real Redis', () => {
  let lru: TestRedis;
  let redis: Redis;

  beforeAll(async () => {
    // A private server, so changing its policy cannot disturb other tests.
    lru = await spawnRedisServer(['--maxmemory-policy', 'allkeys-lru']);
    redis = new Redis(lru.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await lru.stop();
  });

  it('refuses allkeys-lru by default', async () => {
    await expect(checkEvictionPolicy(redis, 'refuse')).rejects.toThrow(RedisPolicyError);
    await expect(checkEvictionPolicy(redis, 'refuse')).rejects.toThrow(/"allkeys-lru".*noeviction/);
  });

  it('warns instead when configured to', async () => {
    const warn = vi.fn();
    await expect(checkEvictionPolicy(redis, 'warn', { warn })).resolves.toBe('allkeys-lru');
    expect(warn).toHaveBeenCalledOnce();
  });

  it('accepts noeviction', async () => {
    const shared = createRedisConnection(inject('redisUrl'), 'producer');
    await waitForRedis(shared);
    await expect(checkEvictionPolicy(shared, 'refuse')).resolves.toBe('noeviction');
    shared.disconnect();
  });
});

describe('producer connections fail fast', () => {
  it('rejects a command at once while Redis is unreachable instead of queueing it', async () => {
    const redis = createRedisConnection('redis://127.0.0.1:1', 'producer');
    redis.on('error', () => {});
    await expect(redis.ping()).rejects.toThrow();
    redis.disconnect();
  });
});
