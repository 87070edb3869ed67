import { Writable } from 'node:stream';
import { createLogger } from '@d2s/shared';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { LazyRequestLogger, lazyChildLoggerFactory } from './request-logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level, pretty: false, service: 'api' }, stream) };
}

describe('LazyRequestLogger', () => {
  it('makes no child for lines its level drops', () => {
    const { lines, logger } = capture('warn');
    const child = vi.spyOn(logger, 'child');
    const lazy = new LazyRequestLogger(logger, { requestId: 'r1' }, {});
    lazy.info({ syncId: 's1' }, 'sync requested');
    lazy.debug('details');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });

  it('writes a line it lets through exactly as a real child would, bindings and redaction included', () => {
    const { lines, logger } = capture('warn');
    const lazy = new LazyRequestLogger(logger, { requestId: 'r1' }, {});
    lazy.warn({ token: 'secret-value', syncId: 's1' }, 'careful');
    logger.child({ requestId: 'r1' }).warn({ token: 'secret-value', syncId: 's1' }, 'careful');
    expect(lines).toHaveLength(2);
    const [lazyLine, realLine] = lines.map(({ time: _time, ...rest }) => rest);
    expect(lazyLine).toEqual(realLine);
    expect(lazyLine).toMatchObject({ requestId: 'r1', token: '[redacted]', msg: 'careful', service: 'api' });
  });

  it('follows a level change of its own, and keeps bindings for a grandchild', () => {
    const { lines, logger } = capture('warn');
    const lazy = new LazyRequestLogger(logger, { requestId: 'r2' }, {});
    expect(lazy.isLevelEnabled('info')).toBe(false);
    lazy.level = 'info';
    expect(lazy.isLevelEnabled('info')).toBe(true);
    lazy.info('now visible');
    lazy.child({ step: 'x' }).warn('from a grandchild');
    expect(lines.map((l) => [l.requestId, l.msg, l.step])).toEqual([
      ['r2', 'now visible', undefined],
      ['r2', 'from a grandchild', 'x'],
    ]);
    expect(logger.level).toBe('warn');
  });
});

describe('lazyChildLoggerFactory in Fastify', () => {
  it('gives every request a logger bound to its request id, and a route log level is still honoured', async () => {
    const { lines, logger } = capture('warn');
    const app = Fastify({
      loggerInstance: logger as FastifyBaseLogger,
      childLoggerFactory: lazyChildLoggerFactory,
      logController: new LogController({ disableRequestLogging: true }),
      genReqId: () => 'req-7',
    });
    app.get('/quiet', async (request) => {
      request.log.info('dropped at warn');
      request.log.warn('kept');
      return { ok: true };
    });
    app.get('/chatty', { logLevel: 'info' }, async (request) => {
      request.log.info('kept at the route level');
      return { ok: true };
    });
    await app.inject({ method: 'GET', url: '/quiet' });
    await app.inject({ method: 'GET', url: '/chatty' });
    await app.close();
    expect(lines.map((l) => [l.reqId, l.msg])).toEqual([
      ['req-7', 'kept'],
      ['req-7', 'kept at the route level'],
    ]);
  });
});
