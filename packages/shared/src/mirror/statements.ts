import {
  alterCatalogIntegration,
  createCatalogIntegration,
  verifyCatalogIntegration,
} from '../snowflake/sql/catalog-integration.js';
import {
  createIcebergTable,
  dropIcebergTable,
  refreshIcebergTable,
  renameIcebergTable,
  setIcebergTableAutoRefresh,
} from '../snowflake/sql/iceberg-tables.js';
import { qualifiedSchemaName, quoteIdentifier } from '../snowflake/sql/quoting.js';
import { SqlStatement } from '../snowflake/sql/sql-statement.js';
import { clientIdHash, integrationComment, tableComment } from './markers.js';
import type { CreateTableAction, IntegrationRef, MirrorAction, RenameTableAction } from './mirror-action.js';
import type { MirrorSettings } from './mirror-settings.js';
import { sameObjectName, ucFullName } from './naming.js';

export type StatementSettings = Pick<
  MirrorSettings,
  | 'oauthClientId'
  | 'oauthClientSecret'
  | 'workspaceUrl'
  | 'refreshIntervalSeconds'
  | 'autoRefresh'
  | 'secretFingerprint'
>;

/**
 * The statements that carry out one action, in order. Statements holding the
 * OAuth secret render masked (`toString`, `toJSON`, `.masked`); only
 * `text()`, called by the Snowflake client, holds the secret. Every
 * statement is safe to run again (IF NOT EXISTS / IF EXISTS / ALTER … SET).
 */
export function statementsFor(action: MirrorAction, settings: StatementSettings): SqlStatement[] {
  switch (action.kind) {
    case 'create-integration':
      return [integrationStatement(action.integration, settings), verifyCatalogIntegration(action.integration.name)];
    case 'update-integration': {
      const { name } = action.integration;
      return [
        alterCatalogIntegration({
          name,
          clientSecret: action.rotateSecret ? settings.oauthClientSecret : undefined,
          refreshIntervalSeconds: action.refreshIntervalSeconds,
          comment: markerOf(action.integration, settings),
        }),
        verifyCatalogIntegration(name),
      ];
    }
    case 'create-schema':
      return [
        ...(action.createDatabase
          ? [SqlStatement.plain(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(action.database)}`)]
          : []),
        SqlStatement.plain(
          `CREATE SCHEMA IF NOT EXISTS ${qualifiedSchemaName({ database: action.database, schema: action.schema })}`,
        ),
      ];
    case 'create-table':
      return [createTableStatement(action, settings, action.replaces !== undefined)];
    case 'rename-table':
      if (action.mode === 'alter') return [renameIcebergTable(action.from, action.target)];
      return recreateStatements(action, settings);
    case 'alter-table':
      return [setIcebergTableAutoRefresh(action.target, action.autoRefresh)];
    case 'refresh-table':
      return [refreshIcebergTable(action.target)];
    case 'drop-table':
      return [dropIcebergTable(action.target)];
  }
}

/**
 * A rename by re-creation: the new table (IF NOT EXISTS) before the old one is
 * dropped, or one CREATE OR REPLACE when the Snowflake name stays. Used for
 * Unity Catalog renames, and as the fallback when an account refuses
 * `ALTER ICEBERG TABLE … RENAME TO` (it is not in Snowflake's documented
 * ALTER ICEBERG TABLE syntax).
 */
export function recreateStatements(action: RenameTableAction, settings: StatementSettings): SqlStatement[] {
  if (sameObjectName(action.from, action.target)) return [createTableStatement(action, settings, true)];
  return [createTableStatement(action, settings, false), dropIcebergTable(action.from)];
}

/**
 * CREATE CATALOG INTEGRATION IF NOT EXISTS with every property from the settings. Never OR REPLACE: Snowflake
 * refuses to replace an integration its tables use, so a new OAuth client gets a new integration instead.
 */
function integrationStatement(integration: IntegrationRef, settings: StatementSettings): SqlStatement {
  return createCatalogIntegration({
    name: integration.name,
    workspaceUrl: settings.workspaceUrl,
    catalogName: integration.catalog,
    namespace: integration.namespace,
    oauth: { clientId: settings.oauthClientId, clientSecret: settings.oauthClientSecret },
    accessDelegationMode: 'VENDED_CREDENTIALS',
    enabled: true,
    refreshIntervalSeconds: settings.refreshIntervalSeconds,
    comment: markerOf(integration, settings),
  });
}

function markerOf(integration: IntegrationRef, settings: StatementSettings): string {
  return integrationComment({
    catalog: integration.catalog,
    schema: integration.namespace,
    secretFingerprint: settings.secretFingerprint,
    clientIdHash: clientIdHash(settings.oauthClientId),
    refreshIntervalSeconds: settings.refreshIntervalSeconds,
  });
}

const CREATE_IF_NOT_EXISTS = 'CREATE ICEBERG TABLE IF NOT EXISTS ';

function createTableStatement(
  action: CreateTableAction | RenameTableAction,
  settings: StatementSettings,
  replace: boolean,
): SqlStatement {
  const statement = createIcebergTable({
    table: action.target,
    catalogIntegration: action.integration,
    catalogNamespace: action.catalogNamespace,
    catalogTableName: action.catalogTableName,
    autoRefresh: settings.autoRefresh,
    comment: tableComment({ ucFullName: ucFullName(action.table), tableId: action.table.tableId }),
  });
  if (!replace) return statement;
  // No secret in an Iceberg table statement, so the masked text is the text.
  return SqlStatement.plain(`CREATE OR REPLACE ICEBERG TABLE ${statement.masked.slice(CREATE_IF_NOT_EXISTS.length)}`);
}
