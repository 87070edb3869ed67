import { sleep } from '@d2s/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ManagedProcess } from '../../scripts/src/local-stack.js';
import { stillHeld } from './support/busy-kills.js';
import {
  APPEND_AND_REPLACE,
  countRowsOf,
  runsFor,
  type Stack,
  seededRandom,
  stagingTables,
  startStack,
} from './support/stack.js';

/**
 * Chaos: K syncs (appends and replaces, concurrent datasets) while the export
 * and import worker PROCESSES (built output) are SIGKILLed at random points
 * and restarted. Afterwards every sync succeeded exactly once: one Databricks
 * run per sync token, exact row counts, no staging table left.
 *
 * Reproduce a run with D2S_CHAOS_SEED=<seed printed below>.
 */
const K = 50;
const APPEND_SYNCS = 30;
const MAX_KILLS = 10;
const SEED = Number(process.env.D2S_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));

const CHAOS_WORKERS = `
workers:
  export: { concurrency: 8, pollInitialMs: 100, pollMaxMs: 400, pollGrowth: 1.5 }
  import: { concurrency: 4 }
  lockDurationMs: 4000
  stalledIntervalMs: 1000
  # Each kill stalls the jobs in flight; with many kills a job may stall more than the default 3 times.
  maxStalledCount: 100
`;

