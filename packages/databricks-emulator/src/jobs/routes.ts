import { databricksErrors } from '../errors.js';
import type { RequestContext, Route } from '../http/router.js';
import { parseId, type RunRegistry } from './run-registry.js';
import { renderRun, renderRunOutput, renderTaskRun } from './run-views.js';

export interface JobsRoutesDeps {
  registry: RunRegistry;
  workspaceId: number;
  /** tasks per runs/get page in API 2.2 */
  runsGetPageSize: () => number;
}

/** Jobs API routes, served under both /api/2.1 and /api/2.2 (2.2 pages large arrays). */
export function jobsRoutes(deps: JobsRoutesDeps): Route[] {
  const { registry } = deps;
  const view = (ctx: RequestContext, version: string) => ({
    baseUrl: ctx.baseUrl,
    workspaceId: deps.workspaceId,
    apiVersion: version,
    pageSize: deps.runsGetPageSize(),
    pageToken: ctx.query.get('page_token'),
  });

  return ['2.1', '2.2'].flatMap((version): Route[] => [
    {
      method: 'POST',
      pattern: `/api/${version}/jobs/run-now`,
      name: 'jobs/run-now',
      family: 'databricks',
      authenticated: true,
      handler: (ctx) => {
        const body = ctx.json();
        if (typeof body.idempotency_token === 'string') ctx.note.idempotencyToken = body.idempotency_token;
        const run = registry.runNow(body, ctx.principal?.name);
        ctx.note.jobId = run.job.job_id;
        ctx.note.runId = run.runId;
        return { status: 200, body: { run_id: run.runId, number_in_job: run.runId } };
      },
    },
    {
      method: 'GET',
      pattern: `/api/${version}/jobs/runs/get`,
      name: 'jobs/runs/get',
      family: 'databricks',
      authenticated: true,
      handler: async (ctx) => {
        const runId = parseId(ctx.query.get('run_id'), 'run_id');
        ctx.note.runId = runId;
        const found = registry.find(runId);
        if (!found) throw databricksErrors.runDoesNotExist(runId);
        await registry.advance(found.run);
        if (found.task) return { status: 200, body: renderTaskRun(found.run, found.task, view(ctx, version)) };
        return { status: 200, body: renderRun(found.run, view(ctx, version)) };
      },
    },
    {
      method: 'POST',
      pattern: `/api/${version}/jobs/runs/cancel`,
      name: 'jobs/runs/cancel',
      family: 'databricks',
      authenticated: true,
      handler: async (ctx) => {
        const runId = parseId(ctx.json().run_id, 'run_id');
        ctx.note.runId = runId;
        const found = registry.find(runId);
        if (found) await registry.advance(found.run);
        registry.cancel(runId);
        return { status: 200, body: {} };
      },
    },
    {
      method: 'GET',
      pattern: `/api/${version}/jobs/runs/get-output`,
      name: 'jobs/runs/get-output',
      family: 'databricks',
      authenticated: true,
      handler: async (ctx) => {
        const runId = parseId(ctx.query.get('run_id'), 'run_id');
        ctx.note.runId = runId;
        const found = registry.find(runId);
        if (!found) throw databricksErrors.runDoesNotExist(runId);
        await registry.advance(found.run);
        return { status: 200, body: renderRunOutput(found.run, found.task, view(ctx, version)) };
      },
    },
    {
      method: 'GET',
      pattern: `/api/${version}/jobs/get`,
      name: 'jobs/get',
      family: 'databricks',
      authenticated: true,
      handler: (ctx) => {
        const jobId = parseId(ctx.query.get('job_id'), 'job_id');
        ctx.note.jobId = jobId;
        const job = registry.job(jobId);
        if (!job) throw databricksErrors.jobDoesNotExist(jobId);
        const tasks = registry.taskKeys(job);
        return {
          status: 200,
          body: {
            job_id: job.job_id,
            creator_user_name: 'sandbox-user@example.com',
            created_time: 1_717_200_000_000,
            settings: {
              name: job.name,
              max_concurrent_runs: job.max_concurrent_runs ?? 1,
              queue: { enabled: job.queue_enabled ?? true },
              format: 'MULTI_TASK',
              parameters: (job.parameters ?? []).map((p) => ({ name: p.name, default: p.default })),
              tasks: tasks.map((t) => ({
                task_key: t.taskKey,
                depends_on: t.dependsOn.map((key) => ({ task_key: key })),
                notebook_task: { notebook_path: t.notebookPath, source: 'WORKSPACE' },
              })),
            },
          },
        };
      },
    },
  ]);
}
