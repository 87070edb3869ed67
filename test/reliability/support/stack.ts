import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildServer, SyncEventHub } from '@d2s/api';
import {
  closeQueues,
  createLogger,
  type D2sConfig,
  loadConfig,
  type Logger,
  type MirrorRunView,
  MirrorService,
  MirrorStateStore,
  openQueues,
  type Queues,
  ScheduleService,
  SyncService,
  type SyncView,
  startWorker,
  TERMINAL_SYNC_STATES,
  waitForRedis,
  type RedisClient,
} from '@d2s/shared';
import { createDatabricksClient } from '@d2s/shared/databricks';
import { configureSnowflakeDriver, createSnowflakeClient } from '@d2s/shared/snowflake';
import {
  assertBuiltFromSources,
  deletePrefix,
  connectTestRedis,
  sleep,
  testRedisEnv,
  uniquePrefix,
} from '@d2s/testkit';
import type { Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { createExportProcessor } from '../../../apps/export-worker/src/index.js';
import { createImportProcessor } from '../../../apps/import-worker/src/index.js';
import { createMirrorProcessor } from '../../../apps/mirror-worker/src/index.js';
import {
  type DatabricksFixture,
  grantLike,
  loadFixture,
  type RunningDatabricksEmulator,
  sandboxFixturePath,
  startDatabricksEmulator,
} from '@d2s/databricks-emulator';
import { SANDBOX, type SnowflakeSandbox, startSnowflakeSandbox } from '@d2s/snowflake-emulator';
import {
  freePort,
  httpAnswers,
  type ManagedProcess,
  type ServiceName,
  startService,
  waitFor,
} from '../../../scripts/src/local-stack.js';

/**
 * The reliability suite's stack: both emulators, the real API (buildServer, with
 * the mirror routes when a mirror section is given), and any of the three
 * workers in this process or as processes from the built output. Unlike
 * test/support/sync-stack.ts it connects the way the services' main.ts do (a
 * fail-fast producer connection for the API, retry-forever worker
 * connections), captures every log line of the in-process services, records
 * every API answer, and can run with chosen secrets.
 */

export type WorkerName = 'export' | 'import' | 'mirror';

export interface StackSecrets {
  apiToken: string;
  /** Configures the token as `name:read+sync+mirror+admin:token` (named, scoped) instead of a bare token. */
  apiTokenName?: string;
  /** Databricks credentials d2s uses: a PAT, or an OAuth M2M client (added to the emulator's fixture). */
  databricks: { token: string } | { clientId: string; clientSecret: string };
  /** Encrypts the sandbox's private key (SNOWFLAKE_PRIVATE_KEY_PASSPHRASE). */
  snowflakePassphrase?: string;
  /** The OAuth client Snowflake's catalog integrations use (added to the emulator's fixture). */
  mirror: { clientId: string; clientSecret: string };
}

export const DEFAULT_SECRETS: StackSecrets = {
  apiToken: 'reliability-test-token',
  databricks: { token: 'dapi-sandbox-token' },
  mirror: { clientId: 'd2s-sandbox-client', clientSecret: 'd2s-sandbox-secret' },
};

export const DEFAULT_WORKERS_YAML = `
workers:
  export: { concurrency: 5, pollInitialMs: 100, pollMaxMs: 300, pollGrowth: 1.5 }
  import: { concurrency: 4 }
  mirror: { concurrency: 8 }
  lockDurationMs: 5000
  stalledIntervalMs: 1000
`;

export const DEFAULT_DATABRICKS_YAML = 'databricks: { requestTimeoutMs: 5000, retryBudgetMs: 20000 }';

export interface StackOptions {
  redisUrl: string;
  label: string;
  /** `datasets:` YAML. */
  datasetsYaml?: string;
  /** `mirror:` YAML; mounts the mirror routes and lets a mirror worker run. */
  mirrorYaml?: string;
  /** `workers:` YAML. @defaultValue DEFAULT_WORKERS_YAML */
  workersYaml?: string;
  /** `databricks:` YAML. @defaultValue DEFAULT_DATABRICKS_YAML */
  databricksYaml?: string;
  /** Workers to run in this process. @defaultValue none */
  inProcess?: WorkerName[];
  timeScale?: number;
  secrets?: Partial<StackSecrets>;
  /** Level of the in-process services' loggers (captured in `logLines`). @defaultValue 'debug' */
  logLevel?: string;
  /** Echo captured log lines to stderr (debugging). */
  echoLogs?: boolean;
  /** Changes to the Databricks emulator's sandbox fixture (extra jobs). */
  databricksFixture?: (sandbox: DatabricksFixture) => DatabricksFixture;
  /** More D2S_API_TOKENS entries (`name:scope+scope:token`) beside the stack's own token. */
  extraApiTokens?: string[];
}

export interface Stack {
  config: D2sConfig;
  prefix: string;
  api: string;
  app: FastifyInstance;
  secrets: StackSecrets;
  databricks: RunningDatabricksEmulator;
  snowflake: SnowflakeSandbox;
  /** The API's connection (producer profile: fails fast while Redis is away). */
  redis: RedisClient;
  /** A connection for the test's own reads (worker profile: waits for Redis). */
  testRedis: RedisClient;
  queues: Queues;
  syncs: SyncService;
  mirror: MirrorService | undefined;
  /** Environment for worker processes (and loadConfig). */
  env: Record<string, string>;
  root: string;
  /** Every line the in-process services logged. */
  logLines: string[];
  /** The body of every API answer `request` received. */
  responses: string[];
  processes: ManagedProcess[];
  /** Runs SQL on the Snowflake emulator as an administrator; rows as objects. */
  sql(text: string): Promise<Record<string, unknown>[]>;
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; text: string }>;
  startProcess(name: ServiceName, extraEnv?: Record<string, string>): ManagedProcess;
  /** An API replica as a process (built output) on its own port, once it answers; `request` sends to it. */
  startApiReplica(): Promise<ApiReplica>;
  waitForSyncs(ids: string[], timeoutMs: number, onTick?: () => void): Promise<SyncView[]>;
  waitForMirrorRun(id: string, timeoutMs: number): Promise<MirrorRunView>;
  close(): Promise<void>;
}

