import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer, SyncEventHub } from '@d2s/api';
import {
  BackfillService,
  closeQueues,
  createNotificationProcessor,
  type D2sConfig,
  loadConfig,
  NotificationEmitter,
  openQueues,
  type Queues,
  type RedisClient,
  ScheduleService,
  startWorker,
  SyncService,
  type SyncView,
  waitForRedis,
} from '@d2s/shared';
import { createDatabricksClient, type DatabricksClient } from '@d2s/shared/databricks';
import { configureSnowflakeDriver, createSnowflakeClient, type SnowflakeClient } from '@d2s/shared/snowflake';
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
import { pino } from 'pino';
import { createExportProcessor } from '../../apps/export-worker/src/index.js';
import { type ManagedProcess, type ServiceName, startService } from '../../scripts/src/local-stack.js';
import { createImportProcessor } from '../../apps/import-worker/src/index.js';
import {
  type DatabricksFixture,
  loadFixture,
  type RunningDatabricksEmulator,
  sandboxFixturePath,
  startDatabricksEmulator,
} from '@d2s/databricks-emulator';
import { SANDBOX, type SnowflakeSandbox, startSnowflakeSandbox } from '@d2s/snowflake-emulator';

export const API_TOKEN = 'stack-test-token';

export interface StackOptions {
  redisUrl: string;
  /** Extra YAML appended to the generated config (datasets, snowflake, …). */
  datasetsYaml: string;
  /** Run the export worker in this process. @defaultValue true */
  exportWorker?: boolean;
  /** Start the Snowflake emulator (sandbox) and, unless false, the import worker in this process. */
  snowflake?: boolean;
  importWorker?: boolean;
  timeScale?: number;
  /** More environment (secrets named by the YAML, say). */
  env?: Record<string, string>;
  /** Changes to the sandbox Databricks workspace for this stack (a job's output layout, say). */
  databricksFixture?: (sandbox: DatabricksFixture) => DatabricksFixture;
}

export interface SyncStack {
  config: D2sConfig;
  prefix: string;
  api: string;
  databricks: RunningDatabricksEmulator;
  databricksClient: DatabricksClient;
  snowflake?: SnowflakeSandbox;
  snowflakeClient?: SnowflakeClient;
  /** Runs SQL on the Snowflake emulator as an administrator; rows as objects. */
  sql(text: string): Promise<Record<string, unknown>[]>;
  /** Starts a service from its built output with this stack's environment; stopped (SIGKILL) on close. */
  spawnService(name: ServiceName, env?: Record<string, string>): ManagedProcess;
  /** Resolves once the Snowflake emulator is running this sync's COPY INTO. */
  waitForCopy(syncId: string, explain?: () => string): Promise<void>;
  objectStoreRoot: string;
  queues: Queues;
  redis: RedisClient;
  syncs: SyncService;
  backfills: BackfillService;
  workers: Worker[];
  env: Record<string, string>;
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any }>;
  waitForStatus(id: string, done: (s: SyncView) => boolean, timeoutMs?: number): Promise<SyncView>;
  close(): Promise<void>;
}

