import { SnowflakeError } from '../errors.js';
import { quoteString, type Token } from './sql-lexer.js';

/** One bind as the driver sends it: `{"1": {"type": "TEXT", "value": "x"}}`; arrays for array binds. */
export interface BindValue {
  type: string;
  value: string | null | (string | null)[];
}

export type Bindings = Record<string, BindValue>;

/** A single-row bind set: each position's scalar value and type. */
export type ScalarBindings = Map<number, { type: string; value: string | null }>;

/**
 * Splits array binds (`value: [..]`) into one scalar bind set per row; a
 * statement without array binds gives one set.
 */
export function expandBindings(bindings: Bindings | undefined): ScalarBindings[] {
  const entries = Object.entries(bindings ?? {});
  const rows = Math.max(1, ...entries.map(([, b]) => (Array.isArray(b.value) ? b.value.length : 1)));
  const sets: ScalarBindings[] = [];
  for (let row = 0; row < rows; row++) {
    const set: ScalarBindings = new Map();
    for (const [key, b] of entries) {
      const value = Array.isArray(b.value) ? (b.value[row] ?? null) : b.value;
      set.set(Number(key), { type: (b.type ?? 'TEXT').toUpperCase(), value });
    }
    sets.push(set);
  }
  return sets;
}

function literalToken(like: Token, kind: Token['kind'], text: string, value: string): Token {
  return { kind, text, value, upper: kind === 'word' ? text.toUpperCase() : text, pos: like.pos };
}

/** The literal token a bind stands for. */
function bindLiteral(t: Token, bind: { type: string; value: string | null }): Token {
  if (bind.value === null) return literalToken(t, 'word', 'NULL', 'NULL');
  const v = bind.value;
  switch (bind.type) {
    case 'FIXED':
    case 'REAL':
      if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) return literalToken(t, 'number', v, v);
      return literalToken(t, 'string', quoteString(v), v);
    case 'BOOLEAN':
      return literalToken(t, 'word', /^(true|1)$/i.test(v) ? 'TRUE' : 'FALSE', v);
    default:
      return literalToken(t, 'string', quoteString(v), v);
  }
}

/** Replaces `?` and `:n` binds with literal tokens. */
export function substituteBinds(tokens: readonly Token[], binds: ScalarBindings): Token[] {
  let positional = 0;
  return tokens.map((t) => {
    if (t.kind !== 'bind') return t;
    const index = t.value === '' ? ++positional : Number(t.value);
    const bind = binds.get(index);
    if (!bind)
      throw new SnowflakeError(
        '002049',
        '42601',
        `SQL compilation error: error line 1 at position ${t.pos}\nBind variable ${t.text === '?' ? `?` : t.text} not set.`,
      );
    return bindLiteral(t, bind);
  });
}
