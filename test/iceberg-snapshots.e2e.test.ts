import { mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningDatabricksEmulator, sandboxFixturePath, startDatabricksEmulator } from '@d2s/databricks-emulator';
import { type SnowflakeEmulator, startSnowflakeEmulator } from '@d2s/snowflake-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Both emulators over one object store: a write to a UniForm table in Databricks commits a new
 * Iceberg snapshot; Snowflake sees its rows after ALTER ICEBERG TABLE ... REFRESH ("Refreshing an
 * Iceberg table synchronizes the table metadata with the most recent table changes",
 * https://docs.snowflake.com/en/sql-reference/sql/alter-iceberg-table-refresh), and not before.
 * Snowflake finds the rows only through the metadata tree, so a data file the manifests name
 * that is gone fails the refresh.
 */

const TABLE = 'weather.forecasts.daily_forecasts';
const FIXTURE_ROWS = 20; // fixtures/databricks-sandbox.yaml

let root: string;
let databricks: RunningDatabricksEmulator;
let snowflake: SnowflakeEmulator;

const sql = async (text: string) =>
  (await snowflake.admin.execute(text, { database: 'D2S_ICEBERG_IT', schema: 'PUBLIC' })).rows;
const count = async () => Number((await sql('SELECT COUNT(*) FROM "daily_forecasts"'))[0]?.[0]);
const tableDir = () => join(root, 'd2s-unity-catalog');

/** Parquet files under the UniForm table's root (the test may list a folder; the emulators may not). */
async function parquetFiles(): Promise<string[]> {
  const entries = await readdir(tableDir(), { recursive: true });
  return entries
    .filter((e) => e.endsWith('.parquet') && !e.includes('/metadata/') && !e.includes('/_delta_log/'))
    .sort();
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'd2s-iceberg-snapshots-'));
  databricks = await startDatabricksEmulator({
    port: 0,
    fixture: sandboxFixturePath,
    objectStoreRoot: root,
    timeScale: 0.01,
  });
  snowflake = await startSnowflakeEmulator({ port: 0, objectStoreRoot: root, account: 'D2S_TEST', users: [] });
  await snowflake.admin.execute('CREATE DATABASE D2S_ICEBERG_IT');
  await sql(`CREATE CATALOG INTEGRATION uc_weather
    CATALOG_SOURCE = ICEBERG_REST TABLE_FORMAT = ICEBERG CATALOG_NAMESPACE = 'forecasts'
    REST_CONFIG = (CATALOG_URI = '${databricks.url}/api/2.1/unity-catalog/iceberg-rest' CATALOG_NAME = 'weather'
      ACCESS_DELEGATION_MODE = VENDED_CREDENTIALS)
    REST_AUTHENTICATION = (TYPE = OAUTH OAUTH_TOKEN_URI = '${databricks.url}/oidc/v1/token'
      OAUTH_CLIENT_ID = 'd2s-sandbox-client' OAUTH_CLIENT_SECRET = 'd2s-sandbox-secret' OAUTH_ALLOWED_SCOPES = ('all-apis'))
    ENABLED = TRUE`);
  await sql(`CREATE ICEBERG TABLE "daily_forecasts" CATALOG = 'uc_weather' CATALOG_TABLE_NAME = 'daily_forecasts'`);
}, 60_000);

afterAll(async () => {
  await snowflake?.close();
  await databricks?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('Iceberg snapshots across the emulators', () => {
  it('serves a new snapshot after a Databricks write, once Snowflake refreshes', async () => {
    expect(await count()).toBe(FIXTURE_ROWS);
    const before = databricks.admin.requests({ route: 'iceberg-rest/table' }).length;
    const written = await databricks.admin.appendRows(TABLE, 5);
    expect(written.rows).toBe(FIXTURE_ROWS + 5);
    expect(await count()).toBe(FIXTURE_ROWS);
    await sql('ALTER ICEBERG TABLE "daily_forecasts" REFRESH');
    expect(await count()).toBe(FIXTURE_ROWS + 5);
    expect(databricks.admin.requests({ route: 'iceberg-rest/table' }).length).toBe(before + 1);
  });

  it('fails the refresh when a data file the manifests name is gone, and keeps the rows', async () => {
    const filesBefore = await parquetFiles();
    await databricks.admin.appendRows(TABLE, 3);
    const added = (await parquetFiles()).filter((f) => !filesBefore.includes(f));
    expect(added).toHaveLength(1);
    await unlink(join(tableDir(), added[0]!));
    await expect(sql('ALTER ICEBERG TABLE "daily_forecasts" REFRESH')).rejects.toThrow(
      /^Remote file 's3:\/\/d2s-unity-catalog\/.+\.parquet' was not found\./,
    );
    expect(await count()).toBe(FIXTURE_ROWS + 5);
  });
});
