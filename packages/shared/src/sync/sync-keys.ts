/** Redis keys d2s keeps beside BullMQ's, all under the queue prefix so one hash tag covers them. */
export function syncKeys(prefix: string) {
  const base = `${prefix}:d2s`;
  return {
    /** Sorted set of every sync id, scored by creation time: the listing index. */
    index: `${base}:syncs`,
    datasetIndex: (dataset: string) => `${base}:syncs:dataset:${dataset}`,
    /** The sync currently active for a dataset (single-active datasets only). */
    active: (dataset: string) => `${base}:active:${dataset}`,
    /** Set when cancel was requested; workers check it between steps. */
    cancel: (syncId: string) => `${base}:cancel:${syncId}`,
  };
}
