import { deletePrefix, uniquePrefix } from '@d2s/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { closeQueues, openQueues } from '../jobs/queues.js';
import { DatasetTurns } from './dataset-turns.js';
import { syncKeys } from './sync-keys.js';
import { SyncService } from './sync-service.js';

/**
 * Turn-taking on a single-active dataset, on real Redis: first come first served, and a holder or waiter
 * that died without leaving (its process killed between steps) never stalls the line.
 */
describe('dataset turns', () => {
  const prefix = uniquePrefix('turns');
  const redis = new Redis(inject('redisUrl'));
  const keys = syncKeys(prefix);
  const turns = new DatasetTurns(redis, (d) => ({ active: keys.active(d), waiting: keys.waiting(d) }));
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('gives the dataset to whoever is first in line once the holder leaves, and says who is ahead', async () => {
    expect(await turns.claim('a', 'sync_1', 60_000)).toEqual({ held: true });
    await turns.enqueue('a', 'sync_2');
    await turns.enqueue('a', 'sync_3');
    await turns.enqueue('a', 'sync_2');
    expect(await turns.waiting('a')).toEqual(['sync_2', 'sync_3']);
    expect(await turns.placeOf('a', 'sync_3')).toEqual({ behind: 'sync_2', ahead: 2 });
    expect(await turns.claim('a', 'sync_3', 60_000)).toEqual({ held: false, blockedBy: 'sync_1' });
    expect(await turns.leave('a', 'sync_1')).toBe('sync_2');
    // Free, but sync_2 is first: sync_3 may not overtake it.
    expect(await turns.claim('a', 'sync_3', 60_000)).toEqual({ held: false, blockedBy: 'sync_2' });
    expect(await turns.claim('a', 'sync_2', 60_000)).toEqual({ held: true });
    expect(await turns.waiting('a')).toEqual(['sync_3']);
    expect(await turns.placeOf('a', 'sync_3')).toEqual({ behind: 'sync_2', ahead: 1 });
  });

  it('takeTurn drops a holder and a waiter that ended without leaving', async () => {
    const yaml = `
datasets:
  busy:
    databricks: { jobId: 1 }
    export: { s3Prefix: s3://bucket/exports/busy }
    snowflake:
      stage: { database: D, schema: S, name: ST }
      stageUrl: s3://bucket/exports/
      table: { database: D, schema: S, name: T }
    onBusy: queue
`;
    const config = loadConfig({
      env: { D2S_CONFIG: 'd2s.yaml', D2S_QUEUE_PREFIX: prefix, REDIS_URL: inject('redisUrl') },
      readFile: () => yaml,
    });
    const queues = openQueues(redis, prefix);
    try {
      const syncs = new SyncService({ config, exportQueue: queues.export, importQueue: queues.import, redis });
      // A holder whose job is gone and which is older than the grace period (a creation that died long ago),
      // and a waiter likewise: neither may keep `sync_live` from its turn.
      const longAgo = Date.now() - 60 * 60_000;
      await redis.zadd(keys.index, longAgo, 'sync_deadholder', longAgo, 'sync_deadwaiter');
      await redis.set(keys.active('busy'), 'sync_deadholder');
      await turns.enqueue('busy', 'sync_deadwaiter');
      await turns.enqueue('busy', 'sync_live');
      expect(await syncs.takeTurn('busy', 'sync_live')).toEqual({ turn: true });
      expect(await redis.get(keys.active('busy'))).toBe('sync_live');
      expect(await turns.waiting('busy')).toEqual([]);

      // A young id without a job may be a creation still in flight: it keeps its place.
      await redis.zadd(keys.index, Date.now(), 'sync_creating');
      await syncs.releaseDataset('busy', 'sync_live');
      await turns.enqueue('busy', 'sync_creating');
      await turns.enqueue('busy', 'sync_next');
      expect(await syncs.takeTurn('busy', 'sync_next')).toEqual({ turn: false, blockedBy: 'sync_creating' });
    } finally {
      await closeQueues(queues);
    }
  });
});
