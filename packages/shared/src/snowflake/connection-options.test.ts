import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { Secret } from '../secret.js';
import { driverConnectionOptions, type SnowflakeConnectionConfig } from './connection-options.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const plainPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const encryptedPem = privateKey
  .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'open sesame' })
  .toString();

function config(overrides: Partial<SnowflakeConnectionConfig> = {}): SnowflakeConnectionConfig {
  return {
    account: 'myorg-myacct',
    user: 'D2S_SVC',
    role: 'D2S_ROLE',
    warehouse: 'LOAD_WH',
    database: 'ANALYTICS',
    schema: 'PUBLIC',
    authenticator: 'SNOWFLAKE_JWT',
    poolMax: 4,
    statementTimeoutSeconds: 3600,
    auth: { kind: 'keypair', privateKey: new Secret(plainPem) },
    ...overrides,
  };
}

describe('driverConnectionOptions', () => {
  it('key pair (default)', () => {
    const options = driverConnectionOptions(config());
    expect(options).toMatchObject({
      account: 'myorg-myacct',
      username: 'D2S_SVC',
      role: 'D2S_ROLE',
      warehouse: 'LOAD_WH',
      database: 'ANALYTICS',
      schema: 'PUBLIC',
      authenticator: 'SNOWFLAKE_JWT',
      privateKey: plainPem,
      clientSessionKeepAlive: false,
    });
    expect(options.privateKeyPass).toBeUndefined();
    expect(options.password).toBeUndefined();
    expect(options.accessUrl).toBeUndefined();
  });

  it('encrypted key with its passphrase', () => {
    const options = driverConnectionOptions(
      config({
        auth: { kind: 'keypair', privateKey: new Secret(encryptedPem), passphrase: new Secret('open sesame') },
      }),
    );
    expect(options.privateKey).toBe(encryptedPem);
    expect(options.privateKeyPass).toBe('open sesame');
  });

  it('password and access URL', () => {
    const options = driverConnectionOptions(
      config({
        authenticator: 'SNOWFLAKE',
        accessUrl: 'http://127.0.0.1:8085/',
        auth: { kind: 'password', password: new Secret('pw') },
      }),
    );
    expect(options).toMatchObject({ authenticator: 'SNOWFLAKE', password: 'pw', accessUrl: 'http://127.0.0.1:8085' });
    expect(options.privateKey).toBeUndefined();
  });

  it('names everything that is missing', () => {
    const error = (() => {
      try {
        driverConnectionOptions(config({ account: undefined, user: undefined, auth: { kind: 'none' } }));
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('snowflake.account');
    expect(error.message).toContain('snowflake.user');
    expect(error.message).toContain('SNOWFLAKE_PRIVATE_KEY');
    expect(() => driverConnectionOptions(config({ authenticator: 'SNOWFLAKE', auth: { kind: 'none' } }))).toThrow(
      /SNOWFLAKE_PASSWORD/,
    );
  });

  it('refuses a key it cannot use, without echoing it', () => {
    const cases: Array<[SnowflakeConnectionConfig['auth'], RegExp]> = [
      [{ kind: 'keypair', privateKey: new Secret('not a key') }, /not PEM text/],
      [{ kind: 'keypair', privateKey: new Secret(encryptedPem) }, /no passphrase/],
      [{ kind: 'keypair', privateKey: new Secret(encryptedPem), passphrase: new Secret('wrong') }, /wrong passphrase/],
      [
        {
          kind: 'keypair',
          privateKey: new Secret('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
        },
        /cannot be read/,
      ],
    ];
    for (const [auth, message] of cases) {
      try {
        driverConnectionOptions(config({ auth }));
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).toMatch(message);
        const serialised = JSON.stringify(error);
        expect(serialised).not.toContain(plainPem.split('\n')[1]);
        expect(serialised).not.toContain(encryptedPem.split('\n')[1]);
      }
    }
  });
});
