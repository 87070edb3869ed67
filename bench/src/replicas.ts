/**
 * Benchmark: export throughput with one and with three export-worker replicas, on a single Redis and on a
 * real local Redis Cluster (three primaries, three replicas). The same N syncs over emulated Databricks runs of
 * a fixed length in every phase; the figure is runs finished per second (first run start → last hand-off).
 * Each worker has few slots, so slots (and the worker's own CPU) are what replicas add; the Databricks client's
 * rate limit is set far above what is reached, so it limits neither phase.
 */
import { type RunningDatabricksEmulator, startDatabricksEmulator } from '@d2s/databricks-emulator';
import { closeQueues, loadConfig, openQueues, SyncService, waitForRedis } from '@d2s/shared';
import type { Redis } from 'ioredis';
import { connectTestRedis, startRedisCluster, testRedisEnv } from '@d2s/testkit/redis-cluster';
import { type ManagedProcess, startService } from '../../scripts/dist/local-stack.js';
import { type BenchmarkResult, figure } from './report.js';
import { round, summarize } from './stats.js';
import {
  BENCH_PAT,
  benchPrefix,
  datasetYaml,
  fixedDurationJobFixture,
  handedOffRuns,
  deletePrefix,
  mapLimit,
  serviceEnv,
  tempDir,
  until,
  writeConfig,
} from './support.js';

export interface ReplicaOptions {
  redisUrl: string;
  runs: number;
  replicas: number;
  slotsPerWorker: number;
  runMs: { pending: number; running: number; terminating: number };
  poll: { pollInitialMs: number; pollMaxMs: number; pollGrowth: number };
}

const JOB_ID = 3201;
const DATASET = 'bench_replicas';

interface PhaseResult {
  backend: 'redis' | 'cluster';
  workers: number;
  runs: number;
  runsPerSecond: number;
  makespanMs: number;
  lagMs: ReturnType<typeof summarize>;
}

export async function benchReplicas(options: ReplicaOptions): Promise<BenchmarkResult> {
  const started = Date.now();
  const dir = await tempDir('replicas');
  const runMsTotal = options.runMs.pending + options.runMs.running + options.runMs.terminating;
  const fixture = fixedDurationJobFixture({ jobId: JOB_ID, name: 'bench-replicas', runs: options.runs }, options.runMs);
  const databricks = await startDatabricksEmulator({ port: 0, fixture, objectStoreRoot: dir.path, timeScale: 1 });
  const configPath = await writeConfig(
    dir.path,
    `log: { level: warn }
redis: { onUnsafeEvictionPolicy: warn }
databricks: { requestTimeoutMs: 10000, retryBudgetMs: 60000, maxRequestsPerSecond: 5000, maxConcurrentRequests: 64 }
workers:
  export: { concurrency: ${options.slotsPerWorker}, pollInitialMs: ${options.poll.pollInitialMs}, pollMaxMs: ${options.poll.pollMaxMs}, pollGrowth: ${options.poll.pollGrowth} }
datasets:
${datasetYaml(DATASET, JOB_ID)}`,
  );
  const cluster = await startRedisCluster();
  try {
    const phases: PhaseResult[] = [];
    for (const [backend, redisUrl] of [
      ['redis', options.redisUrl],
      ['cluster', cluster.url],
    ] as const) {
      for (const workers of [1, options.replicas]) {
        await databricks.admin.reset();
        phases.push(await runPhase({ backend, redisUrl, workers, runs: options.runs, configPath, databricks }));
      }
    }
    const find = (backend: PhaseResult['backend'], workers: number) =>
      phases.find((p) => p.backend === backend && p.workers === workers) as PhaseResult;
    const n = options.replicas;
    return {
      id: 'replicas',
      title: 'Export worker replicas (Redis and Redis Cluster)',
      status: 'measured',
      baseline: `the same ${options.runs} syncs with ONE export worker on the same backend (and, for the Cluster row, ${n} workers on the single Redis)`,
      figures: [
        figure(
          `runs finished per second, ${n} replicas vs 1 (Redis)`,
          'runs/s',
          find('redis', n).runsPerSecond,
          find('redis', 1).runsPerSecond,
          'higher',
          round,
        ),
        figure(
          `runs finished per second, ${n} replicas vs 1 (Redis Cluster)`,
          'runs/s',
          find('cluster', n).runsPerSecond,
          find('cluster', 1).runsPerSecond,
          'higher',
          round,
        ),
        figure(
          `runs finished per second, Redis Cluster vs single Redis (${n} replicas)`,
          'runs/s',
          find('cluster', n).runsPerSecond,
          find('redis', n).runsPerSecond,
          'higher',
          round,
        ),
      ],
      settings: {
        runs: options.runs,
        replicas: n,
        slotsPerWorker: options.slotsPerWorker,
        runMs: runMsTotal,
        'workers.export': options.poll,
        cluster: '3 primaries + 3 replicas, local redis-server processes',
      },
      raw: Object.fromEntries(
        phases.map((p) => [
          `${p.backend}-${p.workers}`,
          {
            runs: p.runs,
            runsPerSecond: round(p.runsPerSecond),
            makespanMs: p.makespanMs,
            handoffLagMs: Object.fromEntries(Object.entries(p.lagMs).map(([k, v]) => [k, round(v)])),
          },
        ]),
      ),
      notes: [
        `${options.runs} syncs enqueued at once through SyncService, then 1 or ${n} apps/export-worker processes (real entry point, ${options.slotsPerWorker} slots each) trigger and poll them; the import worker is not running, so the import job's timestamp is the hand-off time. Every run lasts ${runMsTotal} ms in the emulator.`,
        'Throughput = runs ÷ (first run start → last hand-off). On this 2-core machine three worker processes share the same two cores as Redis, the emulator and the benchmark, so the replica ratio shows what slots add under that contention, not a cloud deployment’s scaling.',
      ],
      elapsedMs: Date.now() - started,
    };
  } finally {
    await cluster.stop();
    await databricks.close();
    await dir.remove();
  }
}

