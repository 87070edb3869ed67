import { sleep } from '@d2s/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Stack, startStack } from './support/stack.js';

const MIRROR_YAML = `
mirror:
  catalogs:
    - { name: weather, database: WEATHER_MIRROR }
    - { name: sales, database: SALES_MIRROR }
  refreshIntervalSeconds: 300
`;

/**
 * The mirror worker process SIGKILLed while its plan job applies the
 * integrations (after the first one was created), then restarted. The run
 * still ends with every table mirrored — but its record should list every
 * action of the plan it was applying, the ones applied before the kill too.
 */
describe('mirror worker killed while the plan job applies integrations', () => {
  let stack: Stack;
  const planned: Record<string, number> = {};
  const recorded: Record<string, number> = {};
  let runId = '';

  beforeAll(async () => {
    stack = await startStack({
      redisUrl: inject('redisUrl'),
      label: 'mirror-plan-crash',
      mirrorYaml: MIRROR_YAML,
      logLevel: 'warn',
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('finishes the run after the kill, every table mirrored', async () => {
    const plan = await stack.request('POST', '/v1/mirror/plan', {});
    expect(plan.status, plan.text).toBe(200);
    for (const action of plan.body.actions as { kind: string }[])
      planned[action.kind] = (planned[action.kind] ?? 0) + 1;
    expect(planned['create-integration']).toBeGreaterThanOrEqual(2);

    const admin = stack.snowflake.emulator.admin;
    admin.setLatency(300);
    const first = stack.startProcess('mirror-worker');
    const run = await stack.request('POST', '/v1/mirror/runs', {});
    expect(run.status, run.text).toBe(202);
    runId = run.body.id as string;

    // Kill once the first integration exists and the plan job is still at work.
    const integrationCreated = () =>
      stack.snowflake.emulator.queryLog
        .entries()
        .some((e) => /^\s*CREATE\s+CATALOG\s+INTEGRATION/i.test(e.sql) && e.status === 'SUCCESS');
    for (let i = 0; i < 3_000 && !integrationCreated(); i++) await sleep(10);
    expect(integrationCreated(), first.output().slice(-2000)).toBe(true);
    const planJob = await stack.queues.mirror.getJob(runId);
    expect(await planJob?.getState()).toBe('active');
    first.child.kill('SIGKILL');
    await first.exited;
    admin.setLatency(0);

    const second = stack.startProcess('mirror-worker');
    const done = await stack.waitForMirrorRun(runId, 90_000);
    expect(done.status, JSON.stringify(done.actions.filter((a) => a.error))).toBe('succeeded');
    for (const action of done.actions) recorded[action.kind] = (recorded[action.kind] ?? 0) + 1;
    // Every table is there, and nothing is left to plan.
    expect((await stack.request('POST', '/v1/mirror/plan', {})).body.actions).toEqual([]);
    const tables = (await stack.request('GET', '/v1/mirror/tables')).body.items as { status: string }[];
    expect(tables.filter((t) => t.status === 'mirrored')).toHaveLength(planned['create-table'] ?? 0);
    expect(await second.stop('SIGTERM'), second.output().slice(-2000)).toBe(0);
  }, 150_000);

  // Was a KNOWN BUG (#17): the plan job computed its plan again on every activation, so a run retried
  // after the kill recorded a new plan without the actions applied before it. The plan is now saved
  // into the job (job.updateData) before the first action, and a retry applies the same plan.
  it('the run records every action of its plan, those applied before the kill too', async () => {
    expect(Object.keys(recorded).length, 'the run above did not finish').toBeGreaterThan(0);
    expect(recorded).toEqual(planned);
    // The plan saved in the job is the one computed before the kill, not a second one.
    const planJob = await stack.queues.mirror.getJob(runId);
    expect((planJob?.data as { plan?: { actions: unknown[] } }).plan?.actions).toHaveLength(
      Object.values(planned).reduce((a, b) => a + b, 0),
    );
  });
});
