import type { JobSnapshot } from '../jobs/job-snapshot.js';
import { type FailedTaskReport, readFailedTasks } from './failed-tasks.js';
import { decodeFailure } from './job-failure.js';

/** The life of a sync as the webapp sees it. */
export const SYNC_STATES = [
  'queued',
  'exporting',
  'importing',
  'verifying',
  'succeeded',
  'failed',
  'canceled',
] as const;
export type SyncState = (typeof SYNC_STATES)[number];
export const TERMINAL_SYNC_STATES: ReadonlySet<SyncState> = new Set(['succeeded', 'failed', 'canceled']);

export const SYNC_CANCELED = 'SYNC_CANCELED';

export type { JobSnapshot } from '../jobs/job-snapshot.js';

/** One COPY INTO result row, as Snowflake reports it. */
export interface LoadFileResult {
  file: string;
  status: string;
  rowsParsed: number;
  rowsLoaded: number;
  errorsSeen: number;
  firstError: string | null;
  /** True when the file was loaded by an earlier attempt (found in the load history, not in this COPY). */
  previouslyLoaded?: boolean;
}

/** What a merge-by-key load did to the target. */
export interface MergeReport {
  /** Rows the run's files put in the staging table (= rows parsed). */
  rowsStaged: number;
  /** Keys among them: each is inserted, updated, deleted or unchanged. */
  distinctKeys: number;
  inserted: number;
  updated: number;
  deleted: number;
  /** Keys whose row was already as staged, or deletes of keys the target did not hold. */
  unchanged: number;
  /** False when an earlier attempt of this sync had already applied the MERGE (its marker was found). */
  appliedNow: boolean;
}

/**
 * What became of the run's files after the load (export.cleanup). Never fails the sync: a
 * removal that failed is reported here, and the scheduled sweep tries again.
 */
export interface CleanupReport {
  policy: 'keep' | 'after-load' | 'after-days';
  /** `removed`: REMOVE ran (repeating one that ran is fine); `kept`: the policy keeps them for now; `failed`: see error. */
  status: 'removed' | 'kept' | 'failed';
  filesRemoved: number;
  /** after-days: from when the sweep may remove them. */
  removeAfter?: string;
  error?: { code: string; message: string };
}

/**
 * One change schema evolution made to the table a sync loads (README "Schema evolution"): a column added,
 * a type widened, or, when replace-schema rebuilt the table from the run's files, a column dropped or retyped.
 */
export interface SchemaChange {
  kind: 'add-column' | 'widen' | 'drop-column' | 'retype';
  column: string;
  /** The column's type before (widen, retype, drop-column). */
  from?: string;
  /** The column's type after (add-column, widen, retype). */
  to?: string;
}

/** What the import job reports as progress and as its result. */
export interface LoadReport {
  mode: 'append' | 'replace' | 'merge';
  stagePath: string;
  files: LoadFileResult[];
  rowsLoaded: number;
  targetRowCount?: number;
  /** merge mode: what the MERGE did. */
  merge?: MergeReport;
  /** What became of the run's files once the load verified. */
  cleanup?: CleanupReport;
  /** With `schema.evolution`: the changes made to the target's columns (empty when its columns already fit). */
  schemaChanges?: SchemaChange[];
  queryIds: string[];
}

