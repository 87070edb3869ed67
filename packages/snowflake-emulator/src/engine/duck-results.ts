import type { DuckDBConnection, DuckDBMaterializedResult } from '@duckdb/node-api';
import { sqlErrors } from '../errors.js';
import type { TableEntry } from './catalog.js';
import type { ResultColumn, StatementResult } from './statement-result.js';
import type { SemiStructuredKind } from './semi-structured-kinds.js';
import { type ColumnType, columnTypeFromDuck, types } from './type-mapping.js';

/**
 * Runs DuckDB SQL on a session's connection; an aborted signal interrupts it
 * (the statement then fails with 000604 "SQL execution canceled").
 */
export async function runDuck(
  connection: DuckDBConnection,
  sql: string,
  signal?: AbortSignal,
): Promise<DuckDBMaterializedResult> {
  if (signal?.aborted) throw sqlErrors.canceled();
  const onAbort = () => connection.interrupt();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await connection.run(sql);
  } catch (err) {
    if (signal?.aborted) throw sqlErrors.canceled();
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * The Snowflake column type of a DuckDB result column. DuckDB cannot tell
 * VARIANT from OBJECT/ARRAY (all JSON) or TIMESTAMP_TZ from _LTZ, so a result
 * column named like a column of a table the query read takes that column's
 * declared type.
 */
function resultColumnType(
  duckType: Parameters<typeof columnTypeFromDuck>[0],
  name: string,
  tables: readonly TableEntry[],
  semiStructured: ReadonlyMap<string, SemiStructuredKind>,
): ColumnType {
  const mapped = columnTypeFromDuck(duckType);
  const kind = mapped.rowType === 'variant' ? semiStructured.get(name) : undefined;
  if (kind) return kind === 'object' ? types.object() : types.array();
  if (
    mapped.rowType === 'variant' ||
    mapped.rowType === 'timestamp_ltz' ||
    mapped.rowType === 'text' ||
    mapped.rowType === 'fixed' ||
    mapped.rowType === 'time' ||
    mapped.rowType === 'timestamp_ntz'
  ) {
    for (const table of tables) {
      const declared = table.columns.find((c) => c.name === name);
      if (declared && declared.type.duck === mapped.duck) return declared.type;
    }
  }
  return mapped;
}

export async function resultFromDuck(
  result: DuckDBMaterializedResult,
  tables: readonly TableEntry[],
  statementTypeId: number,
  semiStructured: ReadonlyMap<string, SemiStructuredKind> = new Map(),
): Promise<StatementResult> {
  const columns: ResultColumn[] = [];
  for (let i = 0; i < result.columnCount; i++) {
    const name = result.columnName(i);
    const type = result.columnType(i);
    columns.push({
      name,
      type: resultColumnType(type, name, tables, semiStructured),
      nullable: true,
    });
  }
  const rows = (await result.getRows()) as unknown[][];
  return { columns, rows, statementTypeId };
}
