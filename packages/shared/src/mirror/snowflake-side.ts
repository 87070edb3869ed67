import type { QueryResult } from '../snowflake/statement-execution.js';
import { SnowflakeError } from '../snowflake/errors.js';
import { showCatalogIntegrations } from '../snowflake/sql/catalog-integration.js';
import { showIcebergTables } from '../snowflake/sql/iceberg-tables.js';
import { quoteIdentifier } from '../snowflake/sql/quoting.js';
import { SqlStatement } from '../snowflake/sql/sql-statement.js';
import { mapWithConcurrency } from './concurrency.js';
import type { SnowflakeDatabase, SnowflakeIcebergTable, SnowflakeIntegration, SnowflakeSide } from './plan.js';

/** The part of the Snowflake client the mirror uses. */
export interface SnowflakeExecutor {
  execute(
    sql: string | SqlStatement,
    binds?: readonly unknown[],
    options?: { queryTag?: string },
  ): Promise<QueryResult<Record<string, unknown>>>;
}

export interface ReadSnowflakeSideOptions {
  integrationPrefix: string;
  /** Databases to look in (the targets of the plan, and where d2s put tables before). */
  databases: readonly string[];
  queryTag?: string;
  /** SHOW statements in flight at once. @defaultValue 4 */
  concurrency?: number;
}

/** `SHOW SCHEMAS IN DATABASE "DB"` */
export function showSchemas(database: string): SqlStatement {
  return SqlStatement.plain(`SHOW SCHEMAS IN DATABASE ${quoteIdentifier(database)}`);
}

/**
 * What Snowflake has, read with SHOW only: the catalog integrations whose
 * name starts with the prefix, and for each database its schemas and Iceberg
 * tables. A database that does not exist is reported as such (nothing there yet).
 */
export async function readSnowflakeSide(
  snowflake: SnowflakeExecutor,
  options: ReadSnowflakeSideOptions,
): Promise<SnowflakeSide & { statements: number }> {
  const tag = options.queryTag === undefined ? {} : { queryTag: options.queryTag };
  let statements = 1;
  // `_` is a LIKE wildcard; the prefix check below makes the match exact.
  const shown = await snowflake.execute(
    showCatalogIntegrations({ like: `${options.integrationPrefix}%` }),
    undefined,
    tag,
  );
  const integrations: SnowflakeIntegration[] = shown.rows
    .map((row) => ({
      name: text(row, 'name') ?? '',
      comment: text(row, 'comment'),
      enabled: bool(field(row, 'enabled')),
    }))
    .filter((i) => i.name.toUpperCase().startsWith(options.integrationPrefix.toUpperCase()));

  const names = [...new Set(options.databases)].sort();
  const perDatabase = await mapWithConcurrency(names, options.concurrency ?? 4, async (name) => {
    let schemas: string[];
    try {
      statements++;
      const result = await snowflake.execute(showSchemas(name), undefined, tag);
      schemas = result.rows.map((row) => text(row, 'name') ?? '').filter((s) => s !== '');
    } catch (error) {
      if (isMissingObject(error)) {
        return { database: { name, exists: false, schemas: [] } satisfies SnowflakeDatabase, tables: [] };
      }
      throw error;
    }
    statements++;
    const result = await snowflake.execute(showIcebergTables({ database: name }), undefined, tag);
    const tables: SnowflakeIcebergTable[] = result.rows.map((row) => ({
      database: text(row, 'database_name') ?? name,
      schema: text(row, 'schema_name') ?? '',
      name: text(row, 'name') ?? '',
      catalogName: text(row, 'catalog_name'),
      catalogNamespace: text(row, 'catalog_namespace'),
      catalogTableName: text(row, 'catalog_table_name'),
      comment: text(row, 'comment'),
      autoRefresh: autoRefreshOf(field(row, 'auto_refresh_status')),
    }));
    return { database: { name, exists: true, schemas } satisfies SnowflakeDatabase, tables };
  });
  return {
    integrations,
    databases: perDatabase.map((d) => d.database),
    tables: perDatabase.flatMap((d) => d.tables),
    statements,
  };
}

/** Snowflake's "does not exist or not authorized" (002003) and "object does not exist" (002043). */
export function isMissingObject(error: unknown): boolean {
  return (
    error instanceof SnowflakeError &&
    (error.snowflakeCode === '002003' || error.snowflakeCode === '002043' || /does not exist/i.test(error.message))
  );
}

/**
 * Whether AUTO_REFRESH is on, from SHOW ICEBERG TABLES' `auto_refresh_status` (the JSON that
 * SYSTEM$AUTO_REFRESH_STATUS returns: https://docs.snowflake.com/en/sql-reference/functions/system_auto_refresh_status).
 * No status: off. STOPPED: the refresh pipe is stopped (Snowflake's recovery is SET AUTO_REFRESH = TRUE
 * again), so it counts as off. Undefined when the column is missing (accounts before bundle 2025_02):
 * then the plan does not know, and never alters the table for it.
 */
export function autoRefreshOf(status: unknown): boolean | undefined {
  if (status === undefined) return undefined;
  if (status === null || status === '') return false;
  try {
    const parsed = (typeof status === 'string' ? JSON.parse(status) : status) as { executionState?: unknown };
    const state = typeof parsed?.executionState === 'string' ? parsed.executionState.toUpperCase() : '';
    return state !== '' && state !== 'STOPPED';
  } catch {
    return undefined;
  }
}

function field(row: Record<string, unknown>, name: string): unknown {
  if (name in row) return row[name];
  const upper = name.toUpperCase();
  if (upper in row) return row[upper];
  const key = Object.keys(row).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : row[key];
}

function text(row: Record<string, unknown>, name: string): string | null {
  const value = field(row, name);
  if (value === undefined || value === null) return null;
  return String(value);
}

function bool(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true');
}
