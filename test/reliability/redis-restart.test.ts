import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '@d2s/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestartableRedis } from './support/redis-process.js';
import { APPEND_AND_REPLACE, countRowsOf, runsFor, type Stack, stagingTables, startStack } from './support/stack.js';

const MIRROR_YAML = `
mirror:
  catalogs:
    - { name: sales }
    - { name: weather, schemas: [forecasts] }
  refreshIntervalSeconds: 300
`;

/**
 * Redis (a private server, AOF with fsync on every write) goes away while
 * syncs and a mirror run are in flight, and comes back on the same port with
 * the same data. The API answers 503 REDIS_UNAVAILABLE meanwhile; afterwards
 * every sync and the mirror run finish, exactly once.
 */
describe('Redis restart mid-flight (AOF on)', () => {
  let redis: RestartableRedis;
  let dir: string;
  let stack: Stack;
  let appendSyncs = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'd2s-rel-redis-'));
    redis = await RestartableRedis.start(dir);
    stack = await startStack({
      redisUrl: redis.url,
      label: 'redis',
      datasetsYaml: APPEND_AND_REPLACE,
      mirrorYaml: MIRROR_YAML,
      inProcess: ['export', 'import', 'mirror'],
      timeScale: 0.2,
      logLevel: 'warn',
    });
  }, 60_000);
  afterAll(async () => {
    if (redis) await redis.start().catch(() => {}); // so the stack's teardown can clean up
    await stack?.close();
    await redis?.stop('SIGTERM');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['SIGKILL', 'sales'],
    ['SIGTERM', 'weather'],
  ] as const)(
    '%s of redis-server: every sync and the mirror run (%s) still finish',
    async (signal, catalog) => {
      const sf = stack.snowflake.emulator.admin;
      sf.setLatency(150); // statements take a while, so imports and mirror DDL are in flight at the outage
      const ids: string[] = [];
      const create = async (dataset: string) => {
        const answer = await stack.request('POST', '/v1/syncs', { dataset });
        expect(answer.status, answer.text).toBe(202);
        ids.push(answer.body.id);
        if (dataset === 'forecasts_append') appendSyncs++;
      };
      for (const dataset of ['forecasts_append', 'forecasts_replace', 'forecasts_append', 'forecasts_replace']) {
        await create(dataset);
      }
      await create('forecasts_append');
      await create('forecasts_replace');
      // The mirror run starts once imports run: a run of one small catalog can finish within a second, and one
      // started with the syncs was over before any import began (a CI run saw it).
      const importsStarted = Date.now() + 60_000;
      while (((await stack.queues.import.getJobCounts('active')).active ?? 0) === 0) {
        if (Date.now() > importsStarted) throw new Error('no import started');
        await sleep(20);
      }
      const run = await stack.request('POST', '/v1/mirror/runs', { scope: { catalogs: [catalog] } });
      expect(run.status, run.text).toBe(202);
      const runId = run.body.id as string;

      // Wait until imports run and the mirror run is planning or applying.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const importing = (await stack.queues.import.getJobCounts('active')).active ?? 0;
        const mirrorRun = await stack.mirror?.getRun(runId);
        if (importing > 0 && mirrorRun && ['planning', 'applying'].includes(mirrorRun.status)) break;
        if (Date.now() > deadline)
          throw new Error(`nothing in flight; mirror run ${JSON.stringify(mirrorRun?.status)}`);
        await sleep(20);
      }
      const before = await Promise.all(ids.map((id) => stack.syncs.get(id)));
      const inFlight = before.filter((v) => v && !['succeeded', 'failed'].includes(v.status)).length;
      expect(inFlight).toBeGreaterThan(0);

      await redis.stop(signal);
      // While Redis is away the API fails fast with a coded 503, and is not ready.
      const refused = await stack.request('POST', '/v1/syncs', { dataset: 'forecasts_append' });
      expect(refused.status, refused.text).toBe(503);
      expect(refused.body).toMatchObject({ error: { code: 'REDIS_UNAVAILABLE' } });
      const status = await stack.request('GET', `/v1/syncs/${ids[0]}`);
      expect(status.status, status.text).toBe(503);
      expect(status.body).toMatchObject({ error: { code: 'REDIS_UNAVAILABLE' } });
      const ready = await fetch(`${stack.api}/readyz`);
      expect(ready.status).toBe(503);
      await ready.arrayBuffer();
      await sleep(1_000);
      await redis.start();
      sf.setLatency(0);

      // The producer reconnects by itself: a new sync is accepted again.
      const again = Date.now() + 15_000;
      for (;;) {
        const answer = await stack.request('POST', '/v1/syncs', { dataset: 'forecasts_append' });
        if (answer.status === 202) {
          ids.push(answer.body.id);
          appendSyncs++;
          break;
        }
        expect(answer.status, answer.text).toBe(503);
        if (Date.now() > again) throw new Error('the API did not recover from the Redis restart');
        await sleep(200);
      }

      const views = await stack.waitForSyncs(ids, 90_000);
      expect(views.map((v) => ({ id: v.id, status: v.status, error: v.error }))).toEqual(
        ids.map((id) => ({ id, status: 'succeeded', error: null })),
      );
      const mirrored = await stack.waitForMirrorRun(runId, 60_000);
      expect(mirrored.status, JSON.stringify(mirrored.actions.filter((a: any) => a.error))).toBe('succeeded');
      expect(mirrored.counts.failed).toBe(0);
      expect(mirrored.actions.length).toBeGreaterThan(0);

      for (const id of ids) expect(runsFor(stack, id).admin, id).toHaveLength(1);
      expect(await countRowsOf(stack, 'FORECASTS_APPEND')).toBe(10_000 * appendSyncs);
      expect(await countRowsOf(stack, 'FORECASTS_REPLACE')).toBe(10_000);
      expect(await stagingTables(stack)).toEqual([]);
      // The mirrored tables answer in Snowflake.
      const tables = await stack.sql(`SHOW ICEBERG TABLES`);
      expect(tables.length).toBeGreaterThan(0);
    },
    150_000,
  );
  it('worker processes report the outage in their JSON log, not as raw stack traces on stderr', async () => {
    const env = { LOG_LEVEL: 'info' };
    const processes = [stack.startProcess('export-worker', env), stack.startProcess('import-worker', env)];
    const started = Date.now();
    while (!processes.every((p) => p.output().includes('worker started'))) {
      if (Date.now() - started > 30_000) throw new Error(processes.map((p) => p.output()).join('\n'));
      await sleep(100);
    }
    await redis.stop('SIGKILL');
    await sleep(1_500);
    await redis.start();
    await sleep(1_500);
    for (const p of processes) expect(await p.stop('SIGTERM'), p.output().slice(-2000)).toBe(0);
    for (const p of processes) {
      const lines = p
        .output()
        .split('\n')
        .filter((line) => line.trim() !== '');
      const raw = lines.filter((line) => {
        try {
          JSON.parse(line);
          return false;
        } catch {
          return true;
        }
      });
      // Today: BullMQ's Queue objects from openQueues() have no 'error' listener, so BullMQ console.error()s
      // every reconnect failure ("Error: connect ECONNREFUSED 127.0.0.1:…" and its stack) outside the log.
      expect(raw.slice(0, 5), `${p.name}: ${raw.length} of ${lines.length} lines are not JSON`).toEqual([]);
    }
  }, 60_000);
});
