import { SyncFailedError } from '@d2s/shared';
import type { MergeCounts } from '@d2s/shared/snowflake';

/** What the staging table holds, keyed (from `stagedKeyStats`). */
export interface StagedKeys {
  rowsStaged: number;
  nullKeys: number;
  distinctKeys: number;
  /** Rows ranked first for their key; more than distinctKeys when "the latest row" is not one row. */
  latestRows: number;
}

/** What the MERGE is about to do (from `mergePreview`, in its transaction). */
export interface MergePlan {
  toInsert: number;
  toUpdate: number;
  toDelete: number;
  unchanged: number;
}

export interface MergeKeys {
  keys: readonly string[];
  orderBy?: string | undefined;
  deleteWhen?: { column: string } | undefined;
}

/** Fails with MERGE_COLUMN_NOT_FOUND unless every column the merge names is a column of the target. */
export function requireMergeColumns(spec: MergeKeys, columns: readonly string[], table: string): void {
  const named = [
    ...spec.keys,
    ...(spec.orderBy ? [spec.orderBy] : []),
    ...(spec.deleteWhen ? [spec.deleteWhen.column] : []),
  ];
  const missing = named.filter((name) => !columns.includes(name));
  if (missing.length === 0) return;
  const hints = missing.map((name) => {
    const other = columns.find((column) => column.toLowerCase() === name.toLowerCase());
    return other === undefined ? name : `${name} (the table has ${other}; names are case-sensitive)`;
  });
  throw new SyncFailedError(
    'MERGE_COLUMN_NOT_FOUND',
    `load.keys / orderBy / deleteWhen name column(s) ${table} does not have: ${hints.join(', ')}. Its columns: ${columns.join(', ')}.`,
    { details: { table, missing, columns } },
  );
}

/**
 * Fails before the target is touched when the staged rows cannot be merged
 * by key: a NULL key (no MERGE can match it, so every run would insert it
 * again), or several rows for one key with nothing to say which wins.
 */
export function requireMergeableKeys(staged: StagedKeys, spec: MergeKeys): void {
  if (staged.nullKeys > 0) {
    throw new SyncFailedError(
      'MERGE_KEY_NULL',
      `${staged.nullKeys} staged row(s) have no value in key column(s) ${spec.keys.join(', ')} (are they in the files?); a MERGE cannot match them.`,
      { details: { nullKeys: staged.nullKeys, keys: spec.keys } },
    );
  }
  if (staged.latestRows > staged.distinctKeys) {
    const keys = staged.latestRows - staged.distinctKeys;
    throw new SyncFailedError(
      'MERGE_DUPLICATE_KEYS',
      spec.orderBy === undefined
        ? `The run holds several rows for some keys (${spec.keys.join(', ')}) and load.orderBy is not set, so which one wins is undefined; set load.orderBy.`
        : `The run holds several rows for some keys (${spec.keys.join(', ')}) with the same latest ${spec.orderBy} (${keys} extra row(s)), so which one wins is undefined.`,
      { details: { distinctKeys: staged.distinctKeys, latestRows: staged.latestRows, keys: spec.keys } },
    );
  }
}

/**
 * Fails with MERGE_COUNT_MISMATCH (the caller's transaction then rolls
 * back) unless the MERGE did what was counted before it, in the same
 * transaction, and every distinct key staged is accounted for once:
 * inserted + updated + deleted + unchanged = distinct keys.
 */
export function requireMergeCounts(plan: MergePlan, done: MergeCounts, distinctKeys: number): void {
  const accounted = done.inserted + done.updated + done.deleted + plan.unchanged;
  const agrees =
    done.inserted === plan.toInsert &&
    done.updated === plan.toUpdate &&
    done.deleted === plan.toDelete &&
    accounted === distinctKeys;
  if (agrees) return;
  throw new SyncFailedError(
    'MERGE_COUNT_MISMATCH',
    `The MERGE inserted ${done.inserted}, updated ${done.updated} and deleted ${done.deleted} rows (${plan.unchanged} keys unchanged) for ${distinctKeys} distinct keys staged; expected ${plan.toInsert}, ${plan.toUpdate} and ${plan.toDelete}. It was rolled back (does the target hold a key twice?).`,
    { details: { plan, done, distinctKeys } },
  );
}
