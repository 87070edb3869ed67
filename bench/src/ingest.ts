/**
 * Benchmark 1, API ingest: POST /v1/syncs under autocannon against the real API
 * process, versus a fair peer (bench/src/fair-peer.ts: a minimal Fastify route that
 * validates the same body and calls `queue.add` once, also its own process, same
 * autocannon settings), with a raw BullMQ `queue.add` loop at the same concurrency as
 * the floor. No workers run, so nothing is processed; everything lives under unique
 * queue prefixes that are deleted afterwards.
 */
import { performance } from 'node:perf_hooks';
import autocannon, { type Result } from 'autocannon';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { fileURLToPath } from 'node:url';
import { freePort, httpAnswers, type ManagedProcess, startProcess, waitFor } from '../../scripts/dist/local-stack.js';
import { type BenchmarkResult, figure } from './report.js';
import { percentile, round, summarize } from './stats.js';
import {
  BENCH_TOKEN,
  benchPrefix,
  datasetYaml,
  deletePrefix,
  serviceEnv,
  startApi,
  tempDir,
  writeConfig,
} from './support.js';

export interface IngestOptions {
  redisUrl: string;
  connections: number;
  /** Slices of load per side; the API and the peer take turns, so drifting machine load hits both alike. */
  rounds: number;
  sliceSeconds: number;
  warmupSeconds: number;
}

/** One side's load slices, summed. */
interface SideTotals {
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  p50s: number[];
  p99s: number[];
  maxMs: number;
}

export async function benchIngest(options: IngestOptions): Promise<BenchmarkResult> {
  const started = Date.now();
  const dir = await tempDir('ingest');
  const prefix = benchPrefix('ingest');
  const peerPrefix = benchPrefix('ingest-peer');
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
  const configPath = await writeConfig(
    dir.path,
    // The benchmark measures ingest, not the per-token limit on mutating requests.
    `log: { level: warn }\nredis: { onUnsafeEvictionPolicy: warn }\napi: { rateLimit: { mutatingPerMinute: 100000000 } }\ndatasets:\n${datasetYaml('bench_ingest', 2001)}`,
  );
  const port = await freePort();
  const api = await startApi(
    serviceEnv({
      D2S_CONFIG: configPath,
      REDIS_URL: options.redisUrl,
      D2S_QUEUE_PREFIX: prefix,
      D2S_API_TOKENS: BENCH_TOKEN,
    }),
    port,
  );
  let peer: ManagedProcess | undefined;
  try {
    const body = JSON.stringify({ dataset: 'bench_ingest' });
    const load = (url: string, headers: Record<string, string>) => (duration: number) =>
      autocannon({
        url,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
        connections: options.connections,
        duration,
      });
    const apiLoad = load(`http://127.0.0.1:${port}/v1/syncs`, { authorization: `Bearer ${BENCH_TOKEN}` });
    const peerPort = await freePort();
    peer = startFairPeer(options.redisUrl, peerPrefix, peerPort);
    await waitFor('the fair peer', () => httpAnswers(`http://127.0.0.1:${peerPort}/readyz`), 60_000, peer.output);
    const peerLoad = load(`http://127.0.0.1:${peerPort}/v1/syncs`, {});

    await apiLoad(options.warmupSeconds);
    await peerLoad(options.warmupSeconds);
    const apiTotals = emptyTotals();
    const peerTotals = emptyTotals();
    const roundRatios: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      // ABBA order: neither side always runs first (right after the other side's load, or on a warmer cache).
      const sides = round % 2 === 0 ? (['api', 'peer'] as const) : (['peer', 'api'] as const);
      const slice: Record<'api' | 'peer', Result | undefined> = { api: undefined, peer: undefined };
      for (const side of sides) slice[side] = await (side === 'api' ? apiLoad : peerLoad)(options.sliceSeconds);
      const [a, p] = [slice.api as Result, slice.peer as Result];
      addSlice(apiTotals, a, options.sliceSeconds);
      addSlice(peerTotals, p, options.sliceSeconds);
      roundRatios.push(round4(a['2xx'] / Math.max(1, p['2xx'])));
    }
    const created = await redis.zcard(`${prefix}:d2s:syncs`);
    for (const [name, totals] of [
      ['POST /v1/syncs', apiTotals],
      ['fair peer', peerTotals],
    ] as const) {
      if (totals.non2xx > 0 || totals.errors > 0)
        throw new Error(`${name}: ${totals.non2xx} non-2xx answers and ${totals.errors} errors under load`);
    }

    const raw = await rawAddLoop(options, redis, prefix);
    const apiRate = apiTotals.ok / apiTotals.seconds;
    const peerRate = peerTotals.ok / peerTotals.seconds;
    return {
      id: 'ingest',
      title: 'API ingest (POST /v1/syncs)',
      status: 'measured',
      baseline: `a fair peer: a minimal Fastify route in its own process that validates the same body (the API's CreateSyncBody) and calls \`queue.add\` once, under the same autocannon load (${options.connections} connections), taking turns with the API in ${options.rounds} rounds of ${options.sliceSeconds} s each; the floor is a raw BullMQ \`queue.add\` loop at the same concurrency from the benchmark process`,
      figures: [
        figure('throughput (vs the fair peer)', 'req/s', apiRate, peerRate, 'higher', round),
        figure('latency p50 (vs the fair peer)', 'ms', median(apiTotals.p50s), median(peerTotals.p50s), 'lower', round),
        figure('latency p99 (vs the fair peer)', 'ms', median(apiTotals.p99s), median(peerTotals.p99s), 'lower', round),
        figure('throughput (vs the raw queue.add floor)', 'req/s', apiRate, raw.rate, 'higher', round),
      ],
      settings: {
        connections: options.connections,
        rounds: options.rounds,
        sliceSeconds: options.sliceSeconds,
        warmupSeconds: options.warmupSeconds,
        dataset: 'singleActive: false, no parameters, no Idempotency-Key',
        api: 'apps/api/dist/main.js as a child process, NODE_ENV=production, LOG_LEVEL=warn',
      },
      raw: {
        api: { ...sideRaw(apiTotals), syncsIndexed: created },
        fairPeer: sideRaw(peerTotals),
        roundRatios,
        queueAdd: { adds: raw.count, perSecond: round(raw.rate), latencyMs: mapRound(raw.latency) },
      },
      notes: [
        'Each POST validates the body, creates a sync (an export job plus two index entries) and answers 202 with the sync view.',
        'The fair peer has no auth, rate limit, sync index, idempotency or sync view; the ratio against it prices exactly those.',
        `The API and the peer take turns (ABBA order), ${options.sliceSeconds} s of load each per round: on a shared machine whose load drifts, both sides see the same drift. Per-round ratios: ${roundRatios.join(', ')}.`,
        'autocannon runs in the benchmark process, the API and the peer each in their own process; the floor loop runs in the benchmark process. Warm-up requests are not counted.',
        "Latency figures are the median over the slices of each slice's percentile; autocannon reports whole milliseconds; the floor loop is timed with performance.now().",
      ],
      elapsedMs: Date.now() - started,
    };
  } finally {
    await peer?.stop('SIGTERM');
    await api.stop('SIGTERM');
    await deletePrefix(redis, prefix);
    await deletePrefix(redis, peerPrefix);
    redis.disconnect();
    await dir.remove();
  }
}

