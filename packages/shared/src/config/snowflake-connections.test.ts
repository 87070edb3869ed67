import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { type Env, loadConfig } from './load-config.js';

/**
 * The Snowflake connection from connections.toml, as the Snowflake tools read it. Sources: the Python
 * connector's src/snowflake/connector/sf_dirs.py (SNOWFLAKE_HOME, else ~/.snowflake when it exists, else the
 * platform config directory) and config_manager.py (connections.toml replaces config.toml's [connections];
 * default name SNOWFLAKE_DEFAULT_CONNECTION_NAME, else default_connection_name, else "default"; files writable
 * by others refused); the Node driver's lib/configuration/connection_configuration.js (SNOWFLAKE_HOME or
 * ~/.snowflake, connections.toml, SNOWFLAKE_DEFAULT_CONNECTION_NAME); Snowflake CLI docs "Managing Snowflake
 * connections" (config.toml `[connections.<name>]`, connections.toml `[<name>]`).
 */

const KEY = '-----BEGIN PRIVATE KEY-----\nMIIfake\n-----END PRIVATE KEY-----\n';

function load(files: Record<string, string>, env: Env = {}, modes: Record<string, number> = {}) {
  return loadConfig({
    env: { D2S_CONFIG: '/etc/d2s.yaml', HOME: '/home/ops', ...env },
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
    fileMode: (path) => modes[path] ?? 0o600,
    directoryExists: (dir) => Object.keys(files).some((f) => f.startsWith(`${dir}/`)),
  });
}

const CONNECTIONS = `
[default]
account = "acme-default"
user = "DEFAULT_USER"
password = "default-password"

[loader]
account = "acme-prod"
user = "D2S_LOADER"
role = "LOADER_ROLE"
warehouse = "LOAD_WH"
database = "ANALYTICS"
schema = "RAW"
authenticator = "SNOWFLAKE_JWT"
private_key_file = "~/.snowflake/keys/loader.p8"
private_key_file_pwd = "key-passphrase"
`;

