/**
 * Benchmark 2, runs in flight: N syncs whose emulated Databricks runs last a
 * fixed time, tracked by ONE real export-worker process with a few slots (the
 * step-job pattern: a poll is a short step, the job waits in `delayed`), versus
 * a baseline worker process that holds a slot per run while it polls, with the
 * same poll delays, slots and Databricks client settings. The baseline needs
 * ~N/slots × run time, so it runs a smaller N and the figures are per run.
 */
import { type RunningDatabricksEmulator, startDatabricksEmulator } from '@d2s/databricks-emulator';
import { closeQueues, loadConfig, openQueues, SyncService } from '@d2s/shared';
import { Redis } from 'ioredis';
import { type ManagedProcess, startProcess, startService } from '../../scripts/dist/local-stack.js';
import { type BenchmarkResult, figure } from './report.js';
import { round, summarize } from './stats.js';
import {
  BENCH_PAT,
  benchPrefix,
  datasetYaml,
  handedOffRuns,
  fixedDurationJobFixture,
  deletePrefix,
  MB,
  mapLimit,
  sampleRss,
  serviceEnv,
  tempDir,
  until,
  writeConfig,
} from './support.js';

export interface RunsOptions {
  redisUrl: string;
  runs: number;
  baselineRuns: number;
  slots: number;
  runMs: { pending: number; running: number; terminating: number };
  poll: { pollInitialMs: number; pollMaxMs: number; pollGrowth: number };
  databricks: { maxRequestsPerSecond: number; maxConcurrentRequests: number };
}

const JOB_ID = 3001;
const DATASET = 'bench_runs';

interface PhaseResult {
  runs: number;
  lagMs: ReturnType<typeof summarize>;
  runDurationMs: ReturnType<typeof summarize>;
  runNowCalls: number;
  getRunCalls: number;
  otherCalls: number;
  callsPerRun: number;
  /** First run-now to the last hand-off. */
  makespanMs: number;
  peakRssBytes: number;
  firstRssBytes: number;
  rssSamples: number;
}

export async function benchRunsInFlight(options: RunsOptions): Promise<BenchmarkResult> {
  const started = Date.now();
  const dir = await tempDir('runs');
  const runMsTotal = options.runMs.pending + options.runMs.running + options.runMs.terminating;
  const fixture = fixedDurationJobFixture(
    { jobId: JOB_ID, name: 'bench-fixed-duration', runs: options.runs, queueEnabled: true },
    options.runMs,
  );
  const databricks = await startDatabricksEmulator({ port: 0, fixture, objectStoreRoot: dir.path, timeScale: 1 });
  const configPath = await writeConfig(
    dir.path,
    `log: { level: warn }
redis: { onUnsafeEvictionPolicy: warn }
databricks:
  requestTimeoutMs: 10000
  retryBudgetMs: 60000
  maxRequestsPerSecond: ${options.databricks.maxRequestsPerSecond}
  maxConcurrentRequests: ${options.databricks.maxConcurrentRequests}
workers:
  export: { concurrency: ${options.slots}, pollInitialMs: ${options.poll.pollInitialMs}, pollMaxMs: ${options.poll.pollMaxMs}, pollGrowth: ${options.poll.pollGrowth} }
datasets:
${datasetYaml(DATASET, JOB_ID)}`,
  );
  try {
    const phase = (kind: 'd2s' | 'baseline', runs: number, timeoutMs: number) =>
      runPhase({ kind, runs, timeoutMs, redisUrl: options.redisUrl, configPath, databricks });
    const d2s = await phase('d2s', options.runs, 300_000);
    await databricks.admin.reset();
    const waves = Math.ceil(options.baselineRuns / options.slots);
    const baseline = await phase(
      'baseline',
      options.baselineRuns,
      waves * (runMsTotal + options.poll.pollMaxMs) * 2 + 60_000,
    );

    const perRun = (p: PhaseResult) => p.makespanMs / p.runs;
    return {
      id: 'runs',
      title: 'Runs in flight (export worker)',
      status: 'measured',
      baseline: `a worker process that holds one slot per run while it polls (run-now, then getRun + sleep inside the job), same poll delays, same ${options.slots} slots, same Databricks client settings, over ${options.baselineRuns} runs (it needs ~runs/slots × run time, so a smaller N; figures are per run)`,
      figures: [
        figure(
          'hand-off lag p50 (run end → import job queued)',
          'ms',
          d2s.lagMs.p50,
          baseline.lagMs.p50,
          'lower',
          round,
        ),
        figure('hand-off lag p95', 'ms', d2s.lagMs.p95, baseline.lagMs.p95, 'lower', round),
        figure('Databricks calls per run', 'calls', d2s.callsPerRun, baseline.callsPerRun, 'lower', round),
        figure('wall time per run (makespan ÷ runs)', 'ms', perRun(d2s), perRun(baseline), 'lower', round),
        figure('worker peak RSS', 'MiB', d2s.peakRssBytes / MB, baseline.peakRssBytes / MB, 'lower', round),
      ],
      settings: {
        runs: options.runs,
        baselineRuns: options.baselineRuns,
        slots: options.slots,
        runMs: runMsTotal,
        runPhasesMs: options.runMs,
        'workers.export': options.poll,
        'databricks.maxRequestsPerSecond': options.databricks.maxRequestsPerSecond,
        'databricks.maxConcurrentRequests': options.databricks.maxConcurrentRequests,
        emulatorMaxConcurrentRuns: 10 * options.runs,
      },
      raw: { d2s: roundPhase(d2s), baseline: roundPhase(baseline) },
      notes: [
        `d2s: ${options.runs} syncs enqueued at once through SyncService, then ONE apps/export-worker process (real entry point, ${options.slots} slots) triggers and polls them all; the import worker is not running, so the import job's BullMQ timestamp is the hand-off time.`,
        `Run end = the emulator's runs/get end_time; every run lasts ${runMsTotal} ms (the emulator's max_concurrent_runs is ${10 * options.runs}, so none queues there). d2s's makespan ${(d2s.makespanMs / 1000).toFixed(1)} s for ${options.runs} runs; the baseline's ${(baseline.makespanMs / 1000).toFixed(1)} s for ${options.baselineRuns} (at that rate ${options.runs} runs would take ~${((perRun(baseline) * options.runs) / 1000).toFixed(0)} s).`,
        `Databricks calls are counted by the emulator's request log (run-now + runs/get + anything else), divided by the runs. The client's own rate limit: ${options.databricks.maxRequestsPerSecond} requests/s, ${options.databricks.maxConcurrentRequests} at once (both processes).`,
        `Memory is the worker process's RSS (VmRSS from /proc), sampled every 250 ms; the baseline only ever has ${options.slots} runs in hand, d2s ${options.runs} — so RSS is not per run.`,
      ],
      elapsedMs: Date.now() - started,
    };
  } finally {
    await databricks.close();
    await dir.remove();
  }
}

