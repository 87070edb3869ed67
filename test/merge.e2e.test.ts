import type { MergeReport, SyncView } from '@d2s/shared';
import { sleep } from '@d2s/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CHANGE_LOG_JOB, CUSTOMERS_MERGE_LOAD, changeLogDatasetYaml } from './support/load-datasets.js';
import { type SyncStack, startSyncStack } from './support/sync-stack.js';

/**
 * load.mode: merge against both emulators. A change-log job
 * (support/load-datasets.ts) writes 60 rows over at most 40 customer ids (so
 * keys repeat within a run), each with a changed_at (the latest wins), an op
 * ("delete" deletes the key) and the run's batch parameter. The same job also
 * feeds an append-mode dataset, so the expected target is folded here, in
 * plain code, from the very rows the run exported, and compared with what the
 * MERGE left.
 */
const MERGE_DATASETS = `
datasets:${changeLogDatasetYaml('customers', 'CUSTOMERS', CUSTOMERS_MERGE_LOAD)}${changeLogDatasetYaml(
  'customer_log',
  'CUSTOMER_LOG',
  '{ mode: append }',
)}${changeLogDatasetYaml(
  'customers_upper_key',
  'CUSTOMERS',
  '{ mode: merge, keys: [CUSTOMER_ID], orderBy: changed_at }',
)}${changeLogDatasetYaml('customers_unordered', 'CUSTOMERS', '{ mode: merge, keys: [customer_id] }')}`;

const COLUMNS = `"customer_id", "changed_at"::VARCHAR AS "changed_at", "name", "op", "batch"`;
const MERGE = /^MERGE INTO "D2S_SANDBOX"\."PUBLIC"\."CUSTOMERS"/;

type Row = Record<string, string>;
const asRow = (r: Record<string, unknown>): Row =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]));

/** The target after applying one run's rows, and what that did: the rule the README states, in plain code. */
function fold(before: Map<string, Row>, run: Row[]) {
  const latest = new Map<string, Row>();
  for (const row of run) {
    const seen = latest.get(row.customer_id as string);
    if (!seen || (row.changed_at as string) > (seen.changed_at as string)) latest.set(row.customer_id as string, row);
  }
  const after = new Map(before);
  const counts = { inserted: 0, updated: 0, deleted: 0, unchanged: 0 };
  for (const [key, row] of latest) {
    const old = before.get(key);
    if (row.op === 'delete') {
      if (old) {
        after.delete(key);
        counts.deleted++;
      } else counts.unchanged++;
    } else if (!old) {
      after.set(key, row);
      counts.inserted++;
    } else if (JSON.stringify(old) !== JSON.stringify(row)) {
      after.set(key, row);
      counts.updated++;
    } else counts.unchanged++;
  }
  return { after, counts, rowsStaged: run.length, distinctKeys: latest.size };
}

function helpers(stack: () => SyncStack) {
  const h = {
    async sync(datasetName: string, batch: string): Promise<string> {
      const created = await stack().request('POST', '/v1/syncs', { dataset: datasetName, parameters: { batch } });
      expect(created.status, JSON.stringify(created.body)).toBe(202);
      return created.body.id as string;
    },
    ended(id: string, timeoutMs = 60_000): Promise<SyncView> {
      return stack().waitForStatus(id, (s) => ['succeeded', 'failed', 'canceled'].includes(s.status), timeoutMs);
    },
    async succeeded(id: string): Promise<SyncView> {
      const view = await h.ended(id);
      expect(view.status, JSON.stringify(view.error)).toBe('succeeded');
      return view;
    },
    /** The rows one run exported, as the append dataset loaded them. */
    async exported(batch: string): Promise<Row[]> {
      const id = await h.sync('customer_log', batch);
      await h.succeeded(id);
      return (
        await stack().sql(`SELECT ${COLUMNS} FROM D2S_SANDBOX.PUBLIC.CUSTOMER_LOG WHERE "batch" = '${batch}'`)
      ).map(asRow);
    },
    async target(): Promise<Map<string, Row>> {
      const rows = (await stack().sql(`SELECT ${COLUMNS} FROM D2S_SANDBOX.PUBLIC.CUSTOMERS`)).map(asRow);
      return new Map(rows.map((row) => [row.customer_id as string, row]));
    },
    statementsOf(id: string, pattern: RegExp) {
      const emulator = stack().snowflake?.emulator;
      if (!emulator) throw new Error('no Snowflake emulator');
      return emulator.queryLog.entries().filter((e) => e.queryTag === `d2s:sync:${id}` && pattern.test(e.sql));
    },
    async markers(id: string) {
      return stack().sql(`SELECT * FROM D2S_SANDBOX.PUBLIC.D2S_MERGE_LOG WHERE "SYNC_ID" = '${id}'`);
    },
  };
  return h;
}

