import { describe, expect, it } from 'vitest';
import { classifySnowflakeError } from './error-classification.js';

describe('classifySnowflakeError', () => {
  it.each([
    // [code, sqlState, httpStatus, kind, retryable, reconnect]
    ['001003', '42000', undefined, 'syntax', false, false],
    ['002003', '42S02', undefined, 'not-found', false, false],
    ['002043', '02000', undefined, 'not-found', false, false],
    ['003001', '42501', undefined, 'privilege', false, false],
    ['002002', '42710', undefined, 'already-exists', false, false],
    ['000904', '42000', undefined, 'syntax', false, false],
    ['002140', '42601', undefined, 'syntax', false, false],
    ['100038', '22018', undefined, 'data', false, false],
    ['000630', '57014', undefined, 'timeout', false, false],
    ['000604', '57014', undefined, 'canceled', false, false],
    ['000606', '57P03', undefined, 'config', false, false],
    ['000610', undefined, undefined, 'throttled', true, false],
    ['000625', undefined, undefined, 'throttled', true, false],
    ['000603', 'XX000', undefined, 'internal', true, false],
    ['390100', undefined, undefined, 'auth', false, false],
    ['390144', undefined, undefined, 'auth', false, false],
    ['390104', undefined, undefined, 'session', true, true],
    ['390111', undefined, undefined, 'session', true, true],
    ['390112', undefined, undefined, 'session', true, true],
    ['390114', undefined, undefined, 'session', true, true],
    [401001, undefined, undefined, 'network', true, false],
    ['401001', undefined, undefined, 'network', true, false],
    [401002, undefined, 503, 'network', true, false],
    [401002, undefined, 429, 'network', true, false],
    [401002, undefined, 400, 'unknown', false, false],
    [401002, undefined, 401, 'session', true, true],
    [401003, undefined, undefined, 'network', true, false],
    [401004, undefined, 401, 'session', true, true],
    [407002, '08003', undefined, 'session', true, true],
    [405503, '08002', undefined, 'session', true, true],
    [404026, undefined, undefined, 'config', false, false],
    [409004, undefined, undefined, 'internal', false, false],
    [412012, undefined, undefined, 'network', true, false],
    [412001, undefined, undefined, 'config', false, false],
  ] as const)('%s / %s / %s -> %s', (code, sqlState, httpStatus, kind, retryable, reconnect) => {
    const result = classifySnowflakeError({ code, sqlState, httpStatus });
    expect(result.kind).toBe(kind);
    expect(result.retryable).toBe(retryable);
    expect(result.reconnect).toBe(reconnect);
  });

  it('says when a failed statement may still have run', () => {
    expect(classifySnowflakeError({ code: 401001 }).maybeExecuted).toBe(true);
    expect(classifySnowflakeError({ code: 401002, httpStatus: 502 }).maybeExecuted).toBe(true);
    expect(classifySnowflakeError({ code: '000603' }).maybeExecuted).toBe(true);
    expect(classifySnowflakeError({ code: 407002 }).maybeExecuted).toBe(false);
    expect(classifySnowflakeError({ code: '390112' }).maybeExecuted).toBe(false);
    expect(classifySnowflakeError({ code: '000610' }).maybeExecuted).toBe(false);
  });

  it('falls back to the HTTP status and then the SQL state', () => {
    expect(classifySnowflakeError({ httpStatus: 503 })).toMatchObject({ kind: 'network', retryable: true });
    expect(classifySnowflakeError({ sqlState: '08001' })).toMatchObject({
      kind: 'network',
      retryable: true,
      reconnect: true,
    });
    expect(classifySnowflakeError({ sqlState: '42000' })).toMatchObject({ kind: 'syntax', retryable: false });
    expect(classifySnowflakeError({ sqlState: '57014' })).toMatchObject({ kind: 'canceled', retryable: false });
    expect(classifySnowflakeError({ sqlState: '22007' })).toMatchObject({ kind: 'data', retryable: false });
    expect(classifySnowflakeError({})).toMatchObject({ kind: 'unknown', retryable: false });
    expect(classifySnowflakeError({ code: '999999' })).toMatchObject({ kind: 'unknown', retryable: false });
  });

  it('unknown 39xxxx login codes are auth failures, not retried', () => {
    expect(classifySnowflakeError({ code: '390102' })).toMatchObject({ kind: 'auth', retryable: false });
  });
});
