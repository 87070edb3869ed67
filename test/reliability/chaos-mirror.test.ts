import { sleep } from '@d2s/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ManagedProcess } from '../../scripts/src/local-stack.js';
import { stillHeld } from './support/busy-kills.js';
import { type Stack, seededRandom, startStack, CHAOS_MIRROR_YAML } from './support/stack.js';

/**
 * Chaos for the mirror: a plan + apply over the sandbox Unity Catalog
 * (catalogs weather and sales) while the mirror-worker PROCESS (built output)
 * is SIGKILLed at seeded random points and restarted. Killed statements are
 * re-run (every DDL is IF NOT EXISTS or checked first), so "exactly once" is
 * asserted on effects: each integration and table exists once, each table's
 * state record says 'mirrored', no action failed — except one table whose
 * target name is taken by a regular table (its DDL cannot make it a mirror),
 * which fails on its own and stops nothing else.
 *
 * Reproduce a run with D2S_CHAOS_SEED=<seed printed below>.
 */
const SEED = Number(process.env.D2S_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const KILLS = 6;

const CHAOS_WORKERS = `
workers:
  mirror: { concurrency: 8 }
  lockDurationMs: 3000
  stalledIntervalMs: 1000
  maxStalledCount: 100
`;

interface PlannedTable {
  id: string;
  kind: string;
  target: { database: string; schema: string; name: string };
  table?: { tableId: string; fullName: string };
  integration?: { name: string };
}

describe(`mirror chaos: plan + apply while the mirror worker is SIGKILLed (seed ${SEED})`, () => {
  let stack: Stack;
  const random = seededRandom(SEED);
  const between = (min: number, max: number) => Math.round(min + random() * (max - min));

  beforeAll(async () => {
    console.log(`mirror chaos seed: ${SEED} (rerun with D2S_CHAOS_SEED=${SEED})`);
    stack = await startStack({
      redisUrl: inject('redisUrl'),
      label: 'chaos-mirror',
      mirrorYaml: CHAOS_MIRROR_YAML,
      workersYaml: CHAOS_WORKERS,
      logLevel: 'warn',
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('applies every planned action exactly once; one failing table stops no other', async () => {
    const admin = stack.snowflake.emulator.admin;
    const queryLog = stack.snowflake.emulator.queryLog;

    // One table's target name is taken by a regular table: CREATE ICEBERG TABLE IF NOT EXISTS leaves it
    // alone, so that table cannot be mirrored there and its action fails (Snowflake's own behaviour).
    const first = await stack.request('POST', '/v1/mirror/plan', {});
    expect(first.status, first.text).toBe(200);
    const creatable = (first.body.actions as PlannedTable[]).filter((a) => a.kind === 'create-table');
    expect(creatable.length).toBeGreaterThan(4);
    const blocked = creatable[Math.floor(random() * creatable.length)] as PlannedTable;
    const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
    const blockedName = `${q(blocked.target.database)}.${q(blocked.target.schema)}.${q(blocked.target.name)}`;
    await stack.sql(`CREATE DATABASE IF NOT EXISTS ${q(blocked.target.database)}`);
    await stack.sql(`CREATE SCHEMA IF NOT EXISTS ${q(blocked.target.database)}.${q(blocked.target.schema)}`);
    await stack.sql(`CREATE TABLE ${blockedName} (NOT_A_MIRROR INT)`);

    const planned = await stack.request('POST', '/v1/mirror/plan', {});
    const actions = planned.body.actions as PlannedTable[];
    const tables = actions.filter((a) => a.kind === 'create-table');
    const integrations = actions.filter((a) => a.kind === 'create-integration');
    expect(tables.map((a) => a.table?.tableId)).toContain(blocked.table?.tableId);
    console.log(
      `mirror chaos seed ${SEED}: ${actions.length} actions (${tables.length} tables), blocked ${blockedName}`,
    );

    // Statements take a while, so kills land inside DDL.
    admin.setLatency(400);
    let spawnedAt = Date.now();
    let live: ManagedProcess = stack.startProcess('mirror-worker');
    const all: ManagedProcess[] = [live];
    const outputs = () => all.map((p, i) => `--- mirror-worker #${i} ---\n${p.output().slice(-1500)}`).join('\n');
    const run = await stack.request('POST', '/v1/mirror/runs', {});
    expect(run.status, run.text).toBe(202);
    const runId = run.body.id as string;

    // The monkey: kills at seeded points once the process is working, each counted "in flight" only if the
    // process held an active job (one it activated, still active with the same activation once it is dead).
    const kills: { at: number; held: number; jobs: string[] }[] = [];
    const started = Date.now();
    let finished = false;
    const monkey = (async () => {
      for (let i = 0; i < KILLS && !finished; i++) {
        // The first kill lands wherever the run is (early on: planning, integrations); the others wait for a
        // per-table action job, so kills hit both the plan job and table DDL.
        const wantAction = i > 0;
        await sleep(between(200, 1_200));
        // A fresh process takes a few seconds to start taking jobs: the kill waits until it holds some.
        let before: { id: string; name: string; processedOn: number }[] = [];
        const until = Date.now() + 20_000;
        while (!finished && Date.now() < until) {
          before = (await stack.queues.mirror.getJobs(['active']))
            .filter((j) => j?.id !== undefined && (j.processedOn ?? 0) >= spawnedAt)
            .map((j) => ({ id: j.id as string, name: j.name, processedOn: j.processedOn as number }));
          if (before.some((j) => !wantAction || j.name === 'mirror-action')) break;
          await sleep(5);
        }
        if (finished || before.length === 0) break;
        live.child.kill('SIGKILL');
        await live.exited;
        const held = (await stillHeld(stack.queues.mirror, before)).map((job) => job.name);
        kills.push({ at: Date.now() - started, held: held.length, jobs: held });
        await sleep(between(0, 500));
        spawnedAt = Date.now();
        live = stack.startProcess('mirror-worker');
        all.push(live);
      }
    })();

    let done: Awaited<ReturnType<Stack['waitForMirrorRun']>>;
    try {
      done = await stack.waitForMirrorRun(runId, 200_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nkills: ${JSON.stringify(kills)}\n${outputs()}`, { cause: error });
    } finally {
      finished = true;
      await monkey;
      admin.setLatency(0);
    }
    console.log(`mirror chaos seed ${SEED}: ${kills.length} kills: ${JSON.stringify(kills)}`);
    // The monkey struck busy workers: several kills held jobs, at least two of them table DDL jobs.
    expect(kills.filter((k) => k.held > 0).length, JSON.stringify(kills)).toBeGreaterThanOrEqual(4);
    expect(kills.filter((k) => k.jobs.includes('mirror-action')).length, JSON.stringify(kills)).toBeGreaterThanOrEqual(
      2,
    );

    // Every action but the blocked table's succeeded; that one failed with the conflict, nothing was skipped.
    const byStatus = (status: string) => done.actions.filter((a) => a.status === status);
    const detail = JSON.stringify(done.actions.filter((a) => a.status !== 'succeeded'));
    // The run's record is the plan computed before any kill: a retried plan job applies the plan it saved in
    // its job, never a second one (mirror-plan-crash.test.ts), so the record lists every planned action.
    expect(done.actions.map((a) => a.id).sort(), detail).toEqual(actions.map((a) => a.id).sort());
    expect(
      byStatus('failed').map((a) => a.tableId),
      `${detail}\n${outputs()}`,
    ).toEqual([blocked.table?.tableId]);
    expect(byStatus('failed')[0]?.error?.code).toBe('MIRROR_TARGET_CONFLICT');
    expect(byStatus('skipped'), detail).toEqual([]);
    expect(done.actions.length, detail).toBe(byStatus('succeeded').length + 1);

    // Effects, once each: every integration exists once; every table exists once, as an Iceberg table.
    const shownIntegrations = (await stack.sql('SHOW CATALOG INTEGRATIONS')).map((r) => r.name);
    for (const action of integrations) {
      expect(
        shownIntegrations.filter((n) => n === action.integration?.name),
        action.integration?.name,
      ).toHaveLength(1);
    }
    for (const action of tables) {
      const { database, schema, name } = action.target;
      const iceberg = (await stack.sql(`SHOW ICEBERG TABLES LIKE '${name}' IN SCHEMA ${q(database)}.${q(schema)}`))
        .map((r) => r.name)
        .filter((n) => n === name);
      const all = (await stack.sql(`SHOW TABLES LIKE '${name}' IN SCHEMA ${q(database)}.${q(schema)}`))
        .map((r) => r.name)
        .filter((n) => n === name);
      const where = `${database}.${schema}.${name}`;
      expect(all, where).toHaveLength(1);
      expect(iceberg, where).toHaveLength(
        action === blocked || action.table?.tableId === blocked.table?.tableId ? 0 : 1,
      );
    }
    // Every DDL that ran (killed statements are re-run) is idempotent.
    const ddl = queryLog
      .entries()
      .filter((e) => /^\s*CREATE\s+(ICEBERG\s+TABLE|CATALOG\s+INTEGRATION|SCHEMA)/i.test(e.sql));
    for (const entry of ddl) expect(entry.sql, 'a re-run must be harmless').toMatch(/IF NOT EXISTS/i);

    // Each table's state record: 'mirrored', except the blocked one ('failed').
    const states = await stack.request('GET', '/v1/mirror/tables');
    const items = states.body.items as { tableId: string; status: string }[];
    for (const action of tables) {
      const records = items.filter((i) => i.tableId === action.table?.tableId);
      expect(
        records.map((r) => r.status),
        action.table?.fullName,
      ).toEqual([action.table?.tableId === blocked.table?.tableId ? 'failed' : 'mirrored']);
    }

    // Nothing is left to do but the blocked table.
    const replan = await stack.request('POST', '/v1/mirror/plan', {});
    expect((replan.body.actions as PlannedTable[]).map((a) => `${a.kind} ${a.table?.tableId ?? ''}`)).toEqual([
      `create-table ${blocked.table?.tableId}`,
    ]);
    expect(await live.stop('SIGTERM'), live.output().slice(-2000)).toBe(0);
  }, 300_000);
});
