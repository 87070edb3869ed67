import type { Token } from './sql-lexer.js';
import { identifierName, isIdentifierToken } from './token-cursor.js';
import { type ColumnType, columnTypeFromName, type TimestampMapping } from './type-mapping.js';

/**
 * `/` on fixed-point numbers, as Snowflake types it. DuckDB divides DECIMALs
 * into a DOUBLE; Snowflake keeps NUMBER and widens the scale
 * (https://docs.snowflake.com/en/sql-reference/operators-arithmetic#division):
 *   L = L1 + S2, S = max(S1, min(S1 + 6, 12)), P = L + S (never above 38),
 * rounding the quotient rather than truncating it. So the translator asks
 * here for the static type of each operand; when both are NUMBER it rewrites
 * the division into an exact integer division in DuckDB (sf_decimal_divide),
 * cast to NUMBER(P,S). An operand whose type it cannot tell (a function call,
 * a subquery column) leaves DuckDB's FLOAT division in place.
 */
export interface FixedType {
  precision: number;
  scale: number;
}

export type StaticNumericType = FixedType | 'float' | undefined;

const MAX_PRECISION = 38;

function fixed(leading: number, scale: number): FixedType {
  return { precision: Math.min(MAX_PRECISION, Math.max(1, leading + scale)), scale };
}

function leadingDigits(t: FixedType): number {
  return Math.max(0, t.precision - t.scale);
}

/** https://docs.snowflake.com/en/sql-reference/operators-arithmetic#division */
export function divisionType(numerator: FixedType, denominator: FixedType): FixedType {
  const scale = Math.max(numerator.scale, Math.min(numerator.scale + 6, 12));
  return fixed(leadingDigits(numerator) + denominator.scale, scale);
}

/** https://docs.snowflake.com/en/sql-reference/operators-arithmetic#multiplication */
export function multiplicationType(a: FixedType, b: FixedType): FixedType {
  const scale = Math.min(a.scale + b.scale, Math.max(a.scale, b.scale, 12));
  return fixed(leadingDigits(a) + leadingDigits(b), scale);
}

/** https://docs.snowflake.com/en/sql-reference/operators-arithmetic#addition-and-subtraction */
export function additionType(a: FixedType, b: FixedType): FixedType {
  return fixed(Math.max(leadingDigits(a), leadingDigits(b)) + 1, Math.max(a.scale, b.scale));
}

/**
 * A numeric literal's type: its digits (`100000000` is NUMBER(9,0), `1.50`
 * NUMBER(3,2)); with an exponent it is a FLOAT
 * (https://docs.snowflake.com/en/sql-reference/data-types-numeric#numeric-constants).
 */
export function literalType(text: string): StaticNumericType {
  if (/[eE]/.test(text)) return 'float';
  const [whole = '', fraction = ''] = text.split('.');
  return fixed(whole.replace(/^0+/, '').length, fraction.length);
}

/** What the typer needs from the query around it. */
export interface OperandTyping {
  /** The declared type of a column reference (`c`, `t.c`), if the query reads such a column. */
  columnType(parts: string[]): ColumnType | undefined;
  timestampMapping: TimestampMapping;
}

function fromColumnType(type: ColumnType | undefined): StaticNumericType {
  if (type?.rowType === 'real') return 'float';
  if (type?.rowType !== 'fixed') return undefined;
  return { precision: type.precision ?? MAX_PRECISION, scale: type.scale ?? 0 };
}

function combine(
  a: StaticNumericType,
  b: StaticNumericType,
  rule: (x: FixedType, y: FixedType) => FixedType,
): StaticNumericType {
  if (a === undefined || b === undefined) return undefined;
  if (a === 'float' || b === 'float') return 'float';
  return rule(a, b);
}

/**
 * The static type of the expression in significant tokens `from`..`to`:
 * literals, column references, casts, parentheses, unary signs and the
 * arithmetic operators. Anything else is unknown.
 */
