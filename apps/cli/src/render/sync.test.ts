import { describe, expect, it } from 'vitest';
import type { Sync } from '../api-types.js';
import { renderSyncDetail, renderSyncSummary, schemaLine } from './sync.js';

const base: Sync = {
  id: 'sync-1',
  dataset: 'orders',
  parameters: {},
  status: 'succeeded',
  databricks: {},
  load: { mode: 'append', rowsLoaded: 20, files: [] },
  timings: { createdAt: '2026-01-01T00:00:00.000Z', durationsMs: { total: 1000 } },
  error: null,
};

describe('schema changes on a sync view', () => {
  const changed: Sync = {
    ...base,
    load: {
      ...base.load,
      schemaChanges: [
        { kind: 'add-column', column: 'discount', to: 'FLOAT' },
        { kind: 'widen', column: 'name', from: 'VARCHAR(20)', to: 'VARCHAR(16777216)' },
      ],
    },
  };

  it('lists each change, one per line, in the summary and the detail', () => {
    expect(schemaLine(changed)).toBe(
      'added column "discount" FLOAT\nwidened "name" from VARCHAR(20) to VARCHAR(16777216)',
    );
    for (const text of [renderSyncSummary(changed, { now: 0 }), renderSyncDetail(changed, { now: 0 })]) {
      expect(text).toMatch(/ {2}schema +added column "discount" FLOAT\n +widened "name" from VARCHAR\(20\)/);
    }
  });

  it('says "no changes" when the columns fitted, and nothing without schema.evolution', () => {
    expect(schemaLine({ ...base, load: { ...base.load, schemaChanges: [] } })).toBe('no changes');
    expect(schemaLine(base)).toBeUndefined();
    expect(renderSyncSummary(base, { now: 0 })).not.toContain('schema');
  });
});
