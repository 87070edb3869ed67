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
 * The statements do not depend on each other, so they run at once (up to `concurrency`).
 */
export async function readSnowflakeSide(
  snowflake: SnowflakeExecutor,
  options: ReadSnowflakeSideOptions,
): Promise<SnowflakeSide & { statements: number }> {
  const [integrations, databases] = await Promise.all([
    readSnowflakeIntegrations(snowflake, options),
    readSnowflakeDatabases(snowflake, options),
  ]);
  return { integrations, ...databases, statements: databases.statements + 1 };
}

/** The catalog integrations whose name starts with the prefix (one SHOW). */
export async function readSnowflakeIntegrations(
  snowflake: SnowflakeExecutor,
  options: Pick<ReadSnowflakeSideOptions, 'integrationPrefix' | 'queryTag'>,
): Promise<SnowflakeIntegration[]> {
  // `_` is a LIKE wildcard; the prefix check below makes the match exact.
  const shown = await snowflake.execute(
    showCatalogIntegrations({ like: `${options.integrationPrefix}%` }),
    undefined,
    tagOf(options),
  );
  return shown.rows
    .map((row) => ({
      name: text(row, 'name') ?? '',
      comment: text(row, 'comment'),
      enabled: bool(field(row, 'enabled')),
    }))
    .filter((i) => i.name.toUpperCase().startsWith(options.integrationPrefix.toUpperCase()));
}

/**
 * Each database's schemas and Iceberg tables: SHOW SCHEMAS and SHOW ICEBERG TABLES at once (a database that
 * does not exist fails both; SHOW SCHEMAS says so), databases `concurrency` at a time.
 */
export async function readSnowflakeDatabases(
  snowflake: SnowflakeExecutor,
  options: Pick<ReadSnowflakeSideOptions, 'databases' | 'queryTag' | 'concurrency'>,
): Promise<Pick<SnowflakeSide, 'databases' | 'tables'> & { statements: number }> {
  const tag = tagOf(options);
  const names = [...new Set(options.databases)].sort();
  const perDatabase = await mapWithConcurrency(names, options.concurrency ?? 4, async (name) => {
    const tablesRead = snowflake.execute(showIcebergTables({ database: name }), undefined, tag);
    // Settled here: when the database is missing, SHOW SCHEMAS reports it and this error is not the answer.
    tablesRead.catch(() => undefined);
    let schemas: string[];
    try {
      const result = await snowflake.execute(showSchemas(name), undefined, tag);
      schemas = result.rows.map((row) => text(row, 'name') ?? '').filter((s) => s !== '');
    } catch (error) {
      if (isMissingObject(error)) {
        await tablesRead.catch(() => undefined);
        return { database: { name, exists: false, schemas: [] } satisfies SnowflakeDatabase, tables: [] };
      }
      throw error;
    }
    const result = await tablesRead;
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
    databases: perDatabase.map((d) => d.database),
    tables: perDatabase.flatMap((d) => d.tables),
    statements: names.length * 2,
  };
}

function tagOf(options: { queryTag?: string | undefined }): { queryTag?: string } {
  return options.queryTag === undefined ? {} : { queryTag: options.queryTag };
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
