import { join } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError } from '../errors.js';
import { Secret } from '../secret.js';

/**
 * `connections.toml`, where the Snowflake tools keep named connections (Snowflake CLI, the Python connector,
 * the Node.js driver's `loadConnectionConfiguration`), read the way they read it:
 *
 * - the directory is `SNOWFLAKE_HOME`, else `~/.snowflake` when it exists, else the platform's config
 *   directory for "snowflake" (Linux `$XDG_CONFIG_HOME/snowflake` or `~/.config/snowflake`, macOS
 *   `~/Library/Application Support/snowflake`, Windows `%LOCALAPPDATA%\snowflake`): Python connector
 *   `src/snowflake/connector/sf_dirs.py` (`_resolve_platform_dirs`), Node driver
 *   `lib/configuration/connection_configuration.js` (SNOWFLAKE_HOME or ~/.snowflake);
 * - `connections.toml` holds one table per connection (`[myconn]`); when it exists it replaces the
 *   `[connections]` table of `config.toml` in the same directory (Python connector `config_manager.py`,
 *   CONFIG_MANAGER's "connections" slice), which is read otherwise;
 * - the default connection is `SNOWFLAKE_DEFAULT_CONNECTION_NAME`, else `default_connection_name` at the top of
 *   `config.toml`, else `default` (config_manager.py `default_connection_name` option; Snowflake CLI docs,
 *   "Managing Snowflake connections");
 * - a file others may write is refused, as the Python connector refuses it ("writable by group or others").
 *
 * d2s's `snowflake.connection` names the connection explicitly and wins over the default name.
 */
export interface SnowflakeConnection {
  /** The connection's name and the file it came from, for messages. */
  name: string;
  file: string;
  account?: string;
  user?: string;
  role?: string;
  warehouse?: string;
  database?: string;
  schema?: string;
  /** `protocol://host:port` when the connection names a host (private link, a local emulator). */
  accessUrl?: string;
  authenticator?: 'SNOWFLAKE' | 'SNOWFLAKE_JWT';
  password?: Secret;
  privateKeyPath?: string;
  privateKeyPassphrase?: Secret;
}

export interface ConnectionLookup {
  env: Record<string, string | undefined>;
  /** d2s's `snowflake.connection`. */
  configured?: string | undefined;
  /** Whether d2s already has an account and user: then an unnamed default connection is not used. */
  hasOwnConnection: boolean;
  readFile: (path: string) => string;
  /** The file's permission bits, or undefined where they mean nothing (Windows) or cannot be read. */
  fileMode?: ((path: string) => number | undefined) | undefined;
  /** Whether a directory exists (to choose ~/.snowflake over the platform directory). */
  directoryExists?: ((path: string) => boolean) | undefined;
  platform?: NodeJS.Platform;
}

/**
 * The connection to use, or undefined. A named connection (`snowflake.connection` or
 * SNOWFLAKE_DEFAULT_CONNECTION_NAME) that is missing is an error; the unnamed default is used only when d2s has
 * no account and user of its own, and quietly skipped when there is none.
 */
export function readSnowflakeConnection(lookup: ConnectionLookup): SnowflakeConnection | undefined {
  const { env } = lookup;
  const named = nonEmpty(lookup.configured) ?? nonEmpty(env.SNOWFLAKE_DEFAULT_CONNECTION_NAME);
  if (named === undefined && lookup.hasOwnConnection) return undefined;
  const dir = snowflakeHome(lookup);
  if (dir === undefined) {
    if (named === undefined) return undefined;
    throw new ConfigError(`Snowflake connection ${named} is set but there is no home directory to find it in`);
  }
  const connectionsFile = join(dir, 'connections.toml');
  const configFile = join(dir, 'config.toml');
  const config = readToml(configFile, lookup);
  const connections = readToml(connectionsFile, lookup);
  const table = connections ?? asTable(config?.connections);
  const file = connections ? connectionsFile : configFile;
  const name = named ?? nonEmpty(asString(config?.default_connection_name)) ?? 'default';
  const entry = asTable(table?.[name]);
  if (entry === undefined) {
    if (named === undefined) return undefined;
    throw new ConfigError(
      `Snowflake connection ${name} is not in ${connections || config ? file : `${connectionsFile} (no such file)`}`,
      { details: { file, connection: name } },
    );
  }
  return toConnection(name, file, entry);
}

