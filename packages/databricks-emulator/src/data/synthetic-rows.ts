import type { ColumnFixture, GeneratorSpec } from '../fixture-types.js';

/**
 * A cell as the Parquet writer takes it: DATE = days since 1970-01-01, TIMESTAMP(_NTZ) =
 * microseconds since the epoch, BIGINT = bigint, everything else the obvious JS type.
 */
export type Cell = string | number | bigint | boolean | null;

export interface RowGenerationInput {
  columns: ColumnFixture[];
  /** Any integer; the same seed and parameters always give the same rows. */
  seed: number;
  /** Job parameters that `parameter` and `date_cycle` generators read. */
  parameters?: Record<string, string>;
  /** Index of the first row (rows are numbered across all files of one output). */
  firstRow: number;
  count: number;
}

const DAY_MS = 86_400_000;

/** Deterministic rows: each cell depends only on (seed, column position, row index, parameters). */
export function generateRows(input: RowGenerationInput): Cell[][] {
  const { columns, seed, parameters = {}, firstRow, count } = input;
  const rows: Cell[][] = [];
  for (let r = firstRow; r < firstRow + count; r++) {
    const row: Cell[] = [];
    const byName = new Map<string, Cell>();
    columns.forEach((column, c) => {
      const value = cellValue(column, c, r, seed, parameters, byName);
      row.push(value);
      byName.set(column.name, value);
    });
    rows.push(row);
  }
  return rows;
}

/** A stable 32-bit seed from a number and a set of parameters (order-independent). */
export function seedFrom(base: number, parameters: Record<string, string> = {}): number {
  const text = [
    String(base),
    ...Object.keys(parameters)
      .sort()
      .map((k) => `${k}=${parameters[k]}`),
  ].join('|');
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A uniform number in [0, 1) from (seed, column, row): a small integer hash, no shared state. */
export function unitRandom(seed: number, column: number, row: number): number {
  let h = (seed ^ Math.imul(column + 1, 0x9e3779b1) ^ Math.imul(row + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 0x1_0000_0000;
}

function cellValue(
  column: ColumnFixture,
  c: number,
  r: number,
  seed: number,
  parameters: Record<string, string>,
  earlier: Map<string, Cell>,
): Cell {
  const spec = column.generate ?? defaultGenerator(column);
  const u = unitRandom(seed, c, r);
  switch (spec.kind) {
    case 'sequence':
      return typed(column, (spec.start ?? 1) + r);
    case 'uniform':
      return typed(column, round(spec.min + u * (spec.max - spec.min), spec.decimals ?? 2));
    case 'offset': {
      const base = Number(earlier.get(spec.column) ?? 0);
      return typed(column, round(base + spec.min + u * (spec.max - spec.min), spec.decimals ?? 2));
    }
    case 'choice':
      return typed(column, spec.values[Math.floor(u * spec.values.length)] ?? spec.values[0] ?? '');
    case 'parameter':
      return typed(column, parameters[spec.parameter] ?? spec.default ?? '');
    case 'date_cycle': {
      const start = (spec.parameter ? parameters[spec.parameter] : undefined) ?? spec.start ?? '2024-01-01';
      const days = Math.floor(parseUtc(start) / DAY_MS);
      return days + (r % (spec.cycle_days ?? 1));
    }
    case 'timestamp_step': {
      const start = parseUtc(spec.start ?? '2024-01-01T00:00:00Z');
      return BigInt(start + r * (spec.step_seconds ?? 3600) * 1000) * 1000n;
    }
  }
}

function defaultGenerator(column: ColumnFixture): GeneratorSpec {
  switch (column.type) {
    case 'STRING':
      return {
        kind: 'choice',
        values: ['alpha', 'bravo', 'charlie', 'delta', 'echo'].map((v) => `${column.name}_${v}`),
      };
    case 'BIGINT':
    case 'INT':
      return { kind: 'sequence', start: 1 };
    case 'DOUBLE':
      return { kind: 'uniform', min: 0, max: 100, decimals: 2 };
    case 'BOOLEAN':
      return { kind: 'choice', values: ['true', 'false'] };
    case 'DATE':
      return { kind: 'date_cycle', start: '2024-01-01', cycle_days: 30 };
    case 'TIMESTAMP':
    case 'TIMESTAMP_NTZ':
      return { kind: 'timestamp_step', start: '2024-01-01T00:00:00Z', step_seconds: 3600 };
  }
}

/** Converts a generated value to the cell type the column needs. */
function typed(column: ColumnFixture, value: string | number): Cell {
  switch (column.type) {
    case 'STRING':
      return String(value);
    case 'BIGINT':
      return BigInt(Math.trunc(Number(value)));
    case 'INT':
      return Math.trunc(Number(value));
    case 'DOUBLE':
      return Number(value);
    case 'BOOLEAN':
      return value === 'true' || value === 1;
    case 'DATE':
      return typeof value === 'number' ? value : Math.floor(parseUtc(value) / DAY_MS);
    case 'TIMESTAMP':
    case 'TIMESTAMP_NTZ':
      return BigInt(typeof value === 'number' ? value : parseUtc(value)) * 1000n;
  }
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

function parseUtc(text: string): number {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not a date: ${text}`);
  return ms;
}
