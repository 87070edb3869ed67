/**
 * Databricks SQL text as a list of tokens, and back into DuckDB's dialect. Only lexical differences are
 * translated here: backtick identifiers (Databricks) become double-quoted identifiers (DuckDB); double-quoted
 * text is a string literal in Databricks SQL (Spark's default) and becomes a single-quoted one; backslash
 * escapes inside string literals (Spark's default) are resolved; `:name` parameter markers become DuckDB's
 * `$name`. What a statement means (which tables it reads or writes) is `statement-shape.ts`'s job.
 */

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'param' | 'symbol' | 'space';

export interface Token {
  kind: TokenKind;
  /** The token as DuckDB should see it. */
  text: string;
  /** For words and quoted identifiers: the identifier's name (case kept); for strings: the literal's value. */
  value: string;
}

export class SqlSyntaxError extends Error {}

/** Splits Databricks SQL into tokens; comments are dropped. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] ?? '';
    if (/\s/.test(c)) {
      let j = i;
      while (j < sql.length && /\s/.test(sql[j] ?? '')) j++;
      tokens.push({ kind: 'space', text: ' ', value: ' ' });
      i = j;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw new SqlSyntaxError('Unclosed bracketed comment');
      i = end + 2;
    } else if (c === '`') {
      const { value, next } = readDelimited(sql, i, '`', false);
      tokens.push({ kind: 'quoted', text: `"${value.replaceAll('"', '""')}"`, value });
      i = next;
    } else if (c === "'" || c === '"') {
      const { value, next } = readDelimited(sql, i, c, true);
      tokens.push({ kind: 'string', text: `'${value.replaceAll("'", "''")}'`, value });
      i = next;
    } else if (c === ':' && sql[i + 1] !== ':' && sql[i - 1] !== ':' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      let j = i + 1;
      while (j < sql.length && /\w/.test(sql[j] ?? '')) j++;
      const name = sql.slice(i + 1, j);
      tokens.push({ kind: 'param', text: `$${name}`, value: name });
      i = j;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < sql.length && /\w/.test(sql[j] ?? '')) j++;
      const word = sql.slice(i, j);
      tokens.push({ kind: 'word', text: word, value: word });
      i = j;
    } else if (/\d/.test(c)) {
      let j = i;
      while (j < sql.length && /[\d.eE]/.test(sql[j] ?? '')) j++;
      tokens.push({ kind: 'number', text: sql.slice(i, j), value: sql.slice(i, j) });
      i = j;
    } else {
      const two = sql.slice(i, i + 2);
      const symbol = ['::', '<>', '!=', '>=', '<=', '||'].includes(two) ? two : c;
      tokens.push({ kind: 'symbol', text: symbol, value: symbol });
      i += symbol.length;
    }
  }
  return tokens;
}

/** The tokens back as DuckDB SQL. */
export function render(tokens: readonly Token[]): string {
  return tokens
    .map((t) => t.text)
    .join('')
    .trim();
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b' };

/**
 * Text between `quote`s, a doubled quote standing for one. Spark string literals also take backslash escapes;
 * backtick identifiers do not.
 */
function readDelimited(
  sql: string,
  start: number,
  quote: string,
  backslashEscapes: boolean,
): { value: string; next: number } {
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i >= sql.length)
      throw new SqlSyntaxError(backslashEscapes ? 'Unclosed string literal' : `Unclosed ${quote} identifier`);
    const c = sql[i] ?? '';
    if (backslashEscapes && c === '\\') {
      const n = sql[i + 1] ?? '';
      value += ESCAPES[n] ?? n;
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return { value, next: i + 1 };
    }
    value += c;
    i++;
  }
}
