import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDatabricksEmulator, sandboxFixturePath, startDatabricksEmulator } from '@d2s/databricks-emulator';
import { type SnowflakeEmulator, startSnowflakeEmulator } from '@d2s/snowflake-emulator';
import { Secret } from '../secret.js';
import { createSnowflakeClient, type SnowflakeClient } from './client.js';
import { configureSnowflakeDriver } from './driver.js';
import { SnowflakeError } from './errors.js';
import {
  alterCatalogIntegration,
  createCatalogIntegration,
  createIcebergTable,
  dropCatalogIntegration,
  dropIcebergTable,
  parseCatalogIntegrationVerification,
  refreshIcebergTable,
  renameIcebergTable,
  showCatalogIntegrations,
  showIcebergTables,
  verifyCatalogIntegration,
} from './sql/index.js';

/**
 * Catalog integrations and externally managed Iceberg tables, through the
 * real driver, against the Snowflake emulator whose integrations call the
 * Databricks emulator's Unity Catalog Iceberg REST catalog.
 */

const DB = 'D2S_MIRROR_IT';
const SANDBOX_CLIENT_ID = 'd2s-sandbox-client';
const SANDBOX_CLIENT_SECRET = 'd2s-sandbox-secret';

let root: string;
let snowflake: SnowflakeEmulator;
let databricks: RunningDatabricksEmulator;
let sf: SnowflakeClient;

beforeAll(async () => {
  await configureSnowflakeDriver({ logLevel: 'OFF' });
  root = await mkdtemp(join(tmpdir(), 'd2s-sf-iceberg-'));
  databricks = await startDatabricksEmulator({
    port: 0,
    fixture: sandboxFixturePath,
    objectStoreRoot: root,
    timeScale: 0.01,
  });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  snowflake = await startSnowflakeEmulator({
    port: 0,
    objectStoreRoot: root,
    account: 'D2S_TEST',
    users: [
      {
        name: 'D2S_MIRROR',
        rsaPublicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        defaultRole: 'SYSADMIN',
        defaultWarehouse: 'D2S_WH',
      },
    ],
    // Queries need a warehouse (000606 without one), as in Snowflake.
    fixture: { setup: ['CREATE WAREHOUSE IF NOT EXISTS D2S_WH'] },
  });
  // Only ACCOUNTADMIN may create integrations out of the box; the mirror's role needs the right.
  await snowflake.admin.execute('GRANT CREATE INTEGRATION ON ACCOUNT TO ROLE SYSADMIN');
  await snowflake.admin.execute(`CREATE DATABASE IF NOT EXISTS ${DB}`);
  await snowflake.admin.execute(`CREATE SCHEMA IF NOT EXISTS ${DB}."forecasts"`);
  sf = createSnowflakeClient({
    account: snowflake.account,
    user: 'D2S_MIRROR',
    database: DB,
    accessUrl: snowflake.url,
    authenticator: 'SNOWFLAKE_JWT',
    poolMax: 2,
    statementTimeoutSeconds: 120,
    auth: { kind: 'keypair', privateKey: new Secret(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()) },
  });
}, 60_000);