async function runPhase(input: {
  backend: PhaseResult['backend'];
  redisUrl: string;
  workers: number;
  runs: number;
  configPath: string;
  databricks: RunningDatabricksEmulator;
}): Promise<PhaseResult> {
  const { runs, databricks } = input;
  const prefix = benchPrefix(`replicas-${input.backend}-${input.workers}`);
  const env = serviceEnv({
    D2S_CONFIG: input.configPath,
    ...testRedisEnv(input.redisUrl),
    D2S_QUEUE_PREFIX: prefix,
    DATABRICKS_HOST: databricks.url,
    DATABRICKS_TOKEN: BENCH_PAT,
  });
  const config = loadConfig({ env });
  const redis = connectTestRedis(input.redisUrl, 'producer', 'bench-replicas');
  // The producer profile queues nothing while disconnected: wait until it is ready (a Cluster takes a moment).
  await waitForRedis(redis);
  const queues = openQueues(redis, prefix);
  const syncs = new SyncService({ config, exportQueue: queues.export, importQueue: queues.import, redis });
  const workers: ManagedProcess[] = [];
  try {
    await mapLimit(
      Array.from({ length: runs }, (_, i) => i),
      32,
      () => syncs.create({ dataset: DATASET, origin: 'bench' }),
    );
    for (let i = 0; i < input.workers; i++) workers.push(startService('export-worker', env));
    await until(
      `${runs} hand-offs with ${input.workers} worker(s) on ${input.backend}`,
      async () => {
        const dead = workers.find((w) => w.child.exitCode !== null);
        if (dead) throw new Error(`an export worker exited: ${dead.output().slice(-2000)}`);
        return (await queues.import.count()) >= runs;
      },
      300_000,
      100,
    );
    const handoffs = await queues.import.getJobs(['wait', 'prioritized', 'delayed'], 0, -1);
    const views = await handedOffRuns(databricks.url, handoffs);
    const firstStart = views.reduce((min, v) => Math.min(min, v.start_time), Number.POSITIVE_INFINITY);
    const lastHandoff = handoffs.reduce((max, job) => Math.max(max, job.timestamp), 0);
    const makespanMs = lastHandoff - firstStart;
    return {
      backend: input.backend,
      workers: input.workers,
      runs: handoffs.length,
      runsPerSecond: handoffs.length / (makespanMs / 1000),
      makespanMs,
      lagMs: summarize(handoffs.map((job, i) => job.timestamp - (views[i]?.end_time ?? Number.NaN))),
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop('SIGTERM')));
    await closeQueues(queues);
    // The Cluster is thrown away after the benchmark; the single Redis may be shared, so its keys are deleted.
    if (input.backend === 'redis') await deletePrefix(redis as Redis, prefix);
    redis.disconnect();
  }
}
