import type { StatementParameter } from '../../databricks/sql-statements-api.js';
import type { InventoryRow } from './inventory-rows.js';

/** Where the inventory lives (mirror.inventory). */
export interface InventoryLocation {
  catalog: string;
  schema: string;
  table: string;
}

interface InventoryColumn {
  name: string;
  type: 'STRING' | 'BOOLEAN' | 'TIMESTAMP';
  /** The column heading in the `_vw` view. */
  label: string;
  value?: (row: InventoryRow) => string | null;
  /** A null from a row means "not known this time": the column keeps the value it had. */
  keepWhenNull?: true;
}

/** The table's columns, in order. `value` is set for the columns a refresh writes from a row. */
const COLUMNS: readonly InventoryColumn[] = [
  { name: 'table_id', type: 'STRING', label: 'Table ID', value: (r) => r.tableId },
  { name: 'catalog_name', type: 'STRING', label: 'Catalog', value: (r) => r.catalog },
  { name: 'schema_name', type: 'STRING', label: 'Schema', value: (r) => r.schema },
  { name: 'table_name', type: 'STRING', label: 'Table', value: (r) => r.name },
  { name: 'format', type: 'STRING', label: 'Format', value: (r) => r.format },
  {
    name: 'metadata_location',
    type: 'STRING',
    label: 'Metadata location',
    value: (r) => r.metadataLocation,
    keepWhenNull: true,
  },
  { name: 'eligible', type: 'BOOLEAN', label: 'Eligible', value: (r) => String(r.eligible) },
  { name: 'ineligible_reason', type: 'STRING', label: 'Why not eligible', value: (r) => r.ineligibleReason },
  {
    name: 'snowflake_integration',
    type: 'STRING',
    label: 'Snowflake integration',
    value: (r) => r.snowflakeIntegration,
  },
  { name: 'snowflake_database', type: 'STRING', label: 'Snowflake database', value: (r) => r.snowflakeDatabase },
  { name: 'snowflake_schema', type: 'STRING', label: 'Snowflake schema', value: (r) => r.snowflakeSchema },
  { name: 'snowflake_table', type: 'STRING', label: 'Snowflake table', value: (r) => r.snowflakeTable },
  { name: 'last_action', type: 'STRING', label: 'Last action', value: (r) => r.lastAction },
  { name: 'status', type: 'STRING', label: 'Status', value: (r) => r.status },
  { name: 'error', type: 'STRING', label: 'Error', value: (r) => r.error },
  { name: 'last_applied_at', type: 'TIMESTAMP', label: 'Last applied at', value: (r) => r.lastAppliedAt },
  { name: 'first_seen_at', type: 'TIMESTAMP', label: 'First seen at' },
  { name: 'updated_at', type: 'TIMESTAMP', label: 'Updated at' },
];
const WRITTEN = COLUMNS.filter((c) => c.value !== undefined);

/** `a`.`b`.`c`, each part quoted with backticks (a backtick inside doubled). */
export function quoteName(...parts: string[]): string {
  return parts.map((p) => `\`${p.replaceAll('`', '``')}\``).join('.');
}

export function inventoryTableName(at: InventoryLocation): string {
  return quoteName(at.catalog, at.schema, at.table);
}

export function inventoryViewName(at: InventoryLocation): string {
  return quoteName(at.catalog, at.schema, `${at.table}_vw`);
}

/** CREATE TABLE IF NOT EXISTS: a Delta table, created once and left as it is afterwards. */
export function createInventoryTableSql(at: InventoryLocation): string {
  const columns = COLUMNS.map((c) => `${quoteName(c.name)} ${c.type}`).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${inventoryTableName(at)} (${columns}) USING DELTA COMMENT 'd2s mirror inventory: one row per Unity Catalog table considered'`;
}

/** The readable view beside the table (`<table>_vw`), replaced each time so its definition follows d2s. */
export function createInventoryViewSql(at: InventoryLocation): string {
  const select = COLUMNS.map((c) => {
    const source = quoteName(c.name);
    const expression = c.type === 'BOOLEAN' ? `CASE WHEN ${source} THEN 'yes' ELSE 'no' END` : source;
    return `${expression} AS ${quoteName(c.label)}`;
  }).join(', ');
  return `CREATE OR REPLACE VIEW ${inventoryViewName(at)} AS SELECT ${select} FROM ${inventoryTableName(at)}`;
}

/**
 * ONE MERGE keyed by table id. Every value is a named parameter (`:r<row>_<column>`), typed; no value is spliced
 * into the text. A matched row is updated only when a written column differs, so the same rows merged twice
 * change nothing (updated_at included); a new row gets first_seen_at = updated_at = `now`. A column marked
 * keepWhenNull (the metadata location, looked up only for tables a plan acts on) keeps its value when the row
 * brings none.
 */
export function mergeInventorySql(
  at: InventoryLocation,
  rows: readonly InventoryRow[],
  now: Date,
): { sql: string; parameters: StatementParameter[] } {
  const parameters: StatementParameter[] = [{ name: 'now', value: now.toISOString(), type: 'TIMESTAMP' }];
  const values = rows.map((row, r) => {
    const markers = WRITTEN.map((c, i) => {
      const name = `r${r}_${i}`;
      parameters.push({ name, value: (c.value as (row: InventoryRow) => string | null)(row), type: c.type });
      return `:${name}`;
    });
    return `(${markers.join(', ')})`;
  });
  const names = WRITTEN.map((c) => quoteName(c.name));
  const changed = WRITTEN.filter((c) => c.name !== 'table_id')
    .map((c) => {
      const [t, s] = [`t.${quoteName(c.name)}`, `s.${quoteName(c.name)}`];
      return c.keepWhenNull ? `(${s} IS NOT NULL AND ${t} IS DISTINCT FROM ${s})` : `${t} IS DISTINCT FROM ${s}`;
    })
    .join(' OR ');
  const set = WRITTEN.filter((c) => c.name !== 'table_id')
    .map((c) => {
      const [t, s] = [`t.${quoteName(c.name)}`, `s.${quoteName(c.name)}`];
      return `${quoteName(c.name)} = ${c.keepWhenNull ? `COALESCE(${s}, ${t})` : s}`;
    })
    .join(', ');
  const sql = [
    `MERGE INTO ${inventoryTableName(at)} AS t`,
    `USING (VALUES ${values.join(', ')}) AS s(${names.join(', ')})`,
    'ON t.`table_id` = s.`table_id`',
    `WHEN MATCHED AND (${changed}) THEN UPDATE SET ${set}, \`updated_at\` = :now`,
    `WHEN NOT MATCHED THEN INSERT (${names.join(', ')}, \`first_seen_at\`, \`updated_at\`) VALUES (${names.map((n) => `s.${n}`).join(', ')}, :now, :now)`,
  ].join('\n');
  return { sql, parameters };
}

/** The view's rows, for the demo and `d2s` output. */
export function selectInventoryViewSql(at: InventoryLocation): string {
  return `SELECT * FROM ${inventoryViewName(at)} ORDER BY ${quoteName('Catalog')}, ${quoteName('Schema')}, ${quoteName('Table')}`;
}
