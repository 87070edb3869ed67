import { deletePrefix, uniquePrefix } from '@d2s/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createRedisConnection } from '../redis/connections.js';
import { RequestBudget } from '../redis/request-budget.js';
import { SyncIndex } from './sync-index.js';
import { syncKeys } from './sync-keys.js';

/** The listing index as SyncService writes it, on real Redis, through a plain and an auto-pipelining connection. */
describe('sync index', () => {
  const prefix = uniquePrefix('sync-index');
  const keys = syncKeys(prefix);
  const redis = new Redis(inject('redisUrl'));
  const commands = createRedisConnection(inject('redisUrl'), 'commands');
  const keysOf = (dataset: string) => ({ all: keys.index, dataset: keys.datasetIndex(dataset) });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
    commands.disconnect();
  });

  it('lists a sync in both sets, and a repeated add keeps its first place', async () => {
    const index = new SyncIndex(redis, keysOf);
    await index.add('sync_1', 'orders', 1_000, 0);
    await index.add('sync_1', 'orders', 5_000, 0);
    expect(await redis.zrange(keys.index, 0, -1, 'WITHSCORES')).toEqual(['sync_1', '1000']);
    expect(await redis.zrange(keys.datasetIndex('orders'), 0, -1, 'WITHSCORES')).toEqual(['sync_1', '1000']);
  });

  it('trims entries older than the cutoff from both sets on the way', async () => {
    const index = new SyncIndex(redis, keysOf);
    await index.add('sync_2', 'orders', 2_000, 0);
    await index.add('sync_3', 'orders', 3_000, 1_500);
    expect(await redis.zrange(keys.index, 0, -1)).toEqual(['sync_2', 'sync_3']);
    expect(await redis.zrange(keys.datasetIndex('orders'), 0, -1)).toEqual(['sync_2', 'sync_3']);
  });

  it('works the same when many adds share one auto-pipelined batch', async () => {
    const index = new SyncIndex(commands, keysOf);
    // A second instance on the same connection reuses the script it defined.
    const again = new SyncIndex(commands, keysOf);
    const ids = Array.from({ length: 20 }, (_, i) => `batch_${String(i).padStart(2, '0')}`);
    const adds = Promise.all(ids.map((id, i) => (i % 2 ? again : index).add(id, 'events', 10_000 + i, 0)));
    expect(commands.autoPipelineQueueSize).toBe(ids.length);
    await adds;
    expect(await redis.zrange(keys.datasetIndex('events'), 0, -1)).toEqual(ids);
    // sync_2 and sync_3 from before (sync_1 was trimmed), and the batch.
    expect(await redis.zcard(keys.index)).toBe(2 + ids.length);
  });
});

/** A creation's rate-limit charge folded into the listing script (see RequestBudget for the charge alone). */
describe('sync index: charge and add', () => {
  const prefix = uniquePrefix('sync-index-charge');
  const keys = syncKeys(prefix);
  const redis = new Redis(inject('redisUrl'));
  const keysOf = (dataset: string) => ({ all: keys.index, dataset: keys.datasetIndex(dataset) });
  const charge = { key: `${prefix}:d2s:rate-limit:token:webapp`, limit: 2, windowMs: 60_000, holder: 'webapp' };
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('lists the sync while the budget lasts, and past it lists nothing and says when the window ends', async () => {
    const index = new SyncIndex(redis, keysOf);
    const first = await index.chargeAndAdd(charge, 'sync_a', 'orders', 1_000, 0);
    expect(first).toEqual({ allowed: true, limit: 2, remaining: 1, resetMs: 60_000 });
    // The budget is the same counter a request charged on its own draws on.
    await new RequestBudget(redis).charge(charge);
    const refused = await index.chargeAndAdd(charge, 'sync_b', 'orders', 2_000, 0);
    expect(refused).toMatchObject({ allowed: false, limit: 2, remaining: 0 });
    expect(refused.resetMs).toBeGreaterThan(55_000);
    expect(refused.resetMs).toBeLessThanOrEqual(60_000);
    expect(await redis.zrange(keys.index, 0, -1)).toEqual(['sync_a']);
    expect(await redis.zrange(keys.datasetIndex('orders'), 0, -1)).toEqual(['sync_a']);
    expect(Number(await redis.get(charge.key))).toBe(3);
  });
});
