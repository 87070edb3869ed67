import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDatabricksEmulator, sandboxFixturePath, startDatabricksEmulator } from '@d2s/databricks-emulator';
import { testSettings } from '@d2s/testkit/mirror-fixtures';
import { createDatabricksClient, type DatabricksClient } from '../databricks/client.js';
import { DatabricksStatementError } from '../databricks/sql-statements-api.js';
import { Secret } from '../secret.js';
import { discoverTables } from './discovery.js';

/**
 * Issue #14, "5,000 tables, fast": with a SQL warehouse, planning reads a catalog's tags with one query over
 * `information_schema.table_tags` (through the Statement Execution API), and decides exactly as the per-table
 * tag requests do on the same fixture.
 */
describe('bulk tag reads against the Databricks emulator', () => {
  let root: string;
  let emulator: RunningDatabricksEmulator;
  let client: DatabricksClient;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'd2s-bulk-tags-'));
    emulator = await startDatabricksEmulator({
      port: 0,
      fixture: sandboxFixturePath,
      objectStoreRoot: root,
      timeScale: 0.01,
    });
    client = createDatabricksClient({
      host: emulator.url,
      auth: { kind: 'pat', token: new Secret('dapi-sandbox-token') },
      requestTimeoutMs: 5_000,
      retryBudgetMs: 10_000,
      maxConcurrentRequests: 16,
      maxRequestsPerSecond: 1_000,
      sqlWarehouseId: 'd2s-sandbox-warehouse',
      statements: { pollInitialMs: 10 },
    });
  });
  afterAll(async () => {
    await client?.close();
    await emulator?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const settings = () =>
    testSettings({
      catalogs: [
        { name: 'weather', schemaMap: {} },
        { name: 'sales', schemaMap: {} },
      ],
    });

  it('decides every table as the per-table tag requests do, with one query per catalog and no tag requests', async () => {
    // A user's tag that selects by tag: a table opted out in Unity Catalog must be opted out in bulk too.
    const perTable = await discoverTables(client.unityCatalog, settings());
    const tagRequests = emulator.requestLog.entries({ route: 'unity-catalog/entity-tag-assignments' }).length;
    expect(tagRequests).toBeGreaterThanOrEqual(perTable.tables.length);

    emulator.requestLog.clear();
    const bulk = await discoverTables(client.unityCatalog, settings(), {}, { sql: client.sql });
    expect(bulk.tables).toEqual(perTable.tables);
    expect(bulk.skipped).toEqual(perTable.skipped);
    expect(perTable.skipped.some((s) => s.code === 'OPTED_OUT')).toBe(true);
    expect(emulator.requestLog.entries({ route: 'unity-catalog/entity-tag-assignments' })).toHaveLength(0);
    expect(emulator.requestLog.entries({ route: 'sql/statements' })).toHaveLength(2);
    expect(bulk.calls).toBeLessThan(perTable.calls);
  });

  it('falls back to per-table requests when the query is refused for a missing privilege, and not otherwise', async () => {
    const refusing = {
      execute: () =>
        Promise.reject(
          new DatabricksStatementError(
            'DATABRICKS_STATEMENT_FAILED',
            "[INSUFFICIENT_PERMISSIONS] Insufficient privileges:\nUser does not have USE CATALOG on Catalog 'weather'. SQLSTATE: 42501",
            { state: 'FAILED', errorCode: 'BAD_REQUEST' },
          ),
        ),
    };
    const perTable = await discoverTables(client.unityCatalog, settings());
    const fallback = await discoverTables(client.unityCatalog, settings(), {}, { sql: refusing });
    expect(fallback.tables).toEqual(perTable.tables);
    const broken = {
      execute: () =>
        Promise.reject(
          new DatabricksStatementError('DATABRICKS_STATEMENT_FAILED', '[INTERNAL_ERROR] boom', { state: 'FAILED' }),
        ),
    };
    await expect(discoverTables(client.unityCatalog, settings(), {}, { sql: broken })).rejects.toThrow('boom');
  });
});
