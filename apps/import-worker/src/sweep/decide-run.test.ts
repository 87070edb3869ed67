import { describe, expect, it } from 'vitest';
import { decideRun } from './decide-run.js';

const DAY = 24 * 3600 * 1000;
const now = Date.parse('2026-12-02T12:00:00Z');

describe('decideRun', () => {
  it('never sweeps a keep dataset, even a failed sync’s files', () => {
    expect(decideRun('keep', { syncStatus: 'failed', newestFileAt: now - 400 * DAY }, now).remove).toBe(false);
  });

  it.each(['queued', 'exporting', 'importing', 'verifying'] as const)(
    'keeps the files of a sync still %s, however old',
    (status) => {
      for (const policy of ['after-load', { afterDays: 1 }] as const)
        expect(decideRun(policy, { syncStatus: status, newestFileAt: now - 90 * DAY }, now)).toEqual({
          remove: false,
          reason: 'in-flight',
        });
    },
  );

  it('removes failed and canceled syncs’ files at once under either policy', () => {
    for (const policy of ['after-load', { afterDays: 30 }] as const) {
      expect(decideRun(policy, { syncStatus: 'failed', newestFileAt: now }, now)).toEqual({
        remove: true,
        reason: 'sync-failed',
      });
      expect(decideRun(policy, { syncStatus: 'canceled', newestFileAt: now }, now).reason).toBe('sync-canceled');
    }
  });

  it('after-load: retries a succeeded sync’s removal; leaves a sync it no longer knows', () => {
    expect(decideRun('after-load', { syncStatus: 'succeeded', newestFileAt: now }, now).reason).toBe('loaded');
    expect(decideRun('after-load', { syncStatus: undefined, newestFileAt: now - 90 * DAY }, now)).toEqual({
      remove: false,
      reason: 'sync-unknown',
    });
  });

  it('afterDays: removes loaded runs once their newest file is that old', () => {
    const policy = { afterDays: 7 };
    expect(decideRun(policy, { syncStatus: 'succeeded', newestFileAt: now - 7 * DAY + 1 }, now).reason).toBe(
      'too-recent',
    );
    expect(decideRun(policy, { syncStatus: 'succeeded', newestFileAt: now - 7 * DAY }, now).reason).toBe(
      'older-than-policy',
    );
    expect(decideRun(policy, { syncStatus: undefined, newestFileAt: now - 8 * DAY }, now).reason).toBe(
      'older-than-policy',
    );
  });
});