/** Redis + the Databricks emulator + the real API and export worker in this process, over loopback. */
export async function startSyncStack(options: StackOptions): Promise<SyncStack> {
  const objectStoreRoot = await mkdtemp(join(tmpdir(), 'd2s-stack-'));
  const databricks = await startDatabricksEmulator({
    port: 0,
    fixture: options.databricksFixture
      ? options.databricksFixture(await loadFixture(sandboxFixturePath))
      : sandboxFixturePath,
    objectStoreRoot,
    timeScale: options.timeScale ?? 0.1,
  });
  const snowflake = options.snowflake
    ? await startSnowflakeSandbox({ port: 0, objectStoreRoot, dataDir: join(objectStoreRoot, 'sandbox') })
    : undefined;
  const prefix = uniquePrefix('stack');
  const configPath = join(objectStoreRoot, 'd2s.yaml');
  const env: Record<string, string> = {
    D2S_CONFIG: configPath,
    ...testRedisEnv(options.redisUrl),
    D2S_QUEUE_PREFIX: prefix,
    D2S_API_TOKENS: API_TOKEN,
    ...options.env,
    DATABRICKS_HOST: databricks.url,
    DATABRICKS_TOKEN: 'dapi-sandbox-token',
    ...(snowflake
      ? {
          SNOWFLAKE_ACCESS_URL: snowflake.emulator.url,
          SNOWFLAKE_ACCOUNT: SANDBOX.account,
          SNOWFLAKE_USER: SANDBOX.keyPairUser,
          SNOWFLAKE_PRIVATE_KEY_PATH: snowflake.privateKeyPath,
        }
      : {}),
  };
  // Schedules firing every second keep the tests short; the one-minute default is tested on its own.
  const yaml = `
api: { rateLimit: { mutatingPerMinute: 1000000 }, schedules: { minIntervalMs: 1000 } }
databricks: { requestTimeoutMs: 5000, retryBudgetMs: 20000 }
snowflake: { database: D2S_SANDBOX, schema: PUBLIC, warehouse: D2S_WH, role: SYSADMIN, poolMax: 4 }
workers:
  export: { concurrency: 5, pollInitialMs: 100, pollMaxMs: 300, pollGrowth: 1.5 }
  lockDurationMs: 5000
  stalledIntervalMs: 1000
${options.datasetsYaml}`;
  // Written to a file too, so worker processes started by a test read the same configuration.
  await writeFile(configPath, yaml);
  const config = loadConfig({ env });
  const logger = pino({ level: process.env.D2S_TEST_LOG ?? 'silent' });
  // Producer profile, as the API's: it fails fast instead of queueing, so it must be connected before use.
  const redis = connectTestRedis(options.redisUrl, 'producer');
  await waitForRedis(redis);
  const queues = openQueues(redis, prefix);
  const syncs = new SyncService({ config, exportQueue: queues.export, importQueue: queues.import, redis });
  const schedules = new ScheduleService({ config, queues: { sync: queues.export, mirror: queues.mirror } });
  const backfills = new BackfillService({ config, backfillQueue: queues.backfill, syncs, redis });
  const events = new SyncEventHub({
    prefix,
    connect: () => connectTestRedis(options.redisUrl, 'worker'),
  });
  const app: FastifyInstance = await buildServer({
    config,
    logger,
    redis,
    queues: Object.values(queues),
    syncs,
    schedules,
    backfills,
    events,
    sseRefreshMs: 200,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const api = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const databricksClient = createDatabricksClient(config.databricks);
  const workers: Worker[] = [];
  // With notifications configured, the workers queue events and a notify worker delivers them, as in main.ts.
  const notifications =
    config.notifications.endpoints.length > 0
      ? new NotificationEmitter({
          queue: queues.notify,
          settings: config.notifications,
          retentionSeconds: config.api.retentionSeconds,
          logger,
        })
      : undefined;
  if (notifications) {
    workers.push(
      startWorker('notify', createNotificationProcessor({ settings: config.notifications, logger }), {
        config,
        logger,
        concurrency: config.notifications.concurrency,
      }),
    );
  }
  if (options.exportWorker ?? true) {
    const processor = createExportProcessor({
      ...(notifications ? { notifications } : {}),
      config,
      jobs: databricksClient.jobs,
      syncs,
      importQueue: queues.import,
      logger,
    });
    workers.push(startWorker('export', processor, { config, logger, concurrency: config.workers.export.concurrency }));
  }

  let snowflakeClient: SnowflakeClient | undefined;
  if (snowflake) {
    await configureSnowflakeDriver();
    snowflakeClient = createSnowflakeClient(config.snowflake, { logger });
    if (options.importWorker ?? true) {
      const processor = createImportProcessor({
        ...(notifications ? { notifications } : {}),
        config,
        snowflake: snowflakeClient,
        syncs,
        logger,
        cancelCheckMs: 100,
      });
      workers.push(
        startWorker('import', processor, { config, logger, concurrency: config.workers.import.concurrency }),
      );
    }
  }

  const processes: ManagedProcess[] = [];

  const stack: SyncStack = {
    config,
    prefix,
    api,
    databricks,
    databricksClient,
    ...(snowflake ? { snowflake } : {}),
    ...(snowflakeClient ? { snowflakeClient } : {}),
    spawnService(name, extra = {}) {
      assertBuiltFromSources(name);
      const child = startService(name, {
        ...env,
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        NODE_ENV: 'production',
        ...extra,
      });
      processes.push(child);
      return child;
    },
    async waitForCopy(syncId, explain) {
      const queryLog = snowflake?.emulator.queryLog;
      if (!queryLog) throw new Error('this stack has no Snowflake emulator');
      const deadline = Date.now() + 30_000;
      const running = () =>
        queryLog
          .entries()
          .some((e) => e.queryTag === `d2s:sync:${syncId}` && /^\s*COPY/i.test(e.sql) && e.status === 'RUNNING');
      while (!running()) {
        if (Date.now() > deadline) throw new Error(`the COPY never started\n${explain?.().slice(-2000) ?? ''}`);
        await sleep(20);
      }
    },
    async sql(text) {
      if (!snowflake) throw new Error('this stack has no Snowflake emulator');
      const result = await snowflake.emulator.admin.execute(text);
      return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i]])));
    },
    objectStoreRoot,
    queues,
    redis,
    syncs,
    backfills,
    workers,
    env,
    async request(method, path, body, headers = {}) {
      const response = await fetch(`${api}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${API_TOKEN}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async waitForStatus(id, done, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: SyncView | undefined;
      while (Date.now() < deadline) {
        last = await syncs.get(id);
        if (last && done(last)) return last;
        await sleep(50);
      }
      throw new Error(`sync ${id} did not reach the expected state in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    },
    async close() {
      await Promise.all(processes.map((p) => p.stop('SIGKILL')));
      await Promise.all(workers.map((w) => w.close()));
      await app.close();
      await events.close();
      await closeQueues(queues);
      await databricksClient.close();
      await snowflakeClient?.close();
      await snowflake?.emulator.close();
      await databricks.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
      await rm(objectStoreRoot, { recursive: true, force: true });
    },
  };
  return stack;
}

