import type { Secret } from '../../secret.js';
import { SqlBuildError } from '../errors.js';
import { booleanOption, catalogIntegrationName, integerOption, quoteIdentifier, quoteLiteral } from './quoting.js';
import { type SqlPart, SqlStatement, secretLiteral } from './sql-statement.js';

/**
 * Catalog integrations that let Snowflake read Unity Catalog tables through
 * Databricks' Iceberg REST catalog (`<workspace>/api/2.1/unity-catalog/iceberg-rest`),
 * authenticating with OAuth client credentials of a Databricks service principal.
 *
 * Integration names are account-level identifiers, quoted like every other
 * name. SYSTEM$VERIFY_CATALOG_INTEGRATION and `CATALOG = '...'` take the name
 * inside a string, so only plain upper-case names (`D2S_UC_MAIN`) are
 * accepted (see `catalogIntegrationName`).
 */

/** Snowflake's accepted range for REFRESH_INTERVAL_SECONDS. */
export const REFRESH_INTERVAL_SECONDS_RANGE = { min: 30, max: 86_400 } as const;

export type AccessDelegationMode = 'VENDED_CREDENTIALS' | 'EXTERNAL_VOLUME_CREDENTIALS';

export interface CreateCatalogIntegrationOptions {
  name: string;
  /** The Databricks workspace URL, `https://dbc-123.cloud.databricks.com`. */
  workspaceUrl: string;
  /** The Unity Catalog catalog the integration reads (`CATALOG_NAME`). */
  catalogName: string;
  /** Default namespace (Unity Catalog schema) for tables that name none. */
  namespace?: string | undefined;
  oauth: {
    clientId: string;
    clientSecret: Secret;
    /** @defaultValue ['all-apis', 'sql'] */
    scopes?: readonly string[] | undefined;
  };
  /** @defaultValue 'VENDED_CREDENTIALS' */
  accessDelegationMode?: AccessDelegationMode | undefined;
  /** @defaultValue true */
  enabled?: boolean | undefined;
  /** 30 to 86400; Snowflake's default (30) when omitted. */
  refreshIntervalSeconds?: number | undefined;
  comment?: string | undefined;
}

