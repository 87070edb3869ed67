import { authorizeAccount, authorizeIntegration, ownNewObject } from '../engine/access/authorize.js';
import type { CatalogIntegrationEntry } from '../engine/catalog.js';
import { likeMatcher } from '../engine/name-resolution.js';
import type { StatementContext } from '../engine/statement-context.js';
import { col, type StatementResult, StatementType, statusResult } from '../engine/statement-result.js';
import { type OptionMap, optionBool, optionGroup, optionStrings, optionText } from '../engine/token-cursor.js';
import { displayIdentifier, sqlErrors } from '../errors.js';

const OK = 'Statement executed successfully.';

/** Finds an integration by exact name, then by its upper-cased name. */
export function findCatalogIntegration(ctx: StatementContext, name: string): CatalogIntegrationEntry | undefined {
  const integrations = ctx.engine.catalog.catalogIntegrations;
  return integrations.get(name) ?? integrations.get(name.toUpperCase());
}

/**
 * Refuses to drop or replace an integration Iceberg tables use: "You can't drop or replace a catalog integration if
 * one or more Apache Iceberg tables are associated with the catalog integration"
 * (https://docs.snowflake.com/en/sql-reference/sql/drop-catalog-integration, usage notes). Snowflake's error code for
 * it is not documented; the message names the integration and how many tables use it.
 */
function refuseIfInUse(ctx: StatementContext, name: string, verb: 'drop' | 'replace'): void {
  const users: string[] = [];
  for (const { database, schema, table } of ctx.engine.catalog.allTables())
    if (table.iceberg?.integration === name) users.push(`${database.name}.${schema.name}.${table.name}`);
  if (users.length === 0) return;
  throw sqlErrors.executionError(
    `Cannot ${verb} catalog integration ${displayIdentifier(name)}: ${users.length} Iceberg table(s) are associated with it (for example ${users[0]}). Drop them or move them to another catalog integration first.`,
  );
}

/** What ALTER CATALOG INTEGRATION … SET takes (https://docs.snowflake.com/en/sql-reference/sql/alter-catalog-integration). */
const ALTERABLE = new Set(['REST_AUTHENTICATION', 'REFRESH_INTERVAL_SECONDS', 'COMMENT']);

/** REFRESH_INTERVAL_SECONDS: "Values: 30 to 86400, inclusive" (CREATE and ALTER CATALOG INTEGRATION). */
function refreshIntervalOf(options: OptionMap): number | undefined {
  const text = optionText(options.get('REFRESH_INTERVAL_SECONDS'));
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 30 || seconds > 86400)
    throw sqlErrors.invalidValue(
      `invalid value [${text}] for parameter 'REFRESH_INTERVAL_SECONDS' (must be an integer from 30 to 86400)`,
    );
  return seconds;
}

function required(options: OptionMap, key: string, where = ''): string {
  const value = optionText(options.get(key));
  if (value === undefined) throw sqlErrors.syntax(`Missing option(s): [${where}${key}]`);
  return value;
}

function applyAuthentication(entry: CatalogIntegrationEntry, auth: OptionMap): void {
  const type = optionText(auth.get('TYPE'));
  if (type !== undefined) entry.authType = type.toUpperCase();
  if (auth.has('OAUTH_TOKEN_URI')) entry.oauthTokenUri = optionText(auth.get('OAUTH_TOKEN_URI')) ?? null;
  if (auth.has('OAUTH_CLIENT_ID')) entry.oauthClientId = optionText(auth.get('OAUTH_CLIENT_ID')) ?? null;
  if (auth.has('OAUTH_CLIENT_SECRET')) entry.oauthClientSecret = optionText(auth.get('OAUTH_CLIENT_SECRET')) ?? null;
  if (auth.has('OAUTH_ALLOWED_SCOPES')) entry.oauthAllowedScopes = optionStrings(auth.get('OAUTH_ALLOWED_SCOPES'));
  if (auth.has('BEARER_TOKEN')) entry.bearerToken = optionText(auth.get('BEARER_TOKEN')) ?? null;
}

