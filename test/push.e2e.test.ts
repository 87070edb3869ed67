import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDestinationAttached } from '@d2s/shared';
import { sleep } from '@d2s/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  basicAuth,
  HOOK_PASSWORD,
  HOOK_USER,
  PUSH_DATASET,
  PUSH_JOB_ID,
  type PushStack,
  startPushStack,
} from './support/push-stack.js';
import { runD2s } from '@d2s/testkit/run-cli';

// The payload a Databricks generic webhook destination receives for a job event
// (docs.databricks.com/aws/en/jobs/notifications, "HTTP webhook payloads"): ids are strings.
const notice = (eventType: string, runId: number | string) => ({
  event_type: eventType,
  workspace_id: '777',
  run: { run_id: String(runId) },
  job: { job_id: String(PUSH_JOB_ID), name: 'pushed-export' },
});

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('completion pushed by Databricks job notifications (real Redis, real HTTP)', () => {
  let stack: PushStack;

  beforeAll(async () => {
    // Ten minutes between the export's own polls: a sync that ends within the test was woken by a push.
    stack = await startPushStack({ redisUrl: inject('redisUrl'), pushPollMs: 600_000 });
    await stack.attachDestination();
  });
  afterAll(() => stack?.close());

  const startSync = async () => (await stack.syncs.create({ dataset: PUSH_DATASET, origin: 'test' })).sync.id;
  const runIdOf = async (syncId: string) => {
    let runId: number | undefined;
    await until('the run id', async () => {
      const job = await stack.queues.export.getJob(syncId);
      runId = (job?.data as { progress?: { runId?: number } } | undefined)?.progress?.runId;
      return runId !== undefined;
    });
    return runId as number;
  };

  it('the run’s end wakes the parked export: handed off with one runs/get, long before its next poll', async () => {
    const before = await stack.notifications('woke', 'jobs.on_success');
    const syncId = await startSync();
    const runId = await stack.waitForHandOff(syncId);
    // The only read of the run is the one the notification caused; the scheduled poll is 10 minutes away.
    expect(stack.runsGetCalls(runId)).toBe(1);
    expect(await stack.notifications('woke', 'jobs.on_success')).toBe(before + 1);
    // on_start says nothing about the end: counted, nothing woken.
    await until(
      'the start notice counted',
      async () => (await stack.notifications('not-an-end', 'jobs.on_start')) >= 1,
    );
    const run = await stack.databricksClient.jobs.getRun(runId);
    expect(run.state?.result_state).toBe('SUCCESS');
  });

  it('a duplicated notification is harmless and counted: one hand-off, one wake', async () => {
    await stack.databricks.admin.addNotificationFault({ action: 'duplicate', event_type: 'jobs.on_success' });
    const woke = await stack.notifications('woke');
    const duplicates = await stack.notifications('duplicate', 'jobs.on_success');
    const syncId = await startSync();
    const runId = await stack.waitForHandOff(syncId);
    await until(
      'both copies counted',
      async () => (await stack.notifications('duplicate', 'jobs.on_success')) > duplicates,
    );
    expect(await stack.notifications('woke')).toBe(woke + 1);
    expect(await (await stack.queues.export.getJob(syncId))?.getState()).toBe('completed');
    expect(stack.runsGetCalls(runId)).toBe(1);
    // Databricks delivering the same notice again later (a retry) is a duplicate too.
    expect((await stack.hook(notice('jobs.on_success', runId))).body).toEqual({ outcome: 'duplicate' });
  });

  it('a notification that the run ended while it still runs is only a hint: runs/get decides', async () => {
    const before = await stack.queues.import.count();
    const syncId = await startSync();
    const runId = await runIdOf(syncId);
    // Sent with the right credentials as soon as the run exists, long before its end: the export reads the
    // run, finds it running and parks again; the real end (the same event) still wakes it.
    const early = await stack.hook(notice('jobs.on_success', runId));
    expect(early.status).toBe(200);
    expect(['woke', 'not-parked']).toContain(early.body.outcome);
    const handedOff = await stack.waitForHandOff(syncId);
    expect(handedOff).toBe(runId);
    expect(await stack.queues.import.count()).toBe(before + 1);
    expect(stack.runsGetCalls(runId)).toBeGreaterThanOrEqual(2);
    expect((await stack.databricksClient.jobs.getRun(runId)).state?.result_state).toBe('SUCCESS');
  });

  it('forged, malformed, unknown and late notifications get 401 / 400 / 200 and are counted, never a 500', async () => {
    const unauthorized = await stack.notifications('unauthorized');
    const bad = await stack.notifications('bad-payload');
    const unknown = await stack.notifications('unknown-run');

    const wrong = await stack.hook(notice('jobs.on_success', 1), basicAuth(HOOK_USER, 'not-the-password'));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('UNAUTHORIZED');
    expect((await stack.hook(notice('jobs.on_success', 1), basicAuth('someone-else', HOOK_PASSWORD))).status).toBe(401);
    expect((await stack.hook(notice('jobs.on_success', 1), null)).status).toBe(401);
    // An API token is not a webhook credential.
    expect((await stack.hook(notice('jobs.on_success', 1), 'Bearer push-stack-token')).status).toBe(401);
    expect(await stack.notifications('unauthorized')).toBe(unauthorized + 4);

    expect((await stack.hook('{"event_type": "jobs.on_succ')).status).toBe(400);
    const missingRun = await stack.hook({
      event_type: 'jobs.on_success',
      workspace_id: '777',
      job: { job_id: '1', name: 'x' },
    });
    expect(missingRun.status).toBe(400);
    expect(missingRun.body.error.message).toMatch(/run/);
    expect((await stack.hook({ ...notice('jobs.on_success', 'abc') })).status).toBe(400);
    expect((await stack.hook({ ...notice('jobs.on_success', 1), event_type: 'DROP TABLE' })).status).toBe(400);
    expect((await stack.hook([])).status).toBe(400);
    expect(
      (await stack.hook('event_type=jobs.on_success', undefined, 'application/x-www-form-urlencoded')).status,
    ).toBe(415);
    expect(await stack.notifications('bad-payload')).toBe(bad + 6);

    const stray = await stack.hook(notice('jobs.on_success', 999_999_999));
    expect(stray).toEqual({ status: 200, body: { outcome: 'unknown-run' } });
    expect(await stack.notifications('unknown-run')).toBe(unknown + 1);

    // Late: the sync has been handed off; a failure notice for its run (first of its kind) finds it finished.
    const syncId = await startSync();
    const runId = await stack.waitForHandOff(syncId);
    expect((await stack.hook(notice('jobs.on_failure', runId))).body).toEqual({ outcome: 'finished' });
    // A task's own notification never wakes a job's export.
    const task = await stack.hook({ ...notice('jobs.on_success', runId), task: { task_key: 'export' } });
    expect(task.body).toEqual({ outcome: 'task-event' });
  });
});

