import type { ColumnType } from './type-mapping.js';
import { types } from './type-mapping.js';

/** Snowflake's statement type ids (`statementTypeId` in the query response). */
export const StatementType = {
  SELECT: 0x1000,
  INSERT: 0x3100,
  UPDATE: 0x3200,
  DELETE: 0x3300,
  MERGE: 0x3400,
  COPY: 0x3600,
  ALTER_SESSION: 0x4100,
  USE: 0x4300,
  USE_DATABASE: 0x4310,
  USE_SCHEMA: 0x4320,
  USE_WAREHOUSE: 0x4330,
  SHOW: 0x4400,
  DESCRIBE: 0x4500,
  TCL: 0x5000,
  DDL: 0x6000,
  MULTI_STATEMENT: 0xa000,
} as const;

export interface ResultColumn {
  name: string;
  type: ColumnType;
  nullable: boolean;
}

/**
 * What a statement returns, before wire encoding. Row values are plain JS
 * values (string, number, bigint, boolean, Date, null, objects for VARIANT) or
 * DuckDB values straight from a query; `rowset-encoding` turns both into the
 * driver's strings.
 */
export interface StatementResult {
  columns: ResultColumn[];
  rows: unknown[][];
  statementTypeId: number;
}

export function column(name: string, type: ColumnType, nullable = true): ResultColumn {
  return { name, type, nullable };
}

export const col = {
  text: (name: string, nullable = true) => column(name, types.varchar(), nullable),
  number: (name: string, nullable = true) => column(name, types.number(38, 0), nullable),
  timestamp: (name: string) => column(name, types.timestampLtz(3)),
  boolean: (name: string) => column(name, types.boolean()),
};

/** The one-row `status` result of DDL and session statements. */
export function statusResult(message: string, statementTypeId: number = StatementType.DDL): StatementResult {
  return { columns: [col.text('status', false)], rows: [[message]], statementTypeId };
}
