import type { Logger } from 'pino';
import { isD2sError } from '../errors.js';
import type { D2sMetrics } from '../metrics/metrics.js';
import type { SyncService } from './sync-service.js';
import { SYNC_CANCELED } from './sync-view.js';

export type SyncOutcome = 'succeeded' | 'failed' | 'canceled';

export interface SyncOutcomeDeps {
  syncs: Pick<SyncService, 'releaseDataset'>;
  metrics?: Pick<D2sMetrics, 'syncOutcomes'> | undefined;
  log: Logger;
}

/** How a sync that ended with this error is counted. */
export function outcomeOfFailure(error: unknown): Exclude<SyncOutcome, 'succeeded'> {
  return isD2sError(error) && error.code === SYNC_CANCELED ? 'canceled' : 'failed';
}

/**
 * A sync ended, whichever worker saw it end: free its dataset for the next
 * sync and count the outcome. Releasing is best effort (a stale lock is healed
 * by readers), so it never hides the outcome.
 */
export async function recordSyncEnd(
  deps: SyncOutcomeDeps,
  sync: { dataset: string; syncId: string },
  outcome: SyncOutcome,
): Promise<void> {
  await deps.syncs.releaseDataset(sync.dataset, sync.syncId).catch((error: unknown) => {
    deps.log.warn({ err: error }, 'could not release the dataset; the next sync will heal the lock');
  });
  deps.metrics?.syncOutcomes.inc({ dataset: sync.dataset, outcome });
}
