import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { isSecret } from '../secret.js';
import { loadConfig } from './load-config.js';

/*
 * ~/.databrickscfg as the official tools read it: INI profiles ([DEFAULT] unless DATABRICKS_CONFIG_PROFILE names
 * another), host + token (PAT) or client_id + client_secret (OAuth M2M), the path overridable with
 * DATABRICKS_CONFIG_FILE; explicit settings and DATABRICKS_* variables win over the profile.
 * Sources: https://docs.databricks.com/aws/en/dev-tools/auth/config-profiles and
 * https://docs.databricks.com/aws/en/dev-tools/auth/unified-auth (environment variables and fields).
 */
const CFG = `; written by databricks configure
[DEFAULT]
host  = https://dbc-1234.cloud.databricks.com/
token = dapi-default-secret

[ci]
host = dbc-5678.cloud.databricks.com
client_id: 8f1c-sp
client_secret = dose-secret-value
# comment

[broken]
host = https://x.cloud.databricks.com
client_id = only-an-id
`;

describe('~/.databrickscfg profiles', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'd2s-home-'));
    await writeFile(join(home, '.databrickscfg'), CFG);
    await writeFile(
      join(home, 'other.cfg'),
      '[DEFAULT]\nhost = https://other.cloud.databricks.com\ntoken = dapi-other\n',
    );
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  // No d2s config file in this directory: defaults plus the environment given.
  const load = (env: Record<string, string>) => loadConfig({ env: { HOME: home, ...env }, cwd: home });

  it('uses the DEFAULT profile when nothing else sets host or credentials', () => {
    const config = load({});
    expect(config.databricks.host).toBe('https://dbc-1234.cloud.databricks.com');
    expect(config.databricks.auth.kind).toBe('pat');
    const auth = config.databricks.auth as { kind: 'pat'; token: unknown };
    expect(isSecret(auth.token)).toBe(true);
    expect(JSON.stringify(config)).not.toContain('dapi-default-secret');
    expect(config.databricks.profile).toBe(`DEFAULT (${join(home, '.databrickscfg')})`);
  });

  it('takes an OAuth M2M profile named by DATABRICKS_CONFIG_PROFILE, adding https:// to a bare host', () => {
    const config = load({ DATABRICKS_CONFIG_PROFILE: 'ci' });
    expect(config.databricks.host).toBe('https://dbc-5678.cloud.databricks.com');
    expect(config.databricks.auth).toMatchObject({ kind: 'oauth-m2m', clientId: '8f1c-sp' });
    expect(String((config.databricks.auth as { clientSecret: unknown }).clientSecret)).toBe('[redacted]');
  });

  it('lets DATABRICKS_HOST and DATABRICKS_TOKEN win over the profile', () => {
    const config = load({ DATABRICKS_HOST: 'https://env.cloud.databricks.com', DATABRICKS_TOKEN: 'dapi-env' });
    expect(config.databricks.host).toBe('https://env.cloud.databricks.com');
    expect((config.databricks.auth as { token: { reveal(): string } }).token.reveal()).toBe('dapi-env');
    expect(config.databricks.profile).toBeUndefined();
  });

  it('reads the file named by DATABRICKS_CONFIG_FILE', () => {
    const config = load({ DATABRICKS_CONFIG_FILE: join(home, 'other.cfg') });
    expect(config.databricks.host).toBe('https://other.cloud.databricks.com');
  });

  it('refuses a named profile that does not exist, and a half OAuth profile, without echoing secrets', () => {
    expect(() => load({ DATABRICKS_CONFIG_PROFILE: 'nope' })).toThrow(/has no \[nope\] profile/);
    const half = (() => {
      try {
        load({ DATABRICKS_CONFIG_PROFILE: 'broken' });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(half).toBeInstanceOf(ConfigError);
    expect((half as Error).message).toMatch(/only one of client_id and client_secret/);
    expect(() => load({ DATABRICKS_CONFIG_PROFILE: 'ci', DATABRICKS_CONFIG_FILE: join(home, 'missing.cfg') })).toThrow(
      /Cannot read the Databricks config file/,
    );
  });

  it('is ignored when there is no file and no profile is named', () => {
    const config = loadConfig({ env: { HOME: join(home, 'nowhere') }, cwd: home });
    expect(config.databricks.auth.kind).toBe('none');
    expect(config.databricks.host).toBeUndefined();
  });
});
