/**
 * Discovery as a principal with some privileges missing, against the Databricks emulator enforcing Unity
 * Catalog grants: what d2s may not read is reported as skipped, with the grant that fixes it, and the rest of
 * the plan goes on. Visibility rules and the 403 shape the emulator follows are cited in
 * packages/databricks-emulator/src/unity-catalog/permissions.test.ts; EXTERNAL USE SCHEMA for vended
 * credentials: https://docs.databricks.com/external-access/credential-vending.html.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DatabricksFixture,
  type RunningDatabricksEmulator,
  startDatabricksEmulator,
} from '@d2s/databricks-emulator';
import { createDatabricksClient, type DatabricksClient } from '../databricks/client.js';
import { Secret } from '../secret.js';
import { discoverTables } from './discovery.js';
import { testSettings } from '@d2s/testkit/mirror-fixtures';

const columns = [{ name: 'id', type: 'BIGINT' as const }];

/** reader@ may read lake.curated.open only, and browse the rest; `snowflake-sp` has EXTERNAL USE on curated only. */
const fixture: DatabricksFixture = {
  workspace: { user_name: 'admin@example.com' },
  auth: {
    personal_access_tokens: [
      { token: 'dapi-reader', user_name: 'reader@example.com' },
      { token: 'dapi-admin', user_name: 'admin@example.com' },
    ],
    oauth_clients: [{ client_id: 'snowflake-sp', client_secret: 'sp-secret' }],
  },
  jobs: [],
  catalogs: [
    {
      name: 'lake',
      grants: [
        { principal: 'reader@example.com', privileges: ['USE CATALOG', 'BROWSE'] },
        { principal: 'snowflake-sp', privileges: ['USE CATALOG', 'USE SCHEMA', 'SELECT'] },
      ],
      schemas: [
        {
          name: 'curated',
          grants: [
            { principal: 'reader@example.com', privileges: ['USE SCHEMA'] },
            { principal: 'snowflake-sp', privileges: ['EXTERNAL USE SCHEMA'] },
          ],
          tables: [
            {
              name: 'open',
              format: 'uniform',
              rows: 1,
              columns,
              grants: [{ principal: 'reader@example.com', privileges: ['SELECT'] }],
            },
            { name: 'closed', format: 'uniform', rows: 1, columns },
          ],
        },
        {
          name: 'staged',
          grants: [{ principal: 'reader@example.com', privileges: ['USE SCHEMA', 'SELECT'] }],
          tables: [{ name: 'events', format: 'iceberg', rows: 1, columns }],
        },
        { name: 'secret', tables: [{ name: 'keys', format: 'uniform', rows: 1, columns }] },
      ],
    },
    { name: 'vault', schemas: [{ name: 'default', tables: [{ name: 'gold', format: 'uniform', rows: 1, columns }] }] },
  ],
};

describe('discovery with missing Unity Catalog privileges', () => {
  let root: string;
  let emulator: RunningDatabricksEmulator;
  let client: DatabricksClient;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'd2s-discovery-perm-'));
    emulator = await startDatabricksEmulator({ port: 0, fixture, objectStoreRoot: root });
    client = createDatabricksClient({
      host: emulator.url,
      auth: { kind: 'pat', token: new Secret('dapi-reader') },
      requestTimeoutMs: 5_000,
      retryBudgetMs: 10_000,
      maxConcurrentRequests: 8,
      maxRequestsPerSecond: 1_000,
    });
  });
  afterAll(async () => {
    await client?.close();
    await emulator?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('skips each unreadable table or schema with the grant it needs, and plans the rest', async () => {
    const settings = testSettings({
      catalogs: [
        { name: 'lake', schemaMap: {} },
        { name: 'vault', schemaMap: {} },
      ],
    });
    const result = await discoverTables(
      client.unityCatalog,
      settings,
      {},
      {
        principal: 'reader@example.com',
        integrationPrincipal: 'snowflake-sp',
      },
    );
    expect(result.tables.map((t) => `${t.table.catalog}.${t.table.schema}.${t.table.name}`)).toEqual([
      'lake.curated.open',
    ]);
    const reasons = Object.fromEntries(result.skipped.map((s) => [s.fullName, [s.code, s.reason]]));
    expect(reasons).toMatchObject({
      'vault.*': [
        'PERMISSION_DENIED',
        'cannot list catalog vault: grant USE CATALOG on catalog vault to reader@example.com',
      ],
      'lake.curated.closed': [
        'PERMISSION_DENIED',
        'd2s may only browse it: grant SELECT on table lake.curated.closed to reader@example.com',
      ],
      'lake.staged.events': [
        'NO_EXTERNAL_USE',
        "grant EXTERNAL USE SCHEMA on schema lake.staged to snowflake-sp (Snowflake's catalog integration reads as snowflake-sp; without it Unity Catalog vends no storage credentials)",
      ],
    });
    // lake.secret is not listed at all without USE SCHEMA or BROWSE on it, so it is neither planned nor skipped.
    expect(result.skipped.some((s) => s.fullName.startsWith('lake.secret'))).toBe(false);
    expect(result.unreadable).toEqual(['vault']);
  });
});