const expectReport = (report: MergeReport | undefined, expected: ReturnType<typeof fold>, appliedNow = true) =>
  expect(report).toEqual({
    rowsStaged: expected.rowsStaged,
    distinctKeys: expected.distinctKeys,
    ...expected.counts,
    appliedNow,
  });

async function startMergeStack(importWorker: boolean): Promise<SyncStack> {
  return startSyncStack({
    redisUrl: inject('redisUrl'),
    datasetsYaml: MERGE_DATASETS,
    snowflake: true,
    importWorker,
    databricksFixture: (sandbox) => ({ ...sandbox, jobs: [...sandbox.jobs, CHANGE_LOG_JOB] }),
  });
}

describe('merge by key (import worker in this process)', () => {
  let stack: SyncStack;
  const h = helpers(() => stack);
  let state = new Map<string, Row>();
  let lastRun: Row[] = [];

  beforeAll(async () => {
    stack = await startMergeStack(true);
  }, 60_000);
  afterAll(() => stack?.close());

  it('first run: inserts the latest row of each key, skips deletes of keys it does not hold', async () => {
    const run = await h.exported('b1');
    const expected = fold(state, run);
    expect(expected.rowsStaged).toBeGreaterThan(expected.distinctKeys); // the run repeats keys
    const view = await h.succeeded(await h.sync('customers', 'b1'));
    expect(view.load?.mode).toBe('merge');
    expectReport(view.load?.merge, expected);
    expect(view.load?.rowsLoaded).toBe(60);
    expect(await h.target()).toEqual(expected.after);
    expect(view.load?.targetRowCount).toBe(expected.after.size);
    state = expected.after;
  });

  it('second run: updates, deletes and inserts, the latest row per key winning', async () => {
    const run = await h.exported('b2');
    lastRun = run;
    const expected = fold(state, run);
    expect(expected.counts.updated).toBeGreaterThan(0);
    expect(expected.counts.deleted).toBeGreaterThan(0);
    const id = await h.sync('customers', 'b2');
    const view = await h.succeeded(id);
    expectReport(view.load?.merge, expected);
    expect(await h.target()).toEqual(expected.after);
    expect(await h.markers(id)).toHaveLength(1);
    expect(
      await stack.sql(`SHOW TABLES LIKE '%D2S_STAGING%' IN SCHEMA D2S_SANDBOX.PUBLIC`),
      'the staging table is dropped',
    ).toEqual([]);
    state = expected.after;
  });

  it('a run that changes nothing reports every key unchanged', async () => {
    // The same parameters give the same rows (the export job is deterministic): the second run of b2.
    const expected = fold(state, lastRun);
    expect(expected.counts).toEqual({ inserted: 0, updated: 0, deleted: 0, unchanged: expected.distinctKeys });
    const view = await h.succeeded(await h.sync('customers', 'b2'));
    expectReport(view.load?.merge, expected);
    expect(await h.target()).toEqual(state);
  });

  it('a re-delivered hand-off (the import job run again) does not apply the run twice', async () => {
    const run = await h.exported('b3');
    const expected = fold(state, run);
    const id = await h.sync('customers', 'b3');
    await h.succeeded(id);
    expect(await h.target()).toEqual(expected.after);
    // A target change after the sync: re-applying b3 would undo it.
    const changedKey = [...expected.after.keys()][0] as string;
    await stack.sql(
      `UPDATE D2S_SANDBOX.PUBLIC.CUSTOMERS SET "name" = 'Changed later' WHERE "customer_id" = ${changedKey}`,
    );

    const job = await stack.queues.import.getJob(id);
    if (!job) throw new Error('no import job');
    await job.retry('completed');
    let again = await stack.queues.import.getJob(id);
    const deadline = Date.now() + 60_000;
    while (again?.finishedOn === job.finishedOn || !(await again?.isCompleted())) {
      if (Date.now() > deadline) throw new Error(`the re-delivered import did not finish: ${again?.failedReason}`);
      await sleep(100);
      again = await stack.queues.import.getJob(id);
    }
    expectReport((again?.returnvalue as { merge?: MergeReport }).merge, expected, false);
    expect(h.statementsOf(id, MERGE).filter((e) => e.status === 'SUCCESS')).toHaveLength(1);
    expect(await h.markers(id)).toHaveLength(1);
    const target = await h.target();
    expect(target.get(changedKey)?.name).toBe('Changed later');
    state = target;
  });

  it('a COMMIT that took effect but answered an error: the retry finds the marker and does not MERGE again', async () => {
    const run = await h.exported('b5');
    const expected = fold(state, run);
    const emulator = stack.snowflake?.emulator;
    if (!emulator) throw new Error('no Snowflake emulator');
    emulator.admin.faultStatements([{ match: /^COMMIT$/, action: 'fail-after' }]);
    const id = await h.sync('customers', 'b5');
    const view = await h.succeeded(id);
    expectReport(view.load?.merge, expected, false);
    expect(h.statementsOf(id, MERGE).map((e) => e.status)).toEqual(['SUCCESS']);
    expect(h.statementsOf(id, /^COMMIT$/).map((e) => e.status)).toEqual(['FAILED_WITH_ERROR', 'SUCCESS']);
    expect(await h.target()).toEqual(expected.after);
    expect(await h.markers(id)).toHaveLength(1);
    state = expected.after;
  });

  it('refuses a run that repeats keys when no orderBy says which row wins, before touching the target', async () => {
    const id = await h.sync('customers_unordered', 'b6');
    const view = await h.ended(id);
    expect(view.status).toBe('failed');
    expect(view.error?.code).toBe('MERGE_DUPLICATE_KEYS');
    expect(view.error?.message).toContain('set load.orderBy');
    expect(h.statementsOf(id, MERGE)).toEqual([]);
    expect(await h.target()).toEqual(state);
  });

  it('refuses keys the target does not have, before touching it, and drops its staging table', async () => {
    const id = await h.sync('customers_upper_key', 'b4');
    const view = await h.ended(id);
    expect(view.status).toBe('failed');
    expect(view.error?.code).toBe('MERGE_COLUMN_NOT_FOUND');
    expect(view.error?.message).toContain('CUSTOMER_ID (the table has customer_id; names are case-sensitive)');
    expect(h.statementsOf(id, MERGE)).toEqual([]);
    expect(await h.target()).toEqual(state);
    expect(await stack.sql(`SHOW TABLES LIKE '%D2S_STAGING%' IN SCHEMA D2S_SANDBOX.PUBLIC`)).toEqual([]);
  });
});

