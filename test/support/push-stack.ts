import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer, SyncEventHub } from '@d2s/api';
import {
  type DatabricksFixture,
  type RunningDatabricksEmulator,
  startDatabricksEmulator,
} from '@d2s/databricks-emulator';
import {
  closeQueues,
  type D2sConfig,
  D2sMetrics,
  loadConfig,
  openQueues,
  type Queues,
  RunWakeups,
  ScheduleService,
  SyncService,
  setUpWebhook,
  startWorker,
} from '@d2s/shared';
import { createDatabricksClient, type DatabricksClient } from '@d2s/shared/databricks';
import { deletePrefix, sleep, uniquePrefix } from '@d2s/testkit';
import type { Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createExportProcessor } from '../../apps/export-worker/src/index.js';

export const PUSH_PAT = 'dapi-push-test';
export const HOOK_USER = 'databricks-hook';
export const HOOK_PASSWORD = 'hook-password-for-tests';
export const PUSH_JOB_ID = 4001;
export const PUSH_DATASET = 'pushed';

export interface PushStackOptions {
  redisUrl: string;
  /** databricks.webhook's poll schedule: how long a sync waits when no notification wakes it. */
  pushPollMs: number;
  /** How long each run lasts in the emulator (RUNNING phase). @defaultValue 300 */
  runningMs?: number;
}

/**
 * Redis, the Databricks emulator, the real API (with POST /v1/hooks/databricks) and the real export worker in
 * this process, over loopback, with push configured: the export job's own polls are `pushPollMs` apart, so a
 * sync that ends sooner was woken by a notification. No import worker: the hand-off (the import job) is the end.
 */