describe('push delivery trouble (real Redis, real HTTP)', () => {
  let stack: PushStack;
  let flaky: Server;
  let refusals = 0;

  beforeAll(async () => {
    // A short safety-net poll: a lost notification must cost only that wait.
    stack = await startPushStack({ redisUrl: inject('redisUrl'), pushPollMs: 1_500 });
    // In front of the API, a receiver that is down for its first two requests (503), then passes them on.
    flaky = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (refusals < 2) {
          refusals += 1;
          res.writeHead(503).end();
          return;
        }
        fetch(`${stack.api}/v1/hooks/databricks`, {
          method: 'POST',
          headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json' },
          body: Buffer.concat(chunks),
        })
          .then(async (r) => res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text()))
          .catch(() => res.writeHead(502).end());
      });
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    await stack.attachDestination(`http://127.0.0.1:${(flaky.address() as AddressInfo).port}/v1/hooks/databricks`);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => flaky?.close(() => resolve()));
    await stack?.close();
  });

  it('a receiver that is down gets the notification again: the emulator retries until d2s takes it', async () => {
    // The two refusals land on the on_start notice; the end notice then gets through at once.
    refusals = 0;
    const syncId = (await stack.syncs.create({ dataset: PUSH_DATASET, origin: 'test' })).sync.id;
    const runId = await stack.waitForHandOff(syncId);
    await stack.databricks.admin.notificationsSettled();
    const records = stack.databricks.admin.notifications().filter((n) => n.run_id === runId);
    const start = records.find((n) => n.event_type === 'jobs.on_start');
    expect(start?.attempts.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(start?.outcome).toBe('delivered');
    expect(records.find((n) => n.event_type === 'jobs.on_success')?.outcome).toBe('delivered');
  });

  it('a lost notification only delays the sync to the next poll', async () => {
    refusals = 2;
    await stack.databricks.admin.addNotificationFault({ action: 'drop', event_type: 'jobs.on_success' });
    const woke = await stack.notifications('woke');
    const syncId = (await stack.syncs.create({ dataset: PUSH_DATASET, origin: 'test' })).sync.id;
    const runId = await stack.waitForHandOff(syncId);
    expect(
      stack.databricks.admin.notifications().find((n) => n.run_id === runId && n.event_type === 'jobs.on_success')
        ?.outcome,
    ).toBe('dropped');
    // Nothing woke it: the safety-net poll read the run and found it ended.
    expect(await stack.notifications('woke')).toBe(woke);
    expect(stack.runsGetCalls(runId)).toBeGreaterThanOrEqual(1);
    expect((await stack.databricksClient.jobs.getRun(runId)).state?.result_state).toBe('SUCCESS');
  });
});

