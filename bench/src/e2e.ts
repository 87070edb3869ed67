/**
 * Benchmark 4, end-to-end overhead of a demo sync: the demo's stack (the real
 * API, export and import worker processes with the repo's d2s.config.yaml;
 * both emulators in this process), a few sequential syncs of shared_forecasts
 * requested over HTTP and followed over SSE. As in the demo's cross-checks,
 * overhead = end to end − the Databricks run (runs/get end − start) − COPY time
 * (the emulator's query log); the baseline is run + COPY, the time d2s cannot
 * avoid, so the ratio is end to end ÷ (run + COPY).
 */
import { join } from 'node:path';
import { sandboxFixturePath, startDatabricksEmulator } from '@d2s/databricks-emulator';
import { startSnowflakeSandbox } from '@d2s/snowflake-emulator';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { freePort, type ManagedProcess, ROOT, startService } from '../../scripts/dist/local-stack.js';
import { type BenchmarkResult, figure } from './report.js';
import { percentile, round } from './stats.js';
import { BENCH_TOKEN, benchPrefix, deletePrefix, serviceEnv, startApi, tempDir } from './support.js';

export interface EndToEndOptions {
  redisUrl: string;
  syncs: number;
}

interface SyncSample {
  syncId: string;
  endToEndMs: number;
  runMs: number;
  copyMs: number;
  overheadMs: number;
  /** Where the overhead went (ms), from the jobs' own timestamps: see OverheadSplit. */
  split: OverheadSplit;
}

/**
 * The overhead cut at the points the jobs record, so a change in d2s's own steps can be told apart from the poll
 * schedule's jitter: `trigger` POST → the Databricks run's start_time; `seen` run end_time → the export step that
 * saw it end was taken (the poll lag: the schedule, not d2s's work); `handOff` that step → the import job taken
 * (runs/get, the hand-off, the import queue); `import` the import job's time minus COPY; `report` import
 * finished → the SSE stream's final status.
 */
interface OverheadSplit {
  trigger: number;
  seen: number;
  handOff: number;
  import: number;
  report: number;
}

export async function benchEndToEnd(options: EndToEndOptions): Promise<BenchmarkResult> {
  const started = Date.now();
  const dir = await tempDir('e2e');
  const prefix = benchPrefix('e2e');
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
  const databricks = await startDatabricksEmulator({ port: 0, fixture: sandboxFixturePath, objectStoreRoot: dir.path });
  const snowflake = await startSnowflakeSandbox({
    port: 0,
    objectStoreRoot: dir.path,
    dataDir: join(dir.path, 'sandbox'),
  });
  const port = await freePort();
  const env = serviceEnv({
    D2S_CONFIG: join(ROOT, 'd2s.config.yaml'),
    REDIS_URL: options.redisUrl,
    D2S_QUEUE_PREFIX: prefix,
    D2S_API_TOKENS: BENCH_TOKEN,
    DATABRICKS_HOST: databricks.url,
    DATABRICKS_TOKEN: 'dapi-sandbox-token',
    D2S_MIRROR_OAUTH_CLIENT_SECRET: 'd2s-sandbox-secret',
    SNOWFLAKE_ACCESS_URL: snowflake.emulator.url,
    SNOWFLAKE_PRIVATE_KEY_PATH: snowflake.privateKeyPath,
  });
  const services: ManagedProcess[] = [];
  const queues = {
    export: new Queue('export', { connection: redis, prefix }),
    import: new Queue('import', { connection: redis, prefix }),
  };
  try {
    services.push(startService('export-worker', env), startService('import-worker', env));
    services.push(await startApi(env, port));
    const api = `http://127.0.0.1:${port}`;
    // One warm-up sync (Snowflake login, stage and table creation), not counted.
    const queries = snowflake.emulator.queryLog.entries.bind(snowflake.emulator.queryLog);
    await oneSync(api, databricks.url, queries, queues);
    const samples: SyncSample[] = [];
    for (let i = 0; i < options.syncs; i++) samples.push(await oneSync(api, databricks.url, queries, queues));
    const p50 = (pick: (s: SyncSample) => number) => percentile(samples.map(pick), 50);
    const ratios = samples.map((s) => s.endToEndMs / (s.runMs + s.copyMs));
    return {
      id: 'e2e',
      title: 'End-to-end demo sync',
      status: 'measured',
      baseline:
        'the emulated Databricks run time + the COPY time of the same sync (what d2s cannot avoid); ratio = end to end ÷ (run + COPY), p50 over the syncs',
      figures: [
        figure(
          'end to end p50 (vs run + COPY p50)',
          'ms',
          p50((s) => s.endToEndMs),
          p50((s) => s.runMs + s.copyMs),
          'lower',
          round,
        ),
        figure(
          'overhead p50 (vs run + COPY p50)',
          'ms',
          p50((s) => s.overheadMs),
          p50((s) => s.runMs + s.copyMs),
          'lower',
          round,
        ),
      ],
      settings: {
        syncs: options.syncs,
        warmupSyncs: 1,
        config: "d2s.config.yaml (the demo's), Databricks sandbox fixture at timeScale 1",
        'workers.export': 'pollInitialMs 1000, pollMaxMs 10000, pollGrowth 1.5 (from d2s.config.yaml)',
      },
      raw: {
        samples: samples.map((s) => ({ ...s, ratio: round(s.endToEndMs / (s.runMs + s.copyMs)) })),
        ratioP50: round(percentile(ratios, 50)),
        splitP50: Object.fromEntries(
          (Object.keys(samples[0]?.split ?? {}) as (keyof OverheadSplit)[]).map((k) => [k, p50((s) => s.split[k])]),
        ),
      },
      notes: [
        'End to end = POST /v1/syncs until the SSE stream reports the final status (what a webapp sees), as in `npm run demo`.',
        'Most of the overhead is the poll schedule: a run that ends just after a poll is seen at the next one (the demo config polls at ~1, 2.5, 4.75, 8.1 s … ±20 % jitter).',
        "raw.samples[].split cuts each overhead at the jobs' timestamps (trigger, seen = the poll lag, handOff = the last export step and the import queue, import − COPY, report = SSE); raw.splitP50 is each part's p50.",
        'API, export worker and import worker are child processes (NODE_ENV=production, LOG_LEVEL=warn); both emulators run in the benchmark process.',
      ],
      elapsedMs: Date.now() - started,
    };
  } finally {
    await Promise.all([queues.export.close(), queues.import.close()]);
    for (const service of services.reverse()) await service.stop('SIGTERM');
    await snowflake.emulator.close();
    await databricks.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await dir.remove();
  }
}

