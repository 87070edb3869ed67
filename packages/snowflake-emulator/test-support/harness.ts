import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SnowflakeEmulator, type SnowflakeEmulatorOptions, startSnowflakeEmulator } from '../src/server.js';
import { type DriverConnection, DriverHost } from './driver.js';

/** The tests' own user: SYSADMIN, the role Snowflake gives object creation to. */
export const PASSWORD_USER = {
  name: 'ALICE',
  password: 'alice-pw',
  defaultRole: 'SYSADMIN',
  defaultWarehouse: 'TEST_WH',
};

/**
 * The warehouse every harness creates and PUBLIC may use: queries and DML need one (000606 without), and a
 * test user names it as its default warehouse to run them.
 */
export const TEST_WAREHOUSE = 'TEST_WH';

export function rsaKeyPair(passphrase?: string): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: passphrase
      ? { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }
      : { type: 'pkcs8', format: 'pem' },
  });
}

/** An emulator on a free loopback port, a temporary object store, and the real driver. */
export interface Harness {
  emulator: SnowflakeEmulator;
  root: string;
  driver: DriverHost;
  /** Connects as ALICE (password) unless told otherwise. */
  connect(options?: Record<string, unknown>): Promise<DriverConnection>;
  close(): Promise<void>;
}

export async function startHarness(options: Partial<SnowflakeEmulatorOptions> = {}): Promise<Harness> {
  const root = await mkdtemp(join(tmpdir(), 'sf-emulator-'));
  const emulator = await startSnowflakeEmulator({
    port: 0,
    objectStoreRoot: root,
    account: 'TESTACCT',
    ...options,
    users: [PASSWORD_USER, ...(options.users ?? [])],
  });
  await emulator.admin.execute(`CREATE WAREHOUSE IF NOT EXISTS ${TEST_WAREHOUSE}`);
  await emulator.admin.execute(`GRANT USAGE ON WAREHOUSE ${TEST_WAREHOUSE} TO ROLE PUBLIC`);
  const driver = new DriverHost();
  return {
    emulator,
    root,
    driver,
    connect: (extra = {}) =>
      driver.connect({
        accessUrl: emulator.url,
        account: 'testacct',
        username: PASSWORD_USER.name,
        password: PASSWORD_USER.password,
        ...extra,
      }),
    async close() {
      await driver.close();
      await emulator.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