afterAll(async () => {
  await sf?.close();
  await snowflake?.close();
  await databricks?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const integration = 'D2S_UC_WEATHER';
const mirrored = { database: DB, schema: 'forecasts', name: 'daily_forecasts' };

async function verify(name: string) {
  return parseCatalogIntegrationVerification((await sf.execute(verifyCatalogIntegration(name))).rows);
}

describe('catalog integration', () => {
  it('is created once, verified, listed', async () => {
    for (let i = 0; i < 2; i += 1) {
      const ddl = createCatalogIntegration({
        name: integration,
        workspaceUrl: databricks.url,
        catalogName: 'weather',
        namespace: 'forecasts',
        oauth: { clientId: SANDBOX_CLIENT_ID, clientSecret: new Secret(SANDBOX_CLIENT_SECRET) },
        refreshIntervalSeconds: 60,
        comment: 'd2s mirror of Unity Catalog weather',
      });
      expect(String(ddl)).not.toContain(SANDBOX_CLIENT_SECRET);
      await sf.execute(ddl);
    }
    expect(await verify(integration)).toEqual({ success: true });
    const shown = await sf.execute(showCatalogIntegrations({ like: 'D2S_UC_%' }));
    expect(shown.rows.map((r) => r.name)).toContain(integration);
  });

  it('applies a rotated secret with ALTER', async () => {
    await sf.execute(alterCatalogIntegration({ name: integration, clientSecret: new Secret('rotated-but-wrong') }));
    const failed = await verify(integration);
    expect(failed.success).toBe(false);
    expect(failed.errorMessage).toBeTruthy();
    await sf.execute(
      alterCatalogIntegration({
        name: integration,
        clientSecret: new Secret(SANDBOX_CLIENT_SECRET),
        refreshIntervalSeconds: 120,
      }),
    );
    expect(await verify(integration)).toEqual({ success: true });
  });
});

describe('Iceberg tables', () => {
  it('mirrors a UniForm table and an Iceberg table (IF NOT EXISTS: twice)', async () => {
    for (let i = 0; i < 2; i += 1) {
      await sf.execute(
        createIcebergTable({
          table: mirrored,
          catalogIntegration: integration,
          catalogNamespace: 'forecasts',
          catalogTableName: 'daily_forecasts',
          comment: 'd2s mirror of weather.forecasts.daily_forecasts',
        }),
      );
    }
    const count = await sf.execute(`SELECT COUNT(*) AS "N" FROM "${DB}"."forecasts"."daily_forecasts"`);
    expect(count.rows).toEqual([{ N: 20 }]);

    const stations = { ...mirrored, name: 'station_registry' };
    await sf.execute(
      createIcebergTable({
        table: stations,
        catalogIntegration: integration,
        catalogTableName: 'station_registry',
        autoRefresh: false,
      }),
    );
    expect((await sf.execute(`SELECT COUNT(*) AS "N" FROM "${DB}"."forecasts"."station_registry"`)).rows).toEqual([
      { N: 12 },
    ]);
  });

  it('refreshes, lists, renames and drops', async () => {
    await sf.execute(refreshIcebergTable(mirrored));
    const listed = await sf.execute(showIcebergTables({ database: DB, schema: 'forecasts' }, { like: 'daily%' }));
    expect(listed.rows.map((r) => r.name)).toEqual(['daily_forecasts']);
    expect((await sf.execute(showIcebergTables({ database: DB }))).rows.map((r) => r.name).sort()).toEqual([
      'daily_forecasts',
      'station_registry',
    ]);

    await sf.execute(dropIcebergTable(mirrored));
    await sf.execute(dropIcebergTable(mirrored)); // IF EXISTS
    expect((await sf.execute(showIcebergTables({ database: DB }))).rows.map((r) => r.name)).toEqual([
      'station_registry',
    ]);
  });

  // Snowflake documents no ALTER ICEBERG TABLE ... RENAME TO; the emulator refuses it as unsupported, and the
  // mirror worker then follows a rename by creating the new table and dropping the old one.
  it('refuses to rename an Iceberg table as an unsupported feature', async () => {
    const table = { ...mirrored, name: 'to_rename' };
    await sf.execute(
      createIcebergTable({ table, catalogIntegration: integration, catalogTableName: 'daily_forecasts' }),
    );
    const refused = await sf
      .execute(renameIcebergTable(table, { ...mirrored, name: 'renamed' }))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SnowflakeError);
    expect(refused).toMatchObject({ snowflakeCode: '000002', retryable: false });
    await sf.execute(dropIcebergTable(table));
  });

  it('drops the integration', async () => {
    await sf.execute(dropIcebergTable({ ...mirrored, name: 'station_registry' }));
    await sf.execute(dropCatalogIntegration(integration));
    await sf.execute(dropCatalogIntegration(integration)); // IF EXISTS
    expect((await sf.execute(showCatalogIntegrations({ like: 'D2S_UC_%' }))).rows).toEqual([]);
  });
});
