import { describe, expect, it } from 'vitest';
import { tableComment } from '../markers.js';
import { desired, mirroredRow, testSettings } from '@d2s/testkit/mirror-fixtures';
import type { DesiredTable, SnowflakeIcebergTable } from './sides.js';
import { indexSnowflakeTables, tableKey } from './snowflake-tables.js';
import { decideTable, planTables, type TableContext } from './tables.js';

const settings = testSettings();
const daily = desired('weather.forecasts.daily');

function context(rows: SnowflakeIcebergTable[], overrides: Partial<TableContext> = {}): TableContext {
  return {
    snowflake: indexSnowflakeTables(rows),
    integrations: { owners: new Map([[daily.integration.name, daily.integration]]), blocked: new Map() },
    targetsTaken: new Map(),
    desiredIds: new Set([daily.table.tableId]),
    skippedById: new Map(),
    dropRemoved: false,
    includeRefresh: false,
    ...overrides,
  };
}

describe('decideTable', () => {
  it('claims its mirror even when the table is skipped, so the mirror is never taken for an orphan', () => {
    const decision = decideTable(
      daily,
      context([mirroredRow(daily)], {
        integrations: { owners: new Map(), blocked: new Map([[daily.integration.name, 'disabled']]) },
      }),
    );
    expect(decision).toMatchObject({
      kind: 'skip',
      skipped: { code: 'INTEGRATION_CONFLICT', reason: 'disabled' },
      claims: [tableKey(daily.target)],
      takesTarget: false,
    });
  });

  it('keeps the Snowflake name for a table skipped for a name conflict, not for a duplicate target', () => {
    const byHand = { ...mirroredRow(daily), comment: 'made by hand' };
    expect(decideTable(daily, context([byHand]))).toMatchObject({
      kind: 'skip',
      skipped: { code: 'NAME_CONFLICT' },
      takesTarget: true,
    });
    const taken = context([], { targetsTaken: new Map([[tableKey(daily.target), 'weather.other.daily']]) });
    expect(decideTable(daily, taken)).toMatchObject({
      kind: 'skip',
      skipped: { code: 'DUPLICATE_TARGET', reason: expect.stringContaining('weather.other.daily') },
      takesTarget: false,
    });
  });

  it('recreates a table now read through another integration, under the same names', () => {
    const moved: DesiredTable = { ...daily, integration: { name: 'D2S_UC_WEATHER_FORECASTS', catalog: 'weather' } };
    const decision = decideTable(
      moved,
      context([mirroredRow(daily)], { integrations: { owners: new Map(), blocked: new Map() } }),
    );
    expect(decision).toMatchObject({
      kind: 'change',
      action: {
        kind: 'rename-table',
        mode: 'recreate',
        reason: expect.stringMatching(/^now read through D2S_UC_WEATHER_FORECASTS \(was D2S_UC_WEATHER\)/),
      },
    });
  });

  it('of two mirrors of one table, keeps the one at the wanted name', () => {
    const copy = mirroredRow(daily, { name: 'DAILY_COPY' });
    const decision = decideTable(daily, context([copy, mirroredRow(daily)]));
    expect(decision).toMatchObject({ kind: 'unchanged', claims: [tableKey(daily.target)] });
  });

  it('claims the name it replaces, with dropRemoved, and says why the old table went', () => {
    const gone = mirroredRow(daily, {
      comment: tableComment({ ucFullName: 'weather.forecasts.old', tableId: 'id-old' }),
    });
    const decision = decideTable(
      daily,
      context([gone], {
        dropRemoved: true,
        skippedById: new Map([['id-old', { fullName: 'weather.forecasts.old', code: 'EXCLUDED', reason: 'excluded' }]]),
      }),
    );
    expect(decision).toMatchObject({
      kind: 'change',
      action: {
        kind: 'create-table',
        replaces: { tableId: 'id-old' },
        reason: expect.stringContaining('no longer selected (excluded)'),
      },
      claims: [tableKey(daily.target)],
    });
  });
});

describe('planTables', () => {
  it('lets the first table at a Snowflake name keep it, and counts tables in step', () => {
    const hourly = desired('weather.forecasts.hourly');
    const twin = desired('weather.other.daily', settings, { target: daily.target });
    const plan = planTables([daily, hourly, twin], { ...context([mirroredRow(hourly)]), desiredIds: new Set() });
    expect(plan.actions.map((a) => [a.kind, a.target.name])).toEqual([['create-table', 'DAILY']]);
    expect(plan.skipped.map((s) => [s.fullName, s.code])).toEqual([['weather.other.daily', 'DUPLICATE_TARGET']]);
    expect(plan.unchanged).toBe(1);
    expect([...plan.claimed]).toEqual([tableKey(hourly.target)]);
  });
});
