import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { Secret } from '../secret.js';
import { type ApiTokenEntry, parseApiTokens } from './api-tokens.js';
import { readDatabricksProfile } from './databrickscfg.js';
import { readSnowflakeConnection } from './snowflake-connections.js';
import { resolveNotifications, type NotificationsSettings } from './notification-endpoints.js';
import { ConfigFile, type DatasetConfig } from './schema.js';

export type Env = Record<string, string | undefined>;

export type DatabricksAuth =
  { kind: 'pat'; token: Secret } | { kind: 'oauth-m2m'; clientId: string; clientSecret: Secret } | { kind: 'none' };

export type SnowflakeAuth =
  | { kind: 'keypair'; privateKey: Secret; passphrase?: Secret }
  | { kind: 'password'; password: Secret }
  | { kind: 'none' };

/** The validated configuration every app starts from. Secrets are `Secret`s and print as `[redacted]`. */
export interface D2sConfig {
  /** Absolute path of the file it was read from, or `(defaults)` when there was none. */
  source: string;
  log: { level: ConfigFile['log']['level']; pretty: boolean };
  redis: ConfigFile['redis'] & {
    /** REDIS_PASSWORD / REDIS_PASSWORD_FILE; used for every node, in both modes. */
    password?: Secret;
  };
  api: Omit<ConfigFile['api'], 'tokens'> & { tokens: ApiTokenEntry[] };
  databricks: Omit<ConfigFile['databricks'], 'token' | 'clientId' | 'clientSecret' | 'host' | 'profile' | 'webhook'> & {
    host: string | undefined;
    auth: DatabricksAuth;
    /** Pushed job notifications; the password only where it was given (the API needs it, the workers do not). */
    webhook?: DatabricksWebhookConfig;
    /** The ~/.databrickscfg profile host or credentials came from, when one did (`name (file)`). */
    profile?: string;
  };
  snowflake: Omit<
    ConfigFile['snowflake'],
    'privateKey' | 'privateKeyPath' | 'privateKeyPassphrase' | 'password' | 'connection'
  > & {
    auth: SnowflakeAuth;
    /** The connections.toml connection settings or credentials came from, when one did (`name (file)`). */
    connection?: string;
  };
  workers: ConfigFile['workers'];
  mirror: Omit<ConfigFile['mirror'], 'oauthClientSecret'> & { oauthClientSecret: Secret | undefined };
  cleanup: ConfigFile['cleanup'];
  /** Outgoing webhooks, with each endpoint's URL and signing secret resolved from the environment. */
  notifications: NotificationsSettings;
  datasets: Record<string, DatasetConfig>;
}

/** How Databricks' webhook destination authenticates to d2s, and the poll schedule while push is on. */
export interface DatabricksWebhookConfig {
  username: string;
  password: Secret | undefined;
  pollInitialMs: number;
  pollMaxMs: number;
}

export const DEFAULT_CONFIG_PATH = 'd2s.config.yaml';

export interface LoadConfigOptions {
  env?: Env;
  /** Where relative paths (config file, key files) are resolved from. */
  cwd?: string;
  readFile?: (path: string) => string;
  /** Permission bits of a file (connections.toml must not be writable by others). @defaultValue fs.statSync */
  fileMode?: (path: string) => number | undefined;
  /** @defaultValue fs.existsSync */
  directoryExists?: (path: string) => boolean;
}

/**
 * Reads the file named by `D2S_CONFIG` (default `./d2s.config.yaml`), applies the
 * environment on top and validates the result. Anything wrong throws one
 * ConfigError that names the file, the key path and what was expected.
 */
export function loadConfig(options: LoadConfigOptions = {}): D2sConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const explicitPath = env.D2S_CONFIG;
  const path = resolve(cwd, explicitPath ?? DEFAULT_CONFIG_PATH);

  let raw: unknown = {};
  let source = path;
  let text: string | undefined;
  try {
    text = readFile(path);
  } catch (error) {
    if (explicitPath !== undefined || (error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError(`Cannot read config file ${path}: ${(error as Error).message}`, {
        cause: error,
        details: { file: path },
      });
    }
    source = '(defaults)';
  }
  if (text !== undefined) raw = parseConfigText(text, path);

  const fromEnv = overlayEnvironment(raw ?? {}, env);
  const parsed = ConfigFile.safeParse(fromEnv.value);
  if (!parsed.success) throw configErrorFromIssues(source, parsed.error.issues, fromEnv.origins);
  const fileMode =
    options.fileMode ??
    ((file: string) => {
      if (process.platform === 'win32') return undefined;
      try {
        return statSync(file).mode;
      } catch {
        return undefined;
      }
    });
  const directoryExists = options.directoryExists ?? ((dir: string) => existsSync(dir));
  return applyEnvironment(parsed.data, source, env, { cwd, readFile, fileMode, directoryExists });
}