function emptyTotals(): SideTotals {
  return { ok: 0, non2xx: 0, errors: 0, timeouts: 0, seconds: 0, p50s: [], p99s: [], maxMs: 0 };
}

function addSlice(totals: SideTotals, result: Result, seconds: number): void {
  totals.ok += result['2xx'];
  totals.non2xx += result.non2xx;
  totals.errors += result.errors;
  totals.timeouts += result.timeouts;
  totals.seconds += seconds;
  totals.p50s.push(result.latency.p50);
  totals.p99s.push(result.latency.p99);
  totals.maxMs = Math.max(totals.maxMs, result.latency.max);
}

function sideRaw(totals: SideTotals) {
  return {
    requests2xx: totals.ok,
    non2xx: totals.non2xx,
    errors: totals.errors,
    timeouts: totals.timeouts,
    seconds: totals.seconds,
    latencyMs: { p50PerSlice: totals.p50s, p99PerSlice: totals.p99s, max: totals.maxMs },
  };
}

function median(values: readonly number[]): number {
  return percentile(values, 50);
}

function round4(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

/** The fair peer as its own process (like the API), so both are measured the same way. */
function startFairPeer(redisUrl: string, prefix: string, port: number): ManagedProcess {
  return startProcess('fair-peer', process.execPath, [fileURLToPath(new URL('./fair-peer.js', import.meta.url))], {
    env: { REDIS_URL: redisUrl, D2S_QUEUE_PREFIX: prefix, PORT: String(port), NODE_ENV: 'production' },
  });
}

/** `connections` concurrent loops of queue.add for as long as each side's load ran; per-call latency in ms. */
async function rawAddLoop(options: IngestOptions, redis: Redis, prefix: string) {
  const queue = new Queue('export', { connection: redis, prefix: `${prefix}-raw` });
  try {
    await queue.waitUntilReady();
    const latencies: number[] = [];
    let sequence = 0;
    const loop = async (deadline: number, record: boolean) => {
      while (performance.now() < deadline) {
        const id = `raw_${process.pid}_${sequence++}`;
        const t = performance.now();
        await queue.add('sync-export', jobData(id), {
          jobId: id,
          removeOnComplete: { age: 604800 },
          removeOnFail: { age: 604800 },
        });
        if (record) latencies.push(performance.now() - t);
      }
    };
    const floorSeconds = options.rounds * options.sliceSeconds;
    const lanes = (seconds: number, record: boolean) => {
      const deadline = performance.now() + seconds * 1000;
      return Promise.all(Array.from({ length: options.connections }, () => loop(deadline, record)));
    };
    await lanes(options.warmupSeconds, false);
    await lanes(floorSeconds, true);
    return { count: latencies.length, rate: latencies.length / floorSeconds, latency: summarize(latencies) };
  } finally {
    await queue.close();
    await deletePrefix(redis, `${prefix}-raw`);
  }
}

/** The shape SyncService.create stores for a sync-export job. */
function jobData(syncId: string) {
  const now = new Date().toISOString();
  return {
    request: {
      syncId,
      dataset: 'bench_ingest',
      parameters: {},
      attempt: 1,
      requestedAt: now,
      outputUrl: `s3://d2s-bench/exports/bench_ingest/${syncId}/`,
      stagePath: `bench_ingest/${syncId}/`,
      origin: 'api',
    },
    progress: { step: 'trigger', polls: 0 },
  };
}

function mapRound(summary: object): Record<string, number> {
  return Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, round(v)]));
}