/** An API process beside the stack's in-process API, sharing its Redis and config. */
export interface ApiReplica {
  url: string;
  process: ManagedProcess;
  request: Stack['request'];
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const secrets: StackSecrets = { ...DEFAULT_SECRETS, ...options.secrets };
  const root = await mkdtemp(join(tmpdir(), `d2s-rel-${options.label}-`));
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      const line = String(chunk);
      logLines.push(line);
      if (options.echoLogs) process.stderr.write(line);
      done();
    },
  });
  const logLevel = options.logLevel ?? 'debug';
  const loggerFor = (service: string): Logger => createLogger({ level: logLevel, pretty: false, service }, destination);

  const sandbox: DatabricksFixture = await loadFixture(sandboxFixturePath);
  const fixture = options.databricksFixture ? options.databricksFixture(sandbox) : sandbox;
  const db = secrets.databricks;
  if ('token' in db) {
    if (!fixture.auth.personal_access_tokens.some((t) => t.token === db.token)) {
      fixture.auth.personal_access_tokens.push({ token: db.token, user_name: 'sandbox-user@example.com' });
    }
  } else {
    fixture.auth.oauth_clients.push({
      client_id: db.clientId,
      client_secret: db.clientSecret,
      scopes: ['all-apis'],
      groups: ['d2s-operators'], // job 1001 grants this group CAN_MANAGE_RUN in the sandbox fixture
    });
    grantLike(fixture, 'd2s-sandbox-client', db.clientId); // the sandbox enforces Unity Catalog grants
  }
  if (!fixture.auth.oauth_clients.some((c) => c.client_id === secrets.mirror.clientId)) {
    fixture.auth.oauth_clients.push({
      client_id: secrets.mirror.clientId,
      client_secret: secrets.mirror.clientSecret,
      scopes: ['all-apis', 'sql'],
    });
    grantLike(fixture, 'd2s-sandbox-client', secrets.mirror.clientId);
  }
  const databricks = await startDatabricksEmulator({
    port: 0,
    fixture,
    objectStoreRoot: root,
    timeScale: options.timeScale ?? 0.1,
  });
  const snowflake = await startSnowflakeSandbox({
    port: 0,
    objectStoreRoot: root,
    dataDir: join(root, 'sandbox'),
    ...(secrets.snowflakePassphrase ? { privateKeyPassphrase: secrets.snowflakePassphrase } : {}),
  });

  const prefix = uniquePrefix(options.label);
  const configPath = join(root, 'd2s.yaml');
  const env: Record<string, string> = {
    D2S_CONFIG: configPath,
    ...testRedisEnv(options.redisUrl),
    D2S_QUEUE_PREFIX: prefix,
    D2S_API_TOKENS: [
      secrets.apiTokenName ? `${secrets.apiTokenName}:read+sync+mirror+admin:${secrets.apiToken}` : secrets.apiToken,
      ...(options.extraApiTokens ?? []),
    ].join(','),
    DATABRICKS_HOST: databricks.url,
    ...('token' in db
      ? { DATABRICKS_TOKEN: db.token }
      : { DATABRICKS_CLIENT_ID: db.clientId, DATABRICKS_CLIENT_SECRET: db.clientSecret }),
    SNOWFLAKE_ACCESS_URL: snowflake.emulator.url,
    SNOWFLAKE_ACCOUNT: SANDBOX.account,
    SNOWFLAKE_USER: SANDBOX.keyPairUser,
    SNOWFLAKE_PRIVATE_KEY_PATH: snowflake.privateKeyPath,
    ...(secrets.snowflakePassphrase ? { SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: secrets.snowflakePassphrase } : {}),
    D2S_MIRROR_OAUTH_CLIENT_ID: secrets.mirror.clientId,
    D2S_MIRROR_OAUTH_CLIENT_SECRET: secrets.mirror.clientSecret,
  };
  // Fuzzing and chaos send many changes with one token; the per-token limit is tested on its own.
  const yaml = `
log: { level: ${logLevel} }
api: { rateLimit: { mutatingPerMinute: 1000000 }, schedules: { minIntervalMs: 1000 } }
${options.databricksYaml ?? DEFAULT_DATABRICKS_YAML}
snowflake: { database: D2S_SANDBOX, schema: PUBLIC, warehouse: D2S_WH, role: SYSADMIN, poolMax: 4 }
${options.workersYaml ?? DEFAULT_WORKERS_YAML}
${options.mirrorYaml ?? ''}
${options.datasetsYaml ?? ''}`;
  // Worker processes read the same file.
  await writeFile(configPath, yaml);
  const config = loadConfig({ env });
  await configureSnowflakeDriver({ logLevel: 'OFF' });

  const apiLogger = loggerFor('api');
  const redis = connectTestRedis(options.redisUrl, 'producer', 'd2s-api');
  redis.on('error', () => {});
  await waitForRedis(redis);
  const testRedis = connectTestRedis(options.redisUrl, 'worker', 'd2s-test');
  testRedis.on('error', () => {});
  const queues = openQueues(redis, prefix);
  // BullMQ prints a Queue's connection errors with console.error unless someone listens (main.ts does not).
  const silence = (qs: Queues) => {
    for (const q of Object.values(qs)) q.on('error', () => {});
  };
  silence(queues);
  const syncs = new SyncService({ config, exportQueue: queues.export, importQueue: queues.import, redis });
  const schedules = new ScheduleService({ config, queues: { sync: queues.export, mirror: queues.mirror } });
  const events = new SyncEventHub({
    prefix,
    connect: () => {
      const connection = connectTestRedis(options.redisUrl, 'worker', 'd2s-api-events');
      connection.on('error', () => {});
      return connection;
    },
  });
  const closers: (() => Promise<unknown> | void)[] = [];
  let mirror: MirrorService | undefined;
  if (options.mirrorYaml) {
    mirror = new MirrorService({
      config,
      clients: () => {
        const databricksClient = createDatabricksClient(config.databricks, { logger: apiLogger });
        const snowflakeClient = createSnowflakeClient(config.snowflake, { logger: apiLogger });
        closers.push(
          () => databricksClient.close(),
          () => snowflakeClient.close(),
        );
        return { unityCatalog: databricksClient.unityCatalog, snowflake: snowflakeClient };
      },
      queue: queues.mirror,
      redis,
      logger: apiLogger,
    });
  }
  const app = await buildServer({
    config,
    logger: apiLogger,
    redis,
    queues: Object.values(queues),
    syncs,
    schedules,
    events,
    sseRefreshMs: 200,
    ...(mirror ? { mirror } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const api = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  // In-process workers, wired as their main.ts wire them.
  const workers: Worker[] = [];
  const workerCloseables: { close(): Promise<unknown> }[] = [];
  const workerRedis = (name: string) => {
    const connection = connectTestRedis(options.redisUrl, 'worker', name);
    connection.on('error', () => {});
    workerCloseables.push({ close: async () => connection.disconnect() });
    return connection;
  };
  for (const name of options.inProcess ?? []) {
    const logger = loggerFor(`${name}-worker`);
    const connection = workerRedis(`d2s-${name}-producer`);
    const workerQueues = openQueues(connection, prefix);
    silence(workerQueues);
    workerCloseables.unshift({ close: () => closeQueues(workerQueues) });
    const workerSyncs = new SyncService({
      config,
      exportQueue: workerQueues.export,
      importQueue: workerQueues.import,
      redis: connection,
    });
    if (name === 'export') {
      const client = createDatabricksClient(config.databricks, { logger });
      workerCloseables.push(client);
      const processor = createExportProcessor({
        config,
        jobs: client.jobs,
        syncs: workerSyncs,
        importQueue: workerQueues.import,
        logger,
      });
      workers.push(
        startWorker('export', processor, { config, logger, concurrency: config.workers.export.concurrency }),
      );
    } else if (name === 'import') {
      const client = createSnowflakeClient(config.snowflake, { logger });
      workerCloseables.push(client);
      const processor = createImportProcessor({
        config,
        snowflake: client,
        syncs: workerSyncs,
        logger,
        cancelCheckMs: 100,
      });
      workers.push(
        startWorker('import', processor, { config, logger, concurrency: config.workers.import.concurrency }),
      );
    } else {
      const databricksClient = createDatabricksClient(config.databricks, { logger });
      const snowflakeClient = createSnowflakeClient(config.snowflake, { logger });
      workerCloseables.push(databricksClient, snowflakeClient);
      const workerMirror = new MirrorService({
        config,
        clients: { unityCatalog: databricksClient.unityCatalog, snowflake: snowflakeClient },
        queue: workerQueues.mirror,
        redis: connection,
        logger,
      });
      const processor = createMirrorProcessor({
        config,
        mirror: workerMirror,
        snowflake: snowflakeClient,
        queue: workerQueues.mirror,
        state: new MirrorStateStore(connection, prefix),
        logger,
      });
      const concurrency = Math.min(config.workers.mirror.concurrency, config.mirror.maxParallelTables);
      workers.push(startWorker('mirror', processor, { config, logger, concurrency }));
    }
  }

  const processes: ManagedProcess[] = [];
  const responses: string[] = [];
  let closed = false;

  const requestAt = async (
    base: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: any; text: string }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${secrets.apiToken}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    responses.push(text);
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text };
  };

  const stack: Stack = {
    config,
    prefix,
    api,
    app,
    secrets,
    databricks,
    snowflake,
    redis,
    testRedis,
    queues,
    syncs,
    mirror,
    env,
    root,
    logLines,
    responses,
    processes,
    async sql(text) {
      const result = await snowflake.emulator.admin.execute(text);
      return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i]])));
    },
    request: (method, path, body, headers) => requestAt(api, method, path, body, headers),
    startProcess(name, extraEnv = {}) {
      assertBuiltFromSources(name);
      const child = startService(name, {
        ...env,
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        NODE_ENV: 'production',
        D2S_METRICS_PORT: '0',
        ...extraEnv,
      });
      processes.push(child);
      return child;
    },
    async startApiReplica() {
      const port = await freePort();
      const child = stack.startProcess('api', { D2S_API_HOST: '127.0.0.1', D2S_API_PORT: String(port) });
      const url = `http://127.0.0.1:${port}`;
      await waitFor('api replica', () => httpAnswers(`${url}/healthz`), 180_000, child.output);
      return {
        url,
        process: child,
        request: (method, path, body, headers) => requestAt(url, method, path, body, headers),
      };
    },
    async waitForSyncs(ids, timeoutMs, onTick) {
      const deadline = Date.now() + timeoutMs;
      const done = new Map<string, SyncView>();
      let last: SyncView | undefined;
      while (Date.now() < deadline) {
        onTick?.();
        for (const id of ids) {
          if (done.has(id)) continue;
          const view = await syncs.get(id).catch(() => undefined);
          if (view) last = view;
          if (view && TERMINAL_SYNC_STATES.has(view.status)) done.set(id, view);
        }
        if (done.size === ids.length) return ids.map((id) => done.get(id) as SyncView);
        await sleep(200);
      }
      const pending = ids.filter((id) => !done.has(id));
      const states = await Promise.all(pending.slice(0, 10).map((id) => syncs.get(id).catch(() => undefined)));
      throw new Error(
        `${pending.length} of ${ids.length} syncs did not end within ${timeoutMs} ms; e.g. ${JSON.stringify(
          states.map((s) => s && { id: s.id, status: s.status, databricks: s.databricks, error: s.error }),
        )}; last seen ${JSON.stringify(last?.status)}`,
      );
    },
    async waitForMirrorRun(id, timeoutMs) {
      if (!mirror) throw new Error('this stack has no mirror');
      const deadline = Date.now() + timeoutMs;
      let last: MirrorRunView | undefined;
      while (Date.now() < deadline) {
        last = (await mirror.getRun(id).catch(() => undefined)) ?? last;
        if (last && (last.status === 'succeeded' || last.status === 'failed')) return last;
        await sleep(100);
      }
      throw new Error(`mirror run ${id} did not end in ${timeoutMs} ms; last: ${JSON.stringify(last)?.slice(0, 2000)}`);
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(processes.map((p) => p.stop('SIGKILL')));
      await Promise.all(workers.map((w) => w.close(true).catch(() => {})));
      for (const closeable of workerCloseables) await closeable.close().catch(() => {});
      await app.close().catch(() => {});
      await events.close().catch(() => {});
      await closeQueues(queues).catch(() => {});
      for (const close of closers) await Promise.resolve(close()).catch(() => {});
      await snowflake.emulator.close().catch(() => {});
      await databricks.close().catch(() => {});
      await deletePrefix(testRedis, prefix).catch(() => {});
      redis.disconnect();
      testRedis.disconnect();
      await rm(root, { recursive: true, force: true });
    },
  };
  return stack;
}

