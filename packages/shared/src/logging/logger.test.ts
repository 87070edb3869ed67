import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Secret } from '../secret.js';
import { createLogger, redactSecrets } from './logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', pretty: false, service: 'test' }, stream) };
}

describe('createLogger', () => {
  const known = 'sk-live-0123456789abcdef';

  it.each([
    ['a top-level field', { password: known }],
    ['a nested field', { databricks: { clientSecret: known } }],
    ['a header', { req: { headers: { authorization: `Bearer ${known}` } } }],
    ['a Secret value', { anything: new Secret(known) }],
    ['a Secret deep inside', { config: { snowflake: { auth: { privateKey: new Secret(known) } } } }],
    ['a snake_case token', { response: { access_token: known } }],
  ])('redacts %s', (_name, fields) => {
    const { lines, logger } = capture();
    logger.info(fields, 'hello');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(known);
    expect(lines[0]).toContain('[redacted]');
  });

  it('keeps ordinary fields and names the service', () => {
    const { lines, logger } = capture();
    logger.info({ syncId: 'sync_1', rows: 3 }, 'loaded');
    const line = JSON.parse(lines[0] ?? '{}');
    expect(line).toMatchObject({ syncId: 'sync_1', rows: 3, service: 'test', msg: 'loaded' });
  });
});

describe('redactSecrets (Bull Board job data)', () => {
  it('replaces secret-named fields at any depth, keeps the rest', () => {
    const data = {
      request: { syncId: 'sync_1', parameters: { region: 'eu' } },
      nested: [{ clientSecret: 'x', Authorization: 'Bearer y' }],
      PASSWORD: 'z',
    };
    expect(redactSecrets(data)).toEqual({
      request: { syncId: 'sync_1', parameters: { region: 'eu' } },
      nested: [{ clientSecret: '[redacted]', Authorization: '[redacted]' }],
      PASSWORD: '[redacted]',
    });
    expect(data.PASSWORD).toBe('z');
  });
});
