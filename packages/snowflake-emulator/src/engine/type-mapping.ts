import { type DuckDBType, DuckDBTypeId } from '@duckdb/node-api';
import { sqlErrors } from '../errors.js';
import { TIMESTAMP_TZ_DUCK, TZ_UTC_FIELD } from './timestamp-tz.js';
import type { TokenCursor } from './token-cursor.js';

/** The `type` of a column in a query response's `rowtype`, as the driver decodes it. */
export type RowType =
  | 'fixed'
  | 'real'
  | 'text'
  | 'boolean'
  | 'date'
  | 'time'
  | 'timestamp_ntz'
  | 'timestamp_ltz'
  | 'timestamp_tz'
  | 'variant'
  | 'object'
  | 'array'
  | 'binary';

/** A Snowflake column type and the DuckDB type that stores it. */
export interface ColumnType {
  rowType: RowType;
  /** How Snowflake prints it (DESCRIBE, SHOW COLUMNS, INFER_SCHEMA): `NUMBER(38,0)`, `VARCHAR(16777216)`. */
  display: string;
  duck: string;
  precision?: number;
  scale?: number;
  length?: number;
}

export const MAX_VARCHAR = 16_777_216;

export const types = {
  number(precision = 38, scale = 0): ColumnType {
    return {
      rowType: 'fixed',
      display: `NUMBER(${precision},${scale})`,
      duck: `DECIMAL(${precision},${scale})`,
      precision,
      scale,
    };
  },
  float(): ColumnType {
    return { rowType: 'real', display: 'FLOAT', duck: 'DOUBLE' };
  },
  varchar(length = MAX_VARCHAR): ColumnType {
    return { rowType: 'text', display: `VARCHAR(${length})`, duck: 'VARCHAR', length };
  },
  boolean(): ColumnType {
    return { rowType: 'boolean', display: 'BOOLEAN', duck: 'BOOLEAN' };
  },
  date(): ColumnType {
    return { rowType: 'date', display: 'DATE', duck: 'DATE' };
  },
  time(scale = 9): ColumnType {
    return { rowType: 'time', display: `TIME(${scale})`, duck: 'TIME', scale };
  },
  timestampNtz(scale = 9): ColumnType {
    return { rowType: 'timestamp_ntz', display: `TIMESTAMP_NTZ(${scale})`, duck: 'TIMESTAMP', scale };
  },
  timestampLtz(scale = 9): ColumnType {
    return { rowType: 'timestamp_ltz', display: `TIMESTAMP_LTZ(${scale})`, duck: 'TIMESTAMPTZ', scale };
  },
  timestampTz(scale = 9): ColumnType {
    return { rowType: 'timestamp_tz', display: `TIMESTAMP_TZ(${scale})`, duck: TIMESTAMP_TZ_DUCK, scale };
  },
  variant(): ColumnType {
    return { rowType: 'variant', display: 'VARIANT', duck: 'JSON' };
  },
  object(): ColumnType {
    return { rowType: 'object', display: 'OBJECT', duck: 'JSON' };
  },
  array(): ColumnType {
    return { rowType: 'array', display: 'ARRAY', duck: 'JSON' };
  },
  binary(length = 8_388_608): ColumnType {
    return { rowType: 'binary', display: `BINARY(${length})`, duck: 'BLOB', length };
  },
} as const;

function intArg(args: number[], i: number, fallback: number): number {
  return args[i] ?? fallback;
}

/** What the bare `TIMESTAMP` stands for: the session's TIMESTAMP_TYPE_MAPPING (DATETIME is always TIMESTAMP_NTZ). */
export type TimestampMapping = 'TIMESTAMP_NTZ' | 'TIMESTAMP_LTZ' | 'TIMESTAMP_TZ';

/**
 * Maps a Snowflake type name (and its numeric arguments) to a column type.
 * `TIMESTAMP` follows TIMESTAMP_TYPE_MAPPING (default TIMESTAMP_NTZ,
 * https://docs.snowflake.com/en/sql-reference/parameters#timestamp-type-mapping).
 */
