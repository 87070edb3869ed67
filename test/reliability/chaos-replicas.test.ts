import { hostname } from 'node:os';
import type { SyncView } from '@d2s/shared';
import { sleep } from '@d2s/testkit';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ManagedProcess } from '../../scripts/src/local-stack.js';
import { CHANGE_LOG_JOB, CUSTOMERS_MERGE_LOAD, changeLogDatasetYaml } from '../support/load-datasets.js';
import { type ActiveJob, activeJobOf, activeJobs, stillHeld } from './support/busy-kills.js';
import {
  type ApiReplica,
  countRowsOf,
  forecastsDataset,
  runsFor,
  type Stack,
  seededRandom,
  stagingTables,
  startStack,
  type WorkerName,
  CHAOS_MIRROR_YAML,
} from './support/stack.js';

/**
 * Replicas under chaos (README "Scale"): THREE processes of each worker
 * (export, import, mirror) and TWO API processes share one Redis while a
 * seeded monkey SIGKILLs worker replicas that hold an active job (mid-poll,
 * mid-COPY, mid-MERGE, mid-DDL) and restarts them. 20 syncs over append,
 * replace and merge datasets, created through both APIs, and one mirror run.
 * Afterwards: every sync succeeded exactly once (one Databricks run, one
 * import hand-off, exact rows), every planned mirror action was applied, an
 * event stream on API #2 followed a sync created through API #1, and a
 * schedule fired one sync per firing.
 *
 * Reproduce a run with D2S_CHAOS_SEED=<seed printed below>.
 */
