import { databricksErrors } from '../errors.js';
import type { RequestContext, Route } from '../http/router.js';
import { type JobAction, requireJobPermission } from './job-permissions.js';
import { renderJob } from './job-views.js';
import { pageOf, parseLimit } from './list-pages.js';
import { type JobRun, parseId, type RunRegistry, type TaskAttempt, type TaskRun } from './run-registry.js';
import { isTerminal } from './run-state-machine.js';
import { renderRun, renderRunOutput, renderTaskRun } from './run-views.js';
import { visibleAttempts } from './task-timeline.js';

export interface JobsRoutesDeps {
  registry: RunRegistry;
  workspaceId: number;
  /** tasks per runs/get page in API 2.2 */
  runsGetPageSize: () => number;
  /** The workspace user who created (and owns) the fixture's jobs unless a job names its owner. */
  ownerName: string;
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
    now: registry.now(),
  });
  const allow = (ctx: RequestContext, run: JobRun, action: JobAction) =>
    requireJobPermission(run.job, ctx.principal, action, deps.ownerName);
  const mayView = (ctx: RequestContext, jobId: number) => {
    const job = registry.job(jobId);
    if (!job) return false;
    try {
      requireJobPermission(job, ctx.principal, 'view', deps.ownerName);
      return true;
    } catch {
      return false;
    }
  };

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
        const jobId = parseId(body.job_id, 'job_id');
        const job = registry.job(jobId);
        if (!job) throw databricksErrors.jobDoesNotExist(jobId);
        // Checked before the idempotency token is looked at: a repeat must not hand a run to a principal
        // who may not start one.
        requireJobPermission(job, ctx.principal, 'manage_run', deps.ownerName);
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
        allow(ctx, found.run, 'view');
        await registry.advance(found.run);
        if (found.task) {
          const attempt = existingAttempt(found.run, found.task, found.attempt, registry.now());
          if (!attempt) throw databricksErrors.runDoesNotExist(runId);
          return { status: 200, body: renderTaskRun(found.run, found.task, attempt, view(ctx, version)) };
        }
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
        if (found) {
          allow(ctx, found.run, 'manage_run');
          await registry.advance(found.run);
        }
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
        allow(ctx, found.run, 'view');
        await registry.advance(found.run);
        const attempt = found.task && existingAttempt(found.run, found.task, found.attempt, registry.now());
        if (found.task && !attempt) throw databricksErrors.runDoesNotExist(runId);
        return { status: 200, body: renderRunOutput(found.run, found.task, attempt, view(ctx, version)) };
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
        requireJobPermission(job, ctx.principal, 'view', deps.ownerName);
        return { status: 200, body: renderJob(job, registry, { ownerName: deps.ownerName, includeTasks: true }) };
      },
    },
    {
      // jobs/list: `limit` 1..100 (default 20), `name` (exact, case-insensitive), `expand_tasks`, token paging.
      // Lists only the jobs the caller may view. Source: databricks-sdk-py service/jobs.py JobsAPI.list.
      method: 'GET',
      pattern: `/api/${version}/jobs/list`,
      name: 'jobs/list',
      family: 'databricks',
      authenticated: true,
      handler: (ctx) => {
        const limit = parseLimit(ctx.query.get('limit'), { max: 100, default: 20 });
        const name = ctx.query.get('name');
        const expand = parseBool(ctx.query.get('expand_tasks'), 'expand_tasks');
        const jobs = registry
          .jobs()
          .filter((j) => mayView(ctx, j.job_id))
          .filter((j) => name === null || j.name.toLowerCase() === name.toLowerCase())
          .sort((a, b) => a.job_id - b.job_id);
        const page = pageOf(jobs, limit, ctx.query.get('page_token'), `jobs:${name ?? ''}:${expand}`);
        const body: Record<string, unknown> = { has_more: page.hasMore };
        // "Only included in the response if there are jobs to list" (ListJobsResponse.jobs).
        if (page.items.length > 0)
          body.jobs = page.items.map((j) =>
            renderJob(j, registry, { ownerName: deps.ownerName, includeTasks: expand }),
          );
        if (page.nextPageToken) body.next_page_token = page.nextPageToken;
        if (page.prevPageToken) body.prev_page_token = page.prevPageToken;
        return { status: 200, body };
      },
    },
    {
      // jobs/runs/list: most recently started first; `limit` 1..25 (default 20; 0 = the maximum),
      // active_only / completed_only (not both), job_id, run_type, start_time_from / _to, expand_tasks.
      // Source: databricks-sdk-py service/jobs.py JobsAPI.list_runs.
      method: 'GET',
      pattern: `/api/${version}/jobs/runs/list`,
      name: 'jobs/runs/list',
      family: 'databricks',
      authenticated: true,
      handler: async (ctx) => {
        const q = ctx.query;
        const limit = parseLimit(q.get('limit'), { max: 25, default: 20, zeroMeans: 25 });
        const activeOnly = parseBool(q.get('active_only'), 'active_only');
        const completedOnly = parseBool(q.get('completed_only'), 'completed_only');
        if (activeOnly && completedOnly) {
          throw databricksErrors.invalidParameter('active_only and completed_only cannot both be true.');
        }
        const expand = parseBool(q.get('expand_tasks'), 'expand_tasks');
        const runType = q.get('run_type');
        if (runType !== null && !['JOB_RUN', 'WORKFLOW_RUN', 'SUBMIT_RUN'].includes(runType)) {
          throw databricksErrors.invalidParameter(`Invalid run_type: ${runType}`);
        }
        const jobIdRaw = q.get('job_id');
        const jobId = jobIdRaw === null ? undefined : parseId(jobIdRaw, 'job_id');
        if (jobId !== undefined) {
          const job = registry.job(jobId);
          if (!job) throw databricksErrors.jobDoesNotExist(jobId);
          requireJobPermission(job, ctx.principal, 'view', deps.ownerName);
        }
        const from = optionalTime(q.get('start_time_from'), 'start_time_from');
        const to = optionalTime(q.get('start_time_to'), 'start_time_to');
        await registry.advanceAll();
        const runs = registry
          .all()
          .filter((r) => (jobId === undefined ? mayView(ctx, r.job.job_id) : r.job.job_id === jobId))
          .filter((r) => !activeOnly || !isTerminal(r.progress.phase))
          .filter((r) => !completedOnly || isTerminal(r.progress.phase))
          // Every run here is a JOB_RUN (run-now); the other run types list nothing.
          .filter(() => runType === null || runType === 'JOB_RUN')
          .filter(
            (r) =>
              (from === undefined || r.progress.queuedAt >= from) && (to === undefined || r.progress.queuedAt <= to),
          )
          .sort((a, b) => b.progress.queuedAt - a.progress.queuedAt || b.runId - a.runId);
        const scope = `runs:${jobId ?? ''}:${activeOnly}:${completedOnly}:${expand}:${runType ?? ''}:${from ?? ''}:${to ?? ''}`;
        const page = pageOf(runs, limit, q.get('page_token'), scope);
        const body: Record<string, unknown> = { has_more: page.hasMore };
        if (page.items.length > 0) {
          body.runs = page.items.map((r) => {
            const rendered = renderRun(r, { ...view(ctx, version), pageToken: null });
            if (!expand) delete rendered.tasks;
            delete rendered.has_more;
            delete rendered.next_page_token;
            return rendered;
          });
        }
        if (page.nextPageToken) body.next_page_token = page.nextPageToken;
        if (page.prevPageToken) body.prev_page_token = page.prevPageToken;
        return { status: 200, body };
      },
    },
  ]);
}

/** A retry's task run id exists only once its attempt has been created (the attempt before it failed). */
function existingAttempt(
  run: JobRun,
  task: TaskRun,
  attempt: number | undefined,
  now: number,
): TaskAttempt | undefined {
  return visibleAttempts(run, task, now).find((a) => a.attemptNumber === (attempt ?? 0));
}

function parseBool(raw: string | null, field: string): boolean {
  if (raw === null || raw === '') return false;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw databricksErrors.invalidParameter(`Invalid value for ${field}: expected true or false, got ${raw}`);
}

function optionalTime(raw: string | null, field: string): number | undefined {
  if (raw === null || raw === '') return undefined;
  return parseId(raw, field);
}
