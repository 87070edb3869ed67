/**
 * Benchmark 1, API ingest: POST /v1/syncs under autocannon against the real API
 * process, versus a fair peer (bench/src/fair-peer.ts: a minimal Fastify route that
 * validates the same body and calls `queue.add` once, also its own process, same
 * autocannon settings), with a raw BullMQ `queue.add` loop at the same concurrency as
 * the floor. No workers run, so nothing is processed; everything lives under unique
 * queue prefixes that are deleted afterwards.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { fileURLToPath } from 'node:url';
import { freePort, httpAnswers, startProcess, waitFor } from '../../scripts/dist/local-stack.js';
import { type BenchmarkResult, figure } from './report.js';
import { round, summarize } from './stats.js';
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
  durationSeconds: number;
  warmupSeconds: number;
}

export async function benchIngest(options: IngestOptions): Promise<BenchmarkResult> {
  const started = Date.now();
  const dir = await tempDir('ingest');
  const prefix = benchPrefix('ingest');
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
  try {
    const request = {
      url: `http://127.0.0.1:${port}/v1/syncs`,
      method: 'POST' as const,
      headers: { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ dataset: 'bench_ingest' }),
      connections: options.connections,
    };
    await autocannon({ ...request, duration: options.warmupSeconds });
    const http = await autocannon({ ...request, duration: options.durationSeconds });
    const created = await redis.zcard(`${prefix}:d2s:syncs`);
    if (http.non2xx > 0 || http.errors > 0)
      throw new Error(`POST /v1/syncs: ${http.non2xx} non-2xx answers and ${http.errors} errors under load`);

    const peer = await fairPeerRun(options, request.body);
    const raw = await rawAddLoop(options, redis, prefix);
    const apiRate = http['2xx'] / options.durationSeconds;
    const peerRate = peer['2xx'] / options.durationSeconds;
    return {
      id: 'ingest',
      title: 'API ingest (POST /v1/syncs)',
      status: 'measured',
      baseline: `a fair peer: a minimal Fastify route in its own process that validates the same body (the API's CreateSyncBody) and calls \`queue.add\` once, under the same autocannon load (${options.connections} connections); the floor is a raw BullMQ \`queue.add\` loop at the same concurrency from the benchmark process`,
      figures: [
        figure('throughput (vs the fair peer)', 'req/s', apiRate, peerRate, 'higher', round),
        figure('latency p50 (vs the fair peer)', 'ms', http.latency.p50, peer.latency.p50, 'lower', round),
        figure('latency p99 (vs the fair peer)', 'ms', http.latency.p99, peer.latency.p99, 'lower', round),
        figure('throughput (vs the raw queue.add floor)', 'req/s', apiRate, raw.rate, 'higher', round),
      ],
      settings: {
        connections: options.connections,
        durationSeconds: options.durationSeconds,
        warmupSeconds: options.warmupSeconds,
        dataset: 'singleActive: false, no parameters, no Idempotency-Key',
        api: 'apps/api/dist/main.js as a child process, NODE_ENV=production, LOG_LEVEL=warn',
      },
      raw: {
        api: {
          requests2xx: http['2xx'],
          non2xx: http.non2xx,
          errors: http.errors,
          timeouts: http.timeouts,
          requestsPerSecondAverage: http.requests.average,
          latencyMs: {
            p50: http.latency.p50,
            p90: http.latency.p90,
            p99: http.latency.p99,
            max: http.latency.max,
            mean: http.latency.mean,
          },
          syncsIndexed: created,
        },
        fairPeer: {
          requests2xx: peer['2xx'],
          non2xx: peer.non2xx,
          errors: peer.errors,
          latencyMs: { p50: peer.latency.p50, p90: peer.latency.p90, p99: peer.latency.p99, max: peer.latency.max },
        },
        queueAdd: { adds: raw.count, perSecond: round(raw.rate), latencyMs: mapRound(raw.latency) },
      },
      notes: [
        'Each POST validates the body, creates a sync (an export job plus two index entries) and answers 202 with the sync view.',
        'The fair peer has no auth, rate limit, sync index, idempotency or sync view; the ratio against it prices exactly those.',
        'autocannon runs in the benchmark process, the API and the peer each in their own process; the floor loop runs in the benchmark process. Warm-up requests are not counted.',
        'autocannon reports latency in whole milliseconds; the baseline loop is timed with performance.now().',
      ],
      elapsedMs: Date.now() - started,
    };
  } finally {
    await api.stop('SIGTERM');
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await dir.remove();
  }
}

/** The fair peer as its own process, under the same autocannon load as the API (warm-up not counted). */
async function fairPeerRun(options: IngestOptions, body: string) {
  const prefix = benchPrefix('ingest-peer');
  const port = await freePort();
  const peer = startProcess(
    'fair-peer',
    process.execPath,
    [fileURLToPath(new URL('./fair-peer.js', import.meta.url))],
    {
      env: { REDIS_URL: options.redisUrl, D2S_QUEUE_PREFIX: prefix, PORT: String(port), NODE_ENV: 'production' },
    },
  );
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
  try {
    await waitFor('the fair peer', () => httpAnswers(`http://127.0.0.1:${port}/readyz`), 60_000, peer.output);
    const request = {
      url: `http://127.0.0.1:${port}/v1/syncs`,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      body,
      connections: options.connections,
    };
    await autocannon({ ...request, duration: options.warmupSeconds });
    const result = await autocannon({ ...request, duration: options.durationSeconds });
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`fair peer: ${result.non2xx} non-2xx answers and ${result.errors} errors under load`);
    return result;
  } finally {
    await peer.stop('SIGTERM');
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
}

/** `connections` concurrent loops of queue.add for the same duration; per-call latency in ms. */
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
    const lanes = (seconds: number, record: boolean) => {
      const deadline = performance.now() + seconds * 1000;
      return Promise.all(Array.from({ length: options.connections }, () => loop(deadline, record)));
    };
    await lanes(options.warmupSeconds, false);
    await lanes(options.durationSeconds, true);
    return { count: latencies.length, rate: latencies.length / options.durationSeconds, latency: summarize(latencies) };
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
