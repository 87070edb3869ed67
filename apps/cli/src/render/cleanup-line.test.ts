import { describe, expect, it } from 'vitest';
import type { Sync } from '../api-types.js';
import { cleanupLine, renderSyncDetail, renderSyncSummary } from './sync.js';

const T0 = Date.parse('2026-12-02T10:00:00.000Z');

const loaded = (cleanup?: NonNullable<Sync['load']>['cleanup']): Sync => ({
  id: 'sync_01TEST',
  dataset: 'forecasts',
  parameters: {},
  status: 'succeeded',
  databricks: {},
  load: { mode: 'append', rowsLoaded: 10, ...(cleanup ? { cleanup } : {}) },
  timings: { createdAt: new Date(T0).toISOString(), durationsMs: { total: 1000 } },
  error: null,
});

describe('the cleanup outcome in the sync views', () => {
  it('says how many files were removed', () => {
    const sync = loaded({ policy: 'after-load', status: 'removed', filesRemoved: 7 });
    expect(cleanupLine(sync)).toBe('removed 7 files');
    expect(renderSyncSummary(sync, { now: T0 })).toContain('  cleanup      removed 7 files');
    expect(renderSyncDetail(sync, { now: T0 })).toMatch(/^ {2}cleanup +removed 7 files$/m);
  });

  it('says until when afterDays keeps them, and nothing under keep (the default)', () => {
    expect(
      cleanupLine(
        loaded({ policy: 'after-days', status: 'kept', filesRemoved: 0, removeAfter: '2026-12-09T10:00:00.000Z' }),
      ),
    ).toBe('kept until 2026-12-09 10:00:00Z, then removed by the sweep');
    expect(cleanupLine(loaded({ policy: 'keep', status: 'kept', filesRemoved: 0 }))).toBeUndefined();
  });

  it('shows a failed removal with its error on a sync that succeeded, and what happens next', () => {
    const sync = loaded({
      policy: 'after-load',
      status: 'failed',
      filesRemoved: 0,
      error: { code: 'SNOWFLAKE_QUERY_FAILED', message: 'Insufficient privileges to operate on stage' },
    });
    const summary = renderSyncSummary(sync, { now: T0 });
    expect(summary).toContain('succeeded');
    expect(summary).toContain(
      '  cleanup      failed: SNOWFLAKE_QUERY_FAILED: Insufficient privileges to operate on stage\n' +
        '               the files are still there; the next sweep removes them',
    );
  });

  it('shows nothing for a sync without a cleanup outcome (not loaded yet, or from before)', () => {
    expect(cleanupLine(loaded())).toBeUndefined();
    expect(renderSyncSummary(loaded(), { now: T0 })).not.toContain('cleanup');
  });
});
