import { createHash } from 'node:crypto';

/** A fixed-length, key-safe name for any user-given string (an idempotency key may hold any printable ASCII). */
const digestOf = (text: string) => createHash('sha256').update(text).digest('base64url');

/** Redis keys d2s keeps beside BullMQ's, all under the queue prefix so one hash tag covers them. */
export function syncKeys(prefix: string) {
  const base = `${prefix}:d2s`;
  return {
    /** Sorted set of every sync id, scored by creation time: the listing index. */
    index: `${base}:syncs`,
    datasetIndex: (dataset: string) => `${base}:syncs:dataset:${dataset}`,
    /** The sync currently active for a dataset (single-active datasets only). */
    active: (dataset: string) => `${base}:active:${dataset}`,
    /** Syncs of a single-active, `onBusy: queue` dataset waiting for their turn, oldest first (a list). */
    waiting: (dataset: string) => `${base}:waiting:${dataset}`,
    /** Set when cancel was requested; workers check it between steps. */
    cancel: (syncId: string) => `${base}:cancel:${syncId}`,
    /** Which sync (or mirror run) an idempotency key names, and what it was asked for. */
    idempotencyKey: (scope: string, key: string) => `${base}:idem:${scope}:${digestOf(key)}`,
    /** Held while one request decides whether to create, join or refuse (see RedisMutex). */
    creationLock: (scope: string, name: string) => `${base}:creating:${scope}:${digestOf(name)}`,
    /** Which sync a Databricks run belongs to, so a pushed job notification finds its export. */
    run: (runId: number) => `${base}:run:${runId}`,
    /** Set when a notification said the run ended; the export's next poll takes it. */
    wake: (syncId: string) => `${base}:wake:${syncId}`,
    /** One notification of each event per run acts; repeats are counted as duplicates. */
    notified: (runId: number, eventType: string) => `${base}:notified:${runId}:${eventType}`,
  };
}
