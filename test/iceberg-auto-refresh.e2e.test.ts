import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningDatabricksEmulator, sandboxFixturePath, startDatabricksEmulator } from '@d2s/databricks-emulator';
import { type SnowflakeEmulator, startSnowflakeEmulator } from '@d2s/snowflake-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * AUTO_REFRESH = TRUE across the emulators: rows written in Databricks reach Snowflake with no REFRESH from anyone.
 * "With automated refreshes, Snowflake polls your external Iceberg catalog in a continuous and serverless fashion
 * to synchronize the metadata with the most recent remote changes"; the interval is the catalog integration's
 * REFRESH_INTERVAL_SECONDS, "Otherwise, the default refresh interval is 30 seconds"
 * (https://docs.snowflake.com/user-guide/tables-iceberg-auto-refresh). SYSTEM$AUTO_REFRESH_STATUS returns
 * executionState, invalidExecutionStateReason, pendingSnapshotCount, oldestSnapshotTime, currentSnapshotId,
 * currentSnapshotSummary, lastSnapshotTime, lastUpdatedTime, currentMetadataFile, currentSchemaId; STALLED means
 * "Automated refresh encountered an error and is attempting to recover"
 * (https://docs.snowflake.com/en/sql-reference/functions/system_auto_refresh_status).
 *
 * The Snowflake emulator's refresh intervals are scaled by 0.01 here (30 s → 0.3 s).
 */

const FIXTURE_ROWS = 20; // weather.forecasts.daily_forecasts in fixtures/databricks-sandbox.yaml
const DB = 'D2S_AUTO_REFRESH_IT';

let root: string;
let databricks: RunningDatabricksEmulator;
let snowflake: SnowflakeEmulator;

const sql = async (text: string) => (await snowflake.admin.execute(text, { database: DB, schema: 'PUBLIC' })).rows;
const count = async (table: string) => Number((await sql(`SELECT COUNT(*) FROM "${table}"`))[0]?.[0]);
const status = async (table: string) =>
  JSON.parse(String((await sql(`SELECT SYSTEM$AUTO_REFRESH_STATUS('${DB}.PUBLIC."${table}"')`))[0]?.[0])) as Record<
    string,
    unknown
  >;

/** Waits (bounded) until `check` holds; the bound only stops a broken test, it asserts no speed. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const integrationSql = (name: string, refreshInterval: string) => `CREATE CATALOG INTEGRATION ${name}
    CATALOG_SOURCE = ICEBERG_REST TABLE_FORMAT = ICEBERG CATALOG_NAMESPACE = 'forecasts'
    REST_CONFIG = (CATALOG_URI = '${databricks.url}/api/2.1/unity-catalog/iceberg-rest' CATALOG_NAME = 'weather'
      ACCESS_DELEGATION_MODE = VENDED_CREDENTIALS)
    REST_AUTHENTICATION = (TYPE = OAUTH OAUTH_TOKEN_URI = '${databricks.url}/oidc/v1/token'
      OAUTH_CLIENT_ID = 'd2s-sandbox-client' OAUTH_CLIENT_SECRET = 'd2s-sandbox-secret' OAUTH_ALLOWED_SCOPES = ('all-apis'))
    ENABLED = TRUE ${refreshInterval}`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'd2s-iceberg-auto-refresh-'));
  databricks = await startDatabricksEmulator({
    port: 0,
    fixture: sandboxFixturePath,
    objectStoreRoot: root,
    timeScale: 0.01,
  });
  snowflake = await startSnowflakeEmulator({
    port: 0,
    objectStoreRoot: root,
    account: 'D2S_TEST',
    users: [],
    icebergRefreshIntervalScale: 0.01,
  });
  await snowflake.admin.execute(`CREATE DATABASE ${DB}`);
  await sql(integrationSql('uc_default_interval', '')); // REFRESH_INTERVAL_SECONDS defaults to 30
  await sql(integrationSql('uc_hourly', 'REFRESH_INTERVAL_SECONDS = 3600'));
  await sql(`CREATE ICEBERG TABLE "auto" CATALOG = 'uc_default_interval' CATALOG_TABLE_NAME = 'daily_forecasts'
    AUTO_REFRESH = TRUE`);
  await sql(`CREATE ICEBERG TABLE "manual" CATALOG = 'uc_default_interval' CATALOG_TABLE_NAME = 'daily_forecasts'`);
  await sql(`CREATE ICEBERG TABLE "hourly" CATALOG = 'uc_hourly' CATALOG_TABLE_NAME = 'daily_forecasts'
    AUTO_REFRESH = TRUE`);
}, 60_000);

afterAll(async () => {
  await snowflake?.close();
  await databricks?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('AUTO_REFRESH = TRUE Iceberg tables', () => {
  it('take in a new Databricks snapshot on their own, at their integration’s interval', async () => {
    const before = await status('auto');
    expect(before).toMatchObject({ executionState: 'RUNNING', pendingSnapshotCount: 0 });
    expect(await count('auto')).toBe(FIXTURE_ROWS);

    await databricks.admin.appendRows('weather.forecasts.daily_forecasts', 5);
    await eventually(
      () => count('auto'),
      (n) => n === FIXTURE_ROWS + 5,
      'rows in the AUTO_REFRESH table',
    );

    const after = await status('auto');
    expect(after).toMatchObject({ executionState: 'RUNNING', invalidExecutionStateReason: null });
    expect(after.currentMetadataFile).not.toBe(before.currentMetadataFile);
    expect(after.currentSnapshotId).not.toBe(before.currentSnapshotId);
    expect(String(after.currentMetadataFile)).toMatch(/\/metadata\/\d{5}-[0-9a-f-]+\.metadata\.json$/);
    // The snapshot Snowflake took in is the one the catalog now serves.
    const loaded = await fetch(
      `${databricks.url}/api/2.1/unity-catalog/iceberg-rest/v1/catalogs/weather/namespaces/forecasts/tables/daily_forecasts`,
      { headers: { authorization: 'Bearer dapi-sandbox-token' } },
    ).then((r) => r.json() as Promise<{ 'metadata-location': string; metadata: { 'current-snapshot-id': number } }>);
    expect(after.currentMetadataFile).toBe(loaded['metadata-location']);
    expect(after.currentSnapshotId).toBe(String(loaded.metadata['current-snapshot-id']));
    expect(Date.parse(String(after.lastUpdatedTime))).toBeGreaterThanOrEqual(
      Date.parse(String(after.lastSnapshotTime)),
    );

    // AUTO_REFRESH = FALSE: nothing moves without ALTER ICEBERG TABLE … REFRESH.
    expect(await count('manual')).toBe(FIXTURE_ROWS);
    expect(await status('manual')).toMatchObject({ executionState: 'STOPPED' });
    // REFRESH_INTERVAL_SECONDS = 3600 (36 s here): not polled again yet, though the 30 s one was.
    expect(await count('hourly')).toBe(FIXTURE_ROWS);
    // SHOW ICEBERG TABLES carries the same status.
    const shown = await sql(`SHOW ICEBERG TABLES LIKE 'auto' IN SCHEMA ${DB}.PUBLIC`);
    const columns = (await snowflake.admin.execute(`SHOW ICEBERG TABLES LIKE 'auto' IN SCHEMA ${DB}.PUBLIC`)).columns;
    const row = shown[0] as unknown[];
    expect(JSON.parse(String(row[columns.indexOf('auto_refresh_status')]))).toMatchObject({
      executionState: 'RUNNING',
      currentSnapshotId: after.currentSnapshotId,
    });
  });

  it('stalls with the reason when the catalog refuses, keeps the rows, and recovers', async () => {
    await databricks.admin.addHttpFault({ route: 'iceberg-rest/table', status: 503, count: 1_000 });
    const stalled = await eventually(
      () => status('auto'),
      (s) => s.executionState === 'STALLED',
      'the refresh status after the catalog failed',
    );
    expect(String(stalled.invalidExecutionStateReason)).toContain('HTTP 503');
    expect(await count('auto')).toBe(FIXTURE_ROWS + 5);

    databricks.admin.clearFaults();
    await databricks.admin.appendRows('weather.forecasts.daily_forecasts', 2);
    await eventually(
      () => count('auto'),
      (n) => n === FIXTURE_ROWS + 7,
      'rows after the catalog recovered',
    );
    expect(await status('auto')).toMatchObject({ executionState: 'RUNNING', invalidExecutionStateReason: null });
  });

  it('reads only the files the Iceberg tree names, never the Delta log UniForm keeps beside it', async () => {
    // A UniForm table's _delta_log/ holds Delta commits and, every 10 commits, a checkpoint Parquet file: a reader
    // that listed the table's folder would count those; Snowflake follows metadata.json only.
    const before = await count('auto');
    for (let i = 0; i < 10; i++) await databricks.admin.appendRows('weather.forecasts.daily_forecasts', 1);
    const info = (await fetch(`${databricks.url}/api/2.1/unity-catalog/tables/weather.forecasts.daily_forecasts`, {
      headers: { authorization: 'Bearer dapi-sandbox-token' },
    }).then((r) => r.json())) as { storage_location: string };
    const log = await readdir(`${info.storage_location.replace('s3://', `${root}/`)}/_delta_log`);
    expect(log).toContain('00000000000000000010.checkpoint.parquet');
    await eventually(
      () => count('auto'),
      (n) => n === before + 10,
      'rows after ten more Delta commits',
    );
    await sql('ALTER ICEBERG TABLE "manual" REFRESH');
    expect(await count('manual')).toBe(before + 10);
  });

  it('refuses the status of a table that is not an externally managed Iceberg table', async () => {
    await sql('CREATE TABLE "plain" (id INT)');
    await expect(sql(`SELECT SYSTEM$AUTO_REFRESH_STATUS('${DB}.PUBLIC."plain"')`)).rejects.toThrow(
      /not an externally managed Iceberg table/,
    );
  });
});