type QueryEntries = () => readonly { sql: string; queryTag: string; startedAt: Date; endedAt: Date | null }[];

async function oneSync(
  api: string,
  databricksUrl: string,
  queries: QueryEntries,
  queues: { export: Queue; import: Queue },
): Promise<SyncSample> {
  const headers = { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' };
  const t = Date.now();
  const created = await fetch(`${api}/v1/syncs`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ dataset: 'shared_forecasts' }),
  });
  const sync = (await created.json()) as { id: string };
  if (created.status !== 202 && created.status !== 201)
    throw new Error(`POST /v1/syncs answered ${created.status}: ${JSON.stringify(sync)}`);
  const final = await followToEnd(`${api}/v1/syncs/${sync.id}/events`, headers.authorization);
  const endToEndMs = Date.now() - t;
  if (final.status !== 'succeeded')
    throw new Error(`sync ${sync.id} ended ${final.status}: ${JSON.stringify(final.error)}`);
  const run = (await (
    await fetch(`${databricksUrl}/api/2.2/jobs/runs/get?run_id=${final.databricks.runId}`, {
      headers: { authorization: 'Bearer dapi-sandbox-token' },
    })
  ).json()) as { start_time: number; end_time: number };
  const runMs = run.end_time - run.start_time;
  const copyMs = queries()
    .filter((q) => q.queryTag === `d2s:sync:${sync.id}` && /^\s*COPY/i.test(q.sql) && q.endedAt)
    .reduce((sum, q) => sum + ((q.endedAt as Date).getTime() - q.startedAt.getTime()), 0);
  const [exportJob, importJob] = await Promise.all([queues.export.getJob(sync.id), queues.import.getJob(sync.id)]);
  // processedOn is when a job's latest attempt (for the export job: its last step) was taken.
  const lastPoll = exportJob?.processedOn ?? Number.NaN;
  const importStart = importJob?.processedOn ?? Number.NaN;
  const importEnd = importJob?.finishedOn ?? Number.NaN;
  const split: OverheadSplit = {
    trigger: run.start_time - t,
    seen: lastPoll - run.end_time,
    handOff: importStart - lastPoll,
    import: importEnd - importStart - copyMs,
    report: t + endToEndMs - importEnd,
  };
  return { syncId: sync.id, endToEndMs, runMs, copyMs, overheadMs: endToEndMs - runMs - copyMs, split };
}

interface StatusEvent {
  status: string;
  databricks: { runId?: number };
  error: unknown;
}

/** Reads the SSE stream until it ends; returns the last `status` event. */
async function followToEnd(url: string, authorization: string): Promise<StatusEvent> {
  const response = await fetch(url, {
    headers: { authorization, accept: 'text/event-stream' },
    signal: AbortSignal.timeout(120_000),
  });
  if (!response.ok || !response.body) throw new Error(`GET ${url} answered ${response.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  let last: StatusEvent | undefined;
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const lines = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      const data = lines.find((l) => l.startsWith('data: '));
      if (data && lines.includes('event: status')) last = JSON.parse(data.slice(6)) as StatusEvent;
    }
  }
  if (!last) throw new Error('the event stream ended without a status');
  return last;
}