describe('d2s setup webhook: the destination created once and attached to each dataset’s job', () => {
  let stack: PushStack;

  beforeAll(async () => {
    stack = await startPushStack({ redisUrl: inject('redisUrl'), pushPollMs: 600_000 });
  });
  afterAll(() => stack?.close());

  const jobSettings = async () =>
    (await (
      await fetch(`${stack.databricks.url}/api/2.2/jobs/get?job_id=${PUSH_JOB_ID}`, {
        headers: { authorization: 'Bearer dapi-push-test' },
      })
    ).json()) as { settings: { webhook_notifications?: Record<string, Array<{ id: string }>> } };

  it('creates and attaches once through the CLI, keeps other destinations, then wakes syncs', async () => {
    // Someone else's destination already on the job: kept.
    const other = (await (
      await fetch(`${stack.databricks.url}/api/2.0/notification-destinations`, {
        method: 'POST',
        headers: { authorization: 'Bearer dapi-push-test', 'content-type': 'application/json' },
        body: JSON.stringify({
          display_name: 'ops pager',
          config: { generic_webhook: { url: 'http://127.0.0.1:1/x' } },
        }),
      })
    ).json()) as { id: string };
    await fetch(`${stack.databricks.url}/api/2.2/jobs/update`, {
      method: 'POST',
      headers: { authorization: 'Bearer dapi-push-test', 'content-type': 'application/json' },
      body: JSON.stringify({
        job_id: PUSH_JOB_ID,
        new_settings: { webhook_notifications: { on_failure: [{ id: other.id }] } },
      }),
    });

    const url = `${stack.api}/v1/hooks/databricks`;
    const env = { D2S_API_URL: stack.api, D2S_API_TOKEN: stack.token };
    const first = await runD2s(['setup', 'webhook', '--url', url], { env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Created notification destination \S+ → /);
    expect(first.stdout).toContain(`job ${PUSH_JOB_ID}: attached (on_success, on_failure)`);
    const destinationId = /destination (\S+)/.exec(first.stdout)?.[1] as string;

    const settings = (await jobSettings()).settings;
    expect(isDestinationAttached({ job_id: PUSH_JOB_ID, settings }, destinationId)).toBe(true);
    expect(settings.webhook_notifications?.on_failure).toEqual([{ id: other.id }, { id: destinationId }]);

    const again = await runD2s(['setup', 'webhook', '--url', url, '--json'], { env });
    expect(JSON.parse(again.stdout)).toEqual({
      destinationId,
      destinationCreated: false,
      jobs: [{ jobId: PUSH_JOB_ID, attached: 'already' }],
    });

    const syncId = (await stack.syncs.create({ dataset: PUSH_DATASET, origin: 'test' })).sync.id;
    const runId = await stack.waitForHandOff(syncId);
    expect(stack.runsGetCalls(runId)).toBe(1);
  });

  it('refuses a bad URL with 400, and without --url says how to call it', async () => {
    const response = await fetch(`${stack.api}/v1/hooks/databricks/setup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'not a url' }),
    });
    expect(response.status).toBe(400);
    const usage = await runD2s(['setup', 'webhook'], { env: { D2S_API_URL: stack.api, D2S_API_TOKEN: stack.token } });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--url is required/);
  });
});
