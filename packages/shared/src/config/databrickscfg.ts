import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { Secret } from '../secret.js';

/**
 * `~/.databrickscfg`, the configuration file the official Databricks tools share (CLI, SDKs): INI sections named
 * after profiles, `[DEFAULT]` by default, with `host`, `token` (PAT) or `client_id` + `client_secret` (OAuth
 * M2M). Its path is `DATABRICKS_CONFIG_FILE` or `~/.databrickscfg`; the profile is `DATABRICKS_CONFIG_PROFILE`
 * (or d2s's `databricks.profile`), else `DEFAULT`. Sources: "Databricks configuration profiles"
 * (https://docs.databricks.com/aws/en/dev-tools/auth/config-profiles) and the SDKs' config loaders
 * (databricks-sdk-py databricks/sdk/config.py `_load_from_profile`, databricks-sdk-go config/config_file.go).
 */
export interface DatabricksProfile {
  /** The profile's name and the file it came from, for messages. */
  name: string;
  file: string;
  host?: string;
  token?: Secret;
  clientId?: string;
  clientSecret?: Secret;
}

export interface ProfileLookup {
  env: Record<string, string | undefined>;
  /** d2s's `databricks.profile` setting. */
  configured?: string | undefined;
  readFile: (path: string) => string;
}

/**
 * The profile to use, or undefined when none is named and the file does not exist. A named profile that is
 * missing (or a named one in a missing file) is an error, as it is for the official tools.
 */
export function readDatabricksProfile(lookup: ProfileLookup): DatabricksProfile | undefined {
  const { env } = lookup;
  const named = nonEmpty(env.DATABRICKS_CONFIG_PROFILE) ?? nonEmpty(lookup.configured);
  const home = nonEmpty(env.HOME) ?? nonEmpty(env.USERPROFILE);
  const file = nonEmpty(env.DATABRICKS_CONFIG_FILE) ?? (home === undefined ? undefined : join(home, '.databrickscfg'));
  if (file === undefined) {
    if (named === undefined) return undefined;
    throw new ConfigError(
      `Databricks profile ${named} is set but there is no home directory to find ~/.databrickscfg in`,
    );
  }
  let text: string;
  try {
    text = lookup.readFile(file);
  } catch (error) {
    if (named === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`Cannot read the Databricks config file ${file}: ${(error as Error).message}`, {
      cause: error,
      details: { file },
    });
  }
  const sections = parseIni(text, file);
  const name = named ?? 'DEFAULT';
  const section = sections.get(name);
  if (section === undefined) {
    if (named === undefined) return undefined;
    throw new ConfigError(`The Databricks config file ${file} has no [${name}] profile`, {
      details: { file, profile: name },
    });
  }
  const profile: DatabricksProfile = { name, file };
  const host = section.get('host');
  // The tools accept a bare host name and assume https.
  if (host !== undefined) profile.host = (/^https?:\/\//i.test(host) ? host : `https://${host}`).replace(/\/+$/, '');
  const token = section.get('token');
  if (token !== undefined) profile.token = new Secret(token);
  const clientId = section.get('client_id');
  if (clientId !== undefined) profile.clientId = clientId;
  const clientSecret = section.get('client_secret');
  if (clientSecret !== undefined) profile.clientSecret = new Secret(clientSecret);
  return profile;
}

/**
 * INI as Python's configparser reads it (what the SDKs and CLI write): `[section]`, `key = value` or
 * `key: value`, `#` / `;` comment lines, keys case-insensitive. Values of the DEFAULT section are not copied
 * into the others: each Databricks profile stands alone.
 */
function parseIni(text: string, file: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header?.[1] !== undefined) {
      const name = header[1].trim();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      return;
    }
    const pair = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (pair?.[1] === undefined || current === undefined) {
      // Never echo the line: it may hold a token.
      throw new ConfigError(`The Databricks config file ${file} cannot be read at line ${index + 1}`, {
        details: { file, line: index + 1 },
      });
    }
    current.set(pair[1].toLowerCase(), (pair[2] ?? '').trim());
  });
  return sections;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
