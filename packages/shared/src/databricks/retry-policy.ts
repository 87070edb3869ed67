import type { RandomSource } from '../clock.js';

/**
 * Pure retry rules of the Databricks client: which failures are transient, how long to wait before the next
 * attempt, and how to read the server's own hints (`Retry-After`, google.rpc.RetryInfo).
 */

export interface BackoffOptions {
  /** First retry waits up to this long. @defaultValue 500 */
  baseDelayMs: number;
  /** No computed wait is longer than this (a server's Retry-After may be). @defaultValue 20_000 */
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseDelayMs: 500, maxDelayMs: 20_000 };

/**
 * Exponential backoff with full jitter: a uniform draw from [0, min(max, base * 2^(attempt-1))).
 * `attempt` is the number of the attempt that just failed, starting at 1.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: RandomSource): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/**
 * How long to wait when the server said how long: the hint itself plus a little jitter (at most a tenth of the
 * hint, capped at one second) so thousands of callers told "1 second" do not all return in the same millisecond.
 */
export function retryAfterDelayMs(retryAfterMs: number, random: RandomSource): number {
  return retryAfterMs + Math.floor(random() * Math.min(1_000, retryAfterMs / 10));
}

/**
 * Parses a `Retry-After` header: either delay-seconds (`"120"`, also tolerated with a fraction) or an HTTP date
 * (`"Wed, 21 Oct 2015 07:28:00 GMT"`). Returns milliseconds from `nowMs` (never negative), or undefined when the
 * header is absent or unreadable.
 */
export function parseRetryAfter(value: string | readonly string[] | undefined, nowMs: number): number | undefined {
  const header = Array.isArray(value) ? value[0] : value;
  if (typeof header !== 'string') return undefined;
  const text = header.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date always names a weekday or a month; a bare or signed number here is malformed, not a date.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Parses a protobuf Duration as JSON renders it (`"42.0000000012s"`, `"1.5s"`, `"3s"`) into milliseconds. */
export function parseProtoDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)s\s*$/.exec(value);
  if (!match) return undefined;
  return Math.ceil(Number(match[1]) * 1000);
}

/**
 * HTTP statuses that mean "not now, try again": rate limited (429), the service temporarily unavailable (503),
 * or the proxy in front of the workspace could not reach it or gave up waiting (502, 504 — usually an HTML page,
 * not a Databricks error). The official SDKs retry only 429 and 503; d2s also retries the gateway errors, and
 * like every transient status only for requests that are safe to repeat (or were provably not processed).
 * A 500 is not retried: it is the service's own answer.
 */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/** Databricks error codes that mean "try again later" whatever the HTTP status. */
const TRANSIENT_ERROR_CODES = new Set(['REQUEST_LIMIT_EXCEEDED', 'RESOURCE_EXHAUSTED', 'TEMPORARILY_UNAVAILABLE']);

export function isTransientErrorCode(errorCode: string | undefined): boolean {
  return errorCode !== undefined && TRANSIENT_ERROR_CODES.has(errorCode);
}

/**
 * Whether the server refused the request before doing any work (rate limiting). Such a rejection is safe to
 * retry even for a request that is not idempotent.
 */
export function isRejectedBeforeExecution(status: number, errorCode: string | undefined): boolean {
  return status === 429 || errorCode === 'REQUEST_LIMIT_EXCEEDED' || errorCode === 'RESOURCE_EXHAUSTED';
}

export interface NetworkFailure {
  /** A stable label for metrics and logs, e.g. `ECONNRESET` or `TIMEOUT`. */
  reason: string;
  /** Trying again may help (connection resets, refusals, timeouts, DNS hiccups). */
  transient: boolean;
  /** The failure happened before any byte of the request could have reached the server. */
  beforeSend: boolean;
}

/** Errors that happen while connecting: the server cannot have seen the request. */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH']);
/** Errors after the request may have been sent. */
const MID_FLIGHT_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Classifies an error thrown by the HTTP layer (undici / Node sockets). `timedOut` says our own per-request
 * timeout fired. DNS "not found" is not transient: it is a wrong host, not a hiccup.
 */
export function classifyNetworkError(error: unknown, timedOut: boolean): NetworkFailure {
  if (timedOut) return { reason: 'TIMEOUT', transient: true, beforeSend: false };
  const code = errorCodeOf(error);
  if (code !== undefined && CONNECT_CODES.has(code)) {
    return { reason: code, transient: code !== 'ENOTFOUND', beforeSend: true };
  }
  if (code !== undefined && MID_FLIGHT_CODES.has(code)) return { reason: code, transient: true, beforeSend: false };
  return { reason: code ?? 'UNKNOWN', transient: false, beforeSend: false };
}

function errorCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
