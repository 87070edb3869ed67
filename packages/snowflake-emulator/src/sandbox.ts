import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SnowflakeEmulator, type SnowflakeEmulatorOptions, startSnowflakeEmulator } from './server.js';

/** The sandbox's names: what a d2s config for the sandbox points at. */
export const SANDBOX = {
  account: 'SANDBOX',
  /** Key-pair (SNOWFLAKE_JWT) user. */
  keyPairUser: 'D2S_SANDBOX',
  /** Password user for development. */
  passwordUser: 'D2S_DEV',
  password: 'd2s-dev-password',
  role: 'SYSADMIN',
  warehouse: 'D2S_WH',
  /** A consumer of d2s's tables: password user with role ANALYST (USAGE on the warehouse, database and schema only). */
  analystUser: 'D2S_ANALYST',
  analystPassword: 'd2s-analyst-password',
  analystRole: 'ANALYST',
  database: 'D2S_SANDBOX',
  schema: 'PUBLIC',
  fileFormat: 'D2S_SANDBOX.PUBLIC.D2S_PARQUET',
  /** External stage of the shared_forecasts dataset. */
  stage: 'D2S_SANDBOX.PUBLIC.SHARED_FORECASTS_STAGE',
  stageUrl: 's3://d2s-sandbox/exports/',
  privateKeyFileName: 'd2s_sandbox_rsa_key.p8',
  publicKeyFileName: 'd2s_sandbox_rsa_key.pub',
} as const;

export const SANDBOX_FIXTURE = fileURLToPath(new URL('../fixtures/snowflake-sandbox.yaml', import.meta.url));

export interface SandboxOptions extends Omit<SnowflakeEmulatorOptions, 'fixture' | 'account'> {
  /** Holds `keys/` (the generated key pair, mode 0600). Keep it out of git. */
  dataDir: string;
  /** Encrypts the generated private key (PKCS#8, aes-256-cbc) with this passphrase. */
  privateKeyPassphrase?: string;
}

export interface SnowflakeSandbox {
  emulator: SnowflakeEmulator;
  /** PKCS#8 PEM private key of D2S_SANDBOX (encrypted when a passphrase was given). */
  privateKeyPath: string;
  publicKeyPath: string;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Generates the D2S_SANDBOX key pair on first start; later starts reuse it. */
export async function ensureSandboxKeyPair(
  dataDir: string,
  passphrase?: string,
): Promise<{ privateKeyPath: string; publicKeyPath: string; publicKey: string }> {
  const dir = join(dataDir, 'keys');
  const privateKeyPath = join(dir, SANDBOX.privateKeyFileName);
  const publicKeyPath = join(dir, SANDBOX.publicKeyFileName);
  if (!(await exists(privateKeyPath)) || !(await exists(publicKeyPath))) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: passphrase
        ? { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }
        : { type: 'pkcs8', format: 'pem' },
    });
    await writeFile(privateKeyPath, privateKey, { mode: 0o600 });
    await chmod(privateKeyPath, 0o600);
    await writeFile(publicKeyPath, publicKey, { mode: 0o644 });
  }
  return { privateKeyPath, publicKeyPath, publicKey: await readFile(publicKeyPath, 'utf8') };
}

/**
 * Starts the emulator as the d2s sandbox: account SANDBOX, key-pair user
 * D2S_SANDBOX (key generated under `<dataDir>/keys/`), password user D2S_DEV,
 * database D2S_SANDBOX.PUBLIC with the Parquet file format and the
 * shared_forecasts stage over s3://d2s-sandbox/exports/. Data is in memory.
 */
export async function startSnowflakeSandbox(options: SandboxOptions): Promise<SnowflakeSandbox> {
  const { dataDir, privateKeyPassphrase, ...emulatorOptions } = options;
  const keys = await ensureSandboxKeyPair(dataDir, privateKeyPassphrase);
  const emulator = await startSnowflakeEmulator({
    requireWarehouse: true,
    ...emulatorOptions,
    fixture: SANDBOX_FIXTURE,
    users: [
      ...(emulatorOptions.users ?? []),
      {
        name: SANDBOX.keyPairUser,
        rsaPublicKey: keys.publicKey,
        defaultRole: SANDBOX.role,
        defaultWarehouse: SANDBOX.warehouse,
        defaultNamespace: `${SANDBOX.database}.${SANDBOX.schema}`,
      },
    ],
  });
  return { emulator, privateKeyPath: keys.privateKeyPath, publicKeyPath: keys.publicKeyPath };
}
