import type { Logger } from 'pino';
import type snowflakeSdk from 'snowflake-sdk';
import { ConfigError } from '../errors.js';

/** The snowflake-sdk module. */
export type SnowflakeDriver = typeof snowflakeSdk;

export type DriverLogLevel = 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE' | 'OFF';

export interface SnowflakeDriverSettings {
  /** The driver's own log level. @defaultValue 'ERROR' */
  logLevel?: DriverLogLevel;
  /**
   * Where the driver's (already secret-masked) log lines go. Without one they
   * are dropped: the driver's default would write `snowflake.log` into the
   * working directory and to the console.
   */
  logger?: Logger;
  /** Honour HTTP(S)_PROXY / NO_PROXY from the environment. @defaultValue false */
  useEnvProxy?: boolean;
  /**
   * OCSP revocation checks on https connections (plain-http endpoints such as
   * the emulator never run them). They call certificate authorities' OCSP
   * responders and Snowflake's OCSP cache server, i.e. hosts beyond the
   * account; turn them off where egress is restricted to the account.
   * @defaultValue true
   */
  ocspChecks?: boolean;
  /** Environment the switches below are written to. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * Environment switches the driver reads. SNOWFLAKE_DISABLE_PLATFORM_DETECTION
 * must be set before the driver module is first loaded: on import it probes
 * cloud metadata endpoints (169.254.169.254, metadata.google.internal) and
 * AWS STS. The connection-shape telemetry event (sent to the account) is
 * switched off too. Values an operator set explicitly are kept.
 */
export const DRIVER_ENVIRONMENT: Readonly<Record<string, string>> = {
  SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
  SF_TELEMETRY_DISABLE_CONNECTION_SHAPE: '1',
};

let configured: SnowflakeDriver | undefined;
let configuring: Promise<SnowflakeDriver> | undefined;

/**
 * The one place that touches the driver's process-wide state: sets the
 * environment switches, loads snowflake-sdk, and configures its logging,
 * proxy and OCSP behaviour. An app entry point calls it once before creating
 * Snowflake clients; calling it again reapplies the settings.
 *
 * Nothing in d2s imports the driver at module load, so the switches are in
 * place before its import-time platform detection runs.
 */
export async function configureSnowflakeDriver(settings: SnowflakeDriverSettings = {}): Promise<SnowflakeDriver> {
  const env = settings.env ?? process.env;
  for (const [name, value] of Object.entries(DRIVER_ENVIRONMENT)) {
    if (env[name] === undefined || env[name] === '') env[name] = value;
  }
  configuring ??= import('snowflake-sdk').then((module) => {
    const withDefault = module as unknown as { default?: SnowflakeDriver };
    return withDefault.default ?? (module as unknown as SnowflakeDriver);
  });
  const driver = await configuring;
  const logger = settings.logger?.child({ component: 'snowflake-sdk' });
  driver.configure({
    logLevel: settings.logLevel ?? 'ERROR',
    customLogger: logger
      ? {
          error: (message: string) => logger.error(message),
          warn: (message: string) => logger.warn(message),
          info: (message: string) => logger.info(message),
          debug: (message: string) => logger.debug(message),
          trace: (message: string) => logger.trace(message),
        }
      : SILENT_LOGGER,
    useEnvProxy: settings.useEnvProxy ?? false,
    disableOCSPChecks: settings.ocspChecks === false,
  });
  configured = driver;
  return driver;
}

const noop = () => {};
const SILENT_LOGGER = { error: noop, warn: noop, info: noop, debug: noop, trace: noop };

/** The driver configured by `configureSnowflakeDriver`; throws when that was not called. */
export function configuredSnowflakeDriver(): SnowflakeDriver {
  if (configured === undefined) {
    throw new ConfigError(
      'The Snowflake driver is not configured: call `await configureSnowflakeDriver()` once at start-up, before creating a Snowflake client.',
    );
  }
  return configured;
}
