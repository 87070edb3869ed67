import { deletePrefix, uniquePrefix } from '@d2s/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type ActionEnd, MirrorRunEnds } from './mirror-run-ends.js';

/** When a mirror run has finished, on real Redis, whatever order its jobs end in. */
describe('mirror run ends', () => {
  const prefix = uniquePrefix('run-ends');
  const redis = new Redis(inject('redisUrl'));
  const ends = new MirrorRunEnds(redis, prefix, 600);
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('finishes at the last action end after the plan counted them, with the ends counted', async () => {
    const settled = new Map<string, ActionEnd>([['integration', 'succeeded']]);
    expect(await ends.expect('run-a', 3, settled)).toBeNull();
    expect(await ends.ended('run-a', 't1', 'succeeded')).toBeNull();
    // A retried job writes its end again: still one end.
    expect(await ends.ended('run-a', 't1', 'succeeded')).toBeNull();
    expect(await ends.ended('run-a', 't2', 'failed')).toEqual({
      status: 'failed',
      counts: { succeeded: 2, failed: 1, skipped: 0 },
    });
  });

  it('finishes at the plan count when every action ended before it (fast actions)', async () => {
    expect(await ends.ended('run-b', 't1', 'succeeded')).toBeNull();
    expect(await ends.expect('run-b', 1, new Map())).toEqual({
      status: 'succeeded',
      counts: { succeeded: 1, failed: 0, skipped: 0 },
    });
  });

  it('a run with nothing to do finishes when planned', async () => {
    expect(await ends.expect('run-c', 0, new Map())).toEqual({
      status: 'succeeded',
      counts: { succeeded: 0, failed: 0, skipped: 0 },
    });
  });

  it('two last actions ending at once: at least one of them sees the run finished', async () => {
    for (let round = 0; round < 20; round += 1) {
      const run = `run-race-${round}`;
      await ends.expect(run, 2, new Map());
      const seen = await Promise.all([ends.ended(run, 'x', 'succeeded'), ends.ended(run, 'y', 'skipped')]);
      expect(seen.filter((s) => s !== null).length).toBeGreaterThanOrEqual(1);
      expect(seen.find((s) => s !== null)).toEqual({
        status: 'failed',
        counts: { succeeded: 1, failed: 0, skipped: 1 },
      });
    }
  });
});
