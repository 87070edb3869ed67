import type { SnowflakeObjectName } from '../../config/schema.js';
import { SqlBuildError } from '../errors.js';
import { qualifiedName, quoteIdentifier, quoteLiteral } from './quoting.js';
import { SqlStatement } from './sql-statement.js';

/** Statements of a merge-by-key load: the staged rows checked, de-duplicated and MERGEd, and its marker. */

export interface MergeKeySpec {
  /** The columns that identify a row, as the table names them. */
  keys: readonly string[];
  /** The latest row per key wins (largest value; NULLs count as oldest). */
  orderBy?: string | undefined;
  /** A staged row whose column holds this value deletes its key. */
  deleteWhen?: { column: string; value: string | number | boolean } | undefined;
}

export interface MergeSpec extends MergeKeySpec {
  target: SnowflakeObjectName;
  staging: SnowflakeObjectName;
  /** Every column of the target (the staging table has the same), in table order. */
  columns: readonly string[];
}

const SOURCE = quoteIdentifier('D2S_SOURCE');
const TARGET = quoteIdentifier('D2S_TARGET');
const src = (column: string) => `${SOURCE}.${quoteIdentifier(column)}`;
const tgt = (column: string) => `${TARGET}.${quoteIdentifier(column)}`;

function literal(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new SqlBuildError('deleteWhen.value must be a finite number.');
    return String(value);
  }
  return quoteLiteral(value);
}

/** `COALESCE("D2S_SOURCE"."op" = 'delete', FALSE)`: NULL in the column means "keep". */
function deletes(spec: MergeKeySpec): string {
  if (!spec.deleteWhen) return 'FALSE';
  return `COALESCE(${src(spec.deleteWhen.column)} = ${literal(spec.deleteWhen.value)}, FALSE)`;
}

function partitionByKeys(spec: MergeKeySpec): string {
  if (spec.keys.length === 0) throw new SqlBuildError('A merge needs at least one key column.');
  return spec.keys.map(quoteIdentifier).join(', ');
}

/** The latest row per key first; NULLs last, since Snowflake sorts them first in DESC order otherwise. */
function latestFirst(spec: MergeKeySpec): string {
  return spec.orderBy === undefined ? '' : ` ORDER BY ${quoteIdentifier(spec.orderBy)} DESC NULLS LAST`;
}

/** The staged rows, one per key (the latest). */
function dedupedStaging(spec: MergeSpec): string {
  const order = spec.orderBy === undefined ? ` ORDER BY ${partitionByKeys(spec)}` : latestFirst(spec);
  return `SELECT * FROM ${qualifiedName(spec.staging)} QUALIFY ROW_NUMBER() OVER (PARTITION BY ${partitionByKeys(spec)}${order}) = 1`;
}

function keysMatch(spec: MergeKeySpec): string {
  return spec.keys.map((key) => `${tgt(key)} = ${src(key)}`).join(' AND ');
}

function valuesDiffer(spec: MergeSpec): string {
  const others = spec.columns.filter((column) => !spec.keys.includes(column));
  return others.length === 0 ? 'FALSE' : others.map((c) => `${tgt(c)} IS DISTINCT FROM ${src(c)}`).join(' OR ');
}

/**
 * What the staging table holds, keyed: one row with ROWS_STAGED,
 * NULL_KEYS (rows with a NULL key, which no MERGE can match),
 * DISTINCT_KEYS and LATEST_ROWS (rows ranked first for their key: more than
 * DISTINCT_KEYS when `orderBy` ties, or when there is no `orderBy` and a key
 * repeats, so "the latest row" is not one row).
 */