export function staticNumericType(
  sig: readonly Token[],
  from: number,
  to: number,
  typing: OperandTyping,
): StaticNumericType {
  let k = from;
  const peek = (): Token | undefined => (k <= to ? sig[k] : undefined);

  const closeOf = (open: number): number => {
    let depth = 0;
    for (let m = open; m <= to; m++) {
      if (sig[m]?.text === '(') depth++;
      else if (sig[m]?.text === ')' && --depth === 0) return m;
    }
    return -1;
  };

  /** A type name at k (`NUMBER(10,2)`, `INT`, `FLOAT`), consumed. */
  const typeName = (): StaticNumericType => {
    const name = peek();
    if (name?.kind !== 'word') return undefined;
    k++;
    const args: number[] = [];
    if (peek()?.text === '(') {
      k++;
      while (peek()?.kind === 'number') {
        args.push(Number(peek()?.text));
        k++;
        if (peek()?.text === ',') k++;
      }
      if (peek()?.text !== ')') return undefined;
      k++;
    }
    try {
      return fromColumnType(columnTypeFromName(name.upper, args, typing.timestampMapping));
    } catch {
      return undefined;
    }
  };

  const primary = (): StaticNumericType => {
    const t = peek();
    if (!t) return undefined;
    let type: StaticNumericType;
    if (t.text === '-' || t.text === '+') {
      k++;
      return primary();
    }
    if (t.kind === 'number') {
      k++;
      type = literalType(t.text);
    } else if (t.text === '(') {
      const close = closeOf(k);
      if (close < 0) return undefined;
      type = staticNumericType(sig, k + 1, close - 1, typing);
      k = close + 1;
    } else if (t.kind === 'word' && (t.upper === 'CAST' || t.upper === 'TRY_CAST') && sig[k + 1]?.text === '(') {
      const close = closeOf(k + 1);
      let as = -1;
      let depth = 0;
      for (let m = k + 2; m < close; m++) {
        if (sig[m]?.text === '(') depth++;
        else if (sig[m]?.text === ')') depth--;
        else if (depth === 0 && sig[m]?.upper === 'AS') as = m;
      }
      if (close < 0 || as < 0) return undefined;
      k = as + 1;
      type = typeName();
      if (k !== close) return undefined;
      k = close + 1;
    } else if (isIdentifierToken(t) && sig[k + 1]?.text !== '(') {
      const parts = [identifierName(t)];
      k++;
      while (peek()?.text === '.' && isIdentifierToken(sig[k + 1])) {
        parts.push(identifierName(sig[k + 1] as Token));
        k += 2;
      }
      type = fromColumnType(typing.columnType(parts));
    } else return undefined;
    while (peek()?.text === '::') {
      k++;
      type = typeName();
    }
    return type;
  };

  const term = (): StaticNumericType => {
    let type = primary();
    for (;;) {
      const op = peek()?.text;
      if (op !== '*' && op !== '/') return type;
      k++;
      type = combine(type, primary(), op === '*' ? multiplicationType : divisionType);
    }
  };

  let type = term();
  for (;;) {
    const op = peek()?.text;
    if (op !== '+' && op !== '-') break;
    k++;
    type = combine(type, term(), additionType);
  }
  return k === to + 1 ? type : undefined;
}

function powerOfTen(exponent: number): string {
  return `CAST('1${'0'.repeat(exponent)}' AS HUGEINT)`;
}

/**
 * The DuckDB text around a NUMBER division: `prefix` goes before the
 * numerator, `infix` replaces the `/`, `suffix` follows the (zero-checked)
 * denominator. Both operands become unscaled integers, the numerator is
 * shifted to the result's scale, and sf_decimal_divide rounds half away
 * from zero.
 */
export function decimalDivisionText(
  numerator: FixedType,
  denominator: FixedType,
): { prefix: string; infix: string; suffix: string } {
  const result = divisionType(numerator, denominator);
  const shift = result.scale + denominator.scale - numerator.scale;
  const unit = result.scale === 0 ? '1' : `0.${'0'.repeat(result.scale - 1)}1`;
  return {
    prefix: `CAST(sf_decimal_divide(CAST(`,
    infix: ` AS DECIMAL(38,${numerator.scale})), CAST(`,
    suffix:
      ` AS DECIMAL(38,${denominator.scale})), ${powerOfTen(numerator.scale)}, ${powerOfTen(denominator.scale)}, ` +
      `${powerOfTen(shift)}, CAST('${unit}' AS DECIMAL(38,${result.scale}))) AS DECIMAL(${result.precision},${result.scale}))`,
  };
}

/** DuckDB macros behind decimalDivisionText. */
export const DECIMAL_DIVISION_MACROS: Record<string, string> = {
  sf_rounded_quotient:
    '(n, d) AS (n // d) + CASE WHEN 2 * abs(n % d) >= abs(d) THEN CAST(sign(n) * sign(d) AS HUGEINT) ELSE 0 END',
  sf_decimal_divide:
    '(a, b, a_unit, b_unit, shift, unit) AS ' +
    'CAST(sf_rounded_quotient(CAST(a * a_unit AS HUGEINT) * shift, CAST(b * b_unit AS HUGEINT)) AS DECIMAL(38,0)) * unit',
};
