import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  classifyNetworkError,
  isRejectedBeforeExecution,
  isTransientErrorCode,
  isTransientStatus,
  parseProtoDuration,
  parseRetryAfter,
  retryAfterDelayMs,
} from './retry-policy.js';

const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);
const backoff = { baseDelayMs: 500, maxDelayMs: 20_000 };

describe('backoffDelayMs (exponential, full jitter)', () => {
  it.each([
    [1, 500],
    [2, 1_000],
    [3, 2_000],
    [4, 4_000],
    [6, 16_000],
    [7, 20_000],
    [50, 20_000],
  ])('attempt %i draws below %i ms', (attempt, ceiling) => {
    expect(backoffDelayMs(attempt, backoff, () => 0)).toBe(0);
    expect(backoffDelayMs(attempt, backoff, () => 0.5)).toBe(Math.floor(ceiling / 2));
    expect(backoffDelayMs(attempt, backoff, () => 0.999_999)).toBe(ceiling - 1);
  });

  it('never exceeds the cap even for huge attempt numbers', () => {
    expect(backoffDelayMs(10_000, backoff, () => 0.999)).toBeLessThan(20_000);
  });
});

describe('retryAfterDelayMs', () => {
  it('waits at least what the server asked, plus at most a tenth (≤ 1 s) of jitter', () => {
    expect(retryAfterDelayMs(2_000, () => 0)).toBe(2_000);
    expect(retryAfterDelayMs(2_000, () => 0.999)).toBe(2_199);
    expect(retryAfterDelayMs(60_000, () => 0.999)).toBe(60_999);
    expect(retryAfterDelayMs(0, () => 0.999)).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  it.each<[string | string[] | undefined, number | undefined]>([
    ['0', 0],
    ['1', 1_000],
    ['120', 120_000],
    [' 7 ', 7_000],
    ['1.5', 1_500],
    [['3', '9'], 3_000],
    ['Sat, 01 Jun 2024 12:00:30 GMT', 30_000],
    ['Sat, 01 Jun 2024 11:59:00 GMT', 0],
    ['Saturday, 01-Jun-24 12:01:00 GMT', 60_000],
    ['-5', undefined],
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
    [[], undefined],
  ])('%j → %j ms', (header, expected) => {
    expect(parseRetryAfter(header, NOW)).toBe(expected);
  });
});

describe('parseProtoDuration', () => {
  it.each<[unknown, number | undefined]>([
    ['42.0000000012s', 42_001],
    ['1.5s', 1_500],
    ['3s', 3_000],
    ['0s', 0],
    ['3', undefined],
    ['1m', undefined],
    [3, undefined],
    [undefined, undefined],
  ])('%j → %j', (value, expected) => {
    expect(parseProtoDuration(value)).toBe(expected);
  });
});

describe('transient classification', () => {
  it.each([
    [429, true],
    [503, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [409, false],
    [500, false],
    [502, true],
    [504, true],
  ])('HTTP %i transient: %s', (status, expected) => {
    expect(isTransientStatus(status)).toBe(expected);
  });

  it.each([
    ['REQUEST_LIMIT_EXCEEDED', true],
    ['RESOURCE_EXHAUSTED', true],
    ['TEMPORARILY_UNAVAILABLE', true],
    ['INVALID_PARAMETER_VALUE', false],
    ['PERMISSION_DENIED', false],
    [undefined, false],
  ])('error_code %s transient: %s', (code, expected) => {
    expect(isTransientErrorCode(code)).toBe(expected);
  });

  it('treats rate limiting as refused before execution, a 503 as possibly processed', () => {
    expect(isRejectedBeforeExecution(429, undefined)).toBe(true);
    expect(isRejectedBeforeExecution(400, 'REQUEST_LIMIT_EXCEEDED')).toBe(true);
    expect(isRejectedBeforeExecution(503, 'TEMPORARILY_UNAVAILABLE')).toBe(false);
  });
});

describe('classifyNetworkError', () => {
  const withCode = (code: string) => Object.assign(new Error(code), { code });
  it.each([
    ['ECONNRESET', true, false],
    ['UND_ERR_SOCKET', true, false],
    ['EPIPE', true, false],
    ['UND_ERR_HEADERS_TIMEOUT', true, false],
    ['UND_ERR_BODY_TIMEOUT', true, false],
    ['ECONNREFUSED', true, true],
    ['UND_ERR_CONNECT_TIMEOUT', true, true],
    ['EAI_AGAIN', true, true],
    ['ENOTFOUND', false, true],
    ['ERR_SOMETHING_ELSE', false, false],
  ])('%s → transient %s, before send %s', (code, transient, beforeSend) => {
    expect(classifyNetworkError(withCode(code), false)).toEqual({ reason: code, transient, beforeSend });
  });

  it('finds the code on a wrapped cause', () => {
    const wrapped = new Error('fetch failed', { cause: withCode('ECONNRESET') });
    expect(classifyNetworkError(wrapped, false).reason).toBe('ECONNRESET');
  });

  it('reports our own timeout as TIMEOUT whatever the error says', () => {
    expect(classifyNetworkError(new DOMException('aborted', 'TimeoutError'), true)).toEqual({
      reason: 'TIMEOUT',
      transient: true,
      beforeSend: false,
    });
  });
});