async function runPhase(input: {
  kind: 'd2s' | 'baseline';
  runs: number;
  timeoutMs: number;
  redisUrl: string;
  configPath: string;
  databricks: RunningDatabricksEmulator;
}): Promise<PhaseResult> {
  const { kind, runs, databricks } = input;
  const prefix = benchPrefix(`runs-${kind}`);
  const env = serviceEnv({
    D2S_CONFIG: input.configPath,
    REDIS_URL: input.redisUrl,
    D2S_QUEUE_PREFIX: prefix,
    DATABRICKS_HOST: databricks.url,
    DATABRICKS_TOKEN: BENCH_PAT,
  });
  const config = loadConfig({ env });
  const redis = new Redis(input.redisUrl, { maxRetriesPerRequest: 1 });
  const queues = openQueues(redis, prefix);
  const syncs = new SyncService({ config, exportQueue: queues.export, importQueue: queues.import, redis });
  const counts = new Map<string, number>();
  const drain = () => {
    // The request log keeps the last 10,000 entries: drain it often so no call goes uncounted.
    for (const entry of databricks.requestLog.entries()) counts.set(entry.route, (counts.get(entry.route) ?? 0) + 1);
    databricks.requestLog.clear();
  };
  let worker: ManagedProcess | undefined;
  try {
    await mapLimit(
      Array.from({ length: runs }, (_, i) => i),
      32,
      () => syncs.create({ dataset: DATASET, origin: 'bench' }),
    );
    databricks.requestLog.clear();
    const drainer = setInterval(drain, 200);
    worker =
      kind === 'd2s'
        ? startService('export-worker', env)
        : startProcess('bench-holding-worker', process.execPath, ['bench/dist/holding-worker.js'], { env });
    const rss = sampleRss(worker.child.pid);
    try {
      await until(
        `${runs} hand-offs to the import queue (${kind})`,
        async () => {
          if (worker?.child.exitCode !== null)
            throw new Error(`the ${kind} worker exited: ${worker?.output().slice(-2000)}`);
          const c = await queues.export.getJobCounts('failed');
          if ((c.failed ?? 0) > 0)
            throw new Error(`${c.failed} export jobs failed (${kind}): ${worker?.output().slice(-2000)}`);
          return (await queues.import.count()) >= runs;
        },
        input.timeoutMs,
        250,
      );
    } finally {
      clearInterval(drainer);
      drain();
    }
    const memory = rss.stop();
    await worker.stop('SIGTERM');

    const handoffs = await queues.import.getJobs(['wait', 'prioritized', 'delayed'], 0, -1);
    const views = await handedOffRuns(databricks.url, handoffs);
    const lags = handoffs.map((job, i) => job.timestamp - (views[i]?.end_time ?? Number.NaN));
    const runNowCalls = counts.get('jobs/run-now') ?? 0;
    const getRunCalls = counts.get('jobs/runs/get') ?? 0;
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const firstStart = views.reduce((min, v) => Math.min(min, v.start_time), Number.POSITIVE_INFINITY);
    const lastHandoff = handoffs.reduce((max, job) => Math.max(max, job.timestamp), 0);
    return {
      runs: handoffs.length,
      lagMs: summarize(lags),
      runDurationMs: summarize(views.map((v) => v.end_time - v.start_time)),
      runNowCalls,
      getRunCalls,
      otherCalls: total - runNowCalls - getRunCalls,
      callsPerRun: total / handoffs.length,
      makespanMs: lastHandoff - firstStart,
      peakRssBytes: memory.peakBytes,
      firstRssBytes: memory.firstBytes,
      rssSamples: memory.samples,
    };
  } finally {
    await worker?.stop('SIGTERM');
    await closeQueues(queues);
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
}

function roundPhase(p: PhaseResult) {
  const r = (s: Record<string, number>) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v)]));
  return {
    runs: p.runs,
    handoffLagMs: r({ ...p.lagMs }),
    runDurationMs: r({ ...p.runDurationMs }),
    databricksCalls: {
      runNow: p.runNowCalls,
      runsGet: p.getRunCalls,
      other: p.otherCalls,
      perRun: round(p.callsPerRun),
    },
    makespanMs: p.makespanMs,
    rssMiB: { first: round(p.firstRssBytes / MB), peak: round(p.peakRssBytes / MB), samples: p.rssSamples },
  };
}
