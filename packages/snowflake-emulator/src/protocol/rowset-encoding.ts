import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeValue,
} from '@duckdb/node-api';
import type { ResultColumn } from '../engine/statement-result.js';
import { timestampTzParts } from '../engine/timestamp-tz.js';
import type { RowType } from '../engine/type-mapping.js';
import { indentJson } from './variant-text.js';

/**
 * JSON row-set encoding, the only result format the Node driver reads
 * (`lib/connection/result/column.js`): every value is a string (or null);
 * dates are days since the epoch, times seconds since midnight, timestamps
 * epoch seconds with a 9-digit fraction, TIMESTAMP_TZ adds `<offset+1440>`,
 * binary is upper-case hex, VARIANT/OBJECT/ARRAY are JSON text.
 */
export interface WireRowType {
  name: string;
  database: string;
  schema: string;
  table: string;
  nullable: boolean;
  type: RowType;
  precision: number | null;
  scale: number | null;
  length: number | null;
  byteLength: number | null;
  collation: null;
}

export function encodeRowType(column: ResultColumn): WireRowType {
  const t = column.type;
  const isText = t.rowType === 'text';
  return {
    name: column.name,
    database: '',
    schema: '',
    table: '',
    nullable: column.nullable,
    type: t.rowType,
    precision: t.rowType === 'fixed' ? (t.precision ?? 38) : null,
    scale: t.scale ?? (t.rowType === 'fixed' ? 0 : null),
    length: isText || t.rowType === 'binary' ? (t.length ?? 16_777_216) : null,
    byteLength: isText
      ? Math.min((t.length ?? 16_777_216) * 4, 16_777_216)
      : t.rowType === 'binary'
        ? (t.length ?? 8_388_608)
        : null,
    collation: null,
  };
}

const MICROS_PER_SECOND = 1_000_000n;

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** `seconds.fffffffff` from microseconds. */
function secondsFromMicros(micros: bigint): string {
  const seconds = floorDiv(micros, MICROS_PER_SECOND);
  const fraction = micros - seconds * MICROS_PER_SECOND;
  return `${seconds}.${fraction.toString().padStart(6, '0')}000`;
}

/** Microseconds since the epoch of a timestamp-like value (wall clock for NTZ). */
export function epochMicros(value: unknown): bigint | undefined {
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) return value.micros;
  if (value instanceof DuckDBTimestampMillisecondsValue) return value.millis * 1000n;
  if (value instanceof DuckDBTimestampSecondsValue) return value.seconds * MICROS_PER_SECOND;
  if (value instanceof DuckDBTimestampNanosecondsValue) return floorDiv(value.nanos, 1000n);
  if (value instanceof Date) return BigInt(value.getTime()) * 1000n;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : BigInt(ms) * 1000n;
  }
  return undefined;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** The UTC offset in minutes of a time zone at an instant (`America/Los_Angeles` -> -480 in winter). */
export function timeZoneOffsetMinutes(timeZone: string, epochMs: number): number {
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    } catch {
      formatter = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', timeZoneName: 'longOffset' });
    }
    offsetFormatters.set(timeZone, formatter);
  }
  const part = formatter.formatToParts(new Date(epochMs)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(part);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

/** A JSON-compatible JS value for a DuckDB nested value (for VARIANT/OBJECT/ARRAY output). */
export function toJsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  if (value instanceof DuckDBDecimalValue) return Number(value.toString());
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) return value.items.map(toJsonValue);
  if (value instanceof DuckDBStructValue)
    return Object.fromEntries(Object.entries(value.entries).map(([k, v]) => [k, toJsonValue(v)]));
  if (value instanceof DuckDBMapValue)
    return Object.fromEntries(value.entries.map((e) => [String(toJsonValue(e.key)), toJsonValue(e.value)]));
  if (value instanceof DuckDBBlobValue) return hex(value.bytes);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object' && value.constructor === Object)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]));
  return String(value);
}

function encodeVariant(value: unknown): string {
  if (typeof value === 'string') return indentJson(value);
  return JSON.stringify(toJsonValue(value), null, 2);
}

/** Encodes one value for the JSON row set. */
export function encodeValue(type: RowType, value: unknown, timeZone: string): string | null {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'fixed':
    case 'real': {
      if (typeof value === 'number') {
        if (Number.isNaN(value)) return 'NaN';
        if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
      }
      if (typeof value === 'boolean') return value ? '1' : '0';
      return String(value);
    }
    case 'boolean':
      if (typeof value === 'boolean') return value ? '1' : '0';
      return /^(true|1|t|yes|y|on)$/i.test(String(value)) ? '1' : '0';
    case 'date': {
      if (value instanceof DuckDBDateValue) return String(value.days);
      if (value instanceof Date) return String(Math.floor(value.getTime() / 86_400_000));
      const micros = epochMicros(value);
      return micros === undefined ? String(value) : String(floorDiv(micros, 86_400_000_000n));
    }
    case 'time': {
      if (value instanceof DuckDBTimeValue) return secondsFromMicros(value.micros);
      return String(value);
    }
    case 'timestamp_ntz':
    case 'timestamp_ltz': {
      const micros = epochMicros(value);
      return micros === undefined ? String(value) : secondsFromMicros(micros);
    }
    case 'timestamp_tz': {
      // A value with its own offset keeps it; anything else shows the session zone's.
      const parts = timestampTzParts(value);
      if (parts) {
        const utc = epochMicros(parts.utc);
        return utc === undefined ? null : `${secondsFromMicros(utc)} ${parts.offsetMinutes + 1440}`;
      }
      const micros = epochMicros(value);
      if (micros === undefined) return String(value);
      const offset = timeZoneOffsetMinutes(timeZone, Number(micros / 1000n));
      return `${secondsFromMicros(micros)} ${offset + 1440}`;
    }
    case 'binary':
      if (value instanceof DuckDBBlobValue) return hex(value.bytes);
      if (value instanceof Uint8Array) return hex(value);
      return Buffer.from(String(value)).toString('hex').toUpperCase();
    case 'variant':
    case 'object':
    case 'array':
      return encodeVariant(value);
    default:
      if (value instanceof DuckDBBlobValue) return hex(value.bytes);
      if (value instanceof Date) return value.toISOString();
      if (typeof value === 'object')
        return typeof value.toString === 'function' ? value.toString() : JSON.stringify(value);
      return String(value);
  }
}

export function encodeRows(
  columns: readonly ResultColumn[],
  rows: readonly unknown[][],
  timeZone: string,
): (string | null)[][] {
  return rows.map((row) => columns.map((c, i) => encodeValue(c.type.rowType, row[i], timeZone)));
}
