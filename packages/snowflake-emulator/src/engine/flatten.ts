import { sqlErrors } from '../errors.js';
import { duckString } from './sql-lexer.js';

/**
 * FLATTEN as a DuckDB lateral subquery, with Snowflake's output columns SEQ,
 * KEY, PATH, INDEX, VALUE, THIS and its options
 * (https://docs.snowflake.com/en/sql-reference/functions/flatten):
 * - PATH: the element inside INPUT to flatten; output paths start with it;
 * - OUTER: one row (KEY, INDEX, VALUE NULL) for an input that expands to none
 *   (missing path, empty or not a compound) instead of no row;
 * - RECURSIVE: every sub-element, each with THIS its own container;
 * - MODE: flatten only objects, only arrays, or both (default).
 * A scalar never expands. DuckDB's json_each / json_tree walk the JSON;
 * `fullkey` ($.b[0]) gives Snowflake's PATH (b[0]).
 */
export type FlattenMode = 'OBJECT' | 'ARRAY' | 'BOTH';

export interface FlattenOptions {
  path: string;
  outer: boolean;
  recursive: boolean;
  mode: FlattenMode;
}

export const DEFAULT_FLATTEN_OPTIONS: FlattenOptions = { path: '', outer: false, recursive: false, mode: 'BOTH' };

export function flattenMode(value: string): FlattenMode {
  const mode = value.toUpperCase();
  if (mode === 'OBJECT' || mode === 'ARRAY' || mode === 'BOTH') return mode;
  throw sqlErrors.invalidValue(`invalid value ['${value}'] for parameter 'MODE'`);
}

/** A Snowflake path (`b`, `a.b[0]`, `a['k']`, `"K"`) as a DuckDB JSON path. */
export function jsonPathOf(path: string): string {
  const keyed = path.replace(/\['((?:[^']|'')*)'\]/g, (_, key: string) => `."${key.replace(/''/g, "'")}"`);
  return keyed.startsWith('[') || keyed.startsWith('.') ? `$${keyed}` : `$.${keyed}`;
}

/** The text before and after the INPUT expression that makes the FLATTEN call a lateral subquery. */
export function flattenSubquery(options: FlattenOptions): { before: string; after: string } {
  const modes = options.mode === 'BOTH' ? "('ARRAY', 'OBJECT')" : `('${options.mode}')`;
  const container = options.recursive ? 'sf_item.sf_container' : 'sf_this';
  const isArray = `json_type(${container}) = 'ARRAY'`;
  const columns = [
    'CAST(1 AS BIGINT) AS "SEQ"',
    `CASE WHEN ${isArray} THEN NULL ELSE sf_item.key END AS "KEY"`,
    `ltrim(${duckString(options.path)} || substr(sf_item.fullkey, 2), '.') AS "PATH"`,
    `CASE WHEN ${isArray} THEN CAST(sf_item.key AS BIGINT) END AS "INDEX"`,
    'sf_item.value AS "VALUE"',
    `${container} AS "THIS"`,
  ].join(', ');
  // Only descend through the kinds MODE flattens: below the root, the path steps are all [i] or all .key.
  const relativePath = 'substr(sf_node.fullkey, 2)';
  const descent =
    options.mode === 'ARRAY'
      ? ` AND regexp_full_match(${relativePath}, '(\\[[0-9]+\\])+')`
      : options.mode === 'OBJECT'
        ? ` AND NOT contains(${relativePath}, '[')`
        : '';
  // The filters sit inside the joined subquery: DuckDB's LEFT JOIN LATERAL (OUTER) takes only ON TRUE.
  const nodes = options.recursive
    ? `(SELECT sf_node.*, sf_parent.value AS sf_container FROM json_tree(sf_this) AS sf_node ` +
      `JOIN json_tree(sf_this) AS sf_parent ON sf_parent.id = sf_node.parent WHERE json_type(sf_this) IN ${modes}${descent})`
    : `(SELECT * FROM json_each(sf_this) WHERE json_type(sf_this) IN ${modes})`;
  const at = options.path === '' ? 'sf_in' : `json_extract(sf_in, ${duckString(jsonPathOf(options.path))})`;
  return {
    before: `(SELECT ${columns} FROM (SELECT ${at} AS sf_this FROM (SELECT CAST(`,
    after: ` AS JSON) AS sf_in) AS sf_root) AS sf_input ${options.outer ? 'LEFT JOIN' : 'JOIN'} ${nodes} AS sf_item ON TRUE ORDER BY sf_item.id)`,
  };
}
