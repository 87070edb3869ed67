import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { loadFixture } from '../fixture.js';
import { sandboxFixturePath } from '../index.js';
import { api, oauthToken, startTestEmulator, type TestEmulator } from '../../test-support/harness.js';

const OWNER = 'dapi-sandbox-token';
const ANALYST = 'dapi-analyst-token';

// Job permission levels and what each allows: Databricks "Jobs access control"
// (docs.databricks.com/en/security/auth-authz/access-control/jobs-acl.html): CAN_VIEW views the job and its
// results; run now and cancel run need CAN_MANAGE_RUN, IS_OWNER or CAN_MANAGE; the creator is the owner.
describe('jobs access control on the sandbox workspace', () => {
  const clock = new ManualClock();
  let emu: TestEmulator;
  let runId: number;
  beforeAll(async () => {
    emu = await startTestEmulator({ fixture: await loadFixture(sandboxFixturePath), clock });
    const started = await api(emu, 'POST', '/api/2.2/jobs/run-now', {
      token: OWNER,
      body: { job_id: 1001, idempotency_token: 'perm-owner-1' },
    });
    expect(started.status).toBe(200);
    runId = started.body.run_id as number;
  });
  afterAll(() => emu.stop());

  it('refuses run-now to a principal with CAN_VIEW only: 403 PERMISSION_DENIED with a RequestInfo detail', async () => {
    // Body shape (error_code, message, details[RequestInfo]) as in the 403 quoted in
    // databricks/databricks-sdk-py#953; the words for run-now from a public quote of a real answer.
    const denied = await api(emu, 'POST', '/api/2.1/jobs/run-now', {
      token: ANALYST,
      body: { job_id: 1001, idempotency_token: 'perm-analyst-1' },
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error_code).toBe('PERMISSION_DENIED');
    expect(denied.body.message).toBe(
      'User analyst@example.com does not have Manage Run or Owner or Admin permissions on job 1001',
    );
    expect(denied.body.details).toEqual([
      { '@type': 'type.googleapis.com/google.rpc.RequestInfo', request_id: expect.any(String), serving_data: '' },
    ]);
    const runs = await api(emu, 'GET', '/__emulator/runs', { token: null });
    expect(JSON.stringify(runs.body)).not.toContain('perm-analyst-1');
  });

  it('does not hand an existing run to a principal who may not start one, even with its idempotency token', async () => {
    const denied = await api(emu, 'POST', '/api/2.2/jobs/run-now', {
      token: ANALYST,
      body: { job_id: 1001, idempotency_token: 'perm-owner-1' },
    });
    expect(denied.status).toBe(403);
  });

  it('refuses runs/cancel to CAN_VIEW, and lets the analyst read the job, the run and its output', async () => {
    const cancel = await api(emu, 'POST', '/api/2.2/jobs/runs/cancel', { token: ANALYST, body: { run_id: runId } });
    expect(cancel.status).toBe(403);
    expect(cancel.body.error_code).toBe('PERMISSION_DENIED');
    const job = await api(emu, 'GET', '/api/2.2/jobs/get?job_id=1001', { token: ANALYST });
    expect(job.status).toBe(200);
    expect(job.body.creator_user_name).toBe('sandbox-user@example.com');
    const run = await api(emu, 'GET', `/api/2.2/jobs/runs/get?run_id=${runId}`, { token: ANALYST });
    expect(run.status).toBe(200);
    expect(run.body.state.life_cycle_state).not.toBe('TERMINATED'); // the analyst's cancel did nothing
    const taskRunId = run.body.tasks[0].run_id as number;
    const output = await api(emu, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${taskRunId}`, { token: ANALYST });
    expect(output.status).toBe(200);
  });

  it('gives the d2s service principal (CAN_MANAGE) and a member of d2s-operators (CAN_MANAGE_RUN) full use', async () => {
    const token = await oauthToken(emu, 'd2s-sandbox-client', 'd2s-sandbox-secret');
    const started = await api(emu, 'POST', '/api/2.2/jobs/run-now', {
      token,
      body: { job_id: 1001, idempotency_token: 'perm-sp-1' },
    });
    expect(started.status).toBe(200);
    const cancel = await api(emu, 'POST', '/api/2.2/jobs/runs/cancel', {
      token,
      body: { run_id: started.body.run_id },
    });
    expect(cancel.status).toBe(200);
  });

  it('answers jobs/get for a principal with no permission with the view wording', async () => {
    // "User … does not have Admin or Manage Run or Owner or View permissions on job …": databricks-sdk-py#953.
    const fixture = await loadFixture(sandboxFixturePath);
    const job = fixture.jobs.find((j) => j.job_id === 1001);
    if (!job?.access_control_list) throw new Error('sandbox job 1001 has no access_control_list');
    job.access_control_list = job.access_control_list.filter((e) => e.user_name !== 'analyst@example.com');
    const other = await startTestEmulator({ fixture, clock });
    try {
      const denied = await api(other, 'GET', '/api/2.1/jobs/get?job_id=1001', { token: ANALYST });
      expect(denied.status).toBe(403);
      expect(denied.body.message).toBe(
        'User analyst@example.com does not have Admin or Manage Run or Owner or View permissions on job 1001',
      );
      const listed = await api(other, 'GET', '/api/2.2/jobs/list', { token: ANALYST });
      expect((listed.body.jobs ?? []).map((j: { job_id: number }) => j.job_id)).not.toContain(1001);
    } finally {
      await other.stop();
    }
  });

  it('answers scim/v2/Me with the caller: a user for a PAT, the application id for a service principal', async () => {
    // SCIM User fields as the SDK's iam.User model names them (databricks-sdk-py service/iam.py).
    const me = await api(emu, 'GET', '/api/2.0/preview/scim/v2/Me', { token: ANALYST });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      userName: 'analyst@example.com',
      active: true,
      emails: [{ type: 'work', value: 'analyst@example.com', primary: true }],
      schemas: expect.arrayContaining(['urn:ietf:params:scim:schemas:core:2.0:User']),
    });
    expect(me.body.id).toMatch(/^\d+$/);
    expect(me.body.groups.map((g: { display: string }) => g.display).sort()).toEqual(['analysts', 'users']);
    const token = await oauthToken(emu, 'd2s-sandbox-client', 'd2s-sandbox-secret');
    const sp = await api(emu, 'GET', '/api/2.0/preview/scim/v2/Me', { token });
    expect(sp.body.userName).toBe('d2s-sandbox-client');
    const anonymous = await api(emu, 'GET', '/api/2.0/preview/scim/v2/Me', { token: null });
    expect(anonymous.status).toBe(401);
  });
});

describe('jobs/list and runs/list (2.1 and 2.2)', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ clock: new ManualClock() });
  });
  afterAll(() => emu.stop());

  it('pages jobs/list with limit and page_token, tasks only with expand_tasks', async () => {
    // ListJobsResponse: jobs, has_more, next_page_token, prev_page_token (databricks-sdk-py service/jobs.py).
    for (const version of ['2.1', '2.2']) {
      const seen: number[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const res = await api(
          emu,
          'GET',
          `/api/${version}/jobs/list?limit=3${token ? `&page_token=${encodeURIComponent(token)}` : ''}`,
        );
        expect(res.status).toBe(200);
        seen.push(...res.body.jobs.map((j: { job_id: number }) => j.job_id));
        expect(res.body.jobs[0].settings.tasks).toBeUndefined();
        expect(res.body.has_more).toBe(res.body.next_page_token !== undefined);
        token = res.body.next_page_token;
        pages++;
      } while (token);
      expect(seen).toEqual([1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008]);
      expect(pages).toBe(3);
    }
    const expanded = await api(emu, 'GET', '/api/2.2/jobs/list?name=MULTI-TASK&expand_tasks=true');
    expect(expanded.body.jobs.map((j: { job_id: number }) => j.job_id)).toEqual([1002]);
    expect(expanded.body.jobs[0].settings.tasks.map((t: { task_key: string }) => t.task_key)).toEqual([
      'ingest',
      'transform',
      'audit',
    ]);
    expect((await api(emu, 'GET', '/api/2.2/jobs/list?limit=101')).status).toBe(400);
    expect((await api(emu, 'GET', '/api/2.2/jobs/list?page_token=bogus')).status).toBe(400);
  });

  it('lists runs newest first with filters and paging, and refuses contradictory filters', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await api(emu, 'POST', '/api/2.2/jobs/run-now', {
        body: { job_id: 1005, idempotency_token: `l${i}` },
      });
      ids.push(res.body.run_id as number);
    }
    const first = await api(emu, 'GET', '/api/2.2/jobs/runs/list?job_id=1005&limit=3');
    expect(first.status).toBe(200);
    expect(first.body.runs.map((r: { run_id: number }) => r.run_id)).toEqual([ids[3], ids[2], ids[1]]);
    expect(first.body.runs[0].tasks).toBeUndefined();
    expect(first.body.has_more).toBe(true);
    const second = await api(
      emu,
      'GET',
      `/api/2.1/jobs/runs/list?job_id=1005&limit=3&page_token=${encodeURIComponent(first.body.next_page_token)}`,
    );
    expect(second.body.runs.map((r: { run_id: number }) => r.run_id)).toEqual([ids[0]]);
    expect(second.body.has_more).toBe(false);
    expect(second.body.prev_page_token).toEqual(expect.any(String));
    const completed = await api(emu, 'GET', '/api/2.2/jobs/runs/list?job_id=1005&completed_only=true');
    expect(completed.body.runs).toBeUndefined(); // "Only included in the response if there are runs to list."
    const both = await api(emu, 'GET', '/api/2.2/jobs/runs/list?active_only=true&completed_only=true');
    expect(both.status).toBe(400);
    expect(both.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect((await api(emu, 'GET', '/api/2.2/jobs/runs/list?limit=26')).status).toBe(400);
    expect((await api(emu, 'GET', '/api/2.2/jobs/runs/list?job_id=999')).status).toBe(400);
  });
});

describe('notification destinations', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.stop());

  it('creates, lists, gets and deletes a generic webhook, never echoing its URL or password', async () => {
    // NotificationDestination / GenericWebhookConfig (url, username, password input-only; *_set output-only):
    // databricks-sdk-py service/settings.py.
    const created = await api(emu, 'POST', '/api/2.0/notification-destinations', {
      body: {
        display_name: 'd2s run events',
        config: { generic_webhook: { url: 'http://127.0.0.1:9/hook', username: 'd2s', password: 'hook-secret' } },
      },
    });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      id: expect.any(String),
      display_name: 'd2s run events',
      destination_type: 'WEBHOOK',
      config: { generic_webhook: { url_set: true, username_set: true, password_set: true } },
    });
    expect(JSON.stringify(created.body)).not.toContain('hook-secret');
    const id = created.body.id as string;
    const listed = await api(emu, 'GET', '/api/2.0/notification-destinations?page_size=10');
    expect(listed.body.results).toEqual([{ id, display_name: 'd2s run events', destination_type: 'WEBHOOK' }]);
    expect((await api(emu, 'GET', `/api/2.0/notification-destinations/${id}`)).body.id).toBe(id);
    expect((await api(emu, 'DELETE', `/api/2.0/notification-destinations/${id}`)).status).toBe(200);
    const gone = await api(emu, 'GET', `/api/2.0/notification-destinations/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('refuses a config that wraps none or two destination kinds', async () => {
    const none = await api(emu, 'POST', '/api/2.0/notification-destinations', {
      body: { display_name: 'x', config: {} },
    });
    expect(none.status).toBe(400);
    const two = await api(emu, 'POST', '/api/2.0/notification-destinations', {
      body: {
        display_name: 'x',
        config: { generic_webhook: { url: 'https://a.example/h' }, email: { addresses: ['a@example.com'] } },
      },
    });
    expect(two.status).toBe(400);
    expect(two.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});