describe('snowflake.connection from connections.toml', () => {
  it('takes the named connection from ~/.snowflake/connections.toml, its key pair as secrets', () => {
    const config = load({
      '/etc/d2s.yaml': 'snowflake: { connection: loader }',
      '/home/ops/.snowflake/connections.toml': CONNECTIONS,
      '/home/ops/.snowflake/keys/loader.p8': KEY,
    });
    expect(config.snowflake).toMatchObject({
      account: 'acme-prod',
      user: 'D2S_LOADER',
      role: 'LOADER_ROLE',
      warehouse: 'LOAD_WH',
      database: 'ANALYTICS',
      schema: 'RAW',
      authenticator: 'SNOWFLAKE_JWT',
      connection: 'loader (/home/ops/.snowflake/connections.toml)',
    });
    const auth = config.snowflake.auth;
    expect(auth.kind).toBe('keypair');
    if (auth.kind === 'keypair') {
      expect(auth.privateKey.reveal()).toBe(KEY);
      expect(auth.passphrase?.reveal()).toBe('key-passphrase');
    }
    expect(JSON.stringify(config)).not.toContain('key-passphrase');
    expect(JSON.stringify(config)).not.toContain('MIIfake');
  });

  it("lets d2s's own settings and credentials win over the connection's", () => {
    const config = load(
      {
        '/etc/d2s.yaml': 'snowflake: { connection: loader, role: D2S_ROLE }',
        '/home/ops/.snowflake/connections.toml': CONNECTIONS,
      },
      { SNOWFLAKE_WAREHOUSE: 'OTHER_WH', SNOWFLAKE_AUTHENTICATOR: 'SNOWFLAKE', SNOWFLAKE_PASSWORD: 'env-password' },
    );
    expect(config.snowflake).toMatchObject({ role: 'D2S_ROLE', warehouse: 'OTHER_WH', account: 'acme-prod' });
    expect(config.snowflake.authenticator).toBe('SNOWFLAKE');
    expect(config.snowflake.auth).toMatchObject({ kind: 'password' });
    if (config.snowflake.auth.kind === 'password') expect(config.snowflake.auth.password.reveal()).toBe('env-password');
  });

  it('picks SNOWFLAKE_DEFAULT_CONNECTION_NAME in SNOWFLAKE_HOME', () => {
    const config = load(
      { '/etc/d2s.yaml': '{}', '/opt/sf/connections.toml': CONNECTIONS },
      { SNOWFLAKE_HOME: '/opt/sf', SNOWFLAKE_DEFAULT_CONNECTION_NAME: 'default' },
    );
    expect(config.snowflake).toMatchObject({
      account: 'acme-default',
      user: 'DEFAULT_USER',
      authenticator: 'SNOWFLAKE',
    });
    expect(config.snowflake.auth.kind).toBe('password');
  });

  it("reads config.toml's [connections] and default_connection_name when there is no connections.toml", () => {
    const configToml = `default_connection_name = "ops"\n[connections.ops]\naccount = "acme-ops"\nuser = "OPS"\npassword = "ops-password"\n`;
    const config = load({ '/etc/d2s.yaml': '{}', '/home/ops/.snowflake/config.toml': configToml });
    expect(config.snowflake).toMatchObject({
      account: 'acme-ops',
      connection: 'ops (/home/ops/.snowflake/config.toml)',
    });
    // connections.toml, when present, replaces config.toml's connections.
    const both = load({
      '/etc/d2s.yaml': 'snowflake: { connection: ops }',
      '/home/ops/.snowflake/config.toml': configToml,
      '/home/ops/.snowflake/connections.toml': '[ops]\naccount = "from-connections-toml"\n',
    });
    expect(both.snowflake.account).toBe('from-connections-toml');
  });

  it('uses an unnamed default connection only when d2s has no account and user of its own', () => {
    const files = { '/home/ops/.snowflake/connections.toml': CONNECTIONS };
    expect(load({ ...files, '/etc/d2s.yaml': '{}' }).snowflake.account).toBe('acme-default');
    const own = load({ ...files, '/etc/d2s.yaml': 'snowflake: { account: mine, user: ME }' });
    expect(own.snowflake).toMatchObject({ account: 'mine', user: 'ME' });
    expect(own.snowflake.connection).toBeUndefined();
    expect(own.snowflake.auth.kind).toBe('none');
    // No file at all: nothing happens.
    expect(load({ '/etc/d2s.yaml': '{}' }).snowflake.account).toBeUndefined();
  });

  it('falls back to the platform config directory when ~/.snowflake does not exist', () => {
    const config = load(
      { '/etc/d2s.yaml': 'snowflake: { connection: x }', '/xdg/snowflake/connections.toml': '[x]\naccount = "xdg"\n' },
      { XDG_CONFIG_HOME: '/xdg' },
    );
    expect(config.snowflake.account).toBe(process.platform === 'linux' ? 'xdg' : config.snowflake.account);
  });

  it('refuses a named connection that is missing, a file others may write, and bad TOML without echoing it', () => {
    const missing = () =>
      load({
        '/etc/d2s.yaml': 'snowflake: { connection: nope }',
        '/home/ops/.snowflake/connections.toml': CONNECTIONS,
      });
    expect(missing).toThrow(ConfigError);
    expect(missing).toThrow('Snowflake connection nope is not in /home/ops/.snowflake/connections.toml');
    const writable = () =>
      load(
        { '/etc/d2s.yaml': 'snowflake: { connection: loader }', '/home/ops/.snowflake/connections.toml': CONNECTIONS },
        {},
        { '/home/ops/.snowflake/connections.toml': 0o666 },
      );
    expect(writable).toThrow('writable by group or others');
    expect(writable).toThrow('chmod 0600');
    let message = '';
    try {
      load({
        '/etc/d2s.yaml': 'snowflake: { connection: loader }',
        '/home/ops/.snowflake/connections.toml': '[loader]\npassword = "unterminated-secret\n',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/is not valid TOML at line \d/);
    expect(message).not.toContain('unterminated-secret');
  });

  it('refuses an authenticator d2s cannot use', () => {
    expect(() =>
      load({
        '/etc/d2s.yaml': 'snowflake: { connection: sso }',
        '/home/ops/.snowflake/connections.toml': '[sso]\naccount = "a"\nauthenticator = "externalbrowser"\n',
      }),
    ).toThrow('uses authenticator EXTERNALBROWSER; d2s supports SNOWFLAKE_JWT (key pair) and SNOWFLAKE (password)');
  });
});
