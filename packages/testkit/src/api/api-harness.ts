import { closeQueues, type D2sConfig, loadConfig, openQueues, ScheduleService, SyncService } from '@d2s/shared';
import { deletePrefix, uniquePrefix } from '../queue-prefix.js';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { buildServer, SyncEventHub } from '@d2s/api';

export const TEST_TOKEN = 'test-token-0123456789';

export const TEST_DATASETS_YAML = `
datasets:
  forecasts:
    description: Daily forecasts
    databricks: { jobId: 1001 }
    export: { s3Prefix: s3://bucket/exports/forecasts }
    snowflake:
      stage: { database: D2S, schema: PUBLIC, name: EXPORTS }
      stageUrl: s3://bucket/exports/
      table: { database: D2S, schema: PUBLIC, name: FORECASTS }
    parameters:
      region: { type: string, enum: [us, eu], default: us }
      days: { type: integer }
  parallel_ok:
    databricks: { jobId: 1002 }
    export: { s3Prefix: s3://bucket/exports/p }
    snowflake:
      stage: { database: D2S, schema: PUBLIC, name: EXPORTS }
      stageUrl: s3://bucket/exports/
      table: { database: D2S, schema: PUBLIC, name: P }
    singleActive: false
`;

export interface ApiHarness {
  url: string;
  /** The queue prefix this API's keys live under (unique to it). */
  prefix: string;
  config: D2sConfig;
  redis: Redis;
  syncs: SyncService;
  queues: ReturnType<typeof openQueues>;
  app: FastifyInstance;
  request(
    method: string,
    path: string,
    init?: { body?: unknown; headers?: Record<string, string>; rawBody?: string },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/** The real API on a loopback port, over a real Redis, under a queue prefix no other test uses. */
export interface ApiHarnessOptions {
  /** D2S_API_TOKENS. @defaultValue TEST_TOKEN (a bare token: every scope) */
  tokens?: string;
  /** More lines of the `api:` section, each indented by two spaces. */
  apiYaml?: string;
  /** Receives every log line the API writes (JSON, level info), for tests that read the log. */
  logLines?: string[];
}

export async function startApi(
  redisUrl: string,
  yaml = TEST_DATASETS_YAML,
  options: ApiHarnessOptions = {},
): Promise<ApiHarness> {
  const prefix = uniquePrefix('api');
  const config = loadConfig({
    env: {
      D2S_CONFIG: '/test/d2s.yaml',
      REDIS_URL: redisUrl,
      D2S_QUEUE_PREFIX: prefix,
      D2S_API_TOKENS: options.tokens ?? TEST_TOKEN,
    },
    readFile: () => `api:\n  bodyLimitBytes: 4096\n${options.apiYaml ?? ''}${yaml}`,
  });
  const lines = options.logLines;
  const logger = lines
    ? pino(
        { level: 'info' },
        new Writable({
          write(chunk, _encoding, done) {
            lines.push(String(chunk));
            done();
          },
        }),
      )
    : pino({ level: 'silent' });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const queues = openQueues(redis, prefix);
  const syncs = new SyncService({ config, exportQueue: queues.export, importQueue: queues.import, redis });
  const schedules = new ScheduleService({ config, queues: { sync: queues.export, mirror: queues.mirror } });
  const events = new SyncEventHub({ prefix, connect: () => new Redis(redisUrl, { maxRetriesPerRequest: null }) });
  const app = await buildServer({
    config,
    logger,
    redis,
    queues: Object.values(queues),
    syncs,
    schedules,
    events,
    sseRefreshMs: 200,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  return {
    url,
    prefix,
    config,
    redis,
    syncs,
    queues,
    app,
    async request(method, path, init = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${TEST_TOKEN}`, ...init.headers };
      let body: string | undefined = init.rawBody;
      if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async close() {
      await app.close();
      await events.close();
      await closeQueues(queues);
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}