describe(`chaos: ${K} syncs while worker processes are SIGKILLed (seed ${SEED})`, () => {
  let stack: Stack;
  const random = seededRandom(SEED);
  const between = (min: number, max: number) => Math.round(min + random() * (max - min));

  beforeAll(async () => {
    console.log(`chaos seed: ${SEED} (rerun with D2S_CHAOS_SEED=${SEED})`);
    stack = await startStack({
      redisUrl: inject('redisUrl'),
      label: 'chaos',
      datasetsYaml: APPEND_AND_REPLACE,
      workersYaml: CHAOS_WORKERS,
      timeScale: 0.1,
      logLevel: 'warn',
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('every sync succeeds exactly once', async () => {
    const admin = stack.snowflake.emulator.admin;
    const queryLog = stack.snowflake.emulator.queryLog;
    // A little latency per statement (more while the monkey waits for a COPY), so a kill can land inside one.
    admin.setLatency(25);
    // Each poll takes a little longer too, so a kill can land inside one.
    const pollLatency = (ms: number) => {
      stack.databricks.admin.clearFaults();
      stack.databricks.admin.addHttpFault({ route: 'jobs/runs/get', latency_ms: ms });
    };
    pollLatency(30);
    const spawnedAt: Record<'export' | 'import', number> = { export: Date.now(), import: Date.now() };
    const live: Record<'export' | 'import', ManagedProcess> = {
      export: stack.startProcess('export-worker'),
      import: stack.startProcess('import-worker'),
    };
    const all: ManagedProcess[] = [live.export, live.import];
    const outputs = () => all.map((p, i) => `--- ${p.name} #${i} ---\n${p.output().slice(-1500)}`).join('\n');

    // Datasets in a seeded order: 30 appends, 20 replaces.
    const plan: string[] = [
      ...Array.from({ length: APPEND_SYNCS }, () => 'forecasts_append'),
      ...Array.from({ length: K - APPEND_SYNCS }, () => 'forecasts_replace'),
    ];
    for (let i = plan.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [plan[i], plan[j]] = [plan[j] as string, plan[i] as string];
    }

    // The whole schedule is drawn from the seed up front (timing still varies from run to run).
    const waveGaps = Array.from({ length: 5 }, () => between(500, 1_500));
    // Kills in pairs of a seeded order, so the first four hit both kinds. The first four always wait for work (the
    // assertions below need four kills of a busy process); later ones wait only most of the time.
    const killPlan: { victim: 'export' | 'import'; afterMs: number; waitForWork: boolean; restartAfterMs: number }[] =
      [];
    for (let i = 0; i < MAX_KILLS / 2; i++) {
      for (const victim of random() < 0.5 ? (['export', 'import'] as const) : (['import', 'export'] as const)) {
        killPlan.push({
          victim,
          afterMs: between(700, 2_200),
          // Kills wait (briefly) until the victim is busy: every import kill for a COPY in flight, most export
          // kills for a poll in flight (the others land wherever they land).
          waitForWork: random() < 0.8 || victim === 'import' || i < 2,
          restartAfterMs: between(0, 800),
        });
      }
    }
    console.log(`chaos seed ${SEED}: waves ${JSON.stringify(waveGaps)}, kills ${JSON.stringify(killPlan)}`);

    // The chaos monkey: SIGKILL, then a restart. A kill counts as "in flight" only when the killed process held
    // an active job at that moment: a job it activated (processedOn after it started; it is the only live
    // worker of its queue) that is still active, with the same activation, once the process is dead.
    const kills: {
      at: number;
      victim: string;
      held: number;
      midPoll: number;
      midCopy: number;
    }[] = [];
    const ids: string[] = [];
    const datasetOf = new Map<string, string>();
    let submitted = false;
    let monkeyDone = false;
    let monkeyStarving = false;
    const busyKills = () => kills.filter((k) => k.held > 0).length;
    const submit = (async () => {
      for (const [wave, gap] of waveGaps.entries()) {
        // The last wave is held back until the monkey has struck four busy processes, so the syncs cannot all be
        // done before it gets there on a fast machine. It goes out early when the monkey has waited a while for work
        // that is not there: no job of its victim's kind left in the queue (or it ran out of kills). (Released on
        // time alone, it went out while jobs were still queued, and a CI run's fourth kill missed its poll by a hair
        // with no work left for another.)
        if (wave === waveGaps.length - 1) {
          while (busyKills() < 4 && !monkeyDone && !monkeyStarving) await sleep(50);
        }
        const batch = plan.slice(wave * 10, wave * 10 + 10);
        const answers = await Promise.all(
          batch.map((dataset, i) =>
            stack.request('POST', '/v1/syncs', {
              dataset,
              parameters: { forecast_date: `2024-06-${String(((wave * 10 + i) % 28) + 1).padStart(2, '0')}` },
            }),
          ),
        );
        for (const [i, answer] of answers.entries()) {
          expect(answer.status, answer.text).toBe(202);
          ids.push(answer.body.id);
          datasetOf.set(answer.body.id, batch[i] as string);
        }
        await sleep(gap);
      }
      submitted = true;
    })();

    const started = Date.now();
    let finished = false;
    const copyRunning = (syncId: string) =>
      queryLog
        .entries()
        .some((e) => e.queryTag === `d2s:sync:${syncId}` && /^\s*COPY/i.test(e.sql) && e.status === 'RUNNING');
    /** Active jobs the live victim activated, with what each is doing. */
    const busyWith = async (victim: 'export' | 'import') => {
      const active = await stack.queues[victim].getJobs(['active']);
      return active
        .filter((job) => job?.id !== undefined && (job.processedOn ?? 0) >= spawnedAt[victim])
        .map((job) => ({
          id: job.id as string,
          processedOn: job.processedOn as number,
          polling:
            victim === 'export' &&
            (job.data as { progress?: { step?: string; runId?: number } }).progress?.step === 'poll',
          copying: victim === 'import' && copyRunning(job.id as string),
        }));
    };
    const queueIsIdle = async (victim: 'export' | 'import') => {
      const counts = await stack.queues[victim].getJobCounts('active', 'waiting', 'delayed');
      return (counts.active ?? 0) + (counts.waiting ?? 0) + (counts.delayed ?? 0) === 0;
    };
    const monkey = (async () => {
      for (const { victim, afterMs, waitForWork, restartAfterMs } of killPlan) {
        await sleep(afterMs);
        if (finished) break;
        let before = await busyWith(victim);
        const working = () => before.some((j) => j.polling || j.copying);
        // Statements slow down while the monkey waits for a COPY, so one is caught running.
        if (waitForWork && victim === 'import') admin.setLatency(300);
        // Likewise polls, while it waits for one: between polls a job waits in `delayed`, holding nothing. (Not
        // longer: at 1 s the client's request timeout cut the slowed polls, and the monkey found none to strike.)
        if (waitForWork && victim === 'export') pollLatency(300);
        // A restarted process can take many seconds to start taking jobs on a loaded machine: bounded, generous.
        if (waitForWork) {
          const until = Date.now() + 30_000;
          const starvingAt = Date.now() + 2_000;
          while (!working() && Date.now() < until && !finished) {
            await sleep(2);
            before = await busyWith(victim);
            // Starving: no job of the victim's kind is left to wait for (only the held-back wave would bring one).
            if (Date.now() > starvingAt && (await queueIsIdle(victim))) monkeyStarving = true;
          }
        }
        live[victim].child.kill('SIGKILL');
        await live[victim].exited;
        admin.setLatency(25);
        pollLatency(30);
        // Held at death: still active, same activation (a dead process moves nothing).
        const held = await stillHeld(stack.queues[victim], before);
        kills.push({
          at: Date.now() - started,
          victim,
          held: held.length,
          midPoll: held.filter((j) => j.polling).length,
          midCopy: held.filter((j) => j.copying).length,
        });
        await sleep(restartAfterMs);
        spawnedAt[victim] = Date.now();
        live[victim] = stack.startProcess(victim === 'export' ? 'export-worker' : 'import-worker');
        all.push(live[victim]);
      }
      monkeyDone = true;
    })();

    let views: Awaited<ReturnType<Stack['waitForSyncs']>>;
    try {
      await submit;
      expect(submitted).toBe(true);
      views = await stack.waitForSyncs(ids, 360_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nkills: ${JSON.stringify(kills)}\n${outputs()}`, { cause: error });
    } finally {
      finished = true;
      await monkey;
      admin.setLatency(0);
      stack.databricks.admin.clearFaults();
    }
    console.log(
      `chaos seed ${SEED}: ${K} syncs in ${((Date.now() - started) / 1000).toFixed(1)} s, ${kills.length} kills: ${JSON.stringify(kills)}`,
    );

    const failed = views.filter((v) => v.status !== 'succeeded');
    expect(
      failed.map((v) => ({ id: v.id, status: v.status, error: v.error })),
      outputs(),
    ).toEqual([]);
    // The monkey struck busy workers: kills that landed on a held job, mid-poll and mid-COPY.
    const inFlight = kills.filter((k) => k.held > 0);
    const where = JSON.stringify(kills);
    expect(kills.length, where).toBeGreaterThanOrEqual(4);
    expect(inFlight.length, `kills of a process holding an active job: ${where}`).toBeGreaterThanOrEqual(4);
    expect(kills.filter((k) => k.midPoll > 0).length, `kills mid-poll: ${where}`).toBeGreaterThanOrEqual(2);
    expect(kills.filter((k) => k.midCopy > 0).length, `kills mid-COPY: ${where}`).toBeGreaterThanOrEqual(2);

    // Exactly one Databricks run per sync token, and no run without a sync.
    for (const id of ids) {
      const runs = runsFor(stack, id);
      expect(runs.admin, `runs of ${id}`).toHaveLength(1);
      expect(runs.runNow, `run-now answers of ${id}`).toEqual(runs.admin);
      expect(views.find((v) => v.id === id)?.databricks.runId).toBe(runs.admin[0]);
    }
    expect(stack.databricks.admin.runs()).toHaveLength(K);

    // Exact rows: appends add 10,000 each; replaces leave exactly one load.
    const appends = ids.filter((id) => datasetOf.get(id) === 'forecasts_append').length;
    expect(appends).toBe(APPEND_SYNCS);
    expect(await countRowsOf(stack, 'FORECASTS_APPEND')).toBe(10_000 * appends);
    expect(await countRowsOf(stack, 'FORECASTS_REPLACE')).toBe(10_000);
    expect(await stagingTables(stack)).toEqual([]);
    for (const view of views) expect(view.load?.rowsLoaded, view.id).toBe(10_000);

    // A process restarted by the last kill may still be loading its modules (before any signal handler exists) on
    // a loaded machine; once its worker is connected to Redis, SIGTERM must stop it cleanly.
    for (const victim of ['export', 'import'] as const) {
      const until = Date.now() + 60_000;
      while ((await stack.queues[victim].getWorkers()).length === 0 && Date.now() < until) await sleep(100);
    }
    for (const p of Object.values(live)) expect(await p.stop('SIGTERM'), p.output().slice(-2000)).toBe(0);
  }, 480_000);
});
