import { createPrivateKey } from 'node:crypto';
import type { ConnectionOptions } from 'snowflake-sdk';
import type { D2sConfig } from '../config/load-config.js';
import { ConfigError } from '../errors.js';

export type SnowflakeConnectionConfig = D2sConfig['snowflake'];

export interface DriverConnectionSettings {
  /** Login attempts the driver itself makes on network errors and 5xx before giving up. @defaultValue 2 */
  loginRetries?: number;
  /** Per-HTTP-request timeout of the driver, in ms. @defaultValue 90000 */
  requestTimeoutMs?: number;
}

/**
 * The driver's connection options for d2s's Snowflake config: key-pair
 * (SNOWFLAKE_JWT, PKCS#8 PEM text, optionally encrypted) or password auth,
 * optional accessUrl (emulator, private link). Fails with a ConfigError that
 * names what is missing; the private key is checked here (format and
 * passphrase) so a bad key fails at start-up, not on the first statement.
 * The result holds secrets: never log it.
 */
export function driverConnectionOptions(
  config: SnowflakeConnectionConfig,
  settings: DriverConnectionSettings = {},
): ConnectionOptions {
  const missing: string[] = [];
  if (!config.account) missing.push('snowflake.account (SNOWFLAKE_ACCOUNT)');
  if (!config.user) missing.push('snowflake.user (SNOWFLAKE_USER)');
  if (config.auth.kind === 'none') {
    missing.push(
      config.authenticator === 'SNOWFLAKE'
        ? 'a password (SNOWFLAKE_PASSWORD or SNOWFLAKE_PASSWORD_FILE) for authenticator SNOWFLAKE'
        : 'a private key (SNOWFLAKE_PRIVATE_KEY, SNOWFLAKE_PRIVATE_KEY_FILE or snowflake.privateKeyPath) for authenticator SNOWFLAKE_JWT',
    );
  }
  if (missing.length > 0) {
    throw new ConfigError(`Snowflake is not configured: missing ${missing.join(', ')}.`, {
      details: { missing },
    });
  }

  const options: ConnectionOptions = {
    account: config.account as string,
    username: config.user as string,
    clientSessionKeepAlive: false,
    sfRetryMaxLoginRetries: settings.loginRetries ?? 2,
    timeout: settings.requestTimeoutMs ?? 90_000,
    jsTreatIntegerAsBigInt: false,
  };
  if (config.accessUrl) options.accessUrl = config.accessUrl.replace(/\/+$/, '');
  if (config.role) options.role = config.role;
  if (config.warehouse) options.warehouse = config.warehouse;
  if (config.database) options.database = config.database;
  if (config.schema) options.schema = config.schema;

  const auth = config.auth;
  if (auth.kind === 'keypair') {
    const privateKey = auth.privateKey.reveal();
    const passphrase = auth.passphrase?.reveal();
    checkPrivateKey(privateKey, passphrase);
    options.authenticator = 'SNOWFLAKE_JWT';
    options.privateKey = privateKey;
    if (passphrase !== undefined) options.privateKeyPass = passphrase;
  } else if (auth.kind === 'password') {
    options.authenticator = 'SNOWFLAKE';
    options.password = auth.password.reveal();
  }
  return options;
}

const PEM_HEADERS = [
  '-----BEGIN PRIVATE KEY-----',
  '-----BEGIN ENCRYPTED PRIVATE KEY-----',
  '-----BEGIN RSA PRIVATE KEY-----',
];

function checkPrivateKey(pem: string, passphrase: string | undefined): void {
  const trimmed = pem.trim();
  if (!PEM_HEADERS.some((header) => trimmed.startsWith(header))) {
    throw new ConfigError(
      'The Snowflake private key is not PEM text (expected -----BEGIN PRIVATE KEY----- or -----BEGIN ENCRYPTED PRIVATE KEY-----).',
      { details: { key: 'snowflake.privateKey' } },
    );
  }
  const encrypted =
    trimmed.startsWith('-----BEGIN ENCRYPTED PRIVATE KEY-----') || /Proc-Type:\s*4,ENCRYPTED/.test(trimmed);
  if (encrypted && passphrase === undefined) {
    throw new ConfigError(
      'The Snowflake private key is encrypted but no passphrase is set (SNOWFLAKE_PRIVATE_KEY_PASSPHRASE).',
      { details: { key: 'snowflake.privateKeyPassphrase' } },
    );
  }
  try {
    const key = createPrivateKey({ key: trimmed, format: 'pem', passphrase });
    if (key.asymmetricKeyType !== 'rsa') {
      throw new ConfigError(`The Snowflake private key must be an RSA key, not ${key.asymmetricKeyType}.`, {
        details: { key: 'snowflake.privateKey' },
      });
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      encrypted
        ? 'The Snowflake private key cannot be decrypted: wrong passphrase or damaged key.'
        : 'The Snowflake private key cannot be read: damaged PEM text.',
      { details: { key: 'snowflake.privateKey' } },
    );
  }
}