export interface SyncView {
  id: string;
  dataset: string;
  parameters: Record<string, unknown>;
  status: SyncState;
  origin: string;
  retryOf?: string;
  /**
   * While a sync of an `onBusy: queue` dataset waits for its turn: the sync right before it (running, or
   * waiting itself) and how many syncs are before it.
   */
  queue?: { behind: string; ahead: number };
  cancelRequested: boolean;
  outputUrl: string;
  databricks: {
    runId?: number;
    runPageUrl?: string;
    lifeCycleState?: string;
    resultState?: string;
  };
  load: Partial<LoadReport> | null;
  timings: {
    createdAt: string;
    exportStartedAt?: string;
    exportFinishedAt?: string;
    importStartedAt?: string;
    finishedAt?: string;
    durationsMs: { queued?: number; export?: number; import?: number; total?: number };
  };
  error: {
    code: string;
    message: string;
    stage: 'export' | 'import';
    details: Record<string, unknown>;
    /** The Databricks tasks that did not succeed, with each one's error and the head of its trace. */
    failedTasks?: FailedTaskReport[];
    /** What to do about it (a missing permission, say), when d2s knows. */
    hint?: string;
  } | null;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Derives a sync's status from its two jobs (export, then import) rather than
 * from a second record that could disagree with them. Pure: the caller reads
 * the jobs and the cancel flag.
 */
export function deriveSyncView(
  exportJob: JobSnapshot,
  importJob: JobSnapshot | undefined,
  cancelRequested: boolean,
): SyncView {
  const request = isObject(exportJob.data.request) ? exportJob.data.request : {};
  const saved = isObject(exportJob.data.progress) ? exportJob.data.progress : {};
  const live = isObject(exportJob.progress) ? exportJob.progress : {};
  const exported = isObject(exportJob.returnvalue) ? exportJob.returnvalue : {};

  const databricks: SyncView['databricks'] = {};
  const runId = exported.runId ?? live.runId ?? saved.runId;
  if (typeof runId === 'number') databricks.runId = runId;
  const runPageUrl = exported.runPageUrl ?? live.runPageUrl ?? saved.runPageUrl;
  if (typeof runPageUrl === 'string') databricks.runPageUrl = runPageUrl;
  const lifeCycleState = exported.lifeCycleState ?? live.lifeCycleState ?? saved.lastLifeCycleState;
  if (typeof lifeCycleState === 'string') databricks.lifeCycleState = lifeCycleState;
  const resultState = exported.resultState ?? live.resultState;
  if (typeof resultState === 'string') databricks.resultState = resultState;

  let status: SyncState;
  let error: SyncView['error'] = null;
  let load: SyncView['load'] = null;
  let finishedOn: number | undefined;

  if (exportJob.state === 'failed') {
    const failure = decodeFailure(exportJob.failedReason);
    status = failure.code === SYNC_CANCELED ? 'canceled' : 'failed';
    const details = isObject(live.failure) ? live.failure : {};
    error = { ...failure, stage: 'export', details };
    const failedTasks = readFailedTasks(details);
    if (failedTasks.length > 0) error.failedTasks = failedTasks;
    if (typeof details.hint === 'string') error.hint = details.hint;
    finishedOn = exportJob.finishedOn;
  } else if (exportJob.state !== 'completed') {
    status = typeof runId === 'number' ? 'exporting' : 'queued';
  } else if (!importJob) {
    // The export hands off before it completes, so this is only seen after retention removed the import job.
    status = 'importing';
  } else {
    const importProgress = isObject(importJob.progress) ? importJob.progress : {};
    const report = isObject(importJob.returnvalue) ? importJob.returnvalue : importProgress;
    if (isObject(report) && Object.keys(report).length > 0) load = pickLoad(report);
    if (importJob.state === 'completed') {
      status = 'succeeded';
      finishedOn = importJob.finishedOn;
    } else if (importJob.state === 'failed') {
      const failure = decodeFailure(importJob.failedReason);
      status = failure.code === SYNC_CANCELED ? 'canceled' : 'failed';
      error = { ...failure, stage: 'import', details: isObject(importProgress.failure) ? importProgress.failure : {} };
      finishedOn = importJob.finishedOn;
    } else if (importJob.state === 'active' && importProgress.stage === 'verifying') {
      status = 'verifying';
    } else {
      status = 'importing';
    }
  }

  const createdAt = exportJob.timestamp;
  // processedOn moves with every poll (each poll is a new activation); the trigger time is the export's start.
  const triggeredAt = typeof saved.triggeredAt === 'string' ? Date.parse(saved.triggeredAt) : undefined;
  const exportStartedAt = triggeredAt ?? exportJob.processedOn;
  const exportFinishedAt = exportJob.state === 'completed' ? exportJob.finishedOn : undefined;
  const importStartedAt = importJob?.processedOn;
  const durationsMs: SyncView['timings']['durationsMs'] = {};
  if (exportStartedAt !== undefined) durationsMs.queued = exportStartedAt - createdAt;
  if (exportStartedAt !== undefined && exportFinishedAt !== undefined)
    durationsMs.export = exportFinishedAt - exportStartedAt;
  if (importStartedAt !== undefined && importJob?.finishedOn !== undefined)
    durationsMs.import = importJob.finishedOn - importStartedAt;
  if (finishedOn !== undefined) durationsMs.total = finishedOn - createdAt;

  const view: SyncView = {
    id: String(request.syncId ?? ''),
    dataset: String(request.dataset ?? ''),
    parameters: isObject(request.parameters) ? request.parameters : {},
    status,
    origin: String(request.origin ?? 'api'),
    cancelRequested: cancelRequested && !TERMINAL_SYNC_STATES.has(status),
    outputUrl: String(request.outputUrl ?? ''),
    databricks,
    load,
    timings: {
      createdAt: new Date(createdAt).toISOString(),
      ...(exportStartedAt !== undefined ? { exportStartedAt: iso(exportStartedAt) } : {}),
      ...(exportFinishedAt !== undefined ? { exportFinishedAt: iso(exportFinishedAt) } : {}),
      ...(importStartedAt !== undefined ? { importStartedAt: iso(importStartedAt) } : {}),
      ...(finishedOn !== undefined ? { finishedAt: iso(finishedOn) } : {}),
      durationsMs,
    },
    error,
  };
  if (typeof request.retryOf === 'string') view.retryOf = request.retryOf;
  return view;
}

function pickLoad(report: Record<string, unknown>): Partial<LoadReport> {
  const load: Partial<LoadReport> = {};
  if (report.mode === 'append' || report.mode === 'replace' || report.mode === 'merge') load.mode = report.mode;
  if (typeof report.stagePath === 'string') load.stagePath = report.stagePath;
  if (Array.isArray(report.files)) load.files = report.files as LoadFileResult[];
  if (typeof report.rowsLoaded === 'number') load.rowsLoaded = report.rowsLoaded;
  if (typeof report.targetRowCount === 'number') load.targetRowCount = report.targetRowCount;
  if (isObject(report.merge)) load.merge = report.merge as unknown as MergeReport;
  if (isObject(report.cleanup)) load.cleanup = report.cleanup as unknown as CleanupReport;
  if (Array.isArray(report.schemaChanges)) load.schemaChanges = report.schemaChanges as SchemaChange[];
  if (Array.isArray(report.queryIds)) load.queryIds = report.queryIds as string[];
  return load;
}
