import type {
  RunWakeups,
  D2sConfig,
  DatasetConfig,
  ExportJobData,
  ExportProgress,
  Logger,
  SyncRequest,
  SyncService,
} from '@d2s/shared';
import type { DatabricksClient } from '@d2s/shared/databricks';
import type { Job, Queue } from 'bullmq';
import type { PollDelaySettings } from './poll-delay.js';

/**
 * The longest a Databricks call may wait inside the client before a retry.
 * A longer wait (a Retry-After of 50 s, say) is spent in `delayed` instead,
 * so it holds no worker slot and a cancel lands at once.
 */
export const MAX_IN_SLOT_WAIT_MS = 2_000;

/** The Databricks Jobs calls the export makes. */
export type ExportJobsApi = Pick<DatabricksClient['jobs'], 'runNow' | 'getRun' | 'cancelRun' | 'getRunOutput'>;

/** Who the Databricks credentials are (scim/v2/Me), for the hint of a permission failure. */
export type ExportCurrentUserApi = Pick<DatabricksClient['currentUser'], 'me'>;

/** The live view of an export, as job progress (what SSE and the status read between saved steps). */
export interface ExportLiveProgress {
  status: 'queued' | 'exporting';
  /** While the sync waits for its turn on a single-active dataset: the sync it waits for. */
  waitingFor?: string;
  runId?: number;
  runPageUrl?: string;
  lifeCycleState?: string;
  resultState?: string;
  polls: number;
  failure?: Record<string, unknown>;
}

/** The steps' names are the ones saved in the job's progress (`ExportProgress.step`). */
export type ExportStepName = ExportProgress['step'];

/** What a finished export job returns (its BullMQ return value). */
export interface ExportResult {
  runId: number;
  runPageUrl: string | undefined;
  lifeCycleState: string;
  resultState: 'SUCCESS';
  exportedAt: string;
}

/** What one export job's steps work with: its request, its saved progress, its clients. */
export interface ExportContext {
  readonly request: SyncRequest;
  readonly dataset: DatasetConfig;
  /** The progress saved in the job: what a restarted worker resumes from. */
  readonly progress: ExportProgress;
  readonly log: Logger;
  readonly jobs: ExportJobsApi;
  readonly currentUser: ExportCurrentUserApi | undefined;
  readonly importQueue: Queue;
  readonly config: Pick<D2sConfig, 'workers' | 'api'>;
  now(): number;
  random(): number;
  /** Saves progress into the job before the step goes on: from then on every attempt resumes from it. */
  save(progress: ExportProgress): Promise<void>;
  /** Publishes the live view (job progress) for status reads and SSE. */
  report(live: ExportLiveProgress): Promise<void>;
  /** Whether the sync's cancel was requested (checked between steps and before every wait). */
  cancelRequested(): Promise<boolean>;
  /** Whether this sync may start its run now: it holds its dataset (see SyncService.takeTurn). */
  takeTurn(): ReturnType<SyncService['takeTurn']>;
  /** Adds fields (the run id) to every later log line of this job. */
  logWith(bindings: Record<string, unknown>): void;
  /**
   * The schedule of polls while a run is running: workers.export's, or the longer one of
   * databricks.webhook when Databricks pushes run ends (polling is then only the safety net).
   */
  readonly pollSchedule: PollDelaySettings;
  /** Records which sync the run belongs to, so a pushed notification finds this export. */
  indexRun(runId: number): Promise<void>;
  /** Takes the wake mark a pushed notification left (its event type), or null; the poll that follows answers it. */
  takeWakeMark(): Promise<string | null>;
}

/** Pushed run ends (databricks.webhook): where the export records its run and finds its wake marks. */
export type ExportWakeups = Pick<RunWakeups, 'indexRun' | 'takeWakeMark' | 'wakeIfMarked'>;

export interface ExportContextDeps {
  jobs: ExportJobsApi;
  /** Present when Databricks pushes run ends to the API. */
  wakeups?: ExportWakeups;
  /** The poll schedule while push is on (databricks.webhook's pollInitialMs / pollMaxMs). */
  pushPolling?: { pollInitialMs: number; pollMaxMs: number };
  syncs: Pick<SyncService, 'isCancelRequested' | 'takeTurn'>;
  currentUser?: ExportCurrentUserApi;
  importQueue: Queue;
  config: Pick<D2sConfig, 'workers' | 'api'>;
  logger: Logger;
  now: () => number;
  random: () => number;
}

export function createExportContext(
  job: Job,
  data: ExportJobData,
  dataset: DatasetConfig,
  deps: ExportContextDeps,
): ExportContext {
  const { request } = data;
  let progress = data.progress;
  let log = deps.logger.child({
    syncId: request.syncId,
    jobId: job.id,
    dataset: request.dataset,
    ...(progress.runId !== undefined ? { runId: progress.runId } : {}),
  });
  return {
    request,
    dataset,
    get progress() {
      return progress;
    },
    get log() {
      return log;
    },
    jobs: deps.jobs,
    currentUser: deps.currentUser,
    importQueue: deps.importQueue,
    config: deps.config,
    now: deps.now,
    random: deps.random,
    async save(next) {
      await job.updateData({ ...data, progress: next } satisfies ExportJobData);
      progress = next;
    },
    report: (live) => reportExport(job, live),
    cancelRequested: () => deps.syncs.isCancelRequested(request.syncId),
    takeTurn: () => deps.syncs.takeTurn(request.dataset, request.syncId),
    logWith(bindings) {
      log = log.child(bindings);
    },
    pollSchedule: deps.pushPolling
      ? { ...deps.config.workers.export, ...deps.pushPolling }
      : deps.config.workers.export,
    indexRun: async (runId) => {
      await deps.wakeups?.indexRun(runId, request.syncId);
    },
    takeWakeMark: async () => (deps.wakeups ? deps.wakeups.takeWakeMark(request.syncId) : null),
  };
}

export function reportExport(job: Pick<Job, 'updateProgress'>, live: ExportLiveProgress): Promise<void> {
  return job.updateProgress(live as unknown as Record<string, unknown>);
}

/** The run id and link of an export so far, for an error's details. */
export function runDetails(progress: ExportProgress): Record<string, unknown> {
  return {
    ...(progress.runId !== undefined ? { runId: progress.runId } : {}),
    ...(progress.runPageUrl ? { runPageUrl: progress.runPageUrl } : {}),
  };
}
