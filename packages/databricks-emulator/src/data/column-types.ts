import type { ColumnType } from '../fixture-types.js';

/** How one Databricks SQL column type shows up in each place the emulator renders it. */
export interface ColumnTypeMapping {
  /** Unity Catalog ColumnInfo.type_name */
  ucTypeName: string;
  /** Unity Catalog ColumnInfo.type_text */
  ucTypeText: string;
  /** The Spark type name inside ColumnInfo.type_json */
  sparkJsonType: string;
  /** DuckDB type for a Unity Catalog table's Parquet data */
  duckdbTableType: string;
  /** DuckDB type for an export job's Parquet files (types Snowflake COPY handles) */
  duckdbExportType: string;
  /** Iceberg primitive type in table metadata */
  icebergType: string;
}

export const COLUMN_TYPES: Record<ColumnType, ColumnTypeMapping> = {
  STRING: mapping('STRING', 'string', 'string', 'VARCHAR', 'VARCHAR', 'string'),
  BIGINT: mapping('LONG', 'bigint', 'long', 'BIGINT', 'BIGINT', 'long'),
  INT: mapping('INT', 'int', 'integer', 'INTEGER', 'INTEGER', 'int'),
  DOUBLE: mapping('DOUBLE', 'double', 'double', 'DOUBLE', 'DOUBLE', 'double'),
  BOOLEAN: mapping('BOOLEAN', 'boolean', 'boolean', 'BOOLEAN', 'BOOLEAN', 'boolean'),
  DATE: mapping('DATE', 'date', 'date', 'DATE', 'DATE', 'date'),
  // Databricks TIMESTAMP is an instant (session-time-zone); Iceberg calls that timestamptz.
  TIMESTAMP: mapping('TIMESTAMP', 'timestamp', 'timestamp', 'TIMESTAMPTZ', 'TIMESTAMP', 'timestamptz'),
  TIMESTAMP_NTZ: mapping('TIMESTAMP_NTZ', 'timestamp_ntz', 'timestamp_ntz', 'TIMESTAMP', 'TIMESTAMP', 'timestamp'),
};

function mapping(
  ucTypeName: string,
  ucTypeText: string,
  sparkJsonType: string,
  duckdbTableType: string,
  duckdbExportType: string,
  icebergType: string,
): ColumnTypeMapping {
  return { ucTypeName, ucTypeText, sparkJsonType, duckdbTableType, duckdbExportType, icebergType };
}