/**
 * CREATE [OR REPLACE] CATALOG INTEGRATION [IF NOT EXISTS] name
 *   CATALOG_SOURCE = ICEBERG_REST TABLE_FORMAT = ICEBERG [CATALOG_NAMESPACE = '...']
 *   REST_CONFIG = ( CATALOG_URI = '...' [CATALOG_NAME | WAREHOUSE = '...'] [PREFIX = '...'] [ACCESS_DELEGATION_MODE = ...] )
 *   REST_AUTHENTICATION = ( TYPE = OAUTH OAUTH_TOKEN_URI = '...' OAUTH_CLIENT_ID = '...' OAUTH_CLIENT_SECRET = '...'
 *                           OAUTH_ALLOWED_SCOPES = ('...') | TYPE = BEARER BEARER_TOKEN = '...' )
 *   ENABLED = TRUE|FALSE [REFRESH_INTERVAL_SECONDS = n] [COMMENT = '...']
 * Like Snowflake, creation does not contact the catalog; use SYSTEM$VERIFY_CATALOG_INTEGRATION.
 */
export async function createCatalogIntegration(ctx: StatementContext, orReplace: boolean): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifNotExists = c.acceptIfNotExists();
  const name = c.identifier();
  const options = c.optionList();
  c.expectEnd();
  const catalog = ctx.engine.catalog;
  authorizeAccount(ctx, 'CREATE INTEGRATION');
  const replaced = catalog.catalogIntegrations.get(name);
  if (replaced && orReplace && !ifNotExists) authorizeIntegration(ctx, replaced, name, 'OWNERSHIP');
  if (catalog.catalogIntegrations.has(name) || catalog.storageIntegrations.has(name)) {
    if (ifNotExists) return statusResult(`${displayIdentifier(name)} already exists, statement succeeded.`);
    if (!orReplace) throw sqlErrors.alreadyExists('Object', [name]);
    refuseIfInUse(ctx, name, 'replace');
  }
  const source = required(options, 'CATALOG_SOURCE').toUpperCase();
  if (source !== 'ICEBERG_REST') throw sqlErrors.unsupported(`CATALOG_SOURCE = ${source}`);
  const tableFormat = required(options, 'TABLE_FORMAT').toUpperCase();
  if (tableFormat !== 'ICEBERG')
    throw sqlErrors.invalidValue(`invalid value [${tableFormat}] for parameter 'TABLE_FORMAT'`);
  const rest = optionGroup(options.get('REST_CONFIG'));
  if (!rest) throw sqlErrors.syntax('Missing option(s): [REST_CONFIG]');
  const auth = optionGroup(options.get('REST_AUTHENTICATION'));
  if (!auth) throw sqlErrors.syntax('Missing option(s): [REST_AUTHENTICATION]');
  const enabled = optionBool(options.get('ENABLED'));
  if (enabled === undefined) throw sqlErrors.syntax('Missing option(s): [ENABLED]');
  const entry: CatalogIntegrationEntry = {
    name,
    catalogSource: source,
    tableFormat,
    catalogNamespace: optionText(options.get('CATALOG_NAMESPACE')) ?? null,
    catalogUri: required(rest, 'CATALOG_URI', 'REST_CONFIG.'),
    catalogName: optionText(rest.get('CATALOG_NAME') ?? rest.get('WAREHOUSE')) ?? null,
    prefix: optionText(rest.get('PREFIX')) ?? null,
    accessDelegationMode: optionText(rest.get('ACCESS_DELEGATION_MODE')) ?? null,
    authType: 'OAUTH',
    oauthTokenUri: null,
    oauthClientId: null,
    oauthClientSecret: null,
    oauthAllowedScopes: [],
    bearerToken: null,
    enabled,
    refreshIntervalSeconds: refreshIntervalOf(options) ?? 30,
    comment: optionText(options.get('COMMENT')) ?? null,
    createdOn: ctx.engine.clock(),
  };
  applyAuthentication(entry, auth);
  if (entry.authType === 'OAUTH' && (!entry.oauthClientId || !entry.oauthClientSecret))
    throw sqlErrors.syntax(
      'Missing option(s): [REST_AUTHENTICATION.OAUTH_CLIENT_ID, REST_AUTHENTICATION.OAUTH_CLIENT_SECRET]',
    );
  if (entry.authType !== 'OAUTH' && entry.authType !== 'BEARER')
    throw sqlErrors.unsupported(`REST_AUTHENTICATION TYPE = ${entry.authType}`);
  catalog.catalogIntegrations.set(name, entry);
  ownNewObject(ctx, entry);
  return statusResult(`Integration ${displayIdentifier(name)} successfully created.`);
}

