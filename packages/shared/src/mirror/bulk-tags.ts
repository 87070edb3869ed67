import { DatabricksStatementError } from '../databricks/sql-statements-api.js';
import type { StatementRunner } from './inventory/mirror-inventory.js';
import { quoteName } from './inventory/inventory-sql.js';

/** Table tags by full name (`catalog.schema.table`). */
export type CatalogTableTags = Map<string, Record<string, string>>;

/**
 * Every table tag of a catalog in one statement, from `<catalog>.information_schema.table_tags` (one row per tag
 * assigned to a table: catalog_name, schema_name, table_name, tag_name, tag_value; rows only for tables the
 * caller may read, as the per-table tag calls). Instead of one Unity Catalog request per table.
 */
export async function readCatalogTableTags(
  sql: StatementRunner,
  catalog: string,
  signal?: AbortSignal,
): Promise<CatalogTableTags> {
  const result = await sql.execute(
    `SELECT schema_name, table_name, tag_name, tag_value FROM ${quoteName(catalog, 'information_schema', 'table_tags')}`,
    signal ? { signal } : {},
  );
  const tags: CatalogTableTags = new Map();
  for (const [schema, table, key, value] of result.rows) {
    if (
      schema === null ||
      schema === undefined ||
      table === null ||
      table === undefined ||
      key === null ||
      key === undefined
    )
      continue;
    const fullName = `${catalog}.${schema}.${table}`;
    const entry = tags.get(fullName) ?? {};
    entry[key] = value ?? '';
    tags.set(fullName, entry);
  }
  return tags;
}

/** The bulk read was refused for a missing privilege: read per table instead, which needs less. */
export function isPermissionRefusal(error: unknown): boolean {
  return error instanceof DatabricksStatementError && error.permissionDenied;
}
