import { ConfigError } from '../errors.js';
import { Secret } from '../secret.js';
import type { NotificationEventType, NotificationsConfig } from './schema.js';
import type { z } from 'zod';

/** One receiver, ready to deliver to: URL and signing key resolved, secrets wrapped. */
export interface NotificationEndpoint {
  name: string;
  /** A `Secret` when it came from the environment (urlEnv): then it is never logged or shown. */
  url: string | Secret;
  /** The events it gets; undefined means every event. */
  events: readonly NotificationEventType[] | undefined;
  format: 'standard' | 'slack';
  /** The HMAC key: the base64 part of `whsec_<base64>`, decoded. Slack endpoints may go unsigned. */
  signingKey: Secret | undefined;
}

export interface NotificationsSettings {
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  concurrency: number;
  endpoints: NotificationEndpoint[];
}

const SECRET_PREFIX = 'whsec_';

/**
 * Standard Webhooks: a symmetric secret is `whsec_` followed by the base64 of 24 to 64 random bytes
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md, "Symmetric").
 * Returns the base64 part, validated, so a short or mistyped secret fails at start, not at first delivery.
 */
export function parseSigningSecret(value: string, envName: string): Secret {
  if (!value.startsWith(SECRET_PREFIX))
    throw new ConfigError(`${envName} must be a Standard Webhooks secret: whsec_ followed by base64.`, {
      details: { key: envName },
    });
  const base64 = value.slice(SECRET_PREFIX.length);
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(base64) && base64.length % 4 === 0 ? Buffer.from(base64, 'base64') : null;
  if (!bytes || bytes.length < 24 || bytes.length > 64)
    throw new ConfigError(
      `${envName} must be whsec_ followed by the base64 of 24 to 64 random bytes (for example: echo "whsec_$(openssl rand -base64 32)").`,
      { details: { key: envName } },
    );
  return new Secret(base64);
}

/** The notifications section with each endpoint's URL and secret read through the env/_FILE indirection. */
export function resolveNotifications(
  file: z.infer<typeof NotificationsConfig>,
  secretFromEnv: (name: string) => Secret | undefined,
): NotificationsSettings {
  const endpoints = file.endpoints.map((endpoint): NotificationEndpoint => {
    const where = `notifications.endpoints "${endpoint.name}"`;
    let url: string | Secret;
    if (endpoint.urlEnv) {
      const fromEnv = secretFromEnv(endpoint.urlEnv);
      if (!fromEnv)
        throw new ConfigError(`${where}: urlEnv names ${endpoint.urlEnv}, but neither it nor its _FILE is set.`, {
          details: { key: endpoint.urlEnv },
        });
      if (!/^https?:\/\/[^\s]+$/.test(fromEnv.reveal()))
        throw new ConfigError(`${where}: ${endpoint.urlEnv} must hold an http:// or https:// URL.`, {
          details: { key: endpoint.urlEnv },
        });
      url = fromEnv;
    } else {
      url = endpoint.url as string;
    }
    let signingKey: Secret | undefined;
    if (endpoint.secretEnv) {
      const raw = secretFromEnv(endpoint.secretEnv);
      if (!raw)
        throw new ConfigError(`${where}: secretEnv names ${endpoint.secretEnv}, but neither it nor its _FILE is set.`, {
          details: { key: endpoint.secretEnv },
        });
      signingKey = parseSigningSecret(raw.reveal(), endpoint.secretEnv);
    }
    return { name: endpoint.name, url, events: endpoint.events, format: endpoint.format, signingKey };
  });
  const { attempts, backoffMs, timeoutMs, concurrency } = file;
  return { attempts, backoffMs, timeoutMs, concurrency, endpoints };
}