/**
 * ALTER CATALOG INTEGRATION [IF EXISTS] name SET [REST_AUTHENTICATION = (...)] [REFRESH_INTERVAL_SECONDS = n]
 * [COMMENT = '...'], or UNSET COMMENT. Nothing else can be altered (REST_CONFIG, ENABLED, the client id, …):
 * those need CREATE OR REPLACE, which Snowflake refuses while tables use the integration.
 */
export async function alterCatalogIntegration(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifExists = c.acceptIfExists();
  const name = c.identifier();
  const entry = ctx.engine.catalog.catalogIntegrations.get(name);
  if (!entry) {
    if (ifExists) return statusResult(OK);
    throw sqlErrors.integrationMissing(name);
  }
  authorizeIntegration(ctx, entry, name, 'OWNERSHIP');
  if (c.acceptWords('UNSET')) {
    do if (c.identifier() === 'COMMENT') entry.comment = null;
    while (c.acceptOp(','));
    c.expectEnd();
    return statusResult(OK);
  }
  c.expectWords('SET');
  const options = c.optionList();
  c.expectEnd();
  if (options.size === 0) return c.fail(undefined);
  const notAlterable = [...options.keys()].find((key) => !ALTERABLE.has(key));
  if (notAlterable !== undefined)
    throw sqlErrors.syntax(
      `invalid property '${notAlterable}' for 'ALTER CATALOG INTEGRATION ... SET'; only REST_AUTHENTICATION, REFRESH_INTERVAL_SECONDS or COMMENT can be altered`,
    );
  const refreshIntervalSeconds = refreshIntervalOf(options);
  const auth = optionGroup(options.get('REST_AUTHENTICATION'));
  if (auth) {
    // ALTER takes only the credential itself (OAUTH_CLIENT_SECRET or BEARER_TOKEN); a new client id,
    // token URI or scopes need CREATE OR REPLACE
    // (https://docs.snowflake.com/en/sql-reference/sql/alter-catalog-integration: restAuthenticationParams).
    const refused = [...auth.keys()].filter((key) => key !== 'OAUTH_CLIENT_SECRET' && key !== 'BEARER_TOKEN');
    if (refused.length > 0) {
      throw sqlErrors.syntax(
        `invalid property '${refused[0]}' for 'ALTER CATALOG INTEGRATION ... SET REST_AUTHENTICATION'; only OAUTH_CLIENT_SECRET or BEARER_TOKEN can be altered`,
      );
    }
    applyAuthentication(entry, auth);
  }
  if (refreshIntervalSeconds !== undefined) entry.refreshIntervalSeconds = refreshIntervalSeconds;
  if (options.has('COMMENT')) entry.comment = optionText(options.get('COMMENT')) ?? null;
  return statusResult(OK);
}

