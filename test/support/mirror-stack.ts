import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  closeQueues,
  type D2sConfig,
  loadConfig,
  MirrorInventory,
  type MirrorRunView,
  MirrorService,
  MirrorStateStore,
  type NotificationEmitter,
  openQueues,
  type Queues,
  type RedisClient,
  startWorker,
  waitForRedis,
} from '@d2s/shared';
import { createDatabricksClient, type DatabricksClient } from '@d2s/shared/databricks';
import { configureSnowflakeDriver, createSnowflakeClient, type SnowflakeClient } from '@d2s/shared/snowflake';
import { deletePrefix, connectTestRedis, sleep, testRedisEnv, uniquePrefix } from '@d2s/testkit';
import type { Worker } from 'bullmq';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { installErrorHandling } from '../../apps/api/src/http-errors.js';
import { mirrorRoutes } from '../../apps/api/src/routes/mirror.js';
import { createMirrorProcessor, MirrorRunEnds } from '../../apps/mirror-worker/src/index.js';
import { type RunningDatabricksEmulator, sandboxFixturePath, startDatabricksEmulator } from '@d2s/databricks-emulator';
import { type SnowflakeEmulator, startSnowflakeEmulator } from '@d2s/snowflake-emulator';

/** The sandbox's OAuth client (fixtures/databricks-sandbox.yaml): what Snowflake's integrations use. */
export const SANDBOX_OAUTH_CLIENT = 'd2s-sandbox-client';
export const SANDBOX_OAUTH_SECRET = 'd2s-sandbox-secret';

/** The `mirror:` section the plan tests share: the sandbox's two catalogs, sales into a database of its own. */
export const SANDBOX_MIRROR_YAML = `
mirror:
  catalogs:
    - { name: weather }
    - { name: sales, database: SALES_MIRROR }
  refreshIntervalSeconds: 300
`;

/**
 * Adds a UniForm table (one BIGINT column, `id`) to the sandbox's weather.forecasts schema: the change to Unity
 * Catalog that a plan, or a plan gone stale, is made to see.
 */
export async function addForecastsTable(stack: Pick<MirrorStack, 'databricks'>, name: string, rows: number) {
  await stack.databricks.admin.addTable('weather', 'forecasts', {
    name,
    format: 'uniform',
    rows,
    columns: [{ name: 'id', type: 'BIGINT' }],
  });
}

export interface MirrorStackOptions {
  redisUrl: string;
  /** The `mirror:` section of the config, as YAML. */
  mirrorYaml: string;
  /** Receives mirror.run.finished events (the worker's notifications hook). */
  notifications?: Pick<NotificationEmitter, 'emit'>;
  /** Extra keys of the `databricks:` section, as YAML flow entries (e.g. `sqlWarehouseId: wh`). */
  databricksYaml?: string;
}

export interface MirrorStack {
  config: D2sConfig;
  prefix: string;
  api: string;
  databricks: RunningDatabricksEmulator;
  snowflakeEmulator: SnowflakeEmulator;
  /** A separate Snowflake client for the test's own queries (not counted). */
  query: SnowflakeClient;
  databricksClient: DatabricksClient;
  queues: Queues;
  redis: RedisClient;
  mirror: MirrorService;
  state: MirrorStateStore;
  /** Every log line the API, the service and the worker wrote (level debug). */
  logLines: string[];
  /** Statements the d2s Snowflake client ran, by kind (`SHOW`, `CREATE ICEBERG TABLE`, …). */
  statements: string[];
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; text: string }>;
  waitForRun(id: string, timeoutMs?: number): Promise<MirrorRunView>;
  close(): Promise<void>;
}

/**
 * Redis + both emulators + the mirror API routes and the mirror worker in this
 * process. The Snowflake emulator's catalog integrations call the Databricks
 * emulator's Iceberg REST catalog with the OAuth client the config names.
 */
