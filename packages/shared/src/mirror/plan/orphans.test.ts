import { describe, expect, it } from 'vitest';
import { integrationComment } from '../markers.js';
import { desired, mirroredRow } from '@d2s/testkit/mirror-fixtures';
import { type OrphanInput, planOrphans } from './orphans.js';
import type { SnowflakeIcebergTable } from './sides.js';
import { indexSnowflakeTables, tableKey } from './snowflake-tables.js';

const daily = desired('weather.forecasts.daily');
const orders = desired('sales.retail.orders');

function input(rows: SnowflakeIcebergTable[], overrides: Partial<OrphanInput> = {}): OrphanInput {
  return {
    snowflake: indexSnowflakeTables(rows),
    claimed: new Set(),
    integrations: { existing: new Map(), owners: new Map() },
    desiredIds: new Set(),
    skippedById: new Map(),
    scope: {},
    dropRemoved: false,
    ...overrides,
  };
}

describe('planOrphans', () => {
  it('never drops the mirror of a table d2s may no longer read, even with dropRemoved', () => {
    const plan = planOrphans(
      input([mirroredRow(daily), mirroredRow(orders)], {
        skippedById: new Map([
          [
            daily.table.tableId,
            {
              fullName: 'weather.forecasts.daily',
              tableId: daily.table.tableId,
              code: 'NO_EXTERNAL_USE',
              reason: 'grant EXTERNAL USE SCHEMA on schema weather.forecasts to sp',
            },
          ],
        ]),
        unreadable: ['sales.retail'],
        dropRemoved: true,
      }),
    );
    expect(plan.drops).toEqual([]);
    expect(plan.orphans.map((o) => [o.ucFullName, o.reason])).toEqual([
      [
        'weather.forecasts.daily',
        'the mirror of weather.forecasts.daily, which d2s cannot see now (grant EXTERNAL USE SCHEMA on schema weather.forecasts to sp); kept, never dropped for a missing privilege',
      ],
      [
        'sales.retail.orders',
        'the mirror of sales.retail.orders, which d2s cannot see now (cannot list sales.retail); kept, never dropped for a missing privilege',
      ],
    ]);
  });

  it('calls an unclaimed copy of a mirrored table a second mirror, and drops it with dropRemoved', () => {
    const copy = mirroredRow(daily, { name: 'DAILY_COPY' });
    const plan = planOrphans(
      input([mirroredRow(daily), copy], {
        claimed: new Set([tableKey(daily.target)]),
        desiredIds: new Set([daily.table.tableId]),
        dropRemoved: true,
      }),
    );
    expect(plan.orphans).toEqual([]);
    expect(plan.drops).toEqual([
      expect.objectContaining({
        kind: 'drop-table',
        target: { database: 'WEATHER', schema: 'FORECASTS', name: 'DAILY_COPY' },
        reason:
          'a second mirror of weather.forecasts.daily (uc_table_id=id-weather.forecasts.daily) (mirror.dropRemoved is on)',
        dependsOn: [],
      }),
    ]);
  });

  it('looks only at tables in scope, by catalog or by schema in either form', () => {
    const rows = [mirroredRow(daily), mirroredRow(orders)];
    const names = (scope: OrphanInput['scope']) => planOrphans(input(rows, { scope })).orphans.map((o) => o.ucFullName);
    expect(names({})).toEqual(['weather.forecasts.daily', 'sales.retail.orders']);
    expect(names({ catalogs: ['sales'] })).toEqual(['sales.retail.orders']);
    expect(names({ schemas: ['forecasts'] })).toEqual(['weather.forecasts.daily']);
    expect(names({ schemas: ['sales.retail'] })).toEqual(['sales.retail.orders']);
    expect(names({ catalogs: ['weather'], schemas: ['retail'] })).toEqual([]);
  });

  it('lists an unused d2s integration of a catalog in scope, never one d2s did not create', () => {
    const comment = integrationComment({
      catalog: 'sales',
      secretFingerprint: '0123456789abcdef',
      refreshIntervalSeconds: 300,
    });
    const existing = new Map([
      ['D2S_UC_SALES', { name: 'D2S_UC_SALES', enabled: true, comment }],
      ['D2S_UC_HAND', { name: 'D2S_UC_HAND', enabled: true, comment: 'by hand' }],
    ]);
    const plan = planOrphans(input([], { integrations: { existing, owners: new Map() } }));
    expect(plan.orphans).toEqual([
      {
        kind: 'integration',
        name: 'D2S_UC_SALES',
        reason: 'no mirrored table uses it (catalog sales); d2s never drops integrations',
      },
    ]);
    expect(
      planOrphans(input([], { integrations: { existing, owners: new Map() }, scope: { catalogs: ['weather'] } }))
        .orphans,
    ).toEqual([]);
  });
});