/** DROP [CATALOG] INTEGRATION [IF EXISTS] name */
export async function dropCatalogIntegration(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifExists = c.acceptIfExists();
  const name = c.identifier();
  c.expectEnd();
  const catalog = ctx.engine.catalog;
  const existing = catalog.catalogIntegrations.get(name) ?? catalog.storageIntegrations.get(name);
  if (existing) authorizeIntegration(ctx, existing, name, 'OWNERSHIP');
  if (catalog.catalogIntegrations.has(name)) refuseIfInUse(ctx, name, 'drop');
  if (!catalog.catalogIntegrations.delete(name) && !catalog.storageIntegrations.delete(name)) {
    if (ifExists)
      return statusResult(`Drop statement executed successfully (${displayIdentifier(name)} already dropped).`);
    throw sqlErrors.integrationMissing(name);
  }
  return statusResult(`${displayIdentifier(name)} successfully dropped.`);
}

/** SHOW CATALOG INTEGRATIONS [LIKE '...']: name, type, category, enabled, comment, created_on. */
export async function showCatalogIntegrations(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  const like = likeMatcher(c.acceptWords('LIKE') ? c.string() : undefined);
  c.expectEnd();
  const entries = [...ctx.engine.catalog.catalogIntegrations.values()]
    .filter((i) => like(i.name))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    columns: [
      col.text('name'),
      col.text('type'),
      col.text('category'),
      col.boolean('enabled'),
      col.text('comment'),
      col.timestamp('created_on'),
    ],
    rows: entries.map((i) => [i.name, `CATALOG`, 'CATALOG', i.enabled, i.comment, i.createdOn]),
    statementTypeId: StatementType.SHOW,
  };
}

const MASK = '********';

/** DESCRIBE CATALOG INTEGRATION name: property, property_type, property_value, property_default (secrets masked). */
export async function describeCatalogIntegration(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  const name = c.identifier();
  c.expectEnd();
  const i = ctx.engine.catalog.catalogIntegrations.get(name);
  if (!i) throw sqlErrors.integrationMissing(name);
  const restConfig = [
    `CATALOG_URI=${i.catalogUri}`,
    i.catalogName !== null ? `CATALOG_NAME=${i.catalogName}` : null,
    i.prefix !== null ? `PREFIX=${i.prefix}` : null,
    `CATALOG_API_TYPE=PUBLIC`,
    i.accessDelegationMode !== null ? `ACCESS_DELEGATION_MODE=${i.accessDelegationMode}` : null,
  ].filter((x) => x !== null);
  const restAuth =
    i.authType === 'BEARER'
      ? ['TYPE=BEARER', `BEARER_TOKEN=${MASK}`]
      : [
          'TYPE=OAUTH',
          i.oauthTokenUri !== null ? `OAUTH_TOKEN_URI=${i.oauthTokenUri}` : null,
          `OAUTH_CLIENT_ID=${i.oauthClientId ?? ''}`,
          `OAUTH_CLIENT_SECRET=${MASK}`,
          `OAUTH_ALLOWED_SCOPES=[${i.oauthAllowedScopes.join(', ')}]`,
        ].filter((x) => x !== null);
  const rows: [string, string, string, string][] = [
    ['ENABLED', 'Boolean', String(i.enabled), 'false'],
    ['REFRESH_INTERVAL_SECONDS', 'Integer', String(i.refreshIntervalSeconds), '30'],
    ['CATALOG_SOURCE', 'String', i.catalogSource, ''],
    ['CATALOG_NAMESPACE', 'String', i.catalogNamespace ?? '', ''],
    ['TABLE_FORMAT', 'String', i.tableFormat, ''],
    ['REST_CONFIG', 'Object', restConfig.join(', '), ''],
    ['REST_AUTHENTICATION', 'Object', restAuth.join(', '), ''],
    ['COMMENT', 'String', i.comment ?? '', ''],
  ];
  return {
    columns: [
      col.text('property'),
      col.text('property_type'),
      col.text('property_value'),
      col.text('property_default'),
    ],
    rows,
    statementTypeId: StatementType.DESCRIBE,
  };
}
