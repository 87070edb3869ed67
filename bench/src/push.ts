/**
 * Benchmark: completion pushed. The same N syncs over emulated Databricks runs of a fixed length, tracked by
 * one real export-worker process, twice in one run: with polling alone (the baseline: the poll schedule of the
 * runs-in-flight benchmark) and with push (the real API receives the emulator's job notifications at
 * POST /v1/hooks/databricks and wakes each parked export; polls only as the safety net, 60 s apart).
 * Figures: hand-off lag (run end → import job queued) p50 / p95, and Databricks calls per run.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunningDatabricksEmulator, startDatabricksEmulator } from '@d2s/databricks-emulator';
import { closeQueues, loadConfig, openQueues, SyncService, sleep } from '@d2s/shared';
import { Redis } from 'ioredis';
import { freePort, type ManagedProcess, startService } from '../../scripts/dist/local-stack.js';
import { type BenchmarkResult, figure } from './report.js';
import { round, summarize } from './stats.js';
import {
  BENCH_PAT,
  BENCH_TOKEN,
  benchPrefix,
  datasetYaml,
  fixedDurationJobFixture,
  handedOffRuns,
  deletePrefix,
  serviceEnv,
  startApi,
  tempDir,
  until,
  writeConfig,
} from './support.js';

export interface PushOptions {
  redisUrl: string;
  runs: number;
  runMs: { pending: number; running: number; terminating: number };
  /** The polling baseline's schedule (workers.export). */
  poll: { pollInitialMs: number; pollMaxMs: number; pollGrowth: number };
  /** The safety-net schedule while push is on (databricks.webhook). */
  pushPollMs: number;
  /** Sync requests per second, in both phases. */
  arrivalsPerSecond: number;
}

const JOB_ID = 3101;
const DATASET = 'bench_push';
const HOOK_USER = 'bench-hook';
const HOOK_PASSWORD = 'bench-hook-password';

interface PhaseResult {
  runs: number;
  lagMs: ReturnType<typeof summarize>;
  callsPerRun: number;
  runNowCalls: number;
  getRunCalls: number;
  otherCalls: number;
  notificationsDelivered: number;
  /** Run end → the emulator's first POST of its end notice (push only). */
  noticeSentMs?: ReturnType<typeof summarize>;
  /** How long the API took to answer the end notice (receive + wake). */
  hookAnswerMs?: ReturnType<typeof summarize>;
}