export function stagedKeyStats(staging: SnowflakeObjectName, spec: MergeKeySpec): SqlStatement {
  const keys = partitionByKeys(spec);
  const nullKeys = spec.keys.map((key) => `${quoteIdentifier(key)} IS NULL`).join(' OR ');
  const rank = `RANK() OVER (PARTITION BY ${keys}${latestFirst(spec)})`;
  const first = `ROW_NUMBER() OVER (PARTITION BY ${keys} ORDER BY ${keys})`;
  return SqlStatement.plain(
    [
      'SELECT COUNT(*) AS "ROWS_STAGED",',
      `  COUNT_IF(${nullKeys}) AS "NULL_KEYS",`,
      `  COUNT_IF("D2S_FIRST" = 1) AS "DISTINCT_KEYS",`,
      `  COUNT_IF("D2S_RANK" = 1) AS "LATEST_ROWS"`,
      `FROM (SELECT *, ${rank} AS "D2S_RANK", ${first} AS "D2S_FIRST" FROM ${qualifiedName(staging)})`,
    ].join('\n'),
  );
}

/**
 * What the MERGE is about to do, counted from the same join before it runs
 * (inside its transaction): TO_INSERT, TO_UPDATE, TO_DELETE and UNCHANGED
 * (a key whose row is already as staged, or a delete of a key the target
 * does not hold). Their sum is the distinct keys staged.
 */
export function mergePreview(spec: MergeSpec): SqlStatement {
  const present = `${tgt(spec.keys[0] as string)} IS NOT NULL`;
  const del = deletes(spec);
  const changed = `(${valuesDiffer(spec)})`;
  return SqlStatement.plain(
    [
      'SELECT',
      `  COUNT_IF(NOT (${present}) AND NOT ${del}) AS "TO_INSERT",`,
      `  COUNT_IF(${present} AND NOT ${del} AND ${changed}) AS "TO_UPDATE",`,
      `  COUNT_IF(${present} AND ${del}) AS "TO_DELETE",`,
      `  COUNT_IF((${present} AND NOT ${del} AND NOT ${changed}) OR (NOT (${present}) AND ${del})) AS "UNCHANGED"`,
      `FROM (${dedupedStaging(spec)}) AS ${SOURCE}`,
      `LEFT JOIN ${qualifiedName(spec.target)} AS ${TARGET} ON ${keysMatch(spec)}`,
    ].join('\n'),
  );
}

/**
 * The MERGE itself: the latest staged row per key deletes its key
 * (`deleteWhen`), updates a row whose values differ, or inserts a new key.
 * Rows already as staged are left alone, so they count as unchanged, not
 * updated.
 *
 * ```sql
 * MERGE INTO "DB"."SCH"."T" AS "D2S_TARGET"
 * USING (SELECT * FROM "DB"."SCH"."T__D2S_STAGING_X"
 *        QUALIFY ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "changed_at" DESC NULLS LAST) = 1) AS "D2S_SOURCE"
 * ON "D2S_TARGET"."id" = "D2S_SOURCE"."id"
 * WHEN MATCHED AND COALESCE("D2S_SOURCE"."op" = 'delete', FALSE) THEN DELETE
 * WHEN MATCHED AND ("D2S_TARGET"."v" IS DISTINCT FROM "D2S_SOURCE"."v") THEN UPDATE SET "v" = "D2S_SOURCE"."v"
 * WHEN NOT MATCHED AND NOT COALESCE("D2S_SOURCE"."op" = 'delete', FALSE) THEN INSERT ("id", "v") VALUES (…)
 * ```
 */
export function mergeFromStaging(spec: MergeSpec): SqlStatement {
  const others = spec.columns.filter((column) => !spec.keys.includes(column));
  const lines = [
    `MERGE INTO ${qualifiedName(spec.target)} AS ${TARGET}`,
    `USING (${dedupedStaging(spec)}) AS ${SOURCE}`,
    `ON ${keysMatch(spec)}`,
  ];
  if (spec.deleteWhen) lines.push(`WHEN MATCHED AND ${deletes(spec)} THEN DELETE`);
  if (others.length > 0) {
    lines.push(
      `WHEN MATCHED AND (${valuesDiffer(spec)}) THEN UPDATE SET ${others.map((c) => `${quoteIdentifier(c)} = ${src(c)}`).join(', ')}`,
    );
  }
  lines.push(
    `WHEN NOT MATCHED${spec.deleteWhen ? ` AND NOT ${deletes(spec)}` : ''} THEN INSERT (${spec.columns.map(quoteIdentifier).join(', ')}) VALUES (${spec.columns.map(src).join(', ')})`,
  );
  return SqlStatement.plain(lines.join('\n'));
}