/** `https://host/` → `https://host`; refuses anything but an http(s) URL without query or fragment. */
export function workspaceBaseUrl(workspaceUrl: string): string {
  let url: URL;
  try {
    url = new URL(workspaceUrl);
  } catch {
    throw new SqlBuildError('The Databricks workspace URL is not a valid URL.', { details: { workspaceUrl } });
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
    throw new SqlBuildError('The Databricks workspace URL must be an https:// URL without query or fragment.', {
      details: { workspaceUrl },
    });
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** `<workspace>/api/2.1/unity-catalog/iceberg-rest` */
export function unityCatalogIcebergRestUri(workspaceUrl: string): string {
  return `${workspaceBaseUrl(workspaceUrl)}/api/2.1/unity-catalog/iceberg-rest`;
}

/** `<workspace>/oidc/v1/token` */
export function databricksOAuthTokenUri(workspaceUrl: string): string {
  return `${workspaceBaseUrl(workspaceUrl)}/oidc/v1/token`;
}

/**
 * ```sql
 * CREATE CATALOG INTEGRATION IF NOT EXISTS "D2S_UC_MAIN"
 *   CATALOG_SOURCE = ICEBERG_REST
 *   TABLE_FORMAT = ICEBERG
 *   CATALOG_NAMESPACE = 'sales'
 *   REST_CONFIG = (
 *     CATALOG_URI = 'https://dbc-1.cloud.databricks.com/api/2.1/unity-catalog/iceberg-rest'
 *     CATALOG_NAME = 'main'
 *     ACCESS_DELEGATION_MODE = VENDED_CREDENTIALS
 *   )
 *   REST_AUTHENTICATION = (
 *     TYPE = OAUTH
 *     OAUTH_TOKEN_URI = 'https://dbc-1.cloud.databricks.com/oidc/v1/token'
 *     OAUTH_CLIENT_ID = '<client id>'
 *     OAUTH_CLIENT_SECRET = '[redacted]'
 *     OAUTH_ALLOWED_SCOPES = ('all-apis', 'sql')
 *   )
 *   ENABLED = TRUE
 *   REFRESH_INTERVAL_SECONDS = 300
 *   COMMENT = '...'
 * ```
 * The masked rendering shows `'[redacted]'`; `text()` holds the secret.
 * An existing integration is left as it is: apply a new secret or interval
 * with `alterCatalogIntegration`.
 */
export function createCatalogIntegration(options: CreateCatalogIntegrationOptions): SqlStatement {
  const scopes = options.oauth.scopes ?? ['all-apis', 'sql'];
  if (scopes.length === 0) throw new SqlBuildError('OAUTH_ALLOWED_SCOPES needs at least one scope.');
  const mode = options.accessDelegationMode ?? 'VENDED_CREDENTIALS';
  if (mode !== 'VENDED_CREDENTIALS' && mode !== 'EXTERNAL_VOLUME_CREDENTIALS') {
    throw new SqlBuildError('ACCESS_DELEGATION_MODE must be VENDED_CREDENTIALS or EXTERNAL_VOLUME_CREDENTIALS.', {
      details: { accessDelegationMode: mode },
    });
  }
  const head = [
    `CREATE CATALOG INTEGRATION IF NOT EXISTS ${quoteIdentifier(catalogIntegrationName(options.name))}`,
    '  CATALOG_SOURCE = ICEBERG_REST',
    '  TABLE_FORMAT = ICEBERG',
  ];
  if (options.namespace !== undefined) head.push(`  CATALOG_NAMESPACE = ${quoteLiteral(options.namespace)}`);
  head.push(
    '  REST_CONFIG = (',
    `    CATALOG_URI = ${quoteLiteral(unityCatalogIcebergRestUri(options.workspaceUrl))}`,
    `    CATALOG_NAME = ${quoteLiteral(options.catalogName)}`,
    `    ACCESS_DELEGATION_MODE = ${mode}`,
    '  )',
    '  REST_AUTHENTICATION = (',
    '    TYPE = OAUTH',
    `    OAUTH_TOKEN_URI = ${quoteLiteral(databricksOAuthTokenUri(options.workspaceUrl))}`,
    `    OAUTH_CLIENT_ID = ${quoteLiteral(options.oauth.clientId)}`,
    '    OAUTH_CLIENT_SECRET = ',
  );
  const tail = [
    `    OAUTH_ALLOWED_SCOPES = (${scopes.map(quoteLiteral).join(', ')})`,
    '  )',
    `  ENABLED = ${booleanOption(options.enabled ?? true)}`,
  ];
  if (options.refreshIntervalSeconds !== undefined)
    tail.push(`  REFRESH_INTERVAL_SECONDS = ${refreshInterval(options.refreshIntervalSeconds)}`);
  if (options.comment !== undefined) tail.push(`  COMMENT = ${quoteLiteral(options.comment)}`);
  const parts: SqlPart[] = [head.join('\n'), secretLiteral(options.oauth.clientSecret), `\n${tail.join('\n')}`];
  return SqlStatement.of(parts);
}

export interface AlterCatalogIntegrationOptions {
  name: string;
  /** A rotated OAuth client secret. */
  clientSecret?: Secret | undefined;
  refreshIntervalSeconds?: number | undefined;
  comment?: string | undefined;
  /** @defaultValue false */
  ifExists?: boolean | undefined;
}

/**
 * Applies a rotated secret, a new refresh interval or comment to an existing integration:
 *
 * ```sql
 * ALTER CATALOG INTEGRATION "D2S_UC_MAIN" SET
 *   REST_AUTHENTICATION = (
 *     OAUTH_CLIENT_SECRET = '[redacted]'
 *   )
 *   REFRESH_INTERVAL_SECONDS = 600
 * ```
 */
export function alterCatalogIntegration(options: AlterCatalogIntegrationOptions): SqlStatement {
  if (
    options.clientSecret === undefined &&
    options.refreshIntervalSeconds === undefined &&
    options.comment === undefined
  ) {
    throw new SqlBuildError('ALTER CATALOG INTEGRATION needs at least one property to set.', {
      details: { name: options.name },
    });
  }
  const parts: SqlPart[] = [
    `ALTER CATALOG INTEGRATION ${options.ifExists === true ? 'IF EXISTS ' : ''}${quoteIdentifier(catalogIntegrationName(options.name))} SET`,
  ];
  if (options.clientSecret !== undefined) {
    parts.push('\n  REST_AUTHENTICATION = (\n    OAUTH_CLIENT_SECRET = ', secretLiteral(options.clientSecret), '\n  )');
  }
  if (options.refreshIntervalSeconds !== undefined) {
    parts.push(`\n  REFRESH_INTERVAL_SECONDS = ${refreshInterval(options.refreshIntervalSeconds)}`);
  }
  if (options.comment !== undefined) parts.push(`\n  COMMENT = ${quoteLiteral(options.comment)}`);
  return SqlStatement.of(parts);
}

/**
 * Makes Snowflake call the catalog with the integration's credentials. The
 * function takes the integration's exact (case-sensitive) name and returns
 * one row with one column holding a JSON object; read it with
 * `parseCatalogIntegrationVerification`.
 *
 * `SELECT SYSTEM$VERIFY_CATALOG_INTEGRATION('D2S_UC_MAIN')`
 */
export function verifyCatalogIntegration(name: string): SqlStatement {
  catalogIntegrationName(name);
  return SqlStatement.plain(`SELECT SYSTEM$VERIFY_CATALOG_INTEGRATION(${quoteLiteral(name)})`);
}

export interface CatalogIntegrationVerification {
  success: boolean;
  errorCode?: string;
  errorMessage?: string;
}

/** Reads the JSON object SYSTEM$VERIFY_CATALOG_INTEGRATION returns (as text or already parsed). */
export function parseCatalogIntegrationVerification(
  rows: readonly Record<string, unknown>[],
): CatalogIntegrationVerification {
  const first = rows[0];
  const raw = first === undefined ? undefined : Object.values(first)[0];
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return { success: false, errorMessage: `Unexpected verification result: ${raw.slice(0, 200)}` };
    }
  }
  if (typeof value !== 'object' || value === null) {
    return { success: false, errorMessage: 'SYSTEM$VERIFY_CATALOG_INTEGRATION returned no result.' };
  }
  const record = value as Record<string, unknown>;
  const out: CatalogIntegrationVerification = { success: record.success === true };
  if (record.errorCode !== undefined && record.errorCode !== null) out.errorCode = String(record.errorCode);
  if (record.errorMessage !== undefined && record.errorMessage !== null) out.errorMessage = String(record.errorMessage);
  return out;
}

/**
 * `SHOW CATALOG INTEGRATIONS` or `SHOW CATALOG INTEGRATIONS LIKE 'D2S\\_%'`
 * (the pattern is case-insensitive, with `%` and `_` wildcards).
 */
export function showCatalogIntegrations(options: { like?: string | undefined } = {}): SqlStatement {
  return SqlStatement.plain(
    options.like === undefined
      ? 'SHOW CATALOG INTEGRATIONS'
      : `SHOW CATALOG INTEGRATIONS LIKE ${quoteLiteral(options.like)}`,
  );
}

/** `DROP CATALOG INTEGRATION IF EXISTS "D2S_UC_MAIN"` */
export function dropCatalogIntegration(name: string): SqlStatement {
  return SqlStatement.plain(`DROP CATALOG INTEGRATION IF EXISTS ${quoteIdentifier(catalogIntegrationName(name))}`);
}

function refreshInterval(seconds: number): string {
  return integerOption(
    'REFRESH_INTERVAL_SECONDS',
    seconds,
    REFRESH_INTERVAL_SECONDS_RANGE.min,
    REFRESH_INTERVAL_SECONDS_RANGE.max,
  );
}