function snowflakeHome(lookup: ConnectionLookup): string | undefined {
  const { env } = lookup;
  const explicit = nonEmpty(env.SNOWFLAKE_HOME);
  if (explicit !== undefined) return explicit;
  const home = nonEmpty(env.HOME) ?? nonEmpty(env.USERPROFILE);
  if (home === undefined) return undefined;
  const dotSnowflake = join(home, '.snowflake');
  if ((lookup.directoryExists ?? (() => true))(dotSnowflake)) return dotSnowflake;
  switch (lookup.platform ?? process.platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'snowflake');
    case 'win32':
      return join(nonEmpty(env.LOCALAPPDATA) ?? join(home, 'AppData', 'Local'), 'snowflake');
    default:
      return join(nonEmpty(env.XDG_CONFIG_HOME) ?? join(home, '.config'), 'snowflake');
  }
}

function readToml(path: string, lookup: ConnectionLookup): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = lookup.readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`Cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
      details: { file: path },
    });
  }
  const mode = lookup.fileMode?.(path);
  if (mode !== undefined && (mode & 0o022) !== 0) {
    throw new ConfigError(
      `${path} is writable by group or others, who could change where d2s connects: run chmod 0600 ${path}`,
      { details: { file: path } },
    );
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    // Never echo the line: it may hold a password.
    const where = error instanceof TomlError ? ` at line ${error.line}` : '';
    throw new ConfigError(`${path} is not valid TOML${where}`, { details: { file: path } });
  }
}

function toConnection(name: string, file: string, entry: Record<string, unknown>): SnowflakeConnection {
  const text = (key: string) => nonEmpty(asString(entry[key]));
  const connection: SnowflakeConnection = { name, file };
  for (const [key, field] of [
    ['account', 'account'],
    ['user', 'user'],
    ['role', 'role'],
    ['warehouse', 'warehouse'],
    ['database', 'database'],
    ['schema', 'schema'],
  ] as const) {
    const value = text(key);
    if (value !== undefined) connection[field] = value;
  }
  const host = text('host');
  if (host !== undefined) {
    const protocol = text('protocol') ?? 'https';
    const port = entry.port === undefined ? undefined : String(entry.port);
    connection.accessUrl = `${protocol}://${host}${port === undefined ? '' : `:${port}`}`;
  }
  const password = text('password');
  if (password !== undefined) connection.password = new Secret(password);
  // private_key_file is the connectors' name; private_key_path is what the Snowflake CLI also accepts.
  const keyPath = text('private_key_file') ?? text('private_key_path');
  if (keyPath !== undefined) connection.privateKeyPath = keyPath;
  const passphrase = text('private_key_file_pwd') ?? text('private_key_pwd');
  if (passphrase !== undefined) connection.privateKeyPassphrase = new Secret(passphrase);
  const authenticator = text('authenticator')?.toUpperCase();
  if (authenticator === 'SNOWFLAKE' || authenticator === 'SNOWFLAKE_JWT') connection.authenticator = authenticator;
  else if (authenticator !== undefined) {
    throw new ConfigError(
      `Snowflake connection ${name} in ${file} uses authenticator ${authenticator}; d2s supports SNOWFLAKE_JWT (key pair) and SNOWFLAKE (password)`,
      { details: { file, connection: name } },
    );
  } else if (keyPath !== undefined) connection.authenticator = 'SNOWFLAKE_JWT';
  else if (password !== undefined) connection.authenticator = 'SNOWFLAKE';
  return connection;
}

function asTable(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
