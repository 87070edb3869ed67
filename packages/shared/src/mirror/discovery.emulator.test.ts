import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDatabricksEmulator, sandboxFixturePath, startDatabricksEmulator } from '@d2s/databricks-emulator';
import { createDatabricksClient, type DatabricksClient } from '../databricks/client.js';
import { Secret } from '../secret.js';
import { discoverTables } from './discovery.js';
import { testSettings } from '@d2s/testkit/mirror-fixtures';

describe('discoverTables against the Databricks emulator', () => {
  let root: string;
  let emulator: RunningDatabricksEmulator;
  let client: DatabricksClient;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'd2s-discovery-'));
    emulator = await startDatabricksEmulator({ port: 0, fixture: sandboxFixturePath, objectStoreRoot: root });
    client = createDatabricksClient({
      host: emulator.url,
      auth: { kind: 'pat', token: new Secret('dapi-sandbox-token') },
      requestTimeoutMs: 5_000,
      retryBudgetMs: 10_000,
      maxConcurrentRequests: 16,
      maxRequestsPerSecond: 1_000,
      pageSize: 10,
    });
  });
  afterAll(async () => {
    await client?.close();
    await emulator?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('follows every page of 64 tables, reads tags only for candidates, and states why it skips', async () => {
    const settings = testSettings({ catalogs: [{ name: 'weather', schemaMap: {} }] });
    const result = await discoverTables(client.unityCatalog, settings);
    const stations = result.tables.filter((t) => t.table.schema === 'stations');
    expect(stations).toHaveLength(48);
    expect(result.skipped.filter((s) => s.fullName.startsWith('weather.stations.'))).toHaveLength(16);
    expect(result.tables.find((t) => t.table.name === 'station_registry')?.target).toEqual({
      database: 'WEATHER',
      schema: 'STATIONS',
      name: 'STATION_REGISTRY',
    });
    const tagCalls = emulator.requestLog.entries({ route: 'unity-catalog/entity-tag-assignments' });
    expect(tagCalls.length).toBe(result.tables.length);
    // Ten per page: the tables of weather.stations came in at least seven pages.
    expect(emulator.requestLog.entries({ route: 'unity-catalog/tables' }).length).toBeGreaterThanOrEqual(8);
  });

  it('narrows to a scope and to include/exclude patterns', async () => {
    const settings = testSettings({
      catalogs: [
        { name: 'weather', schemaMap: {} },
        { name: 'sales', schemaMap: {} },
      ],
      exclude: ['weather.*.hourly_*'],
      include: ['weather.**'],
    });
    const result = await discoverTables(client.unityCatalog, settings, { schemas: ['forecasts'] });
    expect(result.tables.map((t) => t.table.name).sort()).toEqual(['daily_forecasts', 'station_registry']);
    expect(result.skipped.find((s) => s.fullName === 'weather.forecasts.hourly_observations')?.code).toBe('EXCLUDED');
  });
});