/** A dataset over the sandbox export job (4 Parquet files, 2,500 rows each), loading into `table`. */
export function forecastsDataset(
  name: string,
  table: string,
  mode: 'append' | 'replace',
  extra: { createTable?: boolean; database?: string; singleActive?: boolean; expectedRows?: number } = {},
): string {
  return `
  ${name}:
    databricks: { jobId: 1001, outputParameter: output_path }
    export: { s3Prefix: s3://d2s-sandbox/exports/${name}, maxRunDurationSeconds: 600 }
    snowflake:
      stage: { database: D2S_SANDBOX, schema: PUBLIC, name: SHARED_FORECASTS_STAGE }
      stageUrl: s3://d2s-sandbox/exports/
      createStage: true
      table: { database: ${extra.database ?? 'D2S_SANDBOX'}, schema: PUBLIC, name: ${table} }
      createTable: ${extra.createTable ?? true}
    load: { mode: ${mode} }
    parameters:
      forecast_date: { type: date, default: "2024-06-01" }
    singleActive: ${extra.singleActive ?? false}${
      extra.expectedRows !== undefined ? `\n    verify: { expectedRows: ${extra.expectedRows} }` : ''
    }
`;
}

/** Two concurrent datasets: one appends into FORECASTS_APPEND, one replaces FORECASTS_REPLACE (10,000 rows). */
export const APPEND_AND_REPLACE = `
datasets:${forecastsDataset('forecasts_append', 'FORECASTS_APPEND', 'append')}${forecastsDataset(
  'forecasts_replace',
  'FORECASTS_REPLACE',
  'replace',
  { expectedRows: 10_000 },
)}`;

