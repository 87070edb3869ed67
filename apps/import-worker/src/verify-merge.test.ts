import { SyncFailedError } from '@d2s/shared';
import { describe, expect, it } from 'vitest';
import { requireMergeableKeys, requireMergeColumns, requireMergeCounts } from './verify-merge.js';

function failure(fn: () => unknown): SyncFailedError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SyncFailedError) return error;
    throw error;
  }
  throw new Error('expected a SyncFailedError');
}

const spec = { keys: ['id'], orderBy: 'changed_at', deleteWhen: { column: 'op' } };

describe('requireMergeColumns', () => {
  it('accepts columns the table has, exactly as named', () => {
    expect(() => requireMergeColumns(spec, ['id', 'changed_at', 'op', 'v'], 'T')).not.toThrow();
  });

  it('names each missing column, with a hint when only the case differs', () => {
    const error = failure(() => requireMergeColumns(spec, ['ID', 'changed_at', 'v'], 'T'));
    expect(error.code).toBe('MERGE_COLUMN_NOT_FOUND');
    expect(error.message).toContain('id (the table has ID; names are case-sensitive), op');
    expect(error.details.missing).toEqual(['id', 'op']);
  });
});

describe('requireMergeableKeys', () => {
  const staged = { rowsStaged: 60, nullKeys: 0, distinctKeys: 31, latestRows: 31 };

  it('accepts repeated keys when orderBy picks one row each', () => {
    expect(() => requireMergeableKeys(staged, spec)).not.toThrow();
  });

  it('refuses NULL keys', () => {
    expect(failure(() => requireMergeableKeys({ ...staged, nullKeys: 2 }, spec)).code).toBe('MERGE_KEY_NULL');
  });

  it('refuses a tie for the latest row, and repeated keys without orderBy', () => {
    const tied = failure(() => requireMergeableKeys({ ...staged, latestRows: 33 }, spec));
    expect(tied.code).toBe('MERGE_DUPLICATE_KEYS');
    expect(tied.message).toContain('same latest changed_at (2 extra row(s))');
    const unordered = failure(() => requireMergeableKeys({ ...staged, latestRows: 60 }, { keys: ['id'] }));
    expect(unordered.message).toContain('set load.orderBy');
  });
});

describe('requireMergeCounts', () => {
  const plan = { toInsert: 4, toUpdate: 9, toDelete: 3, unchanged: 15 };

  it('accepts a MERGE that did what was planned, every key accounted for once', () => {
    expect(() => requireMergeCounts(plan, { inserted: 4, updated: 9, deleted: 3 }, 31)).not.toThrow();
  });

  it.each([
    ['an extra update (a key the target holds twice)', { inserted: 4, updated: 10, deleted: 3 }, 31],
    ['a count the plan did not expect', { inserted: 5, updated: 9, deleted: 3 }, 31],
    ['keys staged but unaccounted for', { inserted: 4, updated: 9, deleted: 3 }, 32],
  ])('refuses %s', (_what, done, distinctKeys) => {
    const error = failure(() => requireMergeCounts(plan, done, distinctKeys));
    expect(error.code).toBe('MERGE_COUNT_MISMATCH');
    expect(error.message).toContain('rolled back');
  });
});
