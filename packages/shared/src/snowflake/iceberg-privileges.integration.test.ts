import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  grantLike,
  loadFixture,
  type RunningDatabricksEmulator,
  sandboxFixturePath,
  startDatabricksEmulator,
} from '@d2s/databricks-emulator';
import { type SnowflakeEmulator, startSnowflakeEmulator } from '@d2s/snowflake-emulator';
import { Secret } from '../secret.js';
import { createSnowflakeClient, type SnowflakeClient } from './client.js';
import { configureSnowflakeDriver } from './driver.js';
import { SnowflakeError } from './errors.js';
import { createCatalogIntegration, createIcebergTable } from './sql/index.js';

/**
 * What d2s sees when Snowflake's catalog integration reads Unity Catalog as a principal that lacks a privilege:
 * the Iceberg REST catalog refuses with 403 ForbiddenException and Unity Catalog's words, and the statement fails
 * with an error that names the missing privilege and the securable, so a mirror action's failure says what to
 * grant. Reading through the Iceberg REST catalog needs USE CATALOG, USE SCHEMA and SELECT, and vended credentials
 * (ACCESS_DELEGATION_MODE = VENDED_CREDENTIALS, what d2s configures) need EXTERNAL USE SCHEMA
 * (https://docs.databricks.com/external-access/admin.html).
 *
 * Principals over the sandbox: `reader-client` holds what analyst@example.com holds (USE CATALOG + BROWSE on
 * weather, USE SCHEMA on weather.forecasts, SELECT on two of its tables) plus EXTERNAL USE SCHEMA on
 * weather.forecasts; `no-vending-client` holds the analyst's grants only.
 */
const DB = 'D2S_PRIV_IT';

let root: string;
let snowflake: SnowflakeEmulator;
let databricks: RunningDatabricksEmulator;
let sf: SnowflakeClient;

beforeAll(async () => {
  await configureSnowflakeDriver({ logLevel: 'OFF' });
  root = await mkdtemp(join(tmpdir(), 'd2s-sf-iceberg-priv-'));
  const fixture = await loadFixture(sandboxFixturePath);
  for (const client of ['reader-client', 'no-vending-client']) {
    fixture.auth.oauth_clients.push({ client_id: client, client_secret: `${client}-secret` });
    grantLike(fixture, 'analyst@example.com', client);
  }
  const forecasts = fixture.catalogs.find((c) => c.name === 'weather')?.schemas.find((s) => s.name === 'forecasts');
  forecasts?.grants?.push({ principal: 'reader-client', privileges: ['EXTERNAL USE SCHEMA'] });
  databricks = await startDatabricksEmulator({ port: 0, fixture, objectStoreRoot: root, timeScale: 0.01 });
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
  await snowflake.admin.execute('GRANT CREATE INTEGRATION ON ACCOUNT TO ROLE SYSADMIN');
  await snowflake.admin.execute(`CREATE DATABASE IF NOT EXISTS ${DB}`);
  await snowflake.admin.execute(`CREATE SCHEMA IF NOT EXISTS ${DB}."m"`);
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
  for (const [name, client] of [
    ['D2S_UC_READER', 'reader-client'],
    ['D2S_UC_NO_VENDING', 'no-vending-client'],
  ] as const) {
    await sf.execute(
      createCatalogIntegration({
        name,
        workspaceUrl: databricks.url,
        catalogName: 'weather',
        namespace: 'forecasts',
        oauth: { clientId: client, clientSecret: new Secret(`${client}-secret`) },
        refreshIntervalSeconds: 60,
      }),
    );
  }
}, 60_000);

afterAll(async () => {
  await sf?.close();
  await snowflake?.close();
  await databricks?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

async function createFails(integration: string, namespace: string, table: string): Promise<SnowflakeError> {
  const error = await sf
    .execute(
      createIcebergTable({
        table: { database: DB, schema: 'm', name: `${integration}_${table}` },
        catalogIntegration: integration,
        catalogNamespace: namespace,
        catalogTableName: table,
      }),
    )
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  if (!(error instanceof SnowflakeError)) throw new Error(`expected a SnowflakeError, got ${String(error)}`);
  return error;
}

describe('Iceberg tables read as a principal with too few privileges', () => {
  it('loads a table the principal may read and vend', async () => {
    await sf.execute(
      createIcebergTable({
        table: { database: DB, schema: 'm', name: 'daily' },
        catalogIntegration: 'D2S_UC_READER',
        catalogTableName: 'daily_forecasts',
      }),
    );
    expect((await sf.execute(`SELECT COUNT(*) AS "N" FROM "${DB}"."m"."daily"`)).rows).toEqual([{ N: 20 }]);
  });

  it('names SELECT when the principal may not read the table', async () => {
    const error = await createFails('D2S_UC_READER', 'forecasts', 'station_registry');
    expect(error.message).toContain("User does not have SELECT on Table 'weather.forecasts.station_registry'");
    expect(error.message).toContain('HTTP 403 ForbiddenException');
    expect(error.message).toContain('D2S_UC_READER');
  });

  it('names USE SCHEMA when the principal may not use the namespace', async () => {
    const error = await createFails('D2S_UC_READER', 'stations', 'anything');
    expect(error.message).toContain("User does not have USE SCHEMA on Schema 'weather.stations'");
  });

  it('names EXTERNAL USE SCHEMA when the catalog would have to vend credentials without it', async () => {
    const error = await createFails('D2S_UC_NO_VENDING', 'forecasts', 'daily_forecasts');
    expect(error.message).toContain("User does not have EXTERNAL USE SCHEMA on Schema 'weather.forecasts'");
    expect(String(error.message)).not.toContain('no-vending-client-secret');
  });
});