/** Plain (non-secret) settings that an environment variable overrides, by key path. */
const ENV_OVERRIDES: ReadonlyArray<{ name: string; path: readonly string[]; kind?: 'int' | 'list' | 'bool' }> = [
  { name: 'LOG_LEVEL', path: ['log', 'level'] },
  { name: 'REDIS_URL', path: ['redis', 'url'] },
  { name: 'REDIS_CLUSTER_NODES', path: ['redis', 'cluster', 'nodes'], kind: 'list' },
  { name: 'REDIS_TLS', path: ['redis', 'tls'], kind: 'bool' },
  { name: 'REDIS_USERNAME', path: ['redis', 'username'] },
  { name: 'D2S_QUEUE_PREFIX', path: ['redis', 'prefix'] },
  { name: 'D2S_API_HOST', path: ['api', 'host'] },
  { name: 'D2S_API_PORT', path: ['api', 'port'], kind: 'int' },
  { name: 'DATABRICKS_HOST', path: ['databricks', 'host'] },
  { name: 'DATABRICKS_CLIENT_ID', path: ['databricks', 'clientId'] },
  { name: 'D2S_DATABRICKS_WEBHOOK_USERNAME', path: ['databricks', 'webhook', 'username'] },
  { name: 'D2S_DATABRICKS_SQL_WAREHOUSE_ID', path: ['databricks', 'sqlWarehouseId'] },
  { name: 'SNOWFLAKE_ACCOUNT', path: ['snowflake', 'account'] },
  { name: 'SNOWFLAKE_USER', path: ['snowflake', 'user'] },
  { name: 'SNOWFLAKE_ROLE', path: ['snowflake', 'role'] },
  { name: 'SNOWFLAKE_WAREHOUSE', path: ['snowflake', 'warehouse'] },
  { name: 'SNOWFLAKE_DATABASE', path: ['snowflake', 'database'] },
  { name: 'SNOWFLAKE_SCHEMA', path: ['snowflake', 'schema'] },
  { name: 'SNOWFLAKE_ACCESS_URL', path: ['snowflake', 'accessUrl'] },
  { name: 'SNOWFLAKE_AUTHENTICATOR', path: ['snowflake', 'authenticator'] },
  { name: 'SNOWFLAKE_PRIVATE_KEY_PATH', path: ['snowflake', 'privateKeyPath'] },
  { name: 'D2S_MIRROR_OAUTH_CLIENT_ID', path: ['mirror', 'oauthClientId'] },
];

