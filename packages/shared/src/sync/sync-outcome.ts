import type { Logger } from 'pino';
import { isD2sError } from '../errors.js';
import type { SyncRequest } from '../jobs/catalog.js';
import type { D2sMetrics } from '../metrics/metrics.js';
import type { NotificationEmitter } from '../notifications/notification-emitter.js';
import { syncEndedEvent } from '../notifications/notification-events.js';
import type { SyncService } from './sync-service.js';
import { SYNC_CANCELED } from './sync-view.js';

export type SyncOutcome = 'succeeded' | 'failed' | 'canceled';

export interface SyncOutcomeDeps {
  syncs: Pick<SyncService, 'releaseDataset'>;
  metrics?: Pick<D2sMetrics, 'syncOutcomes'> | undefined;
  /** Tells other systems (notifications.endpoints); without it, nobody is told. */
  notifications?: Pick<NotificationEmitter, 'emit'> | undefined;
  log: Logger;
  now?: () => number;
}

/** What the notification says beyond the outcome. */
export interface SyncEndFacts {
  /** succeeded: rows the load reported. */
  rowsLoaded?: number;
  /** failed or canceled: why. */
  error?: unknown;
}

/** How a sync that ended with this error is counted. */
export function outcomeOfFailure(error: unknown): Exclude<SyncOutcome, 'succeeded'> {
  return isD2sError(error) && error.code === SYNC_CANCELED ? 'canceled' : 'failed';
}

/**
 * A sync ended, whichever worker saw it end: free its dataset for the next
 * sync, count the outcome and queue its notifications. Releasing is best
 * effort (a stale lock is healed by readers), so it never hides the outcome;
 * emitting never throws, so a notification cannot fail or delay the sync.
 */
export async function recordSyncEnd(
  deps: SyncOutcomeDeps,
  sync: Pick<SyncRequest, 'dataset' | 'syncId'> & Partial<SyncRequest>,
  outcome: SyncOutcome,
  facts: SyncEndFacts = {},
): Promise<void> {
  await deps.syncs.releaseDataset(sync.dataset, sync.syncId).catch((error: unknown) => {
    deps.log.warn({ err: error }, 'could not release the dataset; the next sync will heal the lock');
  });
  deps.metrics?.syncOutcomes.inc({ dataset: sync.dataset, outcome });
  await deps.notifications?.emit(
    syncEndedEvent(
      {
        syncId: sync.syncId,
        dataset: sync.dataset,
        attempt: sync.attempt ?? 1,
        origin: sync.origin ?? 'api',
        parameters: sync.parameters ?? {},
        retryOf: sync.retryOf,
        outcome,
        rowsLoaded: facts.rowsLoaded,
        error: facts.error,
      },
      new Date((deps.now ?? Date.now)()),
    ),
  );
}
