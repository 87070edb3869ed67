import type { CleanupPolicy, SyncState } from '@d2s/shared';

const DAY_MS = 24 * 3600 * 1000;

/** What the sweep knows of one run found on the stage. */
export interface SweptRun {
  /** The run's sync as d2s still knows it; undefined once its record outlived the retention period. */
  syncStatus: SyncState | undefined;
  /** When the run's newest file was written. */
  newestFileAt: number;
}

export type RunDecision =
  | { remove: true; reason: 'sync-failed' | 'sync-canceled' | 'loaded' | 'older-than-policy' }
  | { remove: false; reason: 'policy-keep' | 'in-flight' | 'too-recent' | 'sync-unknown' };

/**
 * Whether the sweep removes a run's files. The rules, in order:
 * 1. `keep` datasets are never swept;
 * 2. a sync still in flight (queued … verifying) keeps its files, whatever their age;
 * 3. a failed or canceled sync's files go (a retry is a new sync with a prefix of its own);
 * 4. `after-load`: a succeeded sync's files go (its own removal failed, or was cut short);
 *    files of a sync d2s no longer knows stay: without its record nothing says it ended;
 * 5. `afterDays`: files of a succeeded (or no longer known: its record is gone, so it ended
 *    long ago) sync go once the newest of them is `afterDays` old.
 */
export function decideRun(policy: CleanupPolicy, run: SweptRun, now: number): RunDecision {
  if (policy === 'keep') return { remove: false, reason: 'policy-keep' };
  const status = run.syncStatus;
  if (status !== undefined && !['succeeded', 'failed', 'canceled'].includes(status))
    return { remove: false, reason: 'in-flight' };
  if (status === 'failed') return { remove: true, reason: 'sync-failed' };
  if (status === 'canceled') return { remove: true, reason: 'sync-canceled' };
  if (policy === 'after-load')
    return status === 'succeeded' ? { remove: true, reason: 'loaded' } : { remove: false, reason: 'sync-unknown' };
  return now - run.newestFileAt >= policy.afterDays * DAY_MS
    ? { remove: true, reason: 'older-than-policy' }
    : { remove: false, reason: 'too-recent' };
}
