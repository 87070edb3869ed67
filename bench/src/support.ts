/** Helpers the benchmarks share: queue prefixes, config files, child services, memory sampling. */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabricksFixture } from '@d2s/databricks-emulator';
import { sleep } from '@d2s/shared';
import type { Redis } from 'ioredis';
import {
  httpAnswers,
  type ManagedProcess,
  type ServiceName,
  startService,
  waitFor,
} from '../../scripts/dist/local-stack.js';

export const BENCH_TOKEN = 'd2s-bench-token';
/** The PAT in the benchmarks' own Databricks fixtures. */
export const BENCH_PAT = 'dapi-bench-token';

/** A hash-tagged queue prefix no one else uses; every key under it is deleted afterwards. */
export function benchPrefix(label: string): string {
  return `{d2s-bench-${label}-${randomUUID().slice(0, 8)}}`;
}

/** Deletes every key under a prefix (SCAN, never KEYS: the Redis may be shared). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

export async function tempDir(label: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `d2s-bench-${label}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A dataset block for a generated config: singleActive false, so every request creates a sync. */
export function datasetYaml(name: string, jobId: number): string {
  return `  ${name}:
    databricks: { jobId: ${jobId}, outputParameter: output_path }
    export: { s3Prefix: s3://d2s-bench/exports/${name}, maxRunDurationSeconds: 600 }
    snowflake:
      stage: { database: D2S_BENCH, schema: PUBLIC, name: BENCH_STAGE }
      stageUrl: s3://d2s-bench/exports/
      table: { database: D2S_BENCH, schema: PUBLIC, name: ${name.toUpperCase()} }
    singleActive: false
`;
}

export async function writeConfig(dir: string, yaml: string): Promise<string> {
  const path = join(dir, 'd2s.bench.yaml');
  await writeFile(path, yaml);
  return path;
}

/** Env for a d2s service child process: production logging (warn, JSON), no metrics port. */
export function serviceEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'production',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'warn',
    D2S_METRICS_PORT: '0',
    ...extra,
  };
}

export async function startApi(env: NodeJS.ProcessEnv, port: number): Promise<ManagedProcess> {
  const api = startService('api', { ...env, D2S_API_PORT: String(port) });
  await waitFor('the API', () => httpAnswers(`http://127.0.0.1:${port}/readyz`), 60_000, api.output);
  return api;
}

export function startWorkerProcess(name: ServiceName, env: NodeJS.ProcessEnv): ManagedProcess {
  return startService(name, env);
}

/** Resident set size of a process, in bytes, from /proc (Linux); undefined elsewhere or once it exited. */
export function rssBytes(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; keeps the peak and the last value. */
export function sampleRss(pid: number | undefined, everyMs = 250) {
  let peak = 0;
  let last = 0;
  let first: number | undefined;
  const samples: number[] = [];
  const take = () => {
    const rss = rssBytes(pid);
    if (rss === undefined) return;
    last = rss;
    first ??= rss;
    peak = Math.max(peak, rss);
    samples.push(rss);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      take();
      clearInterval(timer);
      return { peakBytes: peak, lastBytes: last, firstBytes: first ?? 0, samples: samples.length };
    },
  };
}

/** Waits until `done` is true, checking every `everyMs`; throws with `what` past the deadline. */
export async function until(what: string, done: () => Promise<boolean>, timeoutMs: number, everyMs = 200) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await done()) return;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
}

/** Runs `task` over `items` with at most `limit` at a time. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}

export const MB = 1024 * 1024;

/**
 * A Databricks fixture with one job whose every run lasts exactly `runMs` (pending + running + terminating):
 * its max_concurrent_runs is far above `runs`, so no run waits in the emulator's own job queue.
 */
export function fixedDurationJobFixture(
  job: { jobId: number; name: string; runs: number; queueEnabled?: boolean },
  runMs: { pending: number; running: number; terminating: number },
): DatabricksFixture {
  return {
    auth: { personal_access_tokens: [{ token: BENCH_PAT }], oauth_clients: [] },
    jobs: [
      {
        job_id: job.jobId,
        name: job.name,
        max_concurrent_runs: 10 * job.runs,
        ...(job.queueEnabled ? { queue_enabled: true } : {}),
        parameters: [{ name: 'output_path', default: 's3://d2s-bench/exports/manual' }],
        timing: { pending_ms: runMs.pending, running_ms: runMs.running, terminating_ms: runMs.terminating },
        outcome: 'SUCCESS',
        tasks: [{ task_key: 'export' }],
      },
    ],
    catalogs: [],
  };
}

/** Each hand-off (import job) with its Databricks run's start and end, read with runs/get (16 at once). */
export async function handedOffRuns(
  databricksUrl: string,
  handoffs: readonly { data: unknown }[],
): Promise<{ start_time: number; end_time: number }[]> {
  return mapLimit(handoffs, 16, async (job) => {
    const runId = Number((job.data as { runId: number }).runId);
    const response = await fetch(`${databricksUrl}/api/2.1/jobs/runs/get?run_id=${runId}`, {
      headers: { authorization: `Bearer ${BENCH_PAT}` },
    });
    if (!response.ok) throw new Error(`runs/get ${runId}: ${response.status}`);
    return (await response.json()) as { start_time: number; end_time: number };
  });
}
