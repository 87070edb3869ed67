import { createHash } from 'node:crypto';
import type { D2sConfig } from '../config/load-config.js';
import type { MirrorCatalogConfig } from '../config/schema.js';
import type { Secret } from '../secret.js';
import { MirrorNotConfiguredError } from './mirror-errors.js';

/** The mirror's configuration, checked and completed: everything planning and applying need. */
export interface MirrorSettings {
  catalogs: MirrorCatalogConfig[];
  include: string[];
  exclude: string[];
  tags: D2sConfig['mirror']['tags'];
  integrationPer: 'catalog' | 'schema';
  integrationPrefix: string;
  refreshIntervalSeconds: number;
  autoRefresh: boolean;
  dropRemoved: boolean;
  /** The largest share of the mirrored tables a plan may drop unless forced. */
  maxDropShare: number;
  maxParallelTables: number;
  oauthClientId: string;
  /** Prints as `[redacted]`; revealed only to build the executable CREATE/ALTER statement and the fingerprint. */
  oauthClientSecret: Secret;
  /** The workspace URL Snowflake calls (mirror.workspaceUrl, else databricks.host). */
  workspaceUrl: string;
  /** 16 hex characters of sha256(clientId + "\0" + secret): shows a rotated secret without showing the secret. */
  secretFingerprint: string;
  /** The Snowflake account identifier (`org-account`), for Snowsight links. */
  snowflakeAccount: string | undefined;
}

export type MirrorConfigSource = Pick<D2sConfig, 'mirror' | 'databricks' | 'snowflake'>;

/**
 * Checks the mirror section and completes it. Fails with MIRROR_NOT_CONFIGURED
 * naming every missing setting (catalogs, OAuth client id, secret, workspace URL).
 */
export function resolveMirrorSettings(config: MirrorConfigSource): MirrorSettings {
  const mirror = config.mirror;
  const missing: string[] = [];
  if (mirror.catalogs.length === 0) missing.push('mirror.catalogs (at least one Unity Catalog catalog to mirror)');
  if (!mirror.oauthClientId) missing.push('mirror.oauthClientId (or D2S_MIRROR_OAUTH_CLIENT_ID)');
  if (!mirror.oauthClientSecret || mirror.oauthClientSecret.reveal() === '') {
    missing.push('the OAuth client secret (D2S_MIRROR_OAUTH_CLIENT_SECRET or D2S_MIRROR_OAUTH_CLIENT_SECRET_FILE)');
  }
  const workspaceUrl = mirror.workspaceUrl ?? config.databricks.host;
  if (!workspaceUrl) missing.push('mirror.workspaceUrl or databricks.host (the workspace URL Snowflake calls)');
  if (missing.length > 0) {
    throw new MirrorNotConfiguredError(`The mirror is not configured: set ${missing.join('; ')}.`, {
      details: { missing },
    });
  }
  const clientId = mirror.oauthClientId as string;
  const secret = mirror.oauthClientSecret as Secret;
  return {
    catalogs: mirror.catalogs,
    include: mirror.include,
    exclude: mirror.exclude,
    tags: mirror.tags,
    integrationPer: mirror.integrationPer,
    integrationPrefix: mirror.integrationPrefix,
    refreshIntervalSeconds: mirror.refreshIntervalSeconds,
    autoRefresh: mirror.autoRefresh,
    dropRemoved: mirror.dropRemoved,
    maxDropShare: mirror.maxDropShare,
    maxParallelTables: mirror.maxParallelTables,
    oauthClientId: clientId,
    oauthClientSecret: secret,
    workspaceUrl: workspaceUrl as string,
    secretFingerprint: secretFingerprint(clientId, secret),
    snowflakeAccount: config.snowflake.account,
  };
}

/** 16 hex characters of sha256(clientId + "\0" + secret). */
export function secretFingerprint(clientId: string, secret: Secret): string {
  return createHash('sha256').update(clientId).update('\0').update(secret.reveal()).digest('hex').slice(0, 16);
}

/**
 * How many statements one mirror worker applies at once: mirror.applyConcurrency, else (as before it existed)
 * the smaller of workers.mirror.concurrency and mirror.maxParallelTables.
 */
export function mirrorApplyConcurrency(config: {
  mirror: Pick<D2sConfig['mirror'], 'applyConcurrency' | 'maxParallelTables'>;
  workers: { mirror: { concurrency: number } };
}): number {
  return config.mirror.applyConcurrency ?? Math.min(config.workers.mirror.concurrency, config.mirror.maxParallelTables);
}

/**
 * The Snowflake pool a mirror worker needs: one connection per statement in flight, so per-table jobs never
 * queue for a connection (snowflake.poolMax when it is larger).
 */
export function mirrorSnowflakePoolSize(poolMax: number, applyConcurrency: number): number {
  return Math.max(poolMax, applyConcurrency);
}
