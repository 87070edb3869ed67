import type { DatasetConfig, SchemaChange } from '@d2s/shared';

/** A column as INFER_SCHEMA (the run's files) or DESCRIBE TABLE (the target) names it. */
export interface ColumnShape {
  name: string;
  /** As Snowflake prints it: `NUMBER(38, 0)`, `TEXT`, `VARCHAR(50)`, `REAL`, `TIMESTAMP_NTZ(9)`, … */
  type: string;
  nullable: boolean;
}

export type SchemaEvolution = NonNullable<DatasetConfig['schema']>['evolution'];

/** What to do to the target before the load, or why the run cannot be loaded into it. */
export interface SchemaPlan {
  /** Changes to make (ADD COLUMN / SET DATA TYPE, or, for replace-schema, what the rebuilt table differs in). */
  changes: SchemaChange[];
  /** One readable line per difference the setting does not allow; any one fails the sync. */
  conflicts: string[];
}

/** A data type reduced to what decides compatibility: synonyms folded, defaults filled in. */
interface CanonicalType {
  family: string;
  /** NUMBER precision, VARCHAR / BINARY length. */
  size?: number;
  scale?: number;
  /** As Snowflake prints the canonical type, for SQL and messages. */
  text: string;
}

const NUMBER_SYNONYMS = new Set(['NUMBER', 'DECIMAL', 'NUMERIC', 'DEC']);
const INTEGER_SYNONYMS = new Set(['INT', 'INTEGER', 'BIGINT', 'SMALLINT', 'TINYINT', 'BYTEINT']);
const TEXT_SYNONYMS = new Set(['VARCHAR', 'STRING', 'TEXT', 'NVARCHAR', 'NVARCHAR2', 'CHAR VARYING', 'NCHAR VARYING']);
const CHAR_SYNONYMS = new Set(['CHAR', 'CHARACTER', 'NCHAR']);
const FLOAT_SYNONYMS = new Set(['FLOAT', 'FLOAT4', 'FLOAT8', 'DOUBLE', 'DOUBLE PRECISION', 'REAL']);
const BINARY_SYNONYMS = new Set(['BINARY', 'VARBINARY']);
const MAX_VARCHAR = 16_777_216;
const MAX_BINARY = 8_388_608;

/**
 * Snowflake's data-type synonyms (https://docs.snowflake.com/en/sql-reference/intro-summary-data-types):
 * INT and friends are NUMBER(38,0), TEXT / STRING are VARCHAR (16777216 when no length is given), REAL /
 * DOUBLE are FLOAT, DATETIME is TIMESTAMP_NTZ. A timestamp's or time's fractional precision is left out:
 * COPY loads a value at the target's precision, so it decides no compatibility.
 */