export async function benchPush(options: PushOptions): Promise<BenchmarkResult> {
  const started = Date.now();
  const dir = await tempDir('push');
  const fixture = fixedDurationJobFixture({ jobId: JOB_ID, name: 'bench-pushed', runs: options.runs }, options.runMs);
  const databricks = await startDatabricksEmulator({ port: 0, fixture, objectStoreRoot: dir.path, timeScale: 1 });
  const common = `log: { level: warn }
redis: { onUnsafeEvictionPolicy: warn }
api: { rateLimit: { mutatingPerMinute: 1000000 } }
databricks: { requestTimeoutMs: 10000, retryBudgetMs: 60000, maxRequestsPerSecond: 500, maxConcurrentRequests: 32 }
workers:
  export: { concurrency: 10, pollInitialMs: ${options.poll.pollInitialMs}, pollMaxMs: ${options.poll.pollMaxMs}, pollGrowth: ${options.poll.pollGrowth} }
datasets:
${datasetYaml(DATASET, JOB_ID)}`;
  const pollingConfig = await writeConfig(dir.path, common);
  const pushConfig = join(dir.path, 'd2s.push.yaml');
  await writeFile(
    pushConfig,
    common.replace(
      'databricks: {',
      `databricks: { webhook: { username: ${HOOK_USER}, pollInitialMs: ${options.pushPollMs}, pollMaxMs: ${options.pushPollMs} },`,
    ),
  );
  try {
    const phase = (kind: 'push' | 'polling', configPath: string) =>
      runPhase({
        kind,
        runs: options.runs,
        redisUrl: options.redisUrl,
        configPath,
        databricks,
        arrivalsPerSecond: options.arrivalsPerSecond,
      });
    const polling = await phase('polling', pollingConfig);
    await databricks.admin.reset();
    const push = await phase('push', pushConfig);
    const runMsTotal = options.runMs.pending + options.runMs.running + options.runMs.terminating;
    return {
      id: 'push',
      title: 'Completion pushed (export worker + API webhook)',
      status: 'measured',
      baseline: `the same ${options.runs} syncs and runs with polling alone (workers.export poll ${options.poll.pollInitialMs} → ${options.poll.pollMaxMs} ms, growth ${options.poll.pollGrowth}), same worker, same Databricks client settings`,
      figures: [
        figure(
          'hand-off lag p50 (run end → import job queued)',
          'ms',
          push.lagMs.p50,
          polling.lagMs.p50,
          'lower',
          round,
        ),
        figure('hand-off lag p95', 'ms', push.lagMs.p95, polling.lagMs.p95, 'lower', round),
        figure('Databricks calls per run', 'calls', push.callsPerRun, polling.callsPerRun, 'lower', round),
      ],
      settings: {
        runs: options.runs,
        runMs: runMsTotal,
        arrivalsPerSecond: options.arrivalsPerSecond,
        runPhasesMs: options.runMs,
        'workers.export': options.poll,
        'databricks.webhook.pollInitialMs/pollMaxMs': options.pushPollMs,
      },
      raw: { push: roundPhase(push), polling: roundPhase(polling) },
      notes: [
        `${options.runs} syncs requested through SyncService at ${options.arrivalsPerSecond} a second while ONE apps/export-worker process (real entry point) triggers and tracks them; the import worker is not running, so the import job's BullMQ timestamp is the hand-off time. Run end = the emulator's runs/get end_time.`,
        `Push: the real API process receives the emulator's jobs.on_success notifications (a generic webhook destination with basic auth, attached with jobs/update to on_success and on_failure, as d2s setup webhook does) and promotes each parked export; the emulator sends a notification on the tick (25 ms) that sees the run end. ${push.notificationsDelivered} notifications delivered; raw.push.noticeSentAfterRunEndMs and hookAnswerMs show where the lag goes.`,
        'Databricks calls are counted by the emulator request log (run-now + runs/get + anything else) after the destination was set up, divided by the runs.',
      ],
      elapsedMs: Date.now() - started,
    };
  } finally {
    await databricks.close();
    await dir.remove();
  }
}

