import type { SnowflakeObjectName } from '../../config/schema.js';
import {
  booleanOption,
  catalogIntegrationName,
  qualifiedName,
  qualifiedSchemaName,
  quoteIdentifier,
  quoteLiteral,
} from './quoting.js';
import { SqlStatement } from './sql-statement.js';

/** Externally managed Iceberg tables that mirror Unity Catalog tables through a catalog integration. */

export interface CreateIcebergTableOptions {
  table: SnowflakeObjectName;
  /** The catalog integration (see catalog-integration.ts); upper-case letters, digits, `_`, `$`. */
  catalogIntegration: string;
  /** The table's namespace in the remote catalog (the Unity Catalog schema); the integration's default when omitted. */
  catalogNamespace?: string | undefined;
  /** The table's name in the remote catalog. Snowflake cannot change it after creation. */
  catalogTableName: string;
  /** @defaultValue true */
  autoRefresh?: boolean | undefined;
  comment?: string | undefined;
}

/**
 * `IF NOT EXISTS` goes before the name, as Snowflake documents it; clauses
 * follow the documented order:
 *
 * ```sql
 * CREATE ICEBERG TABLE IF NOT EXISTS "DB"."SCH"."orders"
 *   CATALOG = 'D2S_UC_MAIN'
 *   CATALOG_TABLE_NAME = 'orders'
 *   CATALOG_NAMESPACE = 'sales'
 *   AUTO_REFRESH = TRUE
 *   COMMENT = '...'
 * ```
 */
export function createIcebergTable(options: CreateIcebergTableOptions): SqlStatement {
  const lines = [
    `CREATE ICEBERG TABLE IF NOT EXISTS ${qualifiedName(options.table)}`,
    `  CATALOG = ${quoteLiteral(catalogIntegrationName(options.catalogIntegration))}`,
    `  CATALOG_TABLE_NAME = ${quoteLiteral(options.catalogTableName)}`,
  ];
  if (options.catalogNamespace !== undefined)
    lines.push(`  CATALOG_NAMESPACE = ${quoteLiteral(options.catalogNamespace)}`);
  lines.push(`  AUTO_REFRESH = ${booleanOption(options.autoRefresh ?? true)}`);
  if (options.comment !== undefined) lines.push(`  COMMENT = ${quoteLiteral(options.comment)}`);
  return SqlStatement.plain(lines.join('\n'));
}

/** `ALTER ICEBERG TABLE "DB"."SCH"."T" REFRESH` — syncs the table with the catalog's latest snapshot now. */
export function refreshIcebergTable(table: SnowflakeObjectName): SqlStatement {
  return SqlStatement.plain(`ALTER ICEBERG TABLE ${qualifiedName(table)} REFRESH`);
}

/** `DROP ICEBERG TABLE IF EXISTS "DB"."SCH"."T"` — removes the Snowflake table only; the Unity Catalog table is untouched. */
export function dropIcebergTable(table: SnowflakeObjectName): SqlStatement {
  return SqlStatement.plain(`DROP ICEBERG TABLE IF EXISTS ${qualifiedName(table)}`);
}

/**
 * `ALTER ICEBERG TABLE "DB"."SCH"."old" RENAME TO "DB"."SCH"."new"`
 *
 * Renames the Snowflake object only. CATALOG_TABLE_NAME cannot be changed, so
 * following a rename in Unity Catalog (which changes the remote name) means
 * creating a table over the new name and dropping the old one.
 */
export function renameIcebergTable(table: SnowflakeObjectName, to: SnowflakeObjectName): SqlStatement {
  return SqlStatement.plain(`ALTER ICEBERG TABLE ${qualifiedName(table)} RENAME TO ${qualifiedName(to)}`);
}

/**
 * `ALTER ICEBERG TABLE "DB"."SCH"."T" SET AUTO_REFRESH = FALSE`
 * (https://docs.snowflake.com/en/sql-reference/sql/alter-iceberg-table: SET [ AUTO_REFRESH = { TRUE | FALSE } ]).
 */
export function setIcebergTableAutoRefresh(table: SnowflakeObjectName, autoRefresh: boolean): SqlStatement {
  return SqlStatement.plain(
    `ALTER ICEBERG TABLE ${qualifiedName(table)} SET AUTO_REFRESH = ${booleanOption(autoRefresh)}`,
  );
}

export type IcebergTablesScope = { database: string; schema?: undefined } | { database: string; schema: string };

/**
 * ```sql
 * SHOW ICEBERG TABLES IN DATABASE "DB"
 * SHOW ICEBERG TABLES LIKE 'ord%' IN SCHEMA "DB"."SCH"
 * ```
 */
export function showIcebergTables(
  scope: IcebergTablesScope,
  options: { like?: string | undefined } = {},
): SqlStatement {
  const like = options.like === undefined ? '' : ` LIKE ${quoteLiteral(options.like)}`;
  const where =
    scope.schema === undefined
      ? `IN DATABASE ${quoteIdentifier(scope.database)}`
      : `IN SCHEMA ${qualifiedSchemaName({ database: scope.database, schema: scope.schema })}`;
  return SqlStatement.plain(`SHOW ICEBERG TABLES${like} ${where}`);
}
