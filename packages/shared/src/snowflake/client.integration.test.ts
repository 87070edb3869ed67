import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '@d2s/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SnowflakeEmulator, startSnowflakeEmulator } from '@d2s/snowflake-emulator';
import { Secret } from '../secret.js';
import { createSnowflakeClient, type QueryEvent, type SnowflakeClient, type SnowflakeClientDeps } from './client.js';
import type { SnowflakeConnectionConfig } from './connection-options.js';
import { parseCopyIntoResult } from './copy-result.js';
import { configureSnowflakeDriver } from './driver.js';
import { SnowflakeAuthError, SnowflakeCanceledError, SnowflakeError, SnowflakeTimeoutError } from './errors.js';
import {
  copyHistory,
  copyIntoTable,
  countRows,
  createFileFormat,
  createStage,
  createTableFromFiles,
  createTableLike,
  dropTable,
  listStage,
  ROW_COUNT_COLUMN,
  swapTables,
} from './sql/index.js';
import { writeParquet } from '@d2s/testkit/parquet';

/**
 * The production client through the real, unmodified snowflake-sdk driver,
 * against the Snowflake emulator over loopback.
 */

const DB = 'D2S_IT';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const plainKey = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const encryptedKey = privateKey
  .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'key passphrase' })
  .toString();
const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();

let root: string;
let emulator: SnowflakeEmulator;
const clients: SnowflakeClient[] = [];

function config(overrides: Partial<SnowflakeConnectionConfig> = {}): SnowflakeConnectionConfig {
  return {
    account: emulator.account,
    user: 'D2S_KEY',
    role: 'SYSADMIN',
    warehouse: 'D2S_WH',
    database: DB,
    schema: 'PUBLIC',
    accessUrl: emulator.url,
    authenticator: 'SNOWFLAKE_JWT',
    poolMax: 2,
    statementTimeoutSeconds: 60,
    auth: { kind: 'keypair', privateKey: new Secret(plainKey) },
    ...overrides,
  };
}

function client(overrides: Partial<SnowflakeConnectionConfig> = {}, deps: SnowflakeClientDeps = {}): SnowflakeClient {
  const created = createSnowflakeClient(config(overrides), { retry: { baseDelayMs: 20, maxDelayMs: 100 }, ...deps });
  clients.push(created);
  return created;
}

const passwordAuth = {
  authenticator: 'SNOWFLAKE' as const,
  user: 'D2S_DEV',
  auth: { kind: 'password' as const, password: new Secret('dev-pw') },
};