export interface PushStack {
  api: string;
  /** The API token of this stack (every scope). */
  token: string;
  config: D2sConfig;
  databricks: RunningDatabricksEmulator;
  databricksClient: DatabricksClient;
  metrics: D2sMetrics;
  queues: Queues;
  syncs: SyncService;
  /** Creates the webhook destination (at `url`, default the API's hook) and attaches it to the job. */
  attachDestination(url?: string): Promise<string>;
  /** runs/get calls the emulator answered for a run. */
  runsGetCalls(runId: number): number;
  /** The notification counter's value for an event and outcome. */
  notifications(outcome: string, event?: string): Promise<number>;
  /** Resolves with the import job's run id once the sync was handed off. */
  waitForHandOff(syncId: string, timeoutMs?: number): Promise<number>;
  hook(body: unknown, auth?: string | null, contentType?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export const basicAuth = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

export async function startPushStack(options: PushStackOptions): Promise<PushStack> {
  const objectStoreRoot = await mkdtemp(join(tmpdir(), 'd2s-push-'));
  const fixture: DatabricksFixture = {
    workspace: { workspace_id: 777 },
    auth: { personal_access_tokens: [{ token: PUSH_PAT }], oauth_clients: [] },
    jobs: [
      {
        job_id: PUSH_JOB_ID,
        name: 'pushed-export',
        max_concurrent_runs: 100,
        parameters: [{ name: 'output_path', default: '' }],
        timing: { pending_ms: 50, running_ms: options.runningMs ?? 300, terminating_ms: 50 },
        tasks: [{ task_key: 'export' }],
      },
    ],
    catalogs: [],
    // Retries come quickly here: the policy's own waits are not under test.
    notifications: { max_attempts: 4, retry_backoff_ms: 50, timeout_ms: 2_000 },
  };
  const databricks = await startDatabricksEmulator({ port: 0, fixture, objectStoreRoot, timeScale: 1 });
  const prefix = uniquePrefix('push');
  const configPath = join(objectStoreRoot, 'd2s.yaml');
  const env: Record<string, string> = {
    D2S_CONFIG: configPath,
    REDIS_URL: options.redisUrl,
    D2S_QUEUE_PREFIX: prefix,
    D2S_API_TOKENS: 'push-stack-token',
    DATABRICKS_HOST: databricks.url,
    DATABRICKS_TOKEN: PUSH_PAT,
    D2S_DATABRICKS_WEBHOOK_PASSWORD: HOOK_PASSWORD,
  };
  await writeFile(
    configPath,
    `
databricks:
  requestTimeoutMs: 5000
  retryBudgetMs: 20000
  webhook: { username: ${HOOK_USER}, pollInitialMs: ${options.pushPollMs}, pollMaxMs: ${options.pushPollMs} }
workers:
  export: { concurrency: 5, pollInitialMs: 100, pollMaxMs: 300, pollGrowth: 1.5 }
  lockDurationMs: 5000
  stalledIntervalMs: 1000
datasets:
  ${PUSH_DATASET}:
    databricks: { jobId: ${PUSH_JOB_ID} }
    export: { s3Prefix: s3://d2s-push/exports/${PUSH_DATASET} }
    snowflake:
      stage: { database: D2S, schema: PUBLIC, name: STAGE }
      stageUrl: s3://d2s-push/exports/
      table: { database: D2S, schema: PUBLIC, name: PUSHED }
    singleActive: false
`,
  );
  const config = loadConfig({ env });
  const webhook = config.databricks.webhook;
  if (!webhook?.password) throw new Error('the push stack needs databricks.webhook with a password');
  const logger = pino({ level: process.env.D2S_TEST_LOG ?? 'silent' });
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
  const queues = openQueues(redis, prefix);
  const syncs = new SyncService({ config, exportQueue: queues.export, importQueue: queues.import, redis });
  const wakeups = new RunWakeups({ redis, prefix, exportQueue: queues.export, ttlSeconds: 3600 });
  const metrics = new D2sMetrics({ service: 'api', defaultMetrics: false });
  const events = new SyncEventHub({
    prefix,
    connect: () => new Redis(options.redisUrl, { maxRetriesPerRequest: null }),
  });
  const databricksClient = createDatabricksClient(config.databricks);
  const app: FastifyInstance = await buildServer({
    config,
    logger,
    redis,
    queues: Object.values(queues),
    syncs,
    schedules: new ScheduleService({ config, queues: { sync: queues.export, mirror: queues.mirror } }),
    events,
    metrics,
    databricksHook: { credentials: { username: webhook.username, password: webhook.password }, wakeups },
    webhookSetup: (url) =>
      setUpWebhook({
        api: databricksClient.notifications,
        url,
        credentials: { username: webhook.username, password: webhook.password as NonNullable<typeof webhook.password> },
        jobIds: Object.values(config.datasets).map((d) => d.databricks.jobId),
      }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const api = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const processor = createExportProcessor({
    config,
    jobs: databricksClient.jobs,
    syncs,
    importQueue: queues.import,
    logger,
    wakeups,
    pushPolling: { pollInitialMs: webhook.pollInitialMs, pollMaxMs: webhook.pollMaxMs },
  });
  const workers: Worker[] = [startWorker('export', processor, { config, logger, concurrency: 5 })];

  const dbx = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${databricks.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${PUSH_PAT}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };

  return {
    api,
    token: 'push-stack-token',
    config,
    databricks,
    databricksClient,
    metrics,
    queues,
    syncs,
    async attachDestination(url = `${api}/v1/hooks/databricks`) {
      const created = await dbx('POST', '/api/2.0/notification-destinations', {
        display_name: `d2s ${url}`,
        config: { generic_webhook: { url, username: HOOK_USER, password: HOOK_PASSWORD } },
      });
      const id = created.id as string;
      const each = [{ id }];
      await dbx('POST', '/api/2.2/jobs/update', {
        job_id: PUSH_JOB_ID,
        new_settings: { webhook_notifications: { on_start: each, on_success: each, on_failure: each } },
      });
      return id;
    },
    runsGetCalls(runId) {
      return databricks.requestLog.entries({ route: 'jobs/runs/get' }).filter((e) => e.runId === runId).length;
    },
    async notifications(outcome, event) {
      const values = (await metrics.databricksNotifications.get()).values;
      return values
        .filter((v) => v.labels.outcome === outcome && (event === undefined || v.labels.event === event))
        .reduce((sum, v) => sum + v.value, 0);
    },
    async waitForHandOff(syncId, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = await queues.import.getJob(syncId);
        if (job) return (job.data as { runId: number }).runId;
        const exportJob = await queues.export.getJob(syncId);
        if (exportJob && (await exportJob.getState()) === 'failed')
          throw new Error(`export of ${syncId} failed: ${exportJob.failedReason}`);
        if (Date.now() > deadline) throw new Error(`no hand-off of ${syncId} within ${timeoutMs} ms`);
        await sleep(20);
      }
    },
    async hook(body, auth = basicAuth(HOOK_USER, HOOK_PASSWORD), contentType = 'application/json') {
      const response = await fetch(`${api}/v1/hooks/databricks`, {
        method: 'POST',
        headers: { 'content-type': contentType, ...(auth === null ? {} : { authorization: auth }) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await app.close();
      await events.close();
      await databricksClient.close();
      await closeQueues(queues);
      await deletePrefix(redis, prefix);
      redis.disconnect();
      await databricks.close();
      await rm(objectStoreRoot, { recursive: true, force: true });
    },
  };
}
