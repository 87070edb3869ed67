import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SANDBOX, type SnowflakeSandbox, startSnowflakeSandbox } from './sandbox.js';
import { DriverHost, writeParquet } from '../test-support/driver.js';

let dir: string;
let sandbox: SnowflakeSandbox;
const driver = new DriverHost();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sf-sandbox-'));
  sandbox = await startSnowflakeSandbox({
    port: 0,
    dataDir: join(dir, 'data'),
    objectStoreRoot: join(dir, 'store'),
    privateKeyPassphrase: 'pass',
  });
});
afterAll(async () => {
  await driver.close();
  await sandbox.emulator.close();
  await rm(dir, { recursive: true, force: true });
});

it('generates a private key readable by its owner only, and reuses it', async () => {
  expect((await stat(sandbox.privateKeyPath)).mode & 0o777).toBe(0o600);
  const pem = await readFile(sandbox.privateKeyPath, 'utf8');
  expect(pem).toContain('BEGIN ENCRYPTED PRIVATE KEY');
  const again = await startSnowflakeSandbox({
    port: 0,
    dataDir: join(dir, 'data'),
    objectStoreRoot: join(dir, 'store'),
  });
  expect(await readFile(again.privateKeyPath, 'utf8')).toBe(pem);
  await again.emulator.close();
});

it('lets D2S_SANDBOX log in with its key and load from the shared_forecasts stage', async () => {
  await writeParquet(
    join(dir, 'store'),
    `${SANDBOX.stageUrl}shared_forecasts/sync-1/part-0.parquet`,
    'SELECT 1::BIGINT AS id',
  );
  const c = await driver.connect({
    accessUrl: sandbox.emulator.url,
    account: SANDBOX.account,
    username: SANDBOX.keyPairUser,
    authenticator: 'SNOWFLAKE_JWT',
    privateKey: await readFile(sandbox.privateKeyPath, 'utf8'),
    privateKeyPass: 'pass',
  });
  expect(await c.rows('select current_database() as d, current_schema() as s, current_role() as r')).toEqual([
    { D: SANDBOX.database, S: SANDBOX.schema, R: SANDBOX.role },
  ]);
  const listed = await c.rows(`list @${SANDBOX.stage}/shared_forecasts/`);
  expect(listed.map((r) => r.name)).toEqual([`${SANDBOX.stageUrl}shared_forecasts/sync-1/part-0.parquet`]);
  await c.rows('create table forecasts (id number)');
  const loaded = await c.rows(
    `copy into forecasts from @${SANDBOX.stage}/shared_forecasts/sync-1/ match_by_column_name = case_insensitive`,
  );
  expect(loaded.map((r) => r.status)).toEqual(['LOADED']);
  await c.destroy();
  const dev = await driver.connect({
    accessUrl: sandbox.emulator.url,
    account: SANDBOX.account,
    username: SANDBOX.passwordUser,
    password: SANDBOX.password,
  });
  expect(await dev.rows('select count(*) as n from forecasts')).toEqual([{ N: 1 }]);
  await dev.destroy();
});

it('has a consumer, D2S_ANALYST, that sees a table only once SELECT on it is granted to ANALYST', async () => {
  await sandbox.emulator.admin.execute(`create table ${SANDBOX.database}.${SANDBOX.schema}.for_analysts (n number)`);
  const analyst = await driver.connect({
    accessUrl: sandbox.emulator.url,
    account: SANDBOX.account,
    username: SANDBOX.analystUser,
    password: SANDBOX.analystPassword,
    warehouse: SANDBOX.warehouse,
  });
  expect(await analyst.rows('select current_role() as r, current_warehouse() as w, current_database() as d')).toEqual([
    { R: SANDBOX.analystRole, W: SANDBOX.warehouse, D: SANDBOX.database },
  ]);
  await expect(analyst.rows('select * from for_analysts')).rejects.toMatchObject({ code: '002003' });
  await expect(analyst.rows('create table mine (n number)')).rejects.toMatchObject({ code: '003001' });
  await sandbox.emulator.admin.execute(
    `grant select on table ${SANDBOX.database}.${SANDBOX.schema}.for_analysts to role ${SANDBOX.analystRole}`,
  );
  expect(await analyst.rows('select count(*) as n from for_analysts')).toEqual([{ N: 0 }]);
  await analyst.destroy();
});
