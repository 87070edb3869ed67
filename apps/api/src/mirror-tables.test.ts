import {
  closeQueues,
  loadConfig,
  MirrorService,
  mirrorTablesKey,
  openQueues,
  ScheduleService,
  SyncService,
} from '@d2s/shared';
import { deletePrefix, uniquePrefix } from '@d2s/testkit';
import { mirrorTableStates } from '@d2s/testkit/mirror-fixtures';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildServer } from './server.js';
import { SyncEventHub } from './sync-events.js';

const TOKEN = 'mirror-tables-token';
const COUNT = 5_000;

/** GET /v1/mirror/tables over the real state hash in Redis, at 5,000 tables, through the real server. */
describe('API: mirror tables, searched, filtered and paged (real Redis, real HTTP)', () => {
  const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
  const prefix = uniquePrefix('mirror-tables');
  const queues = openQueues(redis, prefix);
  let app: FastifyInstance;
  let events: SyncEventHub;
  let url: string;
  const tables = mirrorTableStates(COUNT);

  const get = async (query: string) => {
    const response = await fetch(`${url}/v1/mirror/tables${query}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    const config = loadConfig({
      env: {
        D2S_CONFIG: '/test/d2s.yaml',
        REDIS_URL: inject('redisUrl'),
        D2S_QUEUE_PREFIX: prefix,
        D2S_API_TOKENS: TOKEN,
      },
      readFile: () => 'datasets: {}\n',
    });
    // The state hash as the mirror's action jobs write it: one field per Unity Catalog table id.
    await redis.hset(mirrorTablesKey(prefix), Object.fromEntries(tables.map((t) => [t.tableId, JSON.stringify(t)])));
    events = new SyncEventHub({ prefix, connect: () => new Redis(inject('redisUrl'), { maxRetriesPerRequest: null }) });
    app = await buildServer({
      config,
      logger: pino({ level: 'silent' }),
      redis,
      queues: Object.values(queues),
      syncs: new SyncService({ config, exportQueue: queues.export, importQueue: queues.import, redis }),
      schedules: new ScheduleService({ config, queues: { sync: queues.export, mirror: queues.mirror } }),
      events,
      // Listing tables reads only Redis: planning clients are never built.
      mirror: new MirrorService({
        config,
        clients: () => {
          throw new Error('no planning in this test');
        },
        queue: queues.mirror,
        redis,
      }),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await app?.close();
    await events?.close();
    await closeQueues(queues);
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('answers every table without limit, as the CLI reads it, with the total and counts by status', async () => {
    const { status, body } = await get('');
    expect(status).toBe(200);
    expect(body.items).toHaveLength(COUNT);
    expect(body.total).toBe(COUNT);
    expect(body.nextCursor).toBeNull();
    expect(body.items[0].uc.fullName).toBe('main.s00.t000');
    expect(body.counts.mirrored + body.counts.failed + body.counts.skipped + body.counts.dropped).toBe(COUNT);
  });

  it('pages through 5,000 tables in a stable order, each exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const { status, body }: { status: number; body: any } = await get(
        `?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(status).toBe(200);
      expect(body.total).toBe(COUNT);
      expect(body.items.length).toBeLessThanOrEqual(500);
      seen.push(...body.items.map((t: { tableId: string }) => t.tableId));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(tables.map((t) => t.tableId));
  });

  it('searches and filters by status on the server', async () => {
    const { body } = await get('?search=S42.T01&status=failed&limit=50');
    const expected = tables.filter((t) => t.uc.fullName.startsWith('main.s42.t01') && t.status === 'failed');
    expect(expected.length).toBeGreaterThan(0);
    expect(body.items.map((t: { tableId: string }) => t.tableId)).toEqual(expected.map((t) => t.tableId));
    expect(body.total).toBe(expected.length);
    expect(body.counts.failed).toBe(expected.length);
    expect(body.counts.mirrored).toBe(
      tables.filter((t) => t.uc.fullName.startsWith('main.s42.t01') && t.status === 'mirrored').length,
    );
    expect((await get('?search=no-such-table&limit=10')).body).toMatchObject({ items: [], total: 0, nextCursor: null });
  });

  it.each([
    ['an unknown status', '?status=gone', 'INVALID_REQUEST', /status/],
    ['a limit of 0', '?limit=0', 'INVALID_REQUEST', /limit/],
    ['a limit too large', '?limit=100000', 'INVALID_REQUEST', /limit/],
    ['a limit that is not a number', '?limit=all', 'INVALID_REQUEST', /limit/],
    ['an unknown parameter', '?page=2', 'INVALID_REQUEST', /page/],
    ['a cursor not from the API', '?limit=10&cursor=abc', 'INVALID_CURSOR', /cursor/],
    ['a cursor without limit', '?cursor=WyJhIiwiYiJd', 'INVALID_REQUEST', /limit/],
  ])('answers 400 for %s', async (_name, query, code, message) => {
    const { status, body } = await get(query);
    expect(status).toBe(400);
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message);
  });
});