export function canonicalType(type: string): CanonicalType {
  const match = /^\s*([A-Za-z_][A-Za-z0-9_ ]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/.exec(type);
  if (!match) return { family: type.toUpperCase(), text: type.toUpperCase() };
  const name = (match[1] ?? '').toUpperCase().replace(/\s+/g, ' ');
  const first = match[2] === undefined ? undefined : Number(match[2]);
  const second = match[3] === undefined ? undefined : Number(match[3]);
  if (NUMBER_SYNONYMS.has(name)) {
    const precision = first ?? 38;
    const scale = second ?? 0;
    return { family: 'NUMBER', size: precision, scale, text: `NUMBER(${precision},${scale})` };
  }
  if (INTEGER_SYNONYMS.has(name)) return { family: 'NUMBER', size: 38, scale: 0, text: 'NUMBER(38,0)' };
  if (TEXT_SYNONYMS.has(name) || CHAR_SYNONYMS.has(name)) {
    const length = first ?? (CHAR_SYNONYMS.has(name) ? 1 : MAX_VARCHAR);
    return { family: 'VARCHAR', size: length, text: `VARCHAR(${length})` };
  }
  if (BINARY_SYNONYMS.has(name)) {
    const length = first ?? MAX_BINARY;
    return { family: 'BINARY', size: length, text: `BINARY(${length})` };
  }
  if (FLOAT_SYNONYMS.has(name)) return { family: 'FLOAT', text: 'FLOAT' };
  if (name === 'DATETIME' || name === 'TIMESTAMP_NTZ') return { family: 'TIMESTAMP_NTZ', text: 'TIMESTAMP_NTZ' };
  return { family: name, text: name };
}

type Fit = { kind: 'same' } | { kind: 'widen'; to: string } | { kind: 'incompatible'; reason: string };

/**
 * Whether values of the files' type load into the target's type, and the widening that makes them fit.
 * Widenings are only those ALTER TABLE … ALTER COLUMN … SET DATA TYPE allows
 * (https://docs.snowflake.com/en/sql-reference/sql/alter-table-column): a longer VARCHAR (or BINARY), a
 * NUMBER of more precision. A NUMBER's scale cannot change, nor can a column change type.
 */
export function fitOf(files: CanonicalType, target: CanonicalType): Fit {
  if (files.family !== target.family)
    return { kind: 'incompatible', reason: `Snowflake cannot change a column from ${target.text} to ${files.text}` };
  if (files.family === 'NUMBER' && files.scale !== target.scale)
    return { kind: 'incompatible', reason: "Snowflake cannot change a NUMBER's scale" };
  if (files.size !== undefined && target.size !== undefined && files.size > target.size)
    return { kind: 'widen', to: files.text };
  return { kind: 'same' };
}

/**
 * Compares the run's file columns with the target's, under the dataset's `schema.evolution`:
 *
 * - a column only in the files: added (add-columns, replace-schema) or a conflict (strict);
 * - a column in both: the same or narrower type in the files loads as is; a widening is applied;
 *   any other difference is a conflict, except under replace-schema, whose rebuilt table takes the
 *   files' type;
 * - a column only in the target: a NOT NULL one is a conflict (COPY would have no value for it),
 *   except under replace-schema, which drops it; a nullable one loads as NULL.
 *
 * Names match as COPY's MATCH_BY_COLUMN_NAME matches them: case-insensitively unless `caseSensitive`.
 */
export function planSchemaChanges(
  files: readonly ColumnShape[],
  target: readonly ColumnShape[],
  options: { evolution: SchemaEvolution; caseSensitive: boolean },
): SchemaPlan {
  const key = (name: string) => (options.caseSensitive ? name : name.toUpperCase());
  const targetByName = new Map(target.map((column) => [key(column.name), column]));
  const fileNames = new Set(files.map((column) => key(column.name)));
  const rebuild = options.evolution === 'replace-schema';
  const changes: SchemaChange[] = [];
  const conflicts: string[] = [];

  for (const file of files) {
    const fileType = canonicalType(file.type);
    const existing = targetByName.get(key(file.name));
    if (!existing) {
      if (options.evolution === 'strict')
        conflicts.push(`+ new column "${file.name}" ${fileType.text} (schema.evolution: strict adds no columns)`);
      else changes.push({ kind: 'add-column', column: file.name, to: fileType.text });
      continue;
    }
    const targetType = canonicalType(existing.type);
    const fit = fitOf(fileType, targetType);
    if (fit.kind === 'widen') {
      changes.push({ kind: 'widen', column: existing.name, from: targetType.text, to: fit.to });
    } else if (fit.kind === 'incompatible') {
      if (rebuild) changes.push({ kind: 'retype', column: existing.name, from: targetType.text, to: fileType.text });
      else
        conflicts.push(
          `~ column "${existing.name}" is ${targetType.text} in the target, ${fileType.text} in the files (${fit.reason})`,
        );
    } else if (rebuild && fileType.text !== targetType.text) {
      // The rebuilt table takes the files' type even where the target's was wider.
      changes.push({ kind: 'retype', column: existing.name, from: targetType.text, to: fileType.text });
    }
  }
  for (const column of target) {
    if (fileNames.has(key(column.name))) continue;
    if (rebuild) changes.push({ kind: 'drop-column', column: column.name, from: canonicalType(column.type).text });
    else if (!column.nullable)
      conflicts.push(`- column "${column.name}" is NOT NULL in the target and missing from the files`);
  }
  return { changes, conflicts };
}

/** One line per change, as the README, the CLI and the web page word them. */
export function describeSchemaChange(change: SchemaChange): string {
  switch (change.kind) {
    case 'add-column':
      return `added column "${change.column}" ${change.to ?? ''}`.trimEnd();
    case 'widen':
      return `widened "${change.column}" from ${change.from} to ${change.to}`;
    case 'retype':
      return `retyped "${change.column}" from ${change.from} to ${change.to}`;
    case 'drop-column':
      return `dropped column "${change.column}" ${change.from ?? ''}`.trimEnd();
  }
}