const SEED = Number(process.env.D2S_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const REPLICAS = 3;
const PLAN = { append: 8, replace: 6, merge: 6 } as const;
const EXTRA_KILLS = 6;

/**
 * The merge dataset runs one sync at a time (queued behind each other): Snowflake serializes MERGEs into one
 * table with its table lock (https://docs.snowflake.com/en/sql-reference/transactions, "Resource locking"),
 * which the emulator does not model yet; two MERGEs inserting one new key at once would both insert it there.
 * (The last argument of changeLogDatasetYaml for `customers`.)
 */
const DATASETS = `
datasets:${forecastsDataset('forecasts_append', 'FORECASTS_APPEND', 'append')}${forecastsDataset(
  'forecasts_replace',
  'FORECASTS_REPLACE',
  'replace',
  { expectedRows: 10_000 },
)}${changeLogDatasetYaml(
  'customers',
  'CUSTOMERS',
  CUSTOMERS_MERGE_LOAD,
  true,
)}${changeLogDatasetYaml('customer_log', 'CUSTOMER_LOG', '{ mode: append }')}`;

const WORKERS = `
workers:
  export: { concurrency: 4, pollInitialMs: 100, pollMaxMs: 400, pollGrowth: 1.5 }
  import: { concurrency: 3 }
  mirror: { concurrency: 4 }
  lockDurationMs: 4000
  stalledIntervalMs: 1000
  # Each kill stalls the jobs in flight; with many kills a job may stall more than the default 3 times.
  maxStalledCount: 100
`;

const SERVICE: Record<WorkerName, 'export-worker' | 'import-worker' | 'mirror-worker'> = {
  export: 'export-worker',
  import: 'import-worker',
  mirror: 'mirror-worker',
};

/** What a kill waits to catch its victim doing. */
type Work = 'poll' | 'copy' | 'merge' | 'ddl' | 'any';
const HELD_DDL = /^\s*CREATE\s+(OR\s+REPLACE\s+)?ICEBERG\s+TABLE/i;

interface Replica {
  queue: WorkerName;
  process: ManagedProcess;
  /** The worker name BullMQ records on the jobs it takes (start-worker.ts: `<host>:<pid>`). */
  name: string;
}

interface Kill {
  at: number;
  queue: WorkerName;
  phase: 'required' | 'any';
  held: number;
  doing: Work[];
  jobs: string[];
  last: string[];
}

interface PlannedAction {
  id: string;
  kind: string;
  target: { database: string; schema: string; name: string };
  table?: { tableId: string; fullName: string };
  integration?: { name: string };
}

describe(`chaos with replicas: ${REPLICAS} of each worker, 2 APIs, SIGKILLs (seed ${SEED})`, () => {
  let stack: Stack;
  let apis: [ApiReplica, ApiReplica];
  const replicas: Replica[] = [];
  const everyProcess: ManagedProcess[] = [];
  const random = seededRandom(SEED);
  const between = (min: number, max: number) => Math.round(min + random() * (max - min));
  const outputs = () => everyProcess.map((p, i) => `--- ${p.name} #${i} ---\n${p.output().slice(-1200)}`).join('\n');

  const startReplica = (queue: WorkerName): Replica => {
    const child = stack.startProcess(SERVICE[queue]);
    everyProcess.push(child);
    const replica = { queue, process: child, name: `${hostname()}:${child.child.pid}` };
    replicas.push(replica);
    return replica;
  };

  beforeAll(async () => {
    console.log(`replica chaos seed: ${SEED} (rerun with D2S_CHAOS_SEED=${SEED})`);
    stack = await startStack({
      redisUrl: inject('redisUrl'),
      label: 'chaos-replicas',
      datasetsYaml: DATASETS,
      mirrorYaml: CHAOS_MIRROR_YAML,
      workersYaml: WORKERS,
      timeScale: 0.1,
      logLevel: 'warn',
      databricksFixture: (sandbox) => ({
        ...sandbox,
        jobs: [...sandbox.jobs, { ...CHANGE_LOG_JOB, max_concurrent_runs: 50 }],
      }),
    });
    const started = await Promise.all([stack.startApiReplica(), stack.startApiReplica()]);
    apis = [started[0] as ApiReplica, started[1] as ApiReplica];
    everyProcess.push(apis[0].process, apis[1].process);
    for (const queue of ['export', 'import', 'mirror'] as const) for (let i = 0; i < REPLICAS; i++) startReplica(queue);
    // Every replica is taking jobs before the first sync, so the work spreads over all of them.
    // Eleven Node processes starting at once take a while on a loaded machine (bounded, generous).
    const until = Date.now() + 200_000;
    for (const queue of ['export', 'import', 'mirror'] as const) {
      while ((await stack.queues[queue].getWorkers()).length < REPLICAS) {
        if (Date.now() > until) throw new Error(`${queue} replicas did not connect\n${outputs()}`);
        await sleep(200);
      }
    }
  }, 400_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('every sync once, every mirror action applied, events on either API, while replicas are SIGKILLed', async () => {
    const admin = stack.snowflake.emulator.admin;
    const queryLog = stack.snowflake.emulator.queryLog;
    const baseLatency = () => {
      admin.setLatency(25);
      stack.databricks.admin.clearFaults();
      stack.databricks.admin.addHttpFault({ route: 'jobs/runs/get', latency_ms: 30 });
    };
    baseLatency();

    // --- What a job is doing, read from the emulators' logs and the job itself.
    const statementsOf = (tag: string) => queryLog.entries().filter((e) => e.queryTag === tag);
    const copyRunning = (syncId: string) =>
      statementsOf(`d2s:sync:${syncId}`).some((e) => /^\s*COPY/i.test(e.sql) && e.status === 'RUNNING');
    // Inside the merge transaction: its BEGIN logged, and no COMMIT or ROLLBACK after it yet.
    const mergeOpen = (syncId: string) => {
      const log = statementsOf(`d2s:sync:${syncId}`);
      const begin = log.findLastIndex((e) => /^BEGIN TRANSACTION NAME "?d2s_merge_/i.test(e.sql));
      return begin >= 0 && !log.slice(begin + 1).some((e) => /^\s*(COMMIT|ROLLBACK)/i.test(e.sql));
    };
    const doing = (queue: WorkerName, job: Job): Work[] => {
      if (queue === 'export')
        return (job.data as { progress?: { step?: string } }).progress?.step === 'poll' ? ['poll', 'any'] : ['any'];
      if (queue === 'import') {
        const id = job.id as string;
        return [...(copyRunning(id) ? (['copy'] as const) : []), ...(mergeOpen(id) ? (['merge'] as const) : []), 'any'];
      }
      return job.name === 'mirror-action' ? ['ddl', 'any'] : ['any'];
    };

    // --- The monkey's plan: first kills that must catch each kind of work (whichever it finds first, in any
    // queue), then kills of any busy replica.
    const required: Work[] = ['merge', 'copy', 'poll', 'ddl'];
    const uncaught = () => required.filter((work) => !kills.some((k) => k.doing.includes(work)));
    const killPlan = Array.from({ length: required.length + EXTRA_KILLS }, (_, i) => ({
      phase: i < required.length ? ('required' as const) : ('any' as const),
      afterMs: between(300, 1_500),
      restartAfterMs: between(0, 800),
    }));
    console.log(`replica chaos seed ${SEED}: kills ${JSON.stringify(killPlan)}`);

    // --- The syncs, in a seeded order, each created through one of the two APIs.
    const plan: (keyof typeof PLAN)[] = [
      ...Array.from({ length: PLAN.merge }, () => 'merge' as const),
      ...Array.from({ length: PLAN.append }, () => 'append' as const),
      ...Array.from({ length: PLAN.replace }, () => 'replace' as const),
    ];
    for (let i = plan.length - 1; i > 1; i--) {
      const j = 1 + Math.floor(random() * i);
      [plan[i], plan[j]] = [plan[j] as keyof typeof PLAN, plan[i] as keyof typeof PLAN];
    }
    // plan[0], a merge, stays first: it is the sync followed on API #2's event stream.
    // Two of the syncs held back until the monkey has caught every kind are merges: work for a mid-MERGE kill.
    for (const at of [plan.length - 1, plan.length - 2]) {
      const merge = plan.findIndex((mode, i) => i > 0 && i < plan.length - 2 && mode === 'merge');
      if (plan[at] !== 'merge' && merge > 0) [plan[at], plan[merge]] = ['merge', plan[at] as keyof typeof PLAN];
    }
    const ids: string[] = [];
    const modeOf = new Map<string, keyof typeof PLAN>();
    const create = async (via: ApiReplica, mode: keyof typeof PLAN, n: number) => {
      const body =
        mode === 'merge'
          ? { dataset: 'customers', parameters: { batch: `b${n}` } }
          : {
              dataset: mode === 'append' ? 'forecasts_append' : 'forecasts_replace',
              parameters: { forecast_date: `2024-06-${String((n % 28) + 1).padStart(2, '0')}` },
            };
      const answer = await via.request('POST', '/v1/syncs', body);
      expect(answer.status, answer.text).toBe(202);
      ids.push(answer.body.id);
      modeOf.set(answer.body.id, mode);
      return answer.body.id as string;
    };

    // The first sync is created through API #1 and followed on API #2's event stream.
    const kills: Kill[] = [];
    const followed = await create(apis[0], plan[0] as 'merge', 0);
    const stream = fetch(`${apis[1].url}/v1/syncs/${followed}/events`, {
      headers: { authorization: `Bearer ${stack.secrets.apiToken}`, accept: 'text/event-stream' },
    }).then(async (response) => ({ type: response.headers.get('content-type'), text: await response.text() }));

    const started = Date.now();
    let finished = false;
    const busyKills = () => kills.filter((k) => k.held > 0).length;
    const submit = (async () => {
      for (let n = 1; n < plan.length; n++) {
        await create(apis[n % 2] as ApiReplica, plan[n] as keyof typeof PLAN, n);
        // The last few wait until the monkey has struck each required kind, so the work outlasts it.
        if (n === plan.length - 4) {
          const until = Date.now() + 30_000;
          while (uncaught().length > 0 && Date.now() < until && !finished) await sleep(100);
        }
        await sleep(between(300, 1_200));
      }
    })();

    // --- The mirror run: planned (the record of what must be applied), then applied through API #2.
    let mirrorRunId: string | undefined;
    let plannedActions: PlannedAction[] = [];
    const startMirrorRun = async () => {
      const planned = await apis[0].request('POST', '/v1/mirror/plan', {});
      expect(planned.status, planned.text).toBe(200);
      plannedActions = planned.body.actions as PlannedAction[];
      // A table's CREATE is held until the monkey has caught a replica mid-DDL: the mirror's dozen tables are
      // otherwise created within a second or two, before the monkey gets to them.
      admin.setFaults({ statementFaults: [{ match: HELD_DDL, action: 'delay', delayMs: 1_500, count: 1_000 }] });
      const run = await apis[1].request('POST', '/v1/mirror/runs', {});
      expect(run.status, run.text).toBe(202);
      mirrorRunId = run.body.id as string;
    };

    // --- The monkey.
    const monkey = (async () => {
      await startMirrorRun();
      admin.setLatency(300);
      for (const { phase, afterMs, restartAfterMs } of killPlan) {
        await sleep(afterMs);
        if (finished) break;
        // Any kill goes on looking for a kind not caught yet while one is left (it may wait in vain for any other).
        const wanted = (): Work[] => (uncaught().length > 0 ? uncaught() : ['any']);
        if (wanted().length === 0) continue;
        // While the monkey waits for work it must catch, statements and polls slow down so it is caught in flight.
        if (phase === 'required') {
          admin.setLatency(300);
          stack.databricks.admin.addHttpFault({ route: 'jobs/runs/get', latency_ms: 300 });
        }
        let victim: Replica | undefined;
        let before: (ActiveJob & { doing: Work[] })[] = [];
        const until = Date.now() + (phase === 'required' ? 30_000 : 10_000);
        while (!finished && Date.now() < until && !victim) {
          const live = replicas.filter((r) => r.process.child.exitCode === null);
          const byReplica = await Promise.all(
            live.map(async (r) => ({
              replica: r,
              jobs: (await activeJobs(stack.queues[r.queue], (job) => job.processedBy === r.name)).map((job) => ({
                ...activeJobOf(job),
                doing: doing(r.queue, job),
              })),
            })),
          );
          const want = wanted();
          const busy = byReplica.filter((b) => b.jobs.some((j) => j.doing.some((d) => want.includes(d))));
          const pick = busy[Math.floor(random() * busy.length)];
          if (pick) {
            victim = pick.replica;
            before = pick.jobs;
          } else await sleep(5);
        }
        if (!victim) {
          baseLatency();
          continue;
        }
        victim.process.child.kill('SIGKILL');
        await victim.process.exited;
        baseLatency();
        const queue = victim.queue;
        const held = await stillHeld(stack.queues[queue], before);
        kills.push({
          at: Date.now() - started,
          queue,
          phase,
          held: held.length,
          doing: [...new Set(held.flatMap((j) => j.doing.filter((d) => d !== 'any')))],
          jobs: held.map((j) => `${j.name}:${j.id}`),
          // What each held sync was running last (for a failure's message).
          last: held
            .filter((j) => j.name === 'sync-import')
            .map((j) => statementsOf(`d2s:sync:${j.id}`).at(-1))
            .map((e) => (e ? `${e.status} ${e.sql.slice(0, 40)}` : 'none')),
        });
        if (!uncaught().includes('ddl')) admin.setFaults({ statementFaults: [] });
        replicas.splice(replicas.indexOf(victim), 1);
        await sleep(restartAfterMs);
        startReplica(queue);
      }
    })();

    let views: SyncView[];
    let mirrorRun: Awaited<ReturnType<Stack['waitForMirrorRun']>>;
    try {
      await submit;
      views = await stack.waitForSyncs(ids, 120_000);
      finished = true;
      await monkey;
      admin.setFaults({ statementFaults: [] });
      mirrorRun = await stack.waitForMirrorRun(mirrorRunId as string, 40_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nkills: ${JSON.stringify(kills)}\n${outputs()}`, { cause: error });
    } finally {
      finished = true;
      await monkey;
      admin.setLatency(0);
      admin.setFaults({ statementFaults: [] });
      stack.databricks.admin.clearFaults();
    }
    const where = `kills: ${JSON.stringify(kills)}`;
    console.log(
      `replica chaos seed ${SEED}: ${ids.length} syncs and a mirror run in ${((Date.now() - started) / 1000).toFixed(1)} s; ${where}`,
    );

    // The monkey struck busy replicas, each kind of work at least once (mid-MERGE included).
    expect(busyKills(), where).toBeGreaterThanOrEqual(required.length);
    for (const work of required)
      expect(kills.filter((k) => k.doing.includes(work)).length, `${work}: ${where}`).toBeGreaterThan(0);

    // Every sync succeeded.
    expect(
      views.filter((v) => v.status !== 'succeeded').map((v) => ({ id: v.id, status: v.status, error: v.error })),
      outputs(),
    ).toEqual([]);

    // Exactly once: one Databricks run per sync (the emulator's own records and its run-now log), one import
    // hand-off (one `added` event of the sync's import job in BullMQ's event stream).
    const handOffs = new Map<string, number>();
    const events = await stack.testRedis.xrange(`${stack.prefix}:import:events`, '-', '+');
    for (const [, fields] of events) {
      const entry = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2) entry.set(fields[i] as string, fields[i + 1] as string);
      if (entry.get('event') === 'added') {
        const jobId = entry.get('jobId') as string;
        handOffs.set(jobId, (handOffs.get(jobId) ?? 0) + 1);
      }
    }
    for (const id of ids) {
      const runs = runsFor(stack, id);
      expect(runs.admin, `runs of ${id}`).toHaveLength(1);
      expect(runs.runNow, `run-now answers of ${id}`).toEqual(runs.admin);
      expect(handOffs.get(id), `import hand-offs of ${id}`).toBe(1);
    }
    expect(stack.databricks.admin.runs()).toHaveLength(ids.length);

    // Exact rows. Appends add 10,000 each; a replace leaves exactly one load.
    const ofMode = (mode: keyof typeof PLAN) => views.filter((v) => modeOf.get(v.id) === mode);
    expect(ofMode('append')).toHaveLength(PLAN.append);
    expect(await countRowsOf(stack, 'FORECASTS_APPEND')).toBe(10_000 * PLAN.append);
    expect(await countRowsOf(stack, 'FORECASTS_REPLACE')).toBe(10_000);
    for (const view of [...ofMode('append'), ...ofMode('replace')]) expect(view.load?.rowsLoaded, view.id).toBe(10_000);
    // A merge applies once: one marker per sync (written in the MERGE's own transaction, merge.ts), and the
    // target holds what the reported MERGEs inserted less what they deleted (a MERGE applied twice, or one
    // counted but not applied, breaks the sum).
    const merges = ofMode('merge');
    expect(merges).toHaveLength(PLAN.merge);
    const markers = await stack.sql(`SELECT "SYNC_ID" FROM D2S_SANDBOX.PUBLIC.D2S_MERGE_LOG`);
    expect(markers.map((m) => m.SYNC_ID).sort()).toEqual(merges.map((v) => v.id).sort());
    let expectedCustomers = 0;
    for (const view of merges) {
      expect(view.load?.rowsLoaded, view.id).toBe(60);
      expectedCustomers += (view.load?.merge?.inserted ?? NaN) - (view.load?.merge?.deleted ?? NaN);
    }
    expect(await countRowsOf(stack, 'CUSTOMERS')).toBe(expectedCustomers);
    expect(await stagingTables(stack)).toEqual([]);

    // The event stream on API #2 followed the sync created through API #1 to its end.
    const streamed = await stream;
    expect(streamed.type).toContain('text/event-stream');
    const stages = [...streamed.text.matchAll(/^event: stage\ndata: (.*)$/gm)].map(
      (m) => (JSON.parse(m[1] as string) as { stage: string }).stage,
    );
    expect(stages[0]).toBe('queued');
    expect(stages).toContain('importing');
    expect(stages.at(-1)).toBe('succeeded');

    // --- Every planned mirror action applied.
    const detail = JSON.stringify(mirrorRun.actions.filter((a) => a.status !== 'succeeded'));
    expect(mirrorRun.actions.map((a) => a.id).sort(), detail).toEqual(plannedActions.map((a) => a.id).sort());
    expect(
      mirrorRun.actions.filter((a) => a.status !== 'succeeded'),
      detail,
    ).toEqual([]);
    const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
    const shownIntegrations = (await stack.sql('SHOW CATALOG INTEGRATIONS')).map((r) => r.name);
    for (const action of plannedActions.filter((a) => a.kind === 'create-integration'))
      expect(shownIntegrations.filter((n) => n === action.integration?.name)).toHaveLength(1);
    for (const action of plannedActions.filter((a) => a.kind === 'create-table')) {
      const { database, schema, name } = action.target;
      const shown = await stack.sql(`SHOW ICEBERG TABLES LIKE '${name}' IN SCHEMA ${q(database)}.${q(schema)}`);
      expect(
        shown.filter((r) => r.name === name),
        `${database}.${schema}.${name}`,
      ).toHaveLength(1);
    }
    // "Each DDL once" cannot hold for an action whose replica was killed: Snowflake may have run the statement
    // just before the SIGKILL, and nothing makes that statement and BullMQ's record of the job's end one atomic
    // step, so the job BullMQ finds stalled runs the action again. So a DDL may run more than once only for a
    // job BullMQ saw stall, and every DDL is safe to repeat (IF NOT EXISTS) with its effect there once (above).
    const ddlTags = new Map<string, number>();
    for (const entry of queryLog.entries()) {
      if (!entry.queryTag.startsWith(`d2s-mirror:${mirrorRunId}:`)) continue;
      if (!/^\s*CREATE\s+(ICEBERG\s+TABLE|CATALOG\s+INTEGRATION|SCHEMA|DATABASE)/i.test(entry.sql)) continue;
      expect(entry.sql, 'a re-run must be harmless').toMatch(/IF NOT EXISTS/i);
      ddlTags.set(`${entry.queryTag}\n${entry.sql}`, (ddlTags.get(`${entry.queryTag}\n${entry.sql}`) ?? 0) + 1);
    }
    for (const [key, count] of ddlTags) {
      if (count === 1) continue;
      const actionId = key.split('\n')[0]?.split(':').pop() as string;
      // Table actions run as their own job; container actions (integrations, schemas) in the plan job.
      const job =
        (await stack.queues.mirror.getJob(`${mirrorRunId}-${actionId}`)) ??
        (await stack.queues.mirror.getJob(mirrorRunId as string));
      expect(job?.stalledCounter, `${key} ran ${count} times; ${where}`).toBeGreaterThan(0);
    }
  }, 330_000);

  it('a schedule fires one sync per firing with every replica running', async () => {
    // Both APIs save the same schedule: a second upsert of it must not add firings.
    const spec = { kind: 'sync', dataset: 'customer_log', every: 1_000, parameters: { batch: '{{ firing_time }}' } };
    const saved = await Promise.all(apis.map((api) => api.request('PUT', '/v1/schedules/replicas', spec)));
    for (const answer of saved) expect(answer.status, answer.text).toBe(200);
    const scheduled = async () =>
      ((await apis[0].request('GET', '/v1/syncs?dataset=customer_log&limit=200')).body.items as SyncView[]).filter(
        (s) => s.origin === 'schedule:replicas',
      );
    const until = Date.now() + 30_000;
    while ((await scheduled()).length < 4 && Date.now() < until) await sleep(200);
    expect((await apis[1].request('DELETE', '/v1/schedules/replicas')).status).toBe(204);
    // A firing already taken by a replica still becomes its sync: wait until every fired job has ended.
    const firings = async () =>
      (await stack.queues.export.getJobs(['completed', 'failed', 'active', 'wait', 'delayed', 'prioritized'])).filter(
        (job) => job?.name === 'sync-scheduled',
      );
    const settled = Date.now() + 20_000;
    while ((await firings()).some((job) => !job.finishedOn) && Date.now() < settled) await sleep(200);

    const fired = await firings();
    const syncs = await scheduled();
    console.log(`schedule: ${fired.length} firings, ${syncs.length} syncs`);
    expect(fired.length).toBeGreaterThanOrEqual(4);
    expect(fired.filter((job) => job.finishedOn === undefined || job.failedReason)).toEqual([]);
    // One sync per firing: as many syncs as firings, each firing's own (its firing time is the sync's batch).
    expect(syncs).toHaveLength(fired.length);
    const batches = syncs.map((s) => String(s.parameters.batch));
    expect(new Set(batches).size, JSON.stringify(batches)).toBe(syncs.length);
    expect(new Set(fired.map((job) => (job.returnvalue as { syncId: string }).syncId))).toEqual(
      new Set(syncs.map((s) => s.id)),
    );
    const ended = await stack.waitForSyncs(
      syncs.map((s) => s.id),
      60_000,
    );
    expect(ended.filter((v) => v.status !== 'succeeded').map((v) => v.error)).toEqual([]);

    // Every replica stops cleanly on SIGTERM.
    for (const replica of replicas) expect(await replica.process.stop('SIGTERM'), replica.name).toBe(0);
  }, 120_000);
});