/** A seeded PRNG (mulberry32): the same seed gives the same chaos. */
/** The mirror the chaos runs apply: both sandbox catalogs, each into a database of its own. */
export const CHAOS_MIRROR_YAML = `
mirror:
  catalogs:
    - { name: weather, database: WEATHER_MIRROR }
    - { name: sales, database: SALES_MIRROR }
  refreshIntervalSeconds: 300
  maxParallelTables: 8
`;

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Row count of a table in D2S_SANDBOX.PUBLIC. */
export async function countRowsOf(stack: Stack, table: string): Promise<number> {
  return Number((await stack.sql(`SELECT COUNT(*) AS N FROM D2S_SANDBOX.PUBLIC.${table}`))[0]?.N);
}

export async function stagingTables(stack: Stack): Promise<unknown[]> {
  return (await stack.sql(`SHOW TABLES LIKE '%D2S_STAGING%' IN SCHEMA D2S_SANDBOX.PUBLIC`)).map((r) => r.name);
}

/** Databricks runs started for a sync (its idempotency token), by the emulator's own records. */
export function runsFor(stack: Stack, syncId: string): { admin: number[]; runNow: number[] } {
  const token = `d2s-${syncId}`;
  const admin = stack.databricks.admin
    .runs()
    .filter((r) => r.idempotency_token === token)
    .map((r) => r.run_id);
  const runNow = [
    ...new Set(
      stack.databricks.requestLog
        .entries({ route: 'jobs/run-now' })
        .filter((e) => e.idempotencyToken === token && e.runId !== undefined)
        .map((e) => e.runId as number),
    ),
  ];
  return { admin, runNow };
}

/** Every key under the prefix and its value, read by type (strings, hashes, lists, sets, zsets, streams). */
export async function dumpRedis(redis: RedisClient, prefix: string): Promise<{ keys: number; text: string }> {
  let cursor = '0';
  const out: string[] = [];
  let keys = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    for (const key of batch) {
      keys++;
      const type = await redis.type(key);
      let value: unknown;
      if (type === 'string') value = await redis.get(key);
      else if (type === 'hash') value = await redis.hgetall(key);
      else if (type === 'list') value = await redis.lrange(key, 0, -1);
      else if (type === 'set') value = await redis.smembers(key);
      else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES');
      else if (type === 'stream') value = await redis.xrange(key, '-', '+');
      else value = `(${type})`;
      out.push(`${key} ${type} ${JSON.stringify(value)}`);
    }
  } while (cursor !== '0');
  return { keys, text: out.join('\n') };
}
