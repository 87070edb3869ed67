import { describe, expect, it } from 'vitest';
import { SyncId } from '../jobs/catalog.js';
import { idempotencyTokenFor, newSyncId, syncIdForKey } from './ids.js';

describe('sync ids', () => {
  it('are valid, unique and sort by creation time', () => {
    const a = newSyncId(1_700_000_000_000);
    const b = newSyncId(1_700_000_000_001);
    expect(SyncId.parse(a)).toBe(a);
    expect(a < b).toBe(true);
    expect(newSyncId(5)).not.toBe(newSyncId(5));
    // Across refills of the random pool (409 ids per 4 KiB), never a repeat.
    const many = new Set(Array.from({ length: 2_000 }, () => newSyncId(5)));
    expect(many.size).toBe(2_000);
  });

  it('derive the same id from the same idempotency key, and another from another', () => {
    expect(syncIdForKey('sync', 'k1')).toBe(syncIdForKey('sync', 'k1'));
    expect(syncIdForKey('sync', 'k1')).not.toBe(syncIdForKey('sync', 'k2'));
    expect(SyncId.parse(syncIdForKey('sync', 'anything at all ✓'))).toBeTruthy();
  });

  it('make run-now tokens within Databricks’ 64-character limit', () => {
    expect(idempotencyTokenFor(newSyncId()).length).toBeLessThanOrEqual(64);
    expect(idempotencyTokenFor(syncIdForKey('sync', 'k')).length).toBeLessThanOrEqual(64);
  });
});
