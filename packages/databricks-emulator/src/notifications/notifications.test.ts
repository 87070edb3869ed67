import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestEmulator, type TestEmulator, waitForRun } from '../../test-support/harness.js';
import { testFixture } from '../../test-support/test-fixture.js';

/** A webhook receiver on loopback that records every request and answers from a script (default 200). */
class Receiver {
  readonly requests: Array<{ headers: IncomingMessage['headers']; body: Record<string, unknown> }> = [];
  /** Statuses to answer with, in order; 200 once used up. */
  script: number[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(this.script.shift() ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  for(runId: number) {
    return this.requests.filter((r) => (r.body.run as { run_id: string }).run_id === String(runId));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('job notifications to webhook destinations', () => {
  let emu: TestEmulator;
  const receiver = new Receiver();
  let destinationId = '';

  beforeAll(async () => {
    await receiver.start();
    const fixture = testFixture();
    fixture.auth.personal_access_tokens.push({ token: 'dapi-runner', user_name: 'runner@example.com' });
    fixture.jobs.push({
      job_id: 1100,
      name: 'guarded',
      timing: { pending_ms: 50, running_ms: 50, terminating_ms: 50 },
      owner_user_name: 'tester@example.com',
      access_control_list: [{ user_name: 'runner@example.com', permission_level: 'CAN_MANAGE_RUN' }],
    });
    // Deliveries retried at once: the policy's waits are not what these tests are about.
    fixture.notifications = { max_attempts: 3, retry_backoff_ms: 0, timeout_ms: 2_000 };
    emu = await startTestEmulator({ fixture });
    const created = await api(emu, 'POST', '/api/2.0/notification-destinations', {
      body: {
        display_name: 'd2s',
        config: { generic_webhook: { url: receiver.url, username: 'd2s-hook', password: 'hook-secret' } },
      },
    });
    expect(created.status).toBe(200);
    destinationId = created.body.id as string;
  });
  afterAll(async () => {
    await emu.stop();
    await receiver.close();
  });
  afterEach(async () => {
    receiver.script = [];
    await emu.admin.notificationsSettled();
  });

  const attach = (jobId: number, events: string[], token?: string) =>
    api(emu, 'POST', '/api/2.2/jobs/update', {
      token,
      body: {
        job_id: jobId,
        new_settings: { webhook_notifications: Object.fromEntries(events.map((e) => [e, [{ id: destinationId }]])) },
      },
    });
  const runNow = async (jobId: number) =>
    (await api(emu, 'POST', '/api/2.2/jobs/run-now', { body: { job_id: jobId } })).body.run_id as number;

  it('jobs/update attaches a destination, which jobs/get then shows; bad updates change nothing', async () => {
    expect((await attach(1004, ['on_failure'])).status).toBe(200);
    const job = await api(emu, 'GET', '/api/2.2/jobs/get?job_id=1004');
    expect(job.body.settings.webhook_notifications).toEqual({ on_failure: [{ id: destinationId }] });

    const unknown = await api(emu, 'POST', '/api/2.2/jobs/update', {
      body: { job_id: 1004, new_settings: { webhook_notifications: { on_start: [{ id: 'no-such-destination' }] } } },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    // "up to three system destinations for each notification event type" (Databricks job notifications docs)
    const four = await api(emu, 'POST', '/api/2.2/jobs/update', {
      body: {
        job_id: 1004,
        new_settings: { webhook_notifications: { on_start: Array.from({ length: 4 }, () => ({ id: destinationId })) } },
      },
    });
    expect(four.status).toBe(400);
    expect(four.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const badEvent = await api(emu, 'POST', '/api/2.2/jobs/update', {
      body: { job_id: 1004, new_settings: { webhook_notifications: { on_finish: [] } } },
    });
    expect(badEvent.status).toBe(400);
    const other = await api(emu, 'POST', '/api/2.2/jobs/update', {
      body: { job_id: 1004, new_settings: { name: 'renamed' } },
    });
    expect(other.status).toBe(400);
    expect((await api(emu, 'GET', '/api/2.2/jobs/get?job_id=1004')).body.settings.webhook_notifications).toEqual({
      on_failure: [{ id: destinationId }],
    });
    expect((await api(emu, 'POST', '/api/2.2/jobs/update', { body: { job_id: 999 } })).status).toBe(400);
  });

  it('editing a job needs CAN_MANAGE or ownership: CAN_MANAGE_RUN is refused with 403', async () => {
    const refused = await attach(1100, ['on_success'], 'dapi-runner');
    expect(refused.status).toBe(403);
    expect(refused.body.error_code).toBe('PERMISSION_DENIED');
    expect((await attach(1100, ['on_success'])).status).toBe(200);
  });

  it('a run sends jobs.on_start and jobs.on_success with the documented payload and basic auth', async () => {
    expect((await attach(1002, ['on_start', 'on_success', 'on_failure'])).status).toBe(200);
    const runId = await runNow(1002);
    await waitForRun(emu, runId);
    await until('two notifications', () => receiver.for(runId).length >= 2);
    await emu.admin.notificationsSettled();
    const got = receiver.for(runId);
    // docs.databricks.com/aws/en/jobs/notifications, "HTTP webhook payloads": ids as strings.
    expect(got.map((r) => r.body)).toEqual([
      {
        event_type: 'jobs.on_start',
        workspace_id: '42',
        run: { run_id: String(runId) },
        job: { job_id: '1002', name: 'multi-task' },
      },
      {
        event_type: 'jobs.on_success',
        workspace_id: '42',
        run: { run_id: String(runId) },
        job: { job_id: '1002', name: 'multi-task' },
      },
    ]);
    for (const r of got) {
      expect(r.headers.authorization).toBe(basic('d2s-hook', 'hook-secret'));
      expect(r.headers['content-type']).toBe('application/json');
    }
  });

  it('a failed run sends jobs.on_failure', async () => {
    const runId = await runNow(1004);
    await waitForRun(emu, runId);
    await until('the failure notice', () => receiver.for(runId).length >= 1);
    expect(receiver.for(runId).map((r) => r.body.event_type)).toEqual(['jobs.on_failure']);
  });

  it('a canceled run sends jobs.on_failure unless notification_settings mutes canceled runs', async () => {
    const first = await runNow(1004);
    await api(emu, 'POST', '/api/2.2/jobs/runs/cancel', { body: { run_id: first } });
    await waitForRun(emu, first);
    await until('the cancel notice', () => receiver.for(first).length >= 1);
    expect(receiver.for(first).map((r) => r.body.event_type)).toEqual(['jobs.on_failure']);

    const muted = await api(emu, 'POST', '/api/2.2/jobs/update', {
      body: { job_id: 1004, new_settings: { notification_settings: { no_alert_for_canceled_runs: true } } },
    });
    expect(muted.status).toBe(200);
    const second = await runNow(1004);
    await api(emu, 'POST', '/api/2.2/jobs/runs/cancel', { body: { run_id: second } });
    await waitForRun(emu, second);
    const third = await runNow(1004);
    await waitForRun(emu, third);
    await until('the next failure notice', () => receiver.for(third).length >= 1);
    expect(receiver.for(second)).toEqual([]);
  });

  it('retries while the receiver answers 5xx or 429, and stops at a 4xx it cannot fix', async () => {
    await attach(1002, ['on_success']);
    receiver.script = [503, 429, 200];
    const retried = await runNow(1002);
    await waitForRun(emu, retried);
    await until('the third attempt', () => receiver.for(retried).length >= 3);
    await emu.admin.notificationsSettled();
    const record = emu.admin.notifications().find((n) => n.run_id === retried);
    expect(record?.attempts.map((a) => a.status)).toEqual([503, 429, 200]);
    expect(record?.outcome).toBe('delivered');

    receiver.script = [401];
    const refused = await runNow(1002);
    await waitForRun(emu, refused);
    await until('the refused attempt', () => receiver.for(refused).length >= 1);
    await emu.admin.notificationsSettled();
    expect(receiver.for(refused)).toHaveLength(1);
    expect(emu.admin.notifications().find((n) => n.run_id === refused)?.outcome).toBe('rejected');

    receiver.script = [500, 500, 500, 500];
    const exhausted = await runNow(1002);
    await waitForRun(emu, exhausted);
    await until('three attempts', () => receiver.for(exhausted).length >= 3);
    await emu.admin.notificationsSettled();
    expect(receiver.for(exhausted)).toHaveLength(3);
    expect(emu.admin.notifications().find((n) => n.run_id === exhausted)?.outcome).toBe('failed');
  });

  it('retries when the receiver is down (connection refused)', async () => {
    // A port that was free a moment ago: nothing listens there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await api(emu, 'POST', '/api/2.0/notification-destinations', {
      body: { display_name: 'nobody home', config: { generic_webhook: { url: `http://127.0.0.1:${port}/hook` } } },
    });
    await api(emu, 'POST', '/api/2.2/jobs/update', {
      body: { job_id: 1006, new_settings: { webhook_notifications: { on_success: [{ id: down.body.id }] } } },
    });
    const runId = await runNow(1006);
    await waitForRun(emu, runId);
    await until('the attempts to end', async () => {
      await emu.admin.notificationsSettled();
      return emu.admin.notifications().some((n) => n.run_id === runId && n.outcome !== 'pending');
    });
    const record = emu.admin.notifications().find((n) => n.run_id === runId);
    expect(record?.outcome).toBe('failed');
    expect(record?.attempts).toHaveLength(3);
    expect(record?.attempts.every((a) => a.status === undefined && a.error)).toBe(true);
  });

  it('fault knobs drop, duplicate and delay notifications', async () => {
    await attach(1002, ['on_success']);
    const url = `${emu.url}/__emulator/faults/notifications`;
    const post = (body: unknown) =>
      fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

    expect((await post({ action: 'drop', event_type: 'jobs.on_success' })).status).toBe(200);
    const dropped = await runNow(1002);
    await waitForRun(emu, dropped);
    await until('the dropped record', () =>
      emu.admin.notifications().some((n) => n.run_id === dropped && n.outcome === 'dropped'),
    );
    expect(receiver.for(dropped)).toEqual([]);

    expect((await post({ action: 'duplicate', job_id: 1002 })).status).toBe(200);
    const doubled = await runNow(1002);
    await waitForRun(emu, doubled);
    await until('two copies', () => receiver.for(doubled).length >= 2);
    expect(receiver.for(doubled).map((r) => r.body)).toEqual([
      receiver.for(doubled)[0]?.body,
      receiver.for(doubled)[0]?.body,
    ]);

    expect((await post({ action: 'delay', delay_ms: 300 })).status).toBe(200);
    const delayed = await runNow(1002);
    const ended = await waitForRun(emu, delayed);
    // The attempt is recorded once the receiver has answered, a moment after the receiver saw it.
    const firstAttempt = () => emu.admin.notifications().find((n) => n.run_id === delayed)?.attempts[0];
    await until('the late notice', () => receiver.for(delayed).length >= 1 && firstAttempt() !== undefined);
    const attempt = firstAttempt();
    expect((attempt?.at ?? 0) - (ended.body.end_time as number)).toBeGreaterThanOrEqual(300);

    expect((await post({ action: 'explode' })).status).toBe(400);
    expect((await post({ action: 'delay' })).status).toBe(400);
  });
});
