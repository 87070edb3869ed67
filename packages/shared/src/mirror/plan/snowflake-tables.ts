import type { SnowflakeObjectName } from '../../config/schema.js';
import { parseTableComment, type TableMarker } from '../markers.js';
import type { SnowflakeIcebergTable } from './sides.js';

/** A Snowflake Iceberg table whose comment marks it as d2s's mirror of one Unity Catalog table. */
export interface MirrorTable {
  row: SnowflakeIcebergTable;
  marker: TableMarker;
}

/** SHOW ICEBERG TABLES, indexed the two ways the plan looks tables up. */
export interface SnowflakeTables {
  /**
   * d2s's tables by the Unity Catalog table id in their marker. Usually one
   * each; more when a table was mirrored twice (a copy at a new name).
   */
  mirrorsById: Map<string, MirrorTable[]>;
  /** Every Iceberg table by its name (`tableKey`), d2s's or not. */
  byName: Map<string, { row: SnowflakeIcebergTable; marker: TableMarker | undefined }>;
}

/** A map key for a Snowflake table name: names are compared exactly, as they are quoted in SQL. */
export function tableKey(name: SnowflakeObjectName): string {
  return `${name.database}\u0000${name.schema}\u0000${name.name}`;
}

export function indexSnowflakeTables(rows: readonly SnowflakeIcebergTable[]): SnowflakeTables {
  const mirrorsById = new Map<string, MirrorTable[]>();
  const byName = new Map<string, { row: SnowflakeIcebergTable; marker: TableMarker | undefined }>();
  for (const row of rows) {
    const marker = parseTableComment(row.comment);
    byName.set(tableKey(row), { row, marker });
    if (marker) {
      const list = mirrorsById.get(marker.tableId) ?? [];
      list.push({ row, marker });
      mirrorsById.set(marker.tableId, list);
    }
  }
  return { mirrorsById, byName };
}
