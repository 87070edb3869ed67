import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Field names whose values are secrets wherever they appear in a log object.
 * `Secret` values already print as `[redacted]`; this catches plain strings
 * that reach a log line by another road (a raw request header, a config dump).
 */
export const SECRET_FIELD_NAMES = [
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'clientSecret',
  'client_secret',
  'password',
  'passphrase',
  'privateKey',
  'private_key',
  'privateKeyPass',
  'privateKeyPassphrase',
  'secret',
  'authorization',
  'Authorization',
  'cookie',
  'apiKey',
  'oauthClientSecret',
  'OAUTH_CLIENT_SECRET',
];

/** pino redaction paths: each secret field at the top level and up to three levels down. */
export const REDACT_PATHS = SECRET_FIELD_NAMES.flatMap((name) => [name, `*.${name}`, `*.*.${name}`, `*.*.*.${name}`]);

export interface LoggerSettings {
  level: string;
  /** Human-readable lines for a terminal; JSON (one object a line) otherwise. */
  pretty: boolean;
  /** The service name every line carries (`api`, `export-worker`, …). */
  service: string;
}

/** Builds the process logger; pass `destination` to capture lines (tests). */
export function createLogger(settings: LoggerSettings, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: settings.service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.errWithCause, error: pino.stdSerializers.errWithCause },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination) return pino(options, destination);
  if (settings.pretty) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return pino(options);
}

const SECRET_KEYS = new Set(SECRET_FIELD_NAMES.map((name) => name.toLowerCase()));

/** A copy of any JSON-like value with every secret-named field replaced by `[redacted]` (for UIs that show job data). */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_KEYS.has(key.toLowerCase()) ? '[redacted]' : redactSecrets(inner, depth + 1);
  }
  return out;
}