/** The counts of a MERGE's answer (a column only for each kind of action it has). */
export interface MergeCounts {
  inserted: number;
  updated: number;
  deleted: number;
}

export function parseMergeCounts(rows: readonly Record<string, unknown>[]): MergeCounts {
  const row = rows[0] ?? {};
  const count = (name: string) => Number(row[name] ?? 0);
  return {
    inserted: count('number of rows inserted'),
    updated: count('number of rows updated'),
    deleted: count('number of rows deleted'),
  };
}

/** The table where each applied merge leaves its marker: one per schema, beside the targets. */
export function mergeLogTable(schema: { database: string; schema: string }): SnowflakeObjectName {
  return { database: schema.database, schema: schema.schema, name: 'D2S_MERGE_LOG' };
}

/** `CREATE TABLE IF NOT EXISTS "DB"."SCH"."D2S_MERGE_LOG" (…)` */
export function createMergeLog(log: SnowflakeObjectName): SqlStatement {
  return SqlStatement.plain(
    `CREATE TABLE IF NOT EXISTS ${qualifiedName(log)} ("SYNC_ID" VARCHAR NOT NULL, "TARGET" VARCHAR NOT NULL, ` +
      '"ROWS_INSERTED" NUMBER NOT NULL, "ROWS_UPDATED" NUMBER NOT NULL, "ROWS_DELETED" NUMBER NOT NULL, ' +
      '"ROWS_UNCHANGED" NUMBER NOT NULL, "APPLIED_AT" TIMESTAMP_LTZ NOT NULL)',
  );
}

/** The marker of this sync's merge into this target, if it was applied: zero or one row. */
export function readMergeMarker(log: SnowflakeObjectName, syncId: string, target: SnowflakeObjectName): SqlStatement {
  return SqlStatement.plain(
    `SELECT "ROWS_INSERTED", "ROWS_UPDATED", "ROWS_DELETED", "ROWS_UNCHANGED" FROM ${qualifiedName(log)} ` +
      `WHERE "SYNC_ID" = ${quoteLiteral(syncId)} AND "TARGET" = ${quoteLiteral(qualifiedName(target))}`,
  );
}

export function writeMergeMarker(
  log: SnowflakeObjectName,
  syncId: string,
  target: SnowflakeObjectName,
  counts: MergeCounts & { unchanged: number },
): SqlStatement {
  const n = (value: number) => String(Math.trunc(value));
  return SqlStatement.plain(
    `INSERT INTO ${qualifiedName(log)} ("SYNC_ID", "TARGET", "ROWS_INSERTED", "ROWS_UPDATED", "ROWS_DELETED", "ROWS_UNCHANGED", "APPLIED_AT") ` +
      `VALUES (${quoteLiteral(syncId)}, ${quoteLiteral(qualifiedName(target))}, ${n(counts.inserted)}, ${n(counts.updated)}, ${n(counts.deleted)}, ${n(counts.unchanged)}, CURRENT_TIMESTAMP())`,
  );
}

/** `DESCRIBE TABLE "DB"."SCH"."T"`: one row per column, its name in `name`. */
export function describeTable(table: SnowflakeObjectName): SqlStatement {
  return SqlStatement.plain(`DESCRIBE TABLE ${qualifiedName(table)}`);
}

/** `SHOW TRANSACTIONS`: the user's open transactions (id, name, session, …). */
export function showTransactions(): SqlStatement {
  return SqlStatement.plain('SHOW TRANSACTIONS');
}

/** Aborts an open transaction by its id (from SHOW TRANSACTIONS). */
export function abortTransaction(id: string): SqlStatement {
  if (!/^-?\d{1,20}$/.test(id)) throw new SqlBuildError('A transaction id is a whole number.', { details: { id } });
  return SqlStatement.plain(`SELECT SYSTEM$ABORT_TRANSACTION(${id})`);
}
