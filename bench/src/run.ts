/**
 * `npm run bench`: runs the benchmarks one after another on this machine
 * (loopback only, bounded), and writes bench/results/latest.json + latest.md.
 * Every figure is a ratio against a baseline measured in the same run.
 *
 *   node bench/dist/run.js [--only ingest,runs,push,replicas,mirror,e2e] [--out DIR]
 *
 * With --only (and no --out) the results go to a temporary directory, not bench/results.
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { arch, cpus, loadavg, platform, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureRedis, ROOT } from '../../scripts/dist/local-stack.js';
import { benchEndToEnd } from './e2e.js';
import { benchIngest } from './ingest.js';
import { benchMirror } from './mirror.js';
import { benchPush } from './push.js';
import { benchReplicas } from './replicas.js';
import { type BenchmarkResult, type Report, renderTable, writeReport } from './report.js';
import { benchRunsInFlight } from './runs-in-flight.js';

const ALL = ['ingest', 'runs', 'push', 'replicas', 'mirror', 'e2e'] as const;
type BenchId = (typeof ALL)[number];
const TITLES: Record<BenchId, string> = {
  ingest: 'API ingest (POST /v1/syncs)',
  runs: 'Runs in flight (export worker)',
  push: 'Completion pushed (export worker + API webhook)',
  replicas: 'Export worker replicas (Redis and Redis Cluster)',
  mirror: 'Mirror scale',
  e2e: 'End-to-end demo sync',
};

const { values: args } = parseArgs({
  options: { only: { type: 'string' }, out: { type: 'string' } },
});
const selected = (args.only ? args.only.split(',').map((s) => s.trim()) : [...ALL]) as BenchId[];
for (const id of selected)
  if (!ALL.includes(id)) throw new Error(`unknown benchmark "${id}" (known: ${ALL.join(', ')})`);
// Only a full run replaces the committed results; a partial one (--only) writes to a temporary directory.
const outDir = args.out
  ? resolve(args.out)
  : args.only
    ? join(tmpdir(), 'd2s-bench-partial')
    : resolve(ROOT, 'bench/results');

const t0 = Date.now();
const say = (line: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}`);
const loadAverageAtStart = loadavg().map((n) => Number(n.toFixed(2)));

const stateDir = resolve(ROOT, '.d2s/redis');
await mkdir(stateDir, { recursive: true });
const redis = await ensureRedis(process.env, stateDir);
say(`Redis: ${redis.url}${redis.process ? ' (private redis-server)' : ''}`);

const runners: Record<BenchId, () => Promise<BenchmarkResult>> = {
  ingest: () => benchIngest({ redisUrl: redis.url, connections: 10, rounds: 6, sliceSeconds: 2, warmupSeconds: 4 }),
  runs: () =>
    benchRunsInFlight({
      redisUrl: redis.url,
      runs: 1000,
      baselineRuns: 30,
      slots: 10,
      runMs: { pending: 1000, running: 10_500, terminating: 500 },
      poll: { pollInitialMs: 2000, pollMaxMs: 4000, pollGrowth: 1.5 },
      databricks: { maxRequestsPerSecond: 500, maxConcurrentRequests: 32 },
    }),
  push: () =>
    benchPush({
      redisUrl: redis.url,
      runs: Number(process.env.D2S_BENCH_PUSH_RUNS ?? 100),
      runMs: { pending: 500, running: 2500, terminating: 500 },
      poll: { pollInitialMs: 2000, pollMaxMs: 4000, pollGrowth: 1.5 },
      pushPollMs: 60_000,
      arrivalsPerSecond: 10,
    }),
  replicas: () =>
    benchReplicas({
      redisUrl: redis.url,
      runs: 400,
      replicas: 3,
      slotsPerWorker: 2,
      runMs: { pending: 200, running: 1600, terminating: 200 },
      poll: { pollInitialMs: 500, pollMaxMs: 500, pollGrowth: 1 },
    }),
  mirror: () =>
    benchMirror({
      redisUrl: redis.url,
      // A smaller catalog on a loaded machine (the ratios are against same-run baselines): D2S_BENCH_MIRROR_SCHEMAS.
      schemas: Number(process.env.D2S_BENCH_MIRROR_SCHEMAS ?? 50),
      tablesPerSchema: 100,
      baselineSchemas: 3,
      statementLatencyMs: 50,
      parallelTables: 8,
      applyConcurrency: 32,
      databricks: { maxRequestsPerSecond: 500, maxConcurrentRequests: 16 },
    }),
  e2e: () => benchEndToEnd({ redisUrl: redis.url, syncs: 5 }),
};

const results: BenchmarkResult[] = [];
let failed = false;
try {
  for (const id of selected) {
    say(`${id}: starting`);
    const started = Date.now();
    try {
      const result = await runners[id]();
      results.push(result);
      say(
        `${id}: ${result.status}${result.reason ? ` (${result.reason})` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    } catch (error) {
      failed = true;
      const message = (error as Error).message.split('\n')[0] ?? String(error);
      say(`${id}: FAILED: ${(error as Error).stack ?? message}`);
      results.push(notMeasured(id, `the benchmark failed: ${message}`, Date.now() - started));
    }
  }
} finally {
  await redis.process?.stop('SIGTERM');
}

const report: Report = {
  generatedAt: new Date().toISOString(),
  commit: gitCommit(),
  machine: {
    node: process.version,
    platform: platform(),
    arch: arch(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    totalMemoryGiB: Number((totalmem() / 1024 ** 3).toFixed(1)),
    loadAverageAtStart,
    redis: redis.process ? 'private redis-server started by the benchmark' : 'the Redis at REDIS_URL (shared)',
  },
  command: `node bench/dist/run.js${args.only ? ` --only ${args.only}` : ''}`,
  elapsedMs: Date.now() - t0,
  benchmarks: results,
};
const written = await writeReport(outDir, report);
console.log(`\n${renderTable(report)}\n`);
say(`wrote ${written.json} and ${written.md}`);
process.exit(failed ? 1 : 0);

function notMeasured(id: BenchId, reason: string, elapsedMs: number): BenchmarkResult {
  return {
    id,
    title: TITLES[id],
    status: 'not measured',
    reason,
    baseline: '',
    figures: [],
    settings: {},
    raw: {},
    notes: [],
    elapsedMs,
  };
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return dirty.trim() ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}
