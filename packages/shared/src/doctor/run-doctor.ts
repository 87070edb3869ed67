import type { RedisClient } from '../redis/connections.js';
import type { D2sConfig } from '../config/load-config.js';
import { ConfigError } from '../errors.js';
import { type DoctorCheck, type DoctorReport, errorText, fail, redactReport, reportOf } from './check.js';
import { databricksChecks, type DatabricksProbe } from './databricks-checks.js';
import { type QueueProbe, redisChecks } from './redis-checks.js';
import { snowflakeChecks, type SnowflakeProbe } from './snowflake-checks.js';

/** A client the doctor opened for itself and closes when done (`close` is a no-op for a borrowed one). */
export type Closable<T> = T & { close(): Promise<void> };

/**
 * Where the doctor gets its clients. Each is made on demand, so a section whose settings are missing fails on
 * its own (a ConfigError becomes that section's `fail`) and the others still run.
 */
export interface DoctorDeps {
  config: D2sConfig;
  redis: () => Closable<{ redis: RedisClient; queues: Record<string, QueueProbe> }>;
  databricks: () => Closable<DatabricksProbe>;
  snowflake: () => Closable<SnowflakeProbe>;
  /** The notification destination of d2s's push endpoint, when push is configured. */
  pushDestinationId?: string | undefined;
}

/**
 * Runs every check (Redis, Databricks, Snowflake, side by side) and returns one report. Never throws: a
 * section that breaks reports one `fail` saying how. Every secret the configuration holds is scrubbed from
 * the report before it is returned.
 */
export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const { config } = deps;
  const sections = await Promise.all([
    section('redis', deps.redis, (client) =>
      redisChecks({
        redis: client.redis,
        queues: client.queues,
        where: config.redis.cluster
          ? `the Redis Cluster (${config.redis.cluster.nodes.join(', ')})`
          : redisLocation(config.redis.url),
      }),
    ),
    section('databricks', deps.databricks, (client) =>
      databricksChecks({ config, client, pushDestinationId: deps.pushDestinationId }),
    ),
    section('snowflake', deps.snowflake, (client) => snowflakeChecks({ config, client })),
  ]);
  return redactReport(reportOf(sections.flat()), configSecrets(config));
}

async function section<T>(
  name: string,
  open: () => Closable<T>,
  run: (client: Closable<T>) => Promise<DoctorCheck[]>,
): Promise<DoctorCheck[]> {
  let client: Closable<T>;
  try {
    client = open();
  } catch (error) {
    if (error instanceof ConfigError) {
      return [
        fail(`${name}.config`, errorText(error), `Set the ${name} settings named above (README: Configuration).`),
      ];
    }
    return [
      fail(`${name}.config`, `cannot set up the ${name} client: ${errorText(error)}`, 'See README: Configuration.'),
    ];
  }
  try {
    return await run(client);
  } catch (error) {
    return [
      fail(
        `${name}.unexpected`,
        `the ${name} checks stopped: ${errorText(error)}`,
        'Run d2s doctor again; report it if it persists.',
      ),
    ];
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** The Redis URL for messages: host and port, never a password. */
export function redisLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(an unparsable redis.url)';
  }
}

/** Every secret value in the configuration, for the last scrub of the report. */
export function configSecrets(config: D2sConfig): string[] {
  const secrets: string[] = [];
  const auth = config.databricks.auth;
  if (auth.kind === 'pat') secrets.push(auth.token.reveal());
  if (auth.kind === 'oauth-m2m') secrets.push(auth.clientSecret.reveal());
  const sf = config.snowflake.auth;
  if (sf.kind === 'password') secrets.push(sf.password.reveal());
  if (sf.kind === 'keypair') {
    secrets.push(sf.privateKey.reveal());
    if (sf.passphrase) secrets.push(sf.passphrase.reveal());
  }
  if (config.mirror.oauthClientSecret) secrets.push(config.mirror.oauthClientSecret.reveal());
  if (config.redis.password) secrets.push(config.redis.password.reveal());
  const hookPassword = config.databricks.webhook?.password;
  if (hookPassword) secrets.push(hookPassword.reveal());
  try {
    const password = new URL(config.redis.url).password;
    if (password) secrets.push(decodeURIComponent(password));
  } catch {
    // an unparsable URL holds nothing to scrub
  }
  return secrets;
}
