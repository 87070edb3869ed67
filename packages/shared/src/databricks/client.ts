import type { Logger } from 'pino';
import type { D2sConfig } from '../config/load-config.js';
import { ConfigError } from '../errors.js';
import { type Clock, type RandomSource, systemClock } from '../clock.js';
import { CurrentUserApi } from './current-user-api.js';
import { DatabricksHttpClient, type DatabricksRequestHook } from './http-client.js';
import { JobNotificationsApi } from './job-notifications-api.js';
import { JobsApi } from './jobs-api.js';
import { type BackoffOptions, DEFAULT_BACKOFF } from './retry-policy.js';
import { SqlStatementsApi, type SqlStatementsTuning } from './sql-statements-api.js';
import { UnityCatalogApi } from './unity-catalog-api.js';

/** Tuning beyond what the config file sets; every field has a default. */
export interface DatabricksClientTuning {
  /** Backoff between retries (full jitter). @defaultValue `{ baseDelayMs: 500, maxDelayMs: 20_000 }` */
  backoff?: Partial<BackoffOptions>;
  /** Refresh an OAuth token this long before it expires (at most half its lifetime). @defaultValue 120_000 */
  tokenRefreshLeadMs?: number;
  /** Unity Catalog `max_results` per page; 0 lets the server choose. @defaultValue 0 */
  pageSize?: number;
  /** @defaultValue `d2s/0.1.0` */
  userAgent?: string;
  /** Waits and timeouts of SQL statements. */
  statements?: SqlStatementsTuning;
}

export type DatabricksClientConfig = D2sConfig['databricks'] & DatabricksClientTuning;

export interface DatabricksClientDeps {
  /** Debug logs of retries and token refreshes (never tokens or headers). */
  logger?: Logger;
  /** Called after every HTTP attempt, for metrics by endpoint. */
  onRequest?: DatabricksRequestHook;
  /** @defaultValue the system clock */
  clock?: Clock;
  /** @defaultValue Math.random */
  random?: RandomSource;
}

/** A typed client for one Databricks workspace. */
export interface DatabricksClient {
  readonly host: string;
  readonly jobs: JobsApi;
  readonly unityCatalog: UnityCatalogApi;
  /** `currentUser.me()`: who the configured credentials are. */
  readonly currentUser: CurrentUserApi;
  /** Notification destinations and jobs' webhook notifications (pushed run ends). */
  readonly notifications: JobNotificationsApi;
  /** SQL statements on `databricks.sqlWarehouseId`; undefined when no warehouse is configured. */
  readonly sql: SqlStatementsApi | undefined;
  /** Closes pooled connections once in-flight requests finish. */
  close(): Promise<void>;
}

/**
 * Builds the client from the `databricks` section of the configuration. Fails with a ConfigError when the host is
 * missing or no credentials are configured: d2s has no anonymous mode.
 */
export function createDatabricksClient(
  config: DatabricksClientConfig,
  deps: DatabricksClientDeps = {},
): DatabricksClient {
  const host = config.host;
  if (host === undefined || host.trim() === '') {
    throw new ConfigError('Databricks host is not configured: set databricks.host or DATABRICKS_HOST.', {
      details: { key: 'databricks.host' },
    });
  }
  const auth = config.auth;
  if (auth.kind === 'none') {
    throw new ConfigError(
      'Databricks credentials are not configured: set DATABRICKS_TOKEN (personal access token) or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (OAuth machine-to-machine).',
      { details: { key: 'databricks.auth' } },
    );
  }
  for (const key of ['requestTimeoutMs', 'retryBudgetMs', 'maxConcurrentRequests', 'maxRequestsPerSecond'] as const) {
    const value = config[key];
    if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw new ConfigError(`databricks.${key} must be a positive number, got ${String(value)}.`, {
        details: { key: `databricks.${key}` },
      });
    }
  }
  const http = new DatabricksHttpClient({
    host,
    auth,
    requestTimeoutMs: config.requestTimeoutMs,
    retryBudgetMs: config.retryBudgetMs,
    maxConcurrentRequests: config.maxConcurrentRequests,
    maxRequestsPerSecond: config.maxRequestsPerSecond,
    backoff: { ...DEFAULT_BACKOFF, ...config.backoff },
    ...(config.tokenRefreshLeadMs === undefined ? {} : { tokenRefreshLeadMs: config.tokenRefreshLeadMs }),
    userAgent: config.userAgent ?? 'd2s/0.1.0',
    clock: deps.clock ?? systemClock,
    random: deps.random ?? Math.random,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.onRequest ? { onRequest: deps.onRequest } : {}),
  });
  return {
    host,
    jobs: new JobsApi(http),
    currentUser: new CurrentUserApi(http),
    notifications: new JobNotificationsApi(http),
    unityCatalog: new UnityCatalogApi(http, config.pageSize === undefined ? {} : { pageSize: config.pageSize }),
    sql:
      config.sqlWarehouseId === undefined
        ? undefined
        : new SqlStatementsApi(http, config.sqlWarehouseId, deps.clock ?? systemClock, config.statements),
    close: () => http.close(),
  };
}