export async function startMirrorStack(options: MirrorStackOptions): Promise<MirrorStack> {
  const root = await mkdtemp(join(tmpdir(), 'd2s-mirror-'));
  const logLines: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
  await configureSnowflakeDriver({ logLevel: 'OFF' });
  const databricks = await startDatabricksEmulator({
    port: 0,
    fixture: sandboxFixturePath,
    objectStoreRoot: root,
    timeScale: 0.01,
  });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const snowflakeEmulator = await startSnowflakeEmulator({
    port: 0,
    objectStoreRoot: root,
    account: 'D2S_TEST',
    users: [
      {
        name: 'D2S_MIRROR',
        rsaPublicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        defaultRole: 'SYSADMIN',
        defaultWarehouse: 'D2S_WH',
      },
    ],
    // Queries need a warehouse (000606 without one), as in Snowflake.
    fixture: { setup: ['CREATE WAREHOUSE IF NOT EXISTS D2S_WH'] },
  });
  // Only ACCOUNTADMIN may create integrations out of the box; the mirror's role needs the right.
  await snowflakeEmulator.admin.execute('GRANT CREATE INTEGRATION ON ACCOUNT TO ROLE SYSADMIN');
  const prefix = uniquePrefix('mirror');
  const configPath = join(root, 'd2s.yaml');
  const env: Record<string, string> = {
    D2S_CONFIG: configPath,
    ...testRedisEnv(options.redisUrl),
    D2S_QUEUE_PREFIX: prefix,
    D2S_API_TOKENS: 'mirror-test-token',
    DATABRICKS_HOST: databricks.url,
    DATABRICKS_TOKEN: 'dapi-sandbox-token',
    SNOWFLAKE_ACCOUNT: snowflakeEmulator.account,
    SNOWFLAKE_USER: 'D2S_MIRROR',
    SNOWFLAKE_ACCESS_URL: snowflakeEmulator.url,
    SNOWFLAKE_PRIVATE_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    D2S_MIRROR_OAUTH_CLIENT_ID: SANDBOX_OAUTH_CLIENT,
    D2S_MIRROR_OAUTH_CLIENT_SECRET: SANDBOX_OAUTH_SECRET,
  };
  await writeFile(
    configPath,
    `
api: { rateLimit: { mutatingPerMinute: 1000000 }, schedules: { minIntervalMs: 1000 } }
databricks: { requestTimeoutMs: 10000, retryBudgetMs: 20000${options.databricksYaml ? `, ${options.databricksYaml}` : ''} }
snowflake: { poolMax: 8, statementTimeoutSeconds: 120 }
workers:
  mirror: { concurrency: 8 }
  lockDurationMs: 10000
  stalledIntervalMs: 5000
${options.mirrorYaml}`,
  );
  const config = loadConfig({ env });
  // Producer profile, as the API's: it fails fast instead of queueing, so it must be connected before use.
  const redis = connectTestRedis(options.redisUrl, 'producer');
  await waitForRedis(redis);
  const queues = openQueues(redis, prefix);
  const databricksClient = createDatabricksClient(config.databricks, { logger });
  const statements: string[] = [];
  const snowflake = createSnowflakeClient(config.snowflake, {
    logger,
    onQuery: (event) => {
      if (event.outcome === 'success') statements.push(event.kind);
    },
  });
  const query = createSnowflakeClient(config.snowflake);
  const inventoryAt = config.mirror.inventory;
  const mirror = new MirrorService({
    config,
    clients: { unityCatalog: databricksClient.unityCatalog, snowflake, sql: databricksClient.sql },
    queue: queues.mirror,
    redis,
    logger,
    ...(inventoryAt && databricksClient.sql
      ? { inventory: new MirrorInventory(databricksClient.sql, inventoryAt) }
      : {}),
  });
  const state = new MirrorStateStore(redis, prefix);

  const app: FastifyInstance = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  installErrorHandling(app);
  await app.register(mirrorRoutes, { mirror });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const api = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const workers: Worker[] = [
    startWorker(
      'mirror',
      createMirrorProcessor({
        config,
        mirror,
        snowflake,
        queue: queues.mirror,
        state,
        logger,
        runEnds: new MirrorRunEnds(redis, prefix, config.api.retentionSeconds),
        ...(options.notifications ? { notifications: { emitter: options.notifications } } : {}),
        ...(config.mirror.inventory ? { refreshInventory: () => mirror.refreshInventory() } : {}),
      }),
      {
        config,
        logger,
        concurrency: Math.min(config.workers.mirror.concurrency, config.mirror.maxParallelTables),
      },
    ),
  ];

  return {
    config,
    prefix,
    api,
    databricks,
    snowflakeEmulator,
    query,
    databricksClient,
    queues,
    redis,
    mirror,
    state,
    logLines,
    statements,
    async request(method, path, body, headers = {}) {
      const response = await fetch(`${api}${path}`, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: response.status, body: parsed, text };
    },
    async waitForRun(id, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let last: MirrorRunView | undefined;
      while (Date.now() < deadline) {
        last = await mirror.getRun(id);
        if (last && (last.status === 'succeeded' || last.status === 'failed')) return last;
        await sleep(50);
      }
      throw new Error(
        `mirror run ${id} did not finish in ${timeoutMs} ms; last: ${JSON.stringify(last)?.slice(0, 2000)}`,
      );
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await app.close();
      await closeQueues(queues);
      await snowflake.close();
      await query.close();
      await databricksClient.close();
      await snowflakeEmulator.close();
      await databricks.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Every value stored under the prefix (hashes, strings, lists, sets, zsets, streams), as text. */
export async function dumpPrefix(redis: RedisClient, prefix: string): Promise<string> {
  let cursor = '0';
  const out: string[] = [];
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'hash') out.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'string') out.push(String(await redis.get(key)));
      else if (type === 'list') out.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') out.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') out.push(JSON.stringify(await redis.zrange(key, 0, -1)));
      else if (type === 'stream') out.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return out.join('\n');
}