export const FORECASTS_DATASET = `
datasets:
  forecasts:
    databricks: { jobId: 1001, outputParameter: output_path }
    export: { s3Prefix: s3://d2s-sandbox/exports/forecasts, maxRunDurationSeconds: 600 }
    snowflake:
      stage: { database: D2S_SANDBOX, schema: PUBLIC, name: D2S_EXPORTS }
      stageUrl: s3://d2s-sandbox/exports/
      table: { database: D2S_SANDBOX, schema: PUBLIC, name: FORECASTS }
    parameters:
      forecast_date: { type: date, default: "2024-06-01" }
    singleActive: false
`;

const forecastsDataset = (name: string, table: string, mode: 'append' | 'replace', extra = '') => `
  ${name}:
    databricks: { jobId: 1001, outputParameter: output_path }
    export: { s3Prefix: s3://d2s-sandbox/exports/${name}, maxRunDurationSeconds: 600 }
    snowflake:
      stage: { database: D2S_SANDBOX, schema: PUBLIC, name: SHARED_FORECASTS_STAGE }
      stageUrl: s3://d2s-sandbox/exports/
      createStage: true
      table: { database: D2S_SANDBOX, schema: PUBLIC, name: ${table} }
      createTable: true
    load: { mode: ${mode} }
    parameters:
      forecast_date: { type: date, default: "2024-06-01" }
    singleActive: false${extra}
`;

/**
 * A replace-mode dataset whose target d2s creates with SELECT for the sandbox's
 * consumer role ANALYST (user D2S_ANALYST).
 */
export const GRANTED_DATASETS = `
datasets:${forecastsDataset(
  'forecasts_granted',
  'FORECASTS_GRANTED',
  'replace',
  '\n    verify: { expectedRows: 10000 }',
).replace('      createTable: true', '      createTable: true\n      grants: [ANALYST]')}`;

/** Two datasets over the sandbox export job: one appends, one replaces (and expects exactly 10,000 rows). */
export const LOAD_DATASETS = `
datasets:${forecastsDataset('forecasts_append', 'FORECASTS_APPEND', 'append')}${forecastsDataset(
  'forecasts_replace',
  'FORECASTS_REPLACE',
  'replace',
  '\n    verify: { expectedRows: 10000 }',
)}${forecastsDataset('forecasts_nowhere', 'FORECASTS', 'append')
  .replace('createStage: true', 'createStage: false')
  .replace('table: { database: D2S_SANDBOX', 'table: { database: NO_SUCH_DATABASE')}${forecastsDataset(
  'forecasts_no_data',
  'FORECASTS_NO_DATA',
  'append',
).replace('maxRunDurationSeconds: 600 }', "maxRunDurationSeconds: 600, dataFilePattern: '.*[.]csv' }")}`;