/** Copies the file's object with environment overrides set, remembering which key came from which variable. */
function overlayEnvironment(raw: unknown, env: Env): { value: unknown; origins: Map<string, string> } {
  const origins = new Map<string, string>();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { value: raw, origins };
  const root: Record<string, unknown> = structuredClone(raw as Record<string, unknown>);
  for (const { name, path, kind } of ENV_OVERRIDES) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    let node = root;
    for (const key of path.slice(0, -1)) {
      const child = node[key];
      if (typeof child !== 'object' || child === null || Array.isArray(child)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    const leaf = path[path.length - 1] as string;
    node[leaf] = envValue(value, kind);
    origins.set(path.join('.'), name);
  }
  return { value: root, origins };
}

/** An environment string as the schema expects it; what does not parse is left for the schema to name. */
function envValue(value: string, kind: 'int' | 'list' | 'bool' | undefined): unknown {
  if (kind === 'int') return /^\d+$/.test(value) ? Number(value) : value;
  if (kind === 'list')
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  if (kind === 'bool')
    return value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;
  return value;
}

function parseConfigText(text: string, path: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const where =
      error instanceof YAMLParseError && error.linePos
        ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`
        : '';
    const firstLine = (error as Error).message.split('\n')[0];
    throw new ConfigError(`Config file ${path} is not valid YAML${where}: ${firstLine}`, {
      cause: error,
      details: { file: path },
    });
  }
}

export function configErrorFromIssues(
  source: string,
  issues: readonly z.core.$ZodIssue[],
  origins: ReadonlyMap<string, string> = new Map(),
): ConfigError {
  const where = (issue: z.core.$ZodIssue) => {
    const path = formatPath(issue.path);
    // A list from one variable (REDIS_CLUSTER_NODES) is named by its item's path: look up the list's.
    const keys = issue.path.filter((key) => typeof key === 'string').join('.');
    const variable = origins.get(path) ?? origins.get(keys);
    return variable ? `${path} (from ${variable})` : path;
  };
  const lines = issues.map((issue) => `  - ${where(issue)}: ${describeIssue(issue)}`);
  return new ConfigError(`Invalid configuration in ${source}:\n${lines.join('\n')}`, {
    details: {
      file: source,
      issues: issues.map((issue) => ({ path: where(issue), message: describeIssue(issue) })),
    },
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message;
}

interface SecretSources {
  cwd: string;
  readFile: (path: string) => string;
  fileMode?: (path: string) => number | undefined;
  directoryExists?: (path: string) => boolean;
}

/** `NAME` or the contents of the file at `NAME_FILE` (trailing newline dropped), never both. */
function secretFromEnv(env: Env, name: string, sources: SecretSources): Secret | undefined {
  const direct = env[name];
  const filePath = env[`${name}_FILE`];
  if (direct !== undefined && filePath !== undefined) {
    throw new ConfigError(`Both ${name} and ${name}_FILE are set; set only one.`, { details: { key: name } });
  }
  if (filePath !== undefined) {
    const path = resolve(sources.cwd, filePath);
    try {
      return new Secret(sources.readFile(path).replace(/\r?\n$/, ''));
    } catch (error) {
      throw new ConfigError(`Cannot read ${name}_FILE (${path}): ${(error as Error).message}`, {
        cause: error,
        details: { key: `${name}_FILE` },
      });
    }
  }
  return direct === undefined || direct === '' ? undefined : new Secret(direct);
}

function plaintext(
  file: ConfigFile,
  source: string,
  key: string,
  value: string | undefined,
  envName: string,
): Secret | undefined {
  if (value === undefined) return undefined;
  if (!file.allowPlaintextSecrets) {
    throw new ConfigError(
      `Invalid configuration in ${source}: ${key} holds a secret in plain text. Set ${envName} or ${envName}_FILE instead (or set allowPlaintextSecrets: true if you really mean it).`,
      { details: { key } },
    );
  }
  return new Secret(value);
}

function applyEnvironment(file: ConfigFile, source: string, env: Env, sources: SecretSources): D2sConfig {
  const secret = (name: string) => secretFromEnv(env, name, sources);

  const apiTokens = secret('D2S_API_TOKENS');
  const tokens: ApiTokenEntry[] = apiTokens
    ? parseApiTokens(apiTokens.reveal())
    : (file.api.tokens ?? []).flatMap((t, i) =>
        typeof t === 'string'
          ? parseApiTokens(
              (plaintext(file, source, `api.tokens[${i}]`, t, 'D2S_API_TOKENS') as Secret).reveal(),
              `api.tokens[${i}]`,
            )
          : [{ name: t.name, scopes: [...new Set(t.scopes)], sha256: t.sha256.toLowerCase() }],
      );

  const db = file.databricks;
  if (file.mirror.inventory && db.sqlWarehouseId === undefined) {
    throw new ConfigError(
      `Invalid configuration in ${source}: mirror.inventory is written through a SQL warehouse; set databricks.sqlWarehouseId (or D2S_DATABRICKS_SQL_WAREHOUSE_ID).`,
      { details: { key: 'databricks.sqlWarehouseId' } },
    );
  }
  const dbToken =
    secret('DATABRICKS_TOKEN') ?? plaintext(file, source, 'databricks.token', db.token, 'DATABRICKS_TOKEN');
  const dbClientId = db.clientId;
  const dbClientSecret =
    secret('DATABRICKS_CLIENT_SECRET') ??
    plaintext(file, source, 'databricks.clientSecret', db.clientSecret, 'DATABRICKS_CLIENT_SECRET');
  let databricksAuth: DatabricksAuth = { kind: 'none' };
  if (dbClientId !== undefined && dbClientSecret !== undefined) {
    databricksAuth = { kind: 'oauth-m2m', clientId: dbClientId, clientSecret: dbClientSecret };
  } else if (dbClientId !== undefined || dbClientSecret !== undefined) {
    throw new ConfigError(
      `Invalid configuration in ${source}: Databricks OAuth needs both a client id (databricks.clientId or DATABRICKS_CLIENT_ID) and DATABRICKS_CLIENT_SECRET; only one is set.`,
      { details: { key: 'databricks.clientId' } },
    );
  } else if (dbToken !== undefined) {
    databricksAuth = { kind: 'pat', token: dbToken };
  }

  // ~/.databrickscfg: as for the official tools, what d2s's file and the environment set wins; a profile fills
  // in the host and, when no credentials are set at all, the credentials (never half of them).
  const profile = readDatabricksProfile({ env, configured: db.profile, readFile: sources.readFile });
  let databricksHost = db.host;
  let profileUsed = false;
  if (profile) {
    if (databricksHost === undefined && profile.host !== undefined) {
      databricksHost = profile.host;
      profileUsed = true;
    }
    if (databricksAuth.kind === 'none') {
      if (profile.clientId !== undefined && profile.clientSecret !== undefined) {
        databricksAuth = { kind: 'oauth-m2m', clientId: profile.clientId, clientSecret: profile.clientSecret };
        profileUsed = true;
      } else if (profile.clientId !== undefined || profile.clientSecret !== undefined) {
        throw new ConfigError(
          `Databricks profile [${profile.name}] in ${profile.file} has only one of client_id and client_secret; OAuth M2M needs both.`,
          { details: { file: profile.file, profile: profile.name } },
        );
      } else if (profile.token !== undefined) {
        databricksAuth = { kind: 'pat', token: profile.token };
        profileUsed = true;
      }
    }
  }

  const sf = file.snowflake;
  const keyPath = sf.privateKeyPath;
  let privateKey =
    secret('SNOWFLAKE_PRIVATE_KEY') ??
    plaintext(file, source, 'snowflake.privateKey', sf.privateKey, 'SNOWFLAKE_PRIVATE_KEY');
  if (privateKey === undefined && keyPath !== undefined) {
    const path = resolve(sources.cwd, keyPath);
    try {
      privateKey = new Secret(sources.readFile(path));
    } catch (error) {
      throw new ConfigError(
        `Invalid configuration in ${source}: cannot read the Snowflake private key at ${path} (snowflake.privateKeyPath): ${(error as Error).message}`,
        {
          cause: error,
          details: { key: 'snowflake.privateKeyPath' },
        },
      );
    }
  }
  const passphrase =
    secret('SNOWFLAKE_PRIVATE_KEY_PASSPHRASE') ??
    plaintext(
      file,
      source,
      'snowflake.privateKeyPassphrase',
      sf.privateKeyPassphrase,
      'SNOWFLAKE_PRIVATE_KEY_PASSPHRASE',
    );
  const password =
    secret('SNOWFLAKE_PASSWORD') ?? plaintext(file, source, 'snowflake.password', sf.password, 'SNOWFLAKE_PASSWORD');
  let authenticator = sf.authenticator;
  let snowflakeAuth: SnowflakeAuth = { kind: 'none' };
  if (authenticator === 'SNOWFLAKE_JWT' && privateKey !== undefined) {
    snowflakeAuth = passphrase ? { kind: 'keypair', privateKey, passphrase } : { kind: 'keypair', privateKey };
  } else if (authenticator === 'SNOWFLAKE' && password !== undefined) {
    snowflakeAuth = { kind: 'password', password };
  }

  // connections.toml: as for ~/.databrickscfg, what d2s's file and the environment set wins; the connection
  // fills in the rest and, when d2s has no credentials at all, its credentials (with its authenticator).
  const connection = readSnowflakeConnection({
    env,
    configured: sf.connection,
    hasOwnConnection: sf.account !== undefined && sf.user !== undefined,
    readFile: sources.readFile,
    fileMode: sources.fileMode,
    directoryExists: sources.directoryExists,
  });
  let connectionUsed = false;
  const fromConnection = <K extends 'account' | 'user' | 'role' | 'warehouse' | 'database' | 'schema' | 'accessUrl'>(
    key: K,
  ): string | undefined => {
    const own = sf[key];
    if (own !== undefined || connection?.[key] === undefined) return own;
    connectionUsed = true;
    return connection[key];
  };
  if (connection && snowflakeAuth.kind === 'none') {
    if (connection.authenticator === 'SNOWFLAKE_JWT' && connection.privateKeyPath !== undefined) {
      const path = resolve(sources.cwd, expandHome(connection.privateKeyPath, env));
      let key: Secret;
      try {
        key = new Secret(sources.readFile(path));
      } catch (error) {
        throw new ConfigError(
          `Cannot read the private key of Snowflake connection ${connection.name} (${connection.file}) at ${path}: ${(error as Error).message}`,
          { cause: error, details: { file: connection.file, connection: connection.name } },
        );
      }
      snowflakeAuth = connection.privateKeyPassphrase
        ? { kind: 'keypair', privateKey: key, passphrase: connection.privateKeyPassphrase }
        : { kind: 'keypair', privateKey: key };
      authenticator = 'SNOWFLAKE_JWT';
      connectionUsed = true;
    } else if (connection.authenticator === 'SNOWFLAKE' && connection.password !== undefined) {
      snowflakeAuth = { kind: 'password', password: connection.password };
      authenticator = 'SNOWFLAKE';
      connectionUsed = true;
    }
  }
  const sfConnection = {
    account: fromConnection('account'),
    user: fromConnection('user'),
    role: fromConnection('role'),
    warehouse: fromConnection('warehouse'),
    database: fromConnection('database'),
    schema: fromConnection('schema'),
    accessUrl: fromConnection('accessUrl'),
  };

  const {
    privateKey: _pk,
    privateKeyPath: _pkp,
    privateKeyPassphrase: _pp,
    password: _pw,
    connection: _connection,
    ...sfRest
  } = sf;
  const { token: _t, clientId: _ci, clientSecret: _cs, host: _fileHost, profile: _profile, webhook, ...dbRest } = db;
  const webhookConfig: DatabricksWebhookConfig | undefined = webhook && {
    username: webhook.username,
    password:
      secret('D2S_DATABRICKS_WEBHOOK_PASSWORD') ??
      plaintext(file, source, 'databricks.webhook.password', webhook.password, 'D2S_DATABRICKS_WEBHOOK_PASSWORD'),
    pollInitialMs: webhook.pollInitialMs,
    pollMaxMs: webhook.pollMaxMs,
  };
  const { tokens: _tokens, ...apiRest } = file.api;
  const redisPassword = secret('REDIS_PASSWORD');
  const { oauthClientSecret: _ms, ...mirrorRest } = file.mirror;

  return {
    source,
    log: {
      level: file.log.level,
      pretty: file.log.pretty ?? (env.NODE_ENV !== 'production' && env.LOG_FORMAT !== 'json'),
    },
    redis: { ...file.redis, ...(redisPassword ? { password: redisPassword } : {}) },
    api: { ...apiRest, tokens },
    databricks: {
      ...dbRest,
      host: databricksHost,
      auth: databricksAuth,
      ...(webhookConfig ? { webhook: webhookConfig } : {}),
      ...(profileUsed && profile ? { profile: `${profile.name} (${profile.file})` } : {}),
    },
    snowflake: {
      ...sfRest,
      ...withoutUndefined(sfConnection),
      authenticator,
      auth: snowflakeAuth,
      ...(connectionUsed && connection ? { connection: `${connection.name} (${connection.file})` } : {}),
    },
    workers: file.workers,
    mirror: {
      ...mirrorRest,
      oauthClientSecret:
        secret('D2S_MIRROR_OAUTH_CLIENT_SECRET') ??
        plaintext(
          file,
          source,
          'mirror.oauthClientSecret',
          file.mirror.oauthClientSecret,
          'D2S_MIRROR_OAUTH_CLIENT_SECRET',
        ),
    },
    cleanup: file.cleanup,
    notifications: resolveNotifications(file.notifications, secret),
    // Each dataset carries its own policy, so nothing downstream needs the default.
    datasets: Object.fromEntries(
      Object.entries(file.datasets).map(([name, dataset]) => [
        name,
        { ...dataset, export: { ...dataset.export, cleanup: dataset.export.cleanup ?? file.cleanup.default } },
      ]),
    ),
  };
}

/** `~/x` as the Snowflake tools expand it (Python's expanduser). */
function expandHome(path: string, env: Env): string {
  const home = env.HOME ?? env.USERPROFILE;
  return home !== undefined && (path === '~' || path.startsWith('~/')) ? `${home}${path.slice(1)}` : path;
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