describe('merge: the import worker process is SIGKILLed during the MERGE', () => {
  let stack: SyncStack;
  const h = helpers(() => stack);

  beforeAll(async () => {
    stack = await startMergeStack(false);
  }, 60_000);
  afterAll(() => stack?.close());

  it('rolls the dead attempt back and applies the run exactly once on restart', async () => {
    const admin = () => {
      const emulator = stack.snowflake?.emulator;
      if (!emulator) throw new Error('no Snowflake emulator');
      return emulator.admin;
    };
    // The log dataset needs an import worker too: one in a process, stopped before the merge sync.
    const loader = stack.spawnService('import-worker');
    const run = await h.exported('b1');
    expect(await loader.stop('SIGTERM')).toBe(0);
    const expected = fold(new Map(), run);

    const id = await h.sync('customers', 'b1');
    await stack.waitForStatus(id, (s) => s.status === 'importing', 30_000);
    admin().faultStatements([{ match: MERGE, action: 'delay', delayMs: 1_500 }]);
    const first = stack.spawnService('import-worker');
    // A bound on "the new process reaches the MERGE", not a speed claim: start-up alone took over 30 s at load 30.
    const deadline = Date.now() + 90_000;
    while (!h.statementsOf(id, MERGE).some((e) => e.status === 'RUNNING')) {
      if (Date.now() > deadline) throw new Error(`no MERGE ran\n${first.output().slice(-2000)}`);
      await sleep(10);
    }
    first.child.kill('SIGKILL');
    await first.exited;
    // The held MERGE still runs, in the dead worker's transaction, which nobody will commit.
    while (h.statementsOf(id, MERGE).some((e) => e.status === 'RUNNING')) await sleep(10);
    expect(h.statementsOf(id, MERGE).map((e) => e.status)).toEqual(['SUCCESS']);
    expect(await h.target(), 'uncommitted: the target is untouched').toEqual(new Map());
    expect((await stack.sql('SHOW TRANSACTIONS IN ACCOUNT')).map((t) => t.name)).toEqual([`d2s_merge_${id}`]);

    const second = stack.spawnService('import-worker');
    const done = await h.ended(id);
    expect(done.status, `${JSON.stringify(done.error)}\n${second.output().slice(-2000)}`).toBe('succeeded');
    expectReport(done.load?.merge, expected);
    expect(await h.target()).toEqual(expected.after);
    expect(h.statementsOf(id, /^SELECT SYSTEM\$ABORT_TRANSACTION/).map((e) => e.status)).toEqual(['SUCCESS']);
    expect(await stack.sql('SHOW TRANSACTIONS IN ACCOUNT')).toEqual([]);
    expect(await h.markers(id)).toHaveLength(1);
    expect(await second.stop('SIGTERM'), second.output().slice(-3000)).toBe(0);
  }, 240_000);
});
