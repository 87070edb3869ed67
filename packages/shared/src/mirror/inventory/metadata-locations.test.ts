import { describe, expect, it } from 'vitest';
import type { TableInfo } from '../../databricks/unity-catalog-types.js';
import type { PlannedAction } from '../plan.js';
import { inventoryRow } from '@d2s/testkit/mirror-fixtures';
import { lookUpMetadataLocations } from './metadata-locations.js';

const row = (name: string, format: 'UNIFORM' | 'MANAGED_ICEBERG' = 'UNIFORM') =>
  inventoryRow(`id-${name}`, name, { format, lastAction: null });

const action = (kind: string, name: string) =>
  ({
    id: `${kind}-${name}`,
    kind,
    table: { catalog: 'weather', schema: 'forecasts', name, tableId: `id-${name}` },
    target: { database: 'WEATHER', schema: 'FORECASTS', name: name.toUpperCase() },
    dependsOn: [],
    reason: 'test',
    sql: [],
  }) as unknown as PlannedAction;

/** Unity Catalog's GET table for the names it knows; `broken` answers with an error. */
function catalog(known: Record<string, string | undefined>, broken: string[] = []) {
  const asked: string[] = [];
  return {
    asked,
    async getTable(fullName: string): Promise<TableInfo> {
      asked.push(fullName);
      if (broken.includes(fullName)) throw new Error('503 TEMPORARILY_UNAVAILABLE');
      const location = known[fullName];
      const [catalog_name = '', schema_name = '', name = ''] = fullName.split('.');
      return {
        name,
        catalog_name,
        schema_name,
        full_name: fullName,
        ...(location ? { delta_uniform_iceberg: { metadata_location: location } } : {}),
      };
    },
  };
}

describe('metadata locations for the inventory', () => {
  it('looks up only the UniForm tables a plan creates, renames, refreshes or alters', async () => {
    const rows = [row('a'), row('b'), row('c'), row('managed', 'MANAGED_ICEBERG'), row('untouched')];
    const uc = catalog({
      'weather.forecasts.a': 's3://lake/a/metadata/00001-x.metadata.json',
      'weather.forecasts.b': 's3://lake/b/metadata/00007-y.metadata.json',
      'weather.forecasts.c': 's3://lake/c/metadata/00002-z.metadata.json',
    });
    const report = await lookUpMetadataLocations(
      rows,
      [
        action('create-table', 'a'),
        action('rename-table', 'b'),
        action('refresh-table', 'c'),
        action('create-table', 'managed'),
      ],
      uc,
      { limit: 10, concurrency: 2 },
    );
    expect(report).toEqual({ looked: 3, found: 3, failed: 0, deferred: 0 });
    expect(uc.asked.sort()).toEqual(['weather.forecasts.a', 'weather.forecasts.b', 'weather.forecasts.c']);
    expect(rows.map((r) => r.metadataLocation)).toEqual([
      's3://lake/a/metadata/00001-x.metadata.json',
      's3://lake/b/metadata/00007-y.metadata.json',
      's3://lake/c/metadata/00002-z.metadata.json',
      null,
      null,
    ]);
  });

  it('stops at the limit and leaves a failed lookup null, without throwing', async () => {
    const rows = [row('a'), row('b'), row('c')];
    const uc = catalog({ 'weather.forecasts.a': 's3://lake/a/m.json' }, ['weather.forecasts.b']);
    const report = await lookUpMetadataLocations(
      rows,
      [action('create-table', 'a'), action('create-table', 'b'), action('create-table', 'c')],
      uc,
      { limit: 2, concurrency: 4 },
    );
    expect(report).toEqual({ looked: 2, found: 1, failed: 1, deferred: 1 });
    expect(rows.map((r) => r.metadataLocation)).toEqual(['s3://lake/a/m.json', null, null]);
  });

  it('never looks up a table only dropped', async () => {
    const rows = [row('gone')];
    const uc = catalog({});
    const drop = { ...(action('drop-table', 'gone') as object), ucFullName: 'weather.forecasts.gone' };
    await lookUpMetadataLocations(rows, [drop as unknown as PlannedAction], uc, { limit: 10, concurrency: 1 });
    expect(uc.asked).toEqual([]);
  });
});
