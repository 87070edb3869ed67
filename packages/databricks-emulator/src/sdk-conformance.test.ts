/**
 * The emulator driven by the official Databricks SDK for JavaScript (@databricks/sdk-experimental), the way a
 * user's program would: PAT and OAuth M2M clients, jobs (get, list), runs (run-now with its waiter, get,
 * list, get-output, cancel with its waiter), SCIM (currentUser.me) and notification destinations. The SDK's
 * models are the reference for field names and enum values: what it parses here is what a real workspace
 * must answer.
 */
import { ApiError, WorkspaceClient } from '@databricks/sdk-experimental';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture } from './fixture.js';
import { sandboxFixturePath } from './index.js';
import { startTestEmulator, type TestEmulator } from '../test-support/harness.js';

/** A client that reads no ~/.databrickscfg and no DATABRICKS_* variable: only what the test gives it. */
function workspaceClient(
  emu: TestEmulator,
  auth: { token: string } | { clientId: string; clientSecret: string },
): WorkspaceClient {
  return new WorkspaceClient({
    host: emu.url,
    configFile: '/nonexistent/.databrickscfg',
    ...('token' in auth ? { authType: 'pat', token: auth.token } : { authType: 'oauth-m2m', ...auth }),
    env: {},
  } as ConstructorParameters<typeof WorkspaceClient>[0]);
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('the official SDK against the emulator', () => {
  let emu: TestEmulator;
  let pat: WorkspaceClient;
  let sp: WorkspaceClient;
  let analyst: WorkspaceClient;
  beforeAll(async () => {
    const fixture = await loadFixture(sandboxFixturePath);
    // ingest → transform → publish: a failed transform takes publish down with it.
    const chain = fixture.jobs.find((j) => j.job_id === 1002);
    if (chain) chain.failing_task = 'transform';
    emu = await startTestEmulator({ fixture, timeScale: 0.01 });
    pat = workspaceClient(emu, { token: 'dapi-sandbox-token' });
    sp = workspaceClient(emu, { clientId: 'd2s-sandbox-client', clientSecret: 'd2s-sandbox-secret' });
    analyst = workspaceClient(emu, { token: 'dapi-analyst-token' });
  });
  afterAll(() => emu.stop());

  it('currentUser.me() names the PAT user and the service principal', async () => {
    expect((await pat.currentUser.me()).userName).toBe('sandbox-user@example.com');
    expect((await sp.currentUser.me()).userName).toBe('d2s-sandbox-client');
  });

  it('jobs.get and jobs.list (paged by the SDK) read the fixture jobs', async () => {
    const job = await pat.jobs.get({ job_id: 1001 });
    expect(job.settings?.name).toBe('export-shared-forecasts');
    expect(job.settings?.tasks?.map((t) => t.task_key)).toEqual(['export_shared_forecasts']);
    const listed = await all(sp.jobs.list({ limit: 2 }));
    expect(listed.map((j) => j.job_id)).toEqual([1001, 1002, 1003, 1004]);
  });

  it('runNow with its waiter follows a run to TERMINATED / SUCCESS; runs are listed and read', async () => {
    const waiter = await sp.jobs.runNow({ job_id: 1001, idempotency_token: 'sdk-run-1', job_parameters: {} });
    const run = await waiter.wait({});
    expect(run.state?.life_cycle_state).toBe('TERMINATED');
    expect(run.state?.result_state).toBe('SUCCESS');
    expect(run.status?.termination_details?.code).toBe('SUCCESS');
    const taskRunId = run.tasks?.[0]?.run_id as number;
    const output = await sp.jobs.getRunOutput({ run_id: taskRunId });
    expect(JSON.parse(output.notebook_output?.result ?? '{}')).toMatchObject({ row_count: 10_000 });
    const runs = await all(pat.jobs.listRuns({ job_id: 1001, completed_only: true }));
    expect(runs.map((r) => r.run_id)).toContain(run.run_id);
  });

  it('cancelRun with its waiter ends a run CANCELED', async () => {
    // At full time scale (job 1002 runs 3 s), so the cancel always lands before the run ends.
    const slow = await startTestEmulator({ fixture: await loadFixture(sandboxFixturePath), timeScale: 1 });
    try {
      const client = workspaceClient(slow, { token: 'dapi-sandbox-token' });
      const waiter = await client.jobs.runNow({ job_id: 1002, idempotency_token: 'sdk-cancel-1' });
      const canceling = await client.jobs.cancelRun({ run_id: waiter.run_id as number });
      const run = await canceling.wait({});
      expect(run.state?.result_state).toBe('CANCELED');
      expect(run.status?.termination_details?.code).toBe('USER_CANCELED');
    } finally {
      await slow.stop();
    }
  });

  it('a failed multi-task run: the waiter returns it, tasks show FAILED and UPSTREAM_FAILED / SKIPPED', async () => {
    emu.admin.addRunFault({ job_id: 1002, outcome: 'FAILED', message: 'ingest blew up' });
    const run = await (await pat.jobs.runNow({ job_id: 1002, idempotency_token: 'sdk-fail-1' })).wait({});
    expect(run.state?.result_state).toBe('FAILED');
    const byKey = Object.fromEntries((run.tasks ?? []).map((t) => [t.task_key, t]));
    expect(byKey.transform?.state?.result_state).toBe('FAILED');
    expect(byKey.publish?.state?.result_state).toBe('UPSTREAM_FAILED');
    expect(byKey.publish?.status?.termination_details?.code).toBe('SKIPPED');
    const output = await pat.jobs.getRunOutput({ run_id: byKey.transform?.run_id as number });
    expect(output.error).toBe('ingest blew up');
  });

  it('a missing job permission is the SDK’s ApiError with PERMISSION_DENIED and status 403', async () => {
    const error = await analyst.jobs.runNow({ job_id: 1001, idempotency_token: 'sdk-analyst-1' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.statusCode).toBe(403);
    expect(apiError.isRetryable()).toBe(false);
    // The body is the real one (error_code, message, details with a google.rpc.RequestInfo, as in the 403 quoted
    // in databricks/databricks-sdk-py#953). This SDK version (0.17.0, dist/apierr.js `parse`) builds a Map from
    // every detail's `metadata`, which a RequestInfo does not have, so it falls back to the HTTP reason:
    // errorCode 'Forbidden' and the raw body in the message. d2s's own client reads the same body as
    // PERMISSION_DENIED (packages/shared/src/databricks/errors.ts).
    expect(apiError.message).toContain('"error_code":"PERMISSION_DENIED"');
    expect(apiError.message).toContain('does not have Manage Run or Owner or Admin permissions on job 1001');
    expect((await analyst.jobs.get({ job_id: 1001 })).job_id).toBe(1001);
  });

  it('notification destinations: create, list, get, delete', async () => {
    const created = await sp.notificationDestinations.create({
      display_name: 'd2s run events',
      config: { generic_webhook: { url: 'https://hooks.example.com/d2s', password: 'hook-secret' } },
    });
    expect(created.destination_type).toBe('WEBHOOK');
    expect(created.config?.generic_webhook).toMatchObject({ url_set: true, password_set: true });
    const listed = await all(sp.notificationDestinations.list({}));
    expect(listed.map((d) => d.id)).toContain(created.id);
    expect((await sp.notificationDestinations.get({ id: created.id as string })).display_name).toBe('d2s run events');
    await sp.notificationDestinations.delete({ id: created.id as string });
    expect((await all(sp.notificationDestinations.list({}))).map((d) => d.id)).not.toContain(created.id);
  });
});
