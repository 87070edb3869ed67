import type { Token } from './sql-lexer.js';

/**
 * Which semi-structured type a select item has when DuckDB cannot tell: it
 * stores VARIANT, OBJECT and ARRAY alike as JSON, while Snowflake types a
 * constructor's result OBJECT or ARRAY and PARSE_JSON's VARIANT, and the
 * driver reports that type (`getType()` 'object' / 'array' / 'variant').
 * Sources: the functions' pages under
 * https://docs.snowflake.com/en/sql-reference/functions-semistructured
 * ("Returns: The data type of the returned value is OBJECT" for
 * OBJECT_CONSTRUCT, "ARRAY" for ARRAY_CONSTRUCT, "VARIANT" for PARSE_JSON).
 */
export type SemiStructuredKind = 'object' | 'array';

const FUNCTION_KINDS: Readonly<Record<string, SemiStructuredKind>> = {
  OBJECT_CONSTRUCT: 'object',
  OBJECT_CONSTRUCT_KEEP_NULL: 'object',
  OBJECT_INSERT: 'object',
  OBJECT_DELETE: 'object',
  OBJECT_PICK: 'object',
  OBJECT_AGG: 'object',
  TO_OBJECT: 'object',
  ARRAY_CONSTRUCT: 'array',
  ARRAY_CONSTRUCT_COMPACT: 'array',
  ARRAY_AGG: 'array',
  ARRAY_APPEND: 'array',
  ARRAY_PREPEND: 'array',
  ARRAY_CAT: 'array',
  ARRAY_COMPACT: 'array',
  ARRAY_DISTINCT: 'array',
  ARRAY_SLICE: 'array',
  OBJECT_KEYS: 'array',
  SPLIT: 'array',
  TO_ARRAY: 'array',
};

const CAST_KINDS: Readonly<Record<string, SemiStructuredKind>> = { OBJECT: 'object', ARRAY: 'array' };

/**
 * The kind of the expression in significant tokens `from`..`to` (a select
 * item without its alias): a whole call to a constructor, or a trailing
 * `::OBJECT` / `::ARRAY` cast; otherwise undefined (DuckDB's type stands).
 */
export function semiStructuredKind(sig: readonly Token[], from: number, to: number): SemiStructuredKind | undefined {
  const last = sig[to];
  if (to > from && sig[to - 1]?.text === '::' && last?.kind === 'word') {
    const cast = CAST_KINDS[last.upper];
    if (cast) return cast;
  }
  const callee = sig[from];
  if (callee?.kind !== 'word' || sig[from + 1]?.text !== '(' || last?.text !== ')') return undefined;
  let depth = 0;
  for (let m = from + 1; m <= to; m++) {
    if (sig[m]?.text === '(') depth++;
    else if (sig[m]?.text === ')' && --depth === 0 && m !== to) return undefined;
  }
  return FUNCTION_KINDS[callee.upper];
}
