import { sqlErrors } from '../errors.js';

/**
 * A lexer for Snowflake SQL. It knows just enough to keep strings, quoted
 * identifiers, comments, binds and stage references apart, so statements can
 * be split, parsed and rewritten without touching what is inside literals.
 */
export type TokenKind =
  | 'word' // unquoted identifier or keyword (raw text; compare with `upper`)
  | 'quoted' // "quoted identifier" (value = unescaped, case kept)
  | 'string' // 'string literal' or $$dollar string$$ (value = unescaped)
  | 'number'
  | 'op'
  | 'bind' // ? or :1 (value = positional index as text, '' for ?)
  | 'stage' // @stage[/path] (value = text after @)
  | 'ws'
  | 'comment';

export interface Token {
  kind: TokenKind;
  /** The source text of the token. */
  text: string;
  /** Decoded value: identifier without quotes, string contents, bind number. */
  value: string;
  /** Upper-cased text for words (keyword comparison); the text otherwise. */
  upper: string;
  /** Offset in the statement. */
  pos: number;
}

const WORD_START = /[A-Za-z_\u0080-\uFFFF]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uFFFF]/;
const STAGE_STOP = /[\s),;]/;
const OPS = ['::', '=>', '||', '<=', '>=', '<>', '!=', '->'];

function token(kind: TokenKind, text: string, value: string, pos: number): Token {
  return { kind, text, value, upper: kind === 'word' ? text.toUpperCase() : text, pos };
}

function readSingleQuoted(sql: string, start: number): { end: number; value: string } {
  let i = start + 1;
  let value = '';
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (ch === '\\' && i + 1 < sql.length) {
      const next = sql[i + 1] as string;
      const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' };
      value += escapes[next] ?? next;
      i += 2;
      continue;
    }
    if (ch === "'") {
      if (sql[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { end: i + 1, value };
    }
    value += ch;
    i++;
  }
  throw sqlErrors.syntax(`parse error line 1 at position ${start} near '<EOF>'.\nUnterminated string literal.`);
}

function readQuotedIdentifier(sql: string, start: number): { end: number; value: string } {
  let i = start + 1;
  let value = '';
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (ch === '"') {
      if (sql[i + 1] === '"') {
        value += '"';
        i += 2;
        continue;
      }
      return { end: i + 1, value };
    }
    value += ch;
    i++;
  }
  throw sqlErrors.syntax(`parse error line 1 at position ${start} near '<EOF>'.\nUnterminated quoted identifier.`);
}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    const start = i;
    if (/\s/.test(ch)) {
      while (i < sql.length && /\s/.test(sql[i] as string)) i++;
      tokens.push(token('ws', sql.slice(start, i), ' ', start));
    } else if ((ch === '-' && sql[i + 1] === '-') || (ch === '/' && sql[i + 1] === '/')) {
      while (i < sql.length && sql[i] !== '\n') i++;
      tokens.push(token('comment', sql.slice(start, i), '', start));
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      tokens.push(token('comment', sql.slice(start, i), '', start));
    } else if (ch === "'") {
      const { end, value } = readSingleQuoted(sql, i);
      i = end;
      tokens.push(token('string', sql.slice(start, i), value, start));
    } else if (ch === '$' && sql[i + 1] === '$') {
      const end = sql.indexOf('$$', i + 2);
      if (end < 0) throw sqlErrors.syntax(`parse error line 1 at position ${start} near '<EOF>'.`);
      i = end + 2;
      tokens.push(token('string', sql.slice(start, i), sql.slice(start + 2, end), start));
    } else if (ch === '"') {
      const { end, value } = readQuotedIdentifier(sql, i);
      i = end;
      tokens.push(token('quoted', sql.slice(start, i), value, start));
    } else if (WORD_START.test(ch) || (ch === '$' && /[0-9A-Za-z_]/.test(sql[i + 1] ?? ''))) {
      i++;
      while (i < sql.length && WORD_PART.test(sql[i] as string)) i++;
      tokens.push(token('word', sql.slice(start, i), sql.slice(start, i), start));
    } else if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      while (i < sql.length && /[0-9]/.test(sql[i] as string)) i++;
      if (sql[i] === '.' && sql[i + 1] !== '.') {
        i++;
        while (i < sql.length && /[0-9]/.test(sql[i] as string)) i++;
      }
      if (/[eE]/.test(sql[i] ?? '') && /[-+0-9]/.test(sql[i + 1] ?? '')) {
        i += 2;
        while (i < sql.length && /[0-9]/.test(sql[i] as string)) i++;
      }
      tokens.push(token('number', sql.slice(start, i), sql.slice(start, i), start));
    } else if (ch === '?') {
      i++;
      tokens.push(token('bind', '?', '', start));
    } else if (ch === ':' && /[0-9]/.test(sql[i + 1] ?? '') && sql[i - 1] !== ':') {
      i++;
      while (i < sql.length && /[0-9]/.test(sql[i] as string)) i++;
      tokens.push(token('bind', sql.slice(start, i), sql.slice(start + 1, i), start));
    } else if (ch === '@') {
      i++;
      while (i < sql.length && !STAGE_STOP.test(sql[i] as string)) {
        if (sql[i] === '"') i = readQuotedIdentifier(sql, i).end;
        else if (sql[i] === "'") break;
        else i++;
      }
      tokens.push(token('stage', sql.slice(start, i), sql.slice(start + 1, i), start));
    } else {
      const two = sql.slice(i, i + 2);
      const op = OPS.includes(two) ? two : ch;
      i += op.length;
      tokens.push(token('op', op, op, start));
    }
  }
  return tokens;
}

export function isTrivia(t: Token): boolean {
  return t.kind === 'ws' || t.kind === 'comment';
}

/** Splits a token list into statements at top-level semicolons, dropping empty ones. */
export function splitStatements(tokens: Token[]): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'op' && t.text === ';') {
      statements.push(current);
      current = [];
    } else current.push(t);
  }
  statements.push(current);
  return statements.filter((s) => s.some((t) => !isTrivia(t)));
}

/** The source text of a token list, comments dropped. */
export function textOf(tokens: readonly Token[]): string {
  return tokens
    .map((t) => (t.kind === 'comment' ? ' ' : t.text))
    .join('')
    .trim();
}

/** A Snowflake string literal for a value ('' escaping; no backslash escapes needed). */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** A DuckDB string literal for a value (DuckDB strings take no backslash escapes). */
export function duckString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A DuckDB quoted identifier. */
export function duckIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