beforeAll(async () => {
  try {
    await configureSnowflakeDriver({ logLevel: 'OFF' });
  } catch (error) {
    throw new Error(
      `snowflake-sdk cannot be loaded in this test process (${(error as Error).message}). ` +
        "Vitest passes resolve.conditions to Node as --conditions; 'import' and 'module' there make require() " +
        "pick the ESM builds of the driver's AWS SDK dependencies. Keep them out of vitest.config.ts's conditions.",
      { cause: error },
    );
  }
  root = await mkdtemp(join(tmpdir(), 'd2s-sf-client-'));
  emulator = await startSnowflakeEmulator({
    port: 0,
    objectStoreRoot: root,
    account: 'D2S_TEST',
    queryInProgressAfterMs: 300,
    resultPollHoldMs: 200,
    users: [
      {
        name: 'D2S_KEY',
        rsaPublicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        defaultRole: 'SYSADMIN',
        defaultWarehouse: 'D2S_WH',
      },
      { name: 'D2S_DEV', password: 'dev-pw', defaultRole: 'SYSADMIN', defaultWarehouse: 'D2S_WH' },
    ],
  });
  await emulator.admin.execute(`CREATE DATABASE IF NOT EXISTS ${DB}`);
  await emulator.admin.execute(`CREATE SCHEMA IF NOT EXISTS ${DB}.RAW`);
  // A connection's warehouse must exist and be usable by its role (login fails with 390201 otherwise).
  await emulator.admin.execute('CREATE WAREHOUSE IF NOT EXISTS D2S_WH');
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await emulator?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('authentication', () => {
  it('key pair, unencrypted', async () => {
    const result = await client().execute('SELECT CURRENT_USER() AS "U"');
    expect(result.rows).toEqual([{ U: 'D2S_KEY' }]);
    expect(result.queryId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('key pair, encrypted with a passphrase', async () => {
    const sf = client({
      auth: { kind: 'keypair', privateKey: new Secret(encryptedKey), passphrase: new Secret('key passphrase') },
    });
    expect((await sf.execute('SELECT CURRENT_USER() AS "U"')).rows).toEqual([{ U: 'D2S_KEY' }]);
  });

  it('password', async () => {
    expect((await client(passwordAuth).execute('SELECT CURRENT_USER() AS "U"')).rows).toEqual([{ U: 'D2S_DEV' }]);
  });

  it('a wrong password fails as SnowflakeAuthError, not retried', async () => {
    const events: QueryEvent[] = [];
    const sf = client(
      { ...passwordAuth, auth: { kind: 'password', password: new Secret('nope') } },
      { onQuery: (e) => events.push(e) },
    );
    const error = await sf.execute('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnowflakeAuthError);
    expect(error).toMatchObject({ code: 'SNOWFLAKE_AUTH_FAILED', snowflakeCode: '390100', retryable: false });
    expect(events).toHaveLength(1);
    expect(JSON.stringify(error)).not.toContain('nope');
  });

  it('a key the user does not have fails as SnowflakeAuthError', async () => {
    const error = await client({ auth: { kind: 'keypair', privateKey: new Secret(otherKey) } })
      .execute('SELECT 1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnowflakeAuthError);
    expect((error as SnowflakeError).snowflakeCode).toBe('390144');
  });
});

describe('load: stage, inferred table, COPY, re-run, count, swap, drop', () => {
  const stage = { database: DB, schema: 'RAW', name: 'EXPORTS' };
  const fileFormat = { database: DB, schema: 'RAW', name: 'D2S_PARQUET' };
  const table = { database: DB, schema: 'PUBLIC', name: 'orders' };
  const staging = { database: DB, schema: 'PUBLIC', name: 'orders__D2S_STAGING_SYNC2' };
  let sf: SnowflakeClient;

  beforeAll(async () => {
    sf = client();
    const dir = join(root, 'd2s-it', 'exports');
    await writeParquet(
      join(dir, 'sync-1', 'part-0.parquet'),
      "SELECT i::BIGINT AS order_id, 'sku-' || i AS sku, (i * 1.5)::DOUBLE AS amount FROM range(3) t(i)",
    );
    await writeParquet(
      join(dir, 'sync-1', 'part-1.parquet'),
      "SELECT (i + 3)::BIGINT AS order_id, 'sku-' || i AS sku, 2.0::DOUBLE AS amount FROM range(2) t(i)",
    );
    await writeParquet(
      join(dir, 'sync-2', 'part-0.parquet'),
      "SELECT (i + 100)::BIGINT AS order_id, 'new-' || i AS sku, 1.0::DOUBLE AS amount FROM range(4) t(i)",
    );
  });

  it('creates the stage, the file format and the table from the files (twice: IF NOT EXISTS)', async () => {
    for (let i = 0; i < 2; i += 1) {
      await sf.execute(createStage({ stage, url: 's3://d2s-it/exports/', comment: "d2s's test stage" }));
      await sf.execute(createFileFormat({ fileFormat }));
      await sf.execute(createTableFromFiles({ table, stage, path: 'sync-1/', fileFormat }));
    }
    const columns = (await sf.execute(`SELECT * FROM "${DB}"."PUBLIC"."orders" LIMIT 0`)).columns.map((c) => c.name);
    expect(columns).toEqual(['order_id', 'sku', 'amount']);
  });

  it('lists the run’s files', async () => {
    const listed = await sf.execute(listStage(stage, 'sync-1/'));
    expect(listed.rows.map((r) => String(r.name)).sort()).toEqual([
      's3://d2s-it/exports/sync-1/part-0.parquet',
      's3://d2s-it/exports/sync-1/part-1.parquet',
    ]);
  });

  it('copies every file once; a re-run skips files already loaded', async () => {
    const first = parseCopyIntoResult((await sf.execute(copyIntoTable({ table, stage, path: 'sync-1/' }))).rows);
    expect(first.files.map((f) => [f.file.replace(/.*\//, ''), f.status, f.rowsLoaded]).sort()).toEqual([
      ['part-0.parquet', 'LOADED', 3],
      ['part-1.parquet', 'LOADED', 2],
    ]);
    expect(first.rowsLoaded).toBe(5);

    const again = parseCopyIntoResult((await sf.execute(copyIntoTable({ table, stage, path: 'sync-1/' }))).rows);
    expect(again.rowsLoaded).toBe(0);
    expect(again.noFilesProcessed || again.files.every((f) => f.status === 'LOAD_SKIPPED')).toBe(true);

    expect((await sf.execute(countRows(table))).rows[0]?.[ROW_COUNT_COLUMN]).toBe(5);
  });

  it('reads the load history', async () => {
    const history = await sf.execute(copyHistory(table, 24));
    expect(history.rows.map((r) => [String(r.FILE_NAME).replace(/.*\//, ''), String(r.STATUS)]).sort()).toEqual([
      ['part-0.parquet', 'Loaded'],
      ['part-1.parquet', 'Loaded'],
    ]);
  });

  it('replace mode: loads a staging table, swaps it in, drops it', async () => {
    await sf.execute(createTableLike({ table: staging, like: table, orReplace: true }));
    const copied = parseCopyIntoResult(
      (await sf.execute(copyIntoTable({ table: staging, stage, path: 'sync-2/' }))).rows,
    );
    expect(copied.rowsLoaded).toBe(4);
    expect((await sf.execute(countRows(staging))).rows[0]?.[ROW_COUNT_COLUMN]).toBe(4);

    await sf.execute(swapTables(table, staging), [], { idempotent: false });
    expect((await sf.execute(countRows(table))).rows[0]?.[ROW_COUNT_COLUMN]).toBe(4);
    expect((await sf.execute(countRows(staging))).rows[0]?.[ROW_COUNT_COLUMN]).toBe(5);

    await sf.execute(dropTable(staging));
    await sf.execute(dropTable(staging)); // IF EXISTS
    const missing = await sf.execute(countRows(staging)).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SnowflakeError);
    expect(missing).toMatchObject({ snowflakeCode: '002003', kind: 'not-found', retryable: false });
  });
});

describe('query tags, timeouts, retries, sessions, cancel', () => {
  it('tags each statement, without leaking the tag to the next one on the same session', async () => {
    const sf = client({ poolMax: 1 });
    const tagged = await sf.execute('SELECT 1 AS "X"', [], { queryTag: 'd2s:sync-42' });
    const untagged = await sf.execute('SELECT 2 AS "X"');
    const log = emulator.queryLog.entries();
    expect(log.find((e) => e.queryId === tagged.queryId)?.queryTag).toBe('d2s:sync-42');
    expect(log.find((e) => e.queryId === untagged.queryId)?.queryTag).toBe('');
    expect(log.find((e) => e.queryId === tagged.queryId)?.sessionId).toBe(
      log.find((e) => e.queryId === untagged.queryId)?.sessionId,
    );
  });

  it('binds values', async () => {
    const result = await client().execute('SELECT ? AS "A", ? AS "B", ? AS "C"', ['x', 2, null]);
    expect(result.rows).toEqual([{ A: 'x', B: 2, C: null }]);
  });

  it('stops a statement at its timeout (000630)', async () => {
    const error = await client()
      .execute('CALL SYSTEM$WAIT(5)', [], { timeoutSeconds: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnowflakeTimeoutError);
    expect(error).toMatchObject({ snowflakeCode: '000630', retryable: false });
  });

  it('retries a transient failure (injected 000603 internal error)', async () => {
    const events: QueryEvent[] = [];
    const sf = client({}, { onQuery: (e) => events.push(e) });
    await sf.execute('SELECT 1'); // logged in
    events.length = 0;
    emulator.admin.failNextQueries(1);
    const result = await sf.execute('SELECT 7 AS "N"');
    expect(result.rows).toEqual([{ N: 7 }]);
    expect(events.map((e) => [e.kind, e.outcome, e.errorCode ?? null])).toEqual([
      ['SELECT', 'error', '000603'],
      ['SELECT', 'success', null],
    ]);
  });

  it('logs in through HTTP 503s on login (driver retries, then ours)', async () => {
    emulator.admin.failNextRequests(4, 503, 'login');
    const result = await client(passwordAuth, { driverSettings: { loginRetries: 1 } }).execute('SELECT 1 AS "N"');
    expect(result.rows).toEqual([{ N: 1 }]);
    emulator.admin.resetFaults();
  }, 60_000);

  it('rides over an expired session token (the driver renews it)', async () => {
    const sf = client({ poolMax: 1 });
    await sf.execute('SELECT 1');
    expect(emulator.admin.expireSessions()).toBeGreaterThan(0);
    expect((await sf.execute('SELECT 2 AS "N"')).rows).toEqual([{ N: 2 }]);
  });

  it('logs in again when the whole session is gone (master token expired)', async () => {
    const shortRoot = await mkdtemp(join(tmpdir(), 'd2s-sf-short-'));
    const short = await startSnowflakeEmulator({
      port: 0,
      objectStoreRoot: shortRoot,
      account: 'D2S_TEST',
      sessionValiditySeconds: 1,
      masterValiditySeconds: 1,
      users: [{ name: 'D2S_DEV', password: 'dev-pw', defaultRole: 'SYSADMIN' }],
      fixture: { setup: ['CREATE WAREHOUSE D2S_WH'] },
    });
    try {
      const events: QueryEvent[] = [];
      const sf = client(
        { ...passwordAuth, accessUrl: short.url, database: undefined, schema: undefined, poolMax: 1 },
        {
          onQuery: (e) => events.push(e),
        },
      );
      await sf.execute('SELECT 1');
      await sleep(1500);
      expect((await sf.execute('SELECT 3 AS "N"')).rows).toEqual([{ N: 3 }]);
      const sessions = new Set(short.queryLog.entries().map((e) => e.sessionId));
      expect(sessions.size).toBe(2);
      await sf.close();
    } finally {
      await short.close();
      await rm(shortRoot, { recursive: true, force: true });
    }
  });

  it('cancels a running statement by query id (own statement, then through another client)', async () => {
    const sf = client();
    let queryId: string | undefined;
    const running = sf.execute('CALL SYSTEM$WAIT(30)', [], { onQueryId: (id) => (queryId = id) });
    await waitFor(() => queryId !== undefined);
    expect(await sf.cancel(queryId as string)).toBe(true);
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnowflakeCanceledError);
    expect(error).toMatchObject({ snowflakeCode: '000604' });

    let otherId: string | undefined;
    const other = sf.execute('CALL SYSTEM$WAIT(30)', [], { onQueryId: (id) => (otherId = id) });
    await waitFor(() => otherId !== undefined);
    expect(await client().cancel(otherId as string)).toBe(true);
    await expect(other).rejects.toBeInstanceOf(SnowflakeCanceledError);
  });

  it('cancels on an abort signal', async () => {
    const controller = new AbortController();
    const running = client().execute('CALL SYSTEM$WAIT(30)', [], { signal: controller.signal });
    setTimeout(() => controller.abort(), 500);
    await expect(running).rejects.toBeInstanceOf(SnowflakeCanceledError);
    await waitFor(() => emulator.queryLog.entries().some((e) => /SYSTEM\$WAIT/.test(e.sql) && e.status === 'ABORTED'));
  });

  it('close() ends its sessions', async () => {
    const sf = createSnowflakeClient(config({ poolMax: 2 }));
    const before = emulator.admin.sessionCount();
    await Promise.all([sf.execute('CALL SYSTEM$WAIT(1)'), sf.execute('CALL SYSTEM$WAIT(1)')]);
    expect(emulator.admin.sessionCount()).toBe(before + 2);
    await sf.close();
    expect(emulator.admin.sessionCount()).toBe(before);
    await expect(sf.execute('SELECT 1')).rejects.toMatchObject({ code: 'SNOWFLAKE_CLIENT_CLOSED' });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}