async function runPhase(input: {
  kind: 'push' | 'polling';
  runs: number;
  redisUrl: string;
  configPath: string;
  arrivalsPerSecond: number;
  databricks: RunningDatabricksEmulator;
}): Promise<PhaseResult> {
  const { kind, runs, databricks } = input;
  const prefix = benchPrefix(`push-${kind}`);
  const env = serviceEnv({
    D2S_CONFIG: input.configPath,
    REDIS_URL: input.redisUrl,
    D2S_QUEUE_PREFIX: prefix,
    DATABRICKS_HOST: databricks.url,
    DATABRICKS_TOKEN: BENCH_PAT,
    D2S_API_TOKENS: BENCH_TOKEN,
    D2S_DATABRICKS_WEBHOOK_PASSWORD: HOOK_PASSWORD,
  });
  const config = loadConfig({ env });
  const redis = new Redis(input.redisUrl, { maxRetriesPerRequest: 1 });
  const queues = openQueues(redis, prefix);
  const syncs = new SyncService({ config, exportQueue: queues.export, importQueue: queues.import, redis });
  let api: ManagedProcess | undefined;
  let worker: ManagedProcess | undefined;
  try {
    if (kind === 'push') {
      const port = await freePort();
      api = await startApi(env, port);
      await attachDestination(databricks, `http://127.0.0.1:${port}/v1/hooks/databricks`);
    }
    databricks.requestLog.clear();
    worker = startService('export-worker', env);
    // Requests arrive at a steady rate, the same in both phases, so runs end spread out as they would in use
    // rather than all in one instant (a burst measures the machine's scheduler more than the hand-off).
    const spacingMs = 1000 / input.arrivalsPerSecond;
    for (let i = 0; i < runs; i++) {
      await syncs.create({ dataset: DATASET, origin: 'bench' });
      await sleep(spacingMs);
    }
    await until(
      `${runs} hand-offs to the import queue (${kind})`,
      async () => {
        if (worker?.child.exitCode !== null)
          throw new Error(`the export worker exited: ${worker?.output().slice(-2000)}`);
        const failed = (await queues.export.getJobCounts('failed')).failed ?? 0;
        if (failed > 0) throw new Error(`${failed} export jobs failed (${kind}): ${worker?.output().slice(-2000)}`);
        return (await queues.import.count()) >= runs;
      },
      300_000,
      100,
    );
    const entries = databricks.requestLog.entries();
    const handoffs = await queues.import.getJobs(['wait', 'prioritized', 'delayed'], 0, -1);
    const ends = (await handedOffRuns(databricks.url, handoffs)).map((run) => run.end_time);
    const lags = handoffs.map((job, i) => job.timestamp - (ends[i] ?? Number.NaN));
    const notices = databricks.admin.notifications().filter((n) => n.event_type !== 'jobs.on_start');
    const endOf = new Map(handoffs.map((job, i) => [Number((job.data as { runId: number }).runId), ends[i] ?? 0]));
    const sent = notices.map((n) => (n.attempts[0]?.at ?? Number.NaN) - (endOf.get(n.run_id) ?? Number.NaN));
    const answered = notices.map((n) => n.attempts.at(-1)?.durationMs ?? Number.NaN);
    const count = (route: string) => entries.filter((e) => e.route === route).length;
    const runNowCalls = count('jobs/run-now');
    const getRunCalls = count('jobs/runs/get');
    return {
      runs: handoffs.length,
      lagMs: summarize(lags),
      callsPerRun: entries.length / handoffs.length,
      runNowCalls,
      getRunCalls,
      otherCalls: entries.length - runNowCalls - getRunCalls,
      notificationsDelivered: databricks.admin.notifications().filter((n) => n.outcome === 'delivered').length,
      ...(notices.length > 0 ? { noticeSentMs: summarize(sent), hookAnswerMs: summarize(answered) } : {}),
    };
  } finally {
    await worker?.stop('SIGTERM');
    await api?.stop('SIGTERM');
    await closeQueues(queues);
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
}

/** What `d2s setup webhook` does, over plain HTTP: a generic webhook destination, attached to the job's ends. */
async function attachDestination(databricks: RunningDatabricksEmulator, url: string): Promise<void> {
  const call = async (path: string, body: unknown) => {
    const response = await fetch(`${databricks.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BENCH_PAT}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const destination = await call('/api/2.0/notification-destinations', {
    display_name: 'd2s bench',
    config: { generic_webhook: { url, username: HOOK_USER, password: HOOK_PASSWORD } },
  });
  const each = [{ id: destination.id }];
  await call('/api/2.2/jobs/update', {
    job_id: JOB_ID,
    // The events d2s setup webhook attaches: only a run's end wakes an export.
    new_settings: { webhook_notifications: { on_success: each, on_failure: each } },
  });
}

function roundPhase(p: PhaseResult) {
  return {
    runs: p.runs,
    handoffLagMs: Object.fromEntries(Object.entries(p.lagMs).map(([k, v]) => [k, round(v)])),
    databricksCalls: {
      runNow: p.runNowCalls,
      runsGet: p.getRunCalls,
      other: p.otherCalls,
      perRun: round(p.callsPerRun),
    },
    notificationsDelivered: p.notificationsDelivered,
    ...(p.noticeSentMs ? { noticeSentAfterRunEndMs: roundStats(p.noticeSentMs) } : {}),
    ...(p.hookAnswerMs ? { hookAnswerMs: roundStats(p.hookAnswerMs) } : {}),
  };
}

function roundStats(stats: ReturnType<typeof summarize>) {
  return Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, round(v)]));
}