export function columnTypeFromName(
  name: string,
  args: number[] = [],
  timestampMapping: TimestampMapping = 'TIMESTAMP_NTZ',
): ColumnType {
  if (name === 'TIMESTAMP') name = timestampMapping;
  switch (name) {
    case 'NUMBER':
    case 'NUMERIC':
    case 'DECIMAL':
      return types.number(intArg(args, 0, 38), intArg(args, 1, 0));
    case 'INT':
    case 'INTEGER':
    case 'BIGINT':
    case 'SMALLINT':
    case 'TINYINT':
    case 'BYTEINT':
      return types.number(38, 0);
    case 'FLOAT':
    case 'FLOAT4':
    case 'FLOAT8':
    case 'DOUBLE':
    case 'DOUBLE PRECISION':
    case 'REAL':
      return types.float();
    case 'VARCHAR':
    case 'STRING':
    case 'TEXT':
    case 'NVARCHAR':
    case 'NVARCHAR2':
    case 'CHAR VARYING':
    case 'NCHAR VARYING':
      return types.varchar(intArg(args, 0, MAX_VARCHAR));
    case 'CHAR':
    case 'CHARACTER':
    case 'NCHAR':
      return types.varchar(intArg(args, 0, 1));
    case 'BOOLEAN':
      return types.boolean();
    case 'DATE':
      return types.date();
    case 'TIME':
      return types.time(intArg(args, 0, 9));
    case 'DATETIME':
    case 'TIMESTAMP':
    case 'TIMESTAMP_NTZ':
    case 'TIMESTAMPNTZ':
    case 'TIMESTAMP WITHOUT TIME ZONE':
      return types.timestampNtz(intArg(args, 0, 9));
    case 'TIMESTAMP_LTZ':
    case 'TIMESTAMPLTZ':
    case 'TIMESTAMP WITH LOCAL TIME ZONE':
      return types.timestampLtz(intArg(args, 0, 9));
    case 'TIMESTAMP_TZ':
    case 'TIMESTAMPTZ':
    case 'TIMESTAMP WITH TIME ZONE':
      return types.timestampTz(intArg(args, 0, 9));
    case 'VARIANT':
      return types.variant();
    case 'OBJECT':
      return types.object();
    case 'ARRAY':
      return types.array();
    case 'BINARY':
    case 'VARBINARY':
      return types.binary(intArg(args, 0, 8_388_608));
    default:
      throw sqlErrors.syntax(`Unsupported data type '${name}'.`);
  }
}

const MULTI_WORD_TYPES = [
  ['DOUBLE', 'PRECISION'],
  ['CHAR', 'VARYING'],
  ['NCHAR', 'VARYING'],
  ['TIMESTAMP', 'WITH', 'LOCAL', 'TIME', 'ZONE'],
  ['TIMESTAMP', 'WITH', 'TIME', 'ZONE'],
  ['TIMESTAMP', 'WITHOUT', 'TIME', 'ZONE'],
];

/** Parses a type at the cursor: `NUMBER(10,2)`, `VARCHAR`, `TIMESTAMP_NTZ(9)`, `DOUBLE PRECISION`. */
export function parseColumnType(cursor: TokenCursor, timestampMapping?: TimestampMapping): ColumnType {
  let name: string | undefined;
  for (const words of MULTI_WORD_TYPES) {
    if (cursor.acceptWords(...words)) {
      name = words.join(' ');
      break;
    }
  }
  name ??= cursor.identifier();
  const args: number[] = [];
  if (cursor.acceptOp('(')) {
    do {
      const t = cursor.next();
      if (t.kind !== 'number') cursor.fail(t);
      args.push(Number(t.text));
    } while (cursor.acceptOp(','));
    cursor.expectOp(')');
  }
  // OBJECT(...)/ARRAY(...) structured types and VECTOR are not modelled.
  return columnTypeFromName(name, args, timestampMapping);
}

/** The Snowflake type a DuckDB result column maps onto. */
export function columnTypeFromDuck(type: DuckDBType): ColumnType {
  if (type.alias === 'JSON') return types.variant();
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return types.boolean();
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return types.number(38, 0);
    case DuckDBTypeId.DECIMAL: {
      return types.number(type.width, type.scale);
    }
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return types.float();
    case DuckDBTypeId.DATE:
      return types.date();
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_NS:
      return types.time(9);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return types.timestampNtz(9);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return types.timestampLtz(9);
    case DuckDBTypeId.BLOB:
      return types.binary();
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return types.array();
    case DuckDBTypeId.STRUCT:
      // See timestamp-tz.ts: a TIMESTAMP_TZ value is a struct of instant and offset.
      if (type.entryNames[0] === TZ_UTC_FIELD) return types.timestampTz(9);
      return types.object();
    case DuckDBTypeId.MAP:
      return types.object();
    case DuckDBTypeId.VARIANT:
    case DuckDBTypeId.UNION:
      return types.variant();
    default:
      return types.varchar();
  }
}

/**
 * The Snowflake type INFER_SCHEMA reports for a Parquet column (read through
 * DuckDB): integers become NUMBER(38,0), doubles REAL, strings TEXT.
 */
export function inferredTypeFromDuck(type: DuckDBType): ColumnType {
  const mapped = columnTypeFromDuck(type);
  if (mapped.rowType === 'text') return { ...mapped, display: 'TEXT' };
  if (mapped.rowType === 'real') return { ...mapped, display: 'REAL' };
  if (mapped.rowType === 'array' || mapped.rowType === 'object') return types.variant();
  return mapped;
}
