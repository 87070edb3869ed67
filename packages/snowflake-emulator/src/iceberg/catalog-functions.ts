import { authorizeTable } from '../engine/access/authorize.js';
import { resolveTable } from '../engine/name-resolution.js';
import { isTrivia, tokenize } from '../engine/sql-lexer.js';
import type { StatementContext } from '../engine/statement-context.js';
import { identifierName, isIdentifierToken } from '../engine/token-cursor.js';
import { SnowflakeError, sqlErrors } from '../errors.js';
import { autoRefreshStatus } from './auto-refresh-status.js';
import { findCatalogIntegration } from './catalog-integration-ddl.js';
import { CatalogAccessError, RestCatalogClient } from './rest-catalog-client.js';

/** Snowflake prints these JSON results with `"key" : value` spacing. */
function snowflakeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/^(\s*"[^"]*"): /gm, '$1 : ');
}

/**
 * SYSTEM$VERIFY_CATALOG_INTEGRATION('name'): fetches an OAuth token and the
 * catalog's /v1/config for the integration's CATALOG_NAME, and answers
 * `{"success": true}` or `{"success": false, "errorCode": "004140", "errorMessage": ...}`.
 */
export async function verifyCatalogIntegration(ctx: StatementContext, name: string): Promise<string> {
  const integration = findCatalogIntegration(ctx, name);
  if (!integration) throw sqlErrors.integrationMissing(name);
  try {
    await new RestCatalogClient(integration, ctx.engine.fetch).config();
    return snowflakeJson({ success: true });
  } catch (err) {
    if (!(err instanceof CatalogAccessError)) throw err;
    return snowflakeJson({ success: false, errorCode: '004140', errorMessage: `SQL Execution Error: ${err.message}` });
  }
}

/** Turns a catalog failure into the SQL error a statement gets. */
export function catalogSqlError(err: unknown): unknown {
  if (err instanceof CatalogAccessError)
    return new SnowflakeError('094120', '22000', `SQL execution error: ${err.message}`);
  return err;
}

/**
 * SYSTEM$LIST_ICEBERG_TABLES_FROM_CATALOG('integration' [, 'namespace', levels]):
 * a JSON array of {"namespace", "name"}. levels: 0 = all levels, 1 (default) = direct children.
 */
export async function listIcebergTablesFromCatalog(
  ctx: StatementContext,
  name: string,
  parent?: string,
  levels?: number,
): Promise<string> {
  const integration = findCatalogIntegration(ctx, name);
  if (!integration) throw sqlErrors.integrationMissing(name);
  const client = new RestCatalogClient(integration, ctx.engine.fetch);
  const root = parent ?? integration.catalogNamespace ?? '';
  const depth = levels ?? 1;
  const tables: { namespace: string; name: string }[] = [];
  try {
    const visit = async (namespace: string, level: number): Promise<void> => {
      if (namespace !== '')
        for (const id of await client.listTables(namespace))
          tables.push({ namespace: id.namespace.join('.'), name: id.name });
      if (depth !== 0 && level >= depth) return;
      const children = await client.listNamespaces(namespace === '' ? undefined : namespace).catch(() => []);
      for (const child of children) await visit(child.join('.'), level + 1);
    };
    if (root === '') await visit('', 0);
    else await visit(root, 1);
  } catch (err) {
    throw catalogSqlError(err);
  }
  return JSON.stringify(tables);
}

/**
 * SYSTEM$AUTO_REFRESH_STATUS('<table_name>'): the automated refresh status of an externally managed Iceberg table
 * as a JSON object (auto-refresh-status.ts). The name is written as in SQL inside the string: `'db.schema.t'`, or
 * `'"Table_Name"'` for a case-sensitive one.
 */
export function autoRefreshStatusOf(ctx: StatementContext, name: string): string {
  const tokens = tokenize(name).filter((t) => !isTrivia(t));
  const parts: string[] = [];
  tokens.forEach((t, i) => {
    if (i % 2 === 0 && isIdentifierToken(t)) parts.push(identifierName(t));
    else if (i % 2 === 1 && t.text === '.') return;
    else throw sqlErrors.invalidValue(`Invalid table name for SYSTEM$AUTO_REFRESH_STATUS: '${name}'`);
  });
  if (parts.length === 0 || tokens.length % 2 === 0)
    throw sqlErrors.invalidValue(`Invalid table name for SYSTEM$AUTO_REFRESH_STATUS: '${name}'`);
  const { ref, table } = resolveTable(ctx.engine.catalog, ctx.session.state, parts, 'SYSTEM$AUTO_REFRESH_STATUS');
  authorizeTable(ctx, ref, table, 'SELECT');
  if (!table.iceberg) {
    throw sqlErrors.invalidValue(`Table '${ref.qualified.join('.')}' is not an externally managed Iceberg table.`);
  }
  return JSON.stringify(autoRefreshStatus(table.iceberg, table.iceberg.tracking));
}
