import { decodeFailure } from '../sync/job-failure.js';
import type { JobSnapshot } from '../sync/sync-view.js';
import type { MirrorActionKind, MirrorScope } from './mirror-action.js';
import type { MirrorPlanStats, MirrorPlanSummary, Orphan, SkippedTable } from './plan.js';
import type { InventoryReport } from './inventory/mirror-inventory.js';

export type MirrorActionStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';
export type MirrorRunStatus = 'queued' | 'planning' | 'applying' | 'succeeded' | 'failed';

export interface MirrorError {
  code: string;
  message: string;
}

export interface SnowflakeLink {
  qualifiedName: string;
  url?: string;
}

/** One action as the plan job reports it (secrets masked; status set for actions it applied or skipped itself). */
export interface MirrorActionRecord {
  id: string;
  kind: MirrorActionKind;
  /** `DB.SCHEMA.TABLE`, the integration name, or `DB.SCHEMA`. */
  target: string;
  reason: string;
  sql: string[];
  dependsOn: string[];
  tableId?: string;
  ucFullName?: string;
  status?: 'succeeded' | 'failed' | 'skipped';
  error?: MirrorError;
  snowflake?: SnowflakeLink;
}

/** The result of a `mirror-plan` job. */
export interface MirrorPlanJobResult {
  mirrorRunId: string;
  summary: MirrorPlanSummary;
  /** Every action id, in plan order. */
  actionIds: string[];
  actions: MirrorActionRecord[];
  skipped: SkippedTable[];
  orphans: Orphan[];
  stats?: MirrorPlanStats | undefined;
  /** Set on a Job Scheduler firing: the run it started. */
  firedRunId?: string;
  /** The inventory refresh after planning (mirror.inventory); a failure is reported here, not as the run's. */
  inventory?: InventoryReport;
}

/** The result of a `mirror-action` job. */
export interface MirrorActionJobResult {
  status: 'succeeded';
  kind: MirrorActionKind;
  snowflake: SnowflakeLink;
  statements: number;
  queryIds: string[];
  durationMs: number;
}

export interface MirrorActionView {
  id: string;
  kind: MirrorActionKind;
  target: string;
  reason: string;
  status: MirrorActionStatus;
  error?: MirrorError;
  snowflake?: SnowflakeLink;
  tableId?: string;
  ucFullName?: string;
  attempts?: number;
  durationMs?: number;
}

export interface MirrorRunView {
  id: string;
  status: MirrorRunStatus;
  origin: string;
  scope: MirrorScope;
  includeRefresh: boolean | null;
  /** The reviewed plan this run applies, when it was started with one. */
  planId: string | null;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  summary: MirrorPlanSummary | null;
  counts: Record<MirrorActionStatus, number>;
  actions: MirrorActionView[];
  skipped: SkippedTable[];
  orphans: Orphan[];
  stats?: MirrorPlanStats;
  /** How the inventory refresh after planning went (mirror.inventory set). */
  inventory?: InventoryReport;
  error: MirrorError | null;
}

/** The id of the job that applies one action of a run. */
export function actionJobId(mirrorRunId: string, actionId: string): string {
  return `${mirrorRunId}-${actionId}`;
}

const PENDING_STATES = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children', 'wait', 'paused', 'unknown']);
const iso = (ms: number | undefined) => (ms === undefined || ms === 0 ? undefined : new Date(ms).toISOString());

/**
 * A run's status, derived from its plan job and its action jobs each time it
 * is read (no second copy to disagree with them). `actionJobs` maps action
 * ids to their job (undefined when there is none).
 */
export function deriveMirrorRunView(
  id: string,
  plan: JobSnapshot,
  actionJobs: ReadonlyMap<string, JobSnapshot | undefined>,
): MirrorRunView {
  const data = plan.data as {
    origin?: string;
    scope?: MirrorScope;
    includeRefresh?: boolean;
    plan?: { planId?: string };
  };
  const counts: Record<MirrorActionStatus, number> = { pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0 };
  const view: MirrorRunView = {
    id,
    status: 'queued',
    origin: data.origin ?? 'api',
    scope: data.scope ?? {},
    includeRefresh: data.includeRefresh ?? null,
    planId: data.plan?.planId ?? null,
    createdAt: new Date(plan.timestamp).toISOString(),
    ...(iso(plan.processedOn) ? { startedAt: iso(plan.processedOn) } : {}),
    summary: null,
    counts,
    actions: [],
    skipped: [],
    orphans: [],
    error: null,
  };
  if (plan.state === 'failed') {
    return { ...view, status: 'failed', error: decodeFailure(plan.failedReason), ...finished(plan.finishedOn) };
  }
  if (plan.state !== 'completed') {
    return { ...view, status: plan.state === 'active' || plan.attemptsMade > 0 ? 'planning' : 'queued' };
  }
  const result = plan.returnvalue as MirrorPlanJobResult | null;
  if (!result || !Array.isArray(result.actions)) return { ...view, status: 'succeeded', ...finished(plan.finishedOn) };

  let lastFinished = plan.finishedOn ?? 0;
  for (const record of result.actions) {
    const action: MirrorActionView = {
      id: record.id,
      kind: record.kind,
      target: record.target,
      reason: record.reason,
      status: 'pending',
      ...(record.tableId ? { tableId: record.tableId } : {}),
      ...(record.ucFullName ? { ucFullName: record.ucFullName } : {}),
      ...(record.snowflake ? { snowflake: record.snowflake } : {}),
    };
    if (record.status) {
      action.status = record.status;
      if (record.error) action.error = record.error;
    } else {
      const job = actionJobs.get(record.id);
      if (job) {
        action.attempts = job.attemptsMade;
        if (job.state === 'completed') {
          action.status = 'succeeded';
          const out = job.returnvalue as MirrorActionJobResult | null;
          if (out?.snowflake) action.snowflake = out.snowflake;
          if (out?.durationMs !== undefined) action.durationMs = out.durationMs;
        } else if (job.state === 'failed') {
          action.status = 'failed';
          action.error = decodeFailure(job.failedReason);
        } else if (job.state === 'active') {
          action.status = 'running';
        } else if (PENDING_STATES.has(job.state)) {
          action.status = 'pending';
          if (job.attemptsMade > 0 && job.failedReason) action.error = decodeFailure(job.failedReason);
        }
        if (job.finishedOn && job.finishedOn > lastFinished) lastFinished = job.finishedOn;
      }
    }
    counts[action.status]++;
    view.actions.push(action);
  }
  const open = counts.pending + counts.running;
  return {
    ...view,
    summary: result.summary,
    skipped: result.skipped ?? [],
    orphans: result.orphans ?? [],
    ...(result.stats ? { stats: result.stats } : {}),
    ...(result.inventory ? { inventory: result.inventory } : {}),
    status: open > 0 ? 'applying' : counts.failed + counts.skipped > 0 ? 'failed' : 'succeeded',
    ...(open > 0 ? {} : finished(lastFinished)),
    error:
      open === 0 && counts.failed + counts.skipped > 0
        ? {
            code: 'MIRROR_ACTIONS_FAILED',
            message: `${counts.failed} action(s) failed and ${counts.skipped} were not attempted; see actions[].error`,
          }
        : null,
  };
}

function finished(ms: number | undefined): { finishedAt?: string } {
  const at = iso(ms);
  return at ? { finishedAt: at } : {};
}
