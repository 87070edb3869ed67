import {
  addJob,
  type D2sConfig,
  type D2sMetrics,
  type ExportJobData,
  type ExportProgress,
  idempotencyTokenFor,
  isD2sError,
  type Logger,
  parseJobData,
  SYNC_CANCELED,
  SyncFailedError,
  type SyncService,
  toJobError,
} from '@d2s/shared';
import { classifyRunState, type DatabricksClient, DatabricksError, type RunStateSummary } from '@d2s/shared/databricks';
import { DelayedError, type Job, type Queue, UnrecoverableError } from 'bullmq';
import { pollDelayMs } from './poll-delay.js';

export interface ExportDeps {
  config: Pick<D2sConfig, 'datasets' | 'workers' | 'api'>;
  jobs: Pick<DatabricksClient['jobs'], 'runNow' | 'getRun' | 'cancelRun'>;
  syncs: Pick<SyncService, 'create' | 'isCancelRequested' | 'releaseDataset'>;
  importQueue: Queue;
  logger: Logger;
  metrics?: Pick<D2sMetrics, 'syncOutcomes'>;
  now?: () => number;
  random?: () => number;
}

/** The live view of an export, as job progress (what SSE and the status read between saved steps). */
interface ExportLiveProgress {
  status: 'queued' | 'exporting';
  runId?: number;
  runPageUrl?: string;
  lifeCycleState?: string;
  polls: number;
  failure?: Record<string, unknown>;
}

/**
 * The export step job: trigger → poll → hand off. The run id is saved into
 * the job before any polling, so a restarted worker resumes the same run;
 * run-now carries an idempotency token derived from the sync id, so even a
 * crash between the call and the save cannot start a second run. Polling
 * moves the job to `delayed` and frees the worker slot.
 */
export function createExportProcessor(deps: ExportDeps) {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;

  return async function processExport(job: Job, token?: string): Promise<unknown> {
    if (job.name === 'sync-scheduled') return fireSchedule(job);
    const data = parseJobData('export', 'sync-export', job.data);
    const { request } = data;
    const dataset = deps.config.datasets[request.dataset];
    let progress = data.progress;
    let log = deps.logger.child({
      syncId: request.syncId,
      jobId: job.id,
      dataset: request.dataset,
      ...(progress.runId !== undefined ? { runId: progress.runId } : {}),
    });

    try {
      if (!dataset)
        throw new SyncFailedError('UNKNOWN_DATASET', `Dataset "${request.dataset}" is no longer configured.`);

      if (await deps.syncs.isCancelRequested(request.syncId)) {
        if (progress.runId !== undefined) {
          await deps.jobs.cancelRun(progress.runId);
          log.info('canceled the Databricks run');
        }
        throw new SyncFailedError(SYNC_CANCELED, 'Canceled on request.', { details: runDetails(progress) });
      }

      if (progress.step === 'trigger') {
        const parameters: Record<string, string> = Object.fromEntries(
          Object.entries(request.parameters).map(([k, v]) => [k, String(v)]),
        );
        parameters[dataset.databricks.outputParameter] = request.outputUrl;
        const started = await deps.jobs.runNow({
          job_id: dataset.databricks.jobId,
          job_parameters: parameters,
          idempotency_token: idempotencyTokenFor(request.syncId),
        });
        progress = { step: 'poll', runId: started.run_id, triggeredAt: new Date(now()).toISOString(), polls: 0 };
        // Saved before anything else: from here on, every attempt resumes this run.
        await job.updateData({ ...data, progress } satisfies ExportJobData);
        log = log.child({ runId: started.run_id });
        log.info('Databricks run started');
        await report(job, { status: 'exporting', runId: started.run_id, polls: 0 });
        return await waitAndPoll(job, token, data, progress, pollDelayMs(0, deps.config.workers.export, random));
      }

      if (progress.step === 'poll') {
        const runId = progress.runId as number;
        let state: RunStateSummary;
        try {
          state = classifyRunState(await deps.jobs.getRun(runId));
        } catch (error) {
          if (error instanceof DatabricksError && error.retryable) {
            // The client spent its retry budget; keep the run and look again later without burning an attempt.
            log.warn({ err: error }, 'Databricks unavailable while polling; will poll again');
            const delay = pollDelayMs(progress.polls, deps.config.workers.export, random, error.retryAfterMs ?? 0);
            return await waitAndPoll(job, token, data, { ...progress, polls: progress.polls + 1 }, delay);
          }
          throw error;
        }
        const live: ExportLiveProgress = {
          status: 'exporting',
          runId,
          polls: progress.polls + 1,
          ...(state.runPageUrl ? { runPageUrl: state.runPageUrl } : {}),
          ...(state.lifeCycleState ? { lifeCycleState: state.lifeCycleState } : {}),
        };
        const saved: ExportProgress = {
          ...progress,
          polls: progress.polls + 1,
          ...(state.runPageUrl ? { runPageUrl: state.runPageUrl } : {}),
          ...(state.lifeCycleState ? { lastLifeCycleState: state.lifeCycleState } : {}),
        };
        if (state.phase === 'failed' || state.phase === 'canceled') {
          const failure = state.failure;
          await report(job, { ...live, failure: { ...failure } });
          throw new SyncFailedError(
            state.phase === 'canceled' ? 'DATABRICKS_RUN_CANCELED' : 'DATABRICKS_RUN_FAILED',
            `Databricks run ${runId} ended ${failure?.code ?? state.resultState ?? 'unsuccessfully'}: ${failure?.message ?? 'no message'}${state.runPageUrl ? ` (${state.runPageUrl})` : ''}`,
            { details: { runId, ...failure } },
          );
        }
        if (state.phase !== 'succeeded') {
          const triggeredAt = Date.parse(progress.triggeredAt ?? new Date(now()).toISOString());
          if (now() - triggeredAt > dataset.export.maxRunDurationSeconds * 1000) {
            await deps.jobs.cancelRun(runId);
            throw new SyncFailedError(
              'EXPORT_TIMED_OUT',
              `Databricks run ${runId} ran longer than ${dataset.export.maxRunDurationSeconds} s; d2s canceled it.`,
              { details: runDetails(saved) },
            );
          }
          await report(job, live);
          return await waitAndPoll(
            job,
            token,
            data,
            saved,
            pollDelayMs(saved.polls, deps.config.workers.export, random),
          );
        }
        progress = { ...saved, step: 'handoff' };
        await job.updateData({ ...data, progress } satisfies ExportJobData);
        log.info({ polls: progress.polls }, 'Databricks run succeeded');
      }

      // Hand-off: a deterministic job id (the sync id) makes a repeated hand-off a no-op.
      const exportedAt = new Date(now()).toISOString();
      await addJob(
        deps.importQueue,
        'import',
        'sync-import',
        {
          request,
          runId: progress.runId as number,
          ...(progress.runPageUrl ? { runPageUrl: progress.runPageUrl } : {}),
          exportedAt,
        },
        { jobId: request.syncId, retentionSeconds: deps.config.api.retentionSeconds },
      );
      log.info('handed off to import');
      return {
        runId: progress.runId,
        runPageUrl: progress.runPageUrl,
        lifeCycleState: progress.lastLifeCycleState ?? 'TERMINATED',
        resultState: 'SUCCESS',
        exportedAt,
      };
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      const jobError = toJobError(error);
      const final = jobError instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (final) {
        await deps.syncs.releaseDataset(request.dataset, request.syncId).catch(() => {});
        const canceled = isD2sError(error) && error.code === SYNC_CANCELED;
        deps.metrics?.syncOutcomes.inc({ dataset: request.dataset, outcome: canceled ? 'canceled' : 'failed' });
        if (isD2sError(error) && Object.keys(error.details).length > 0) {
          const live = (typeof job.progress === 'object' && job.progress) || {};
          await report(job, { ...(live as ExportLiveProgress), failure: error.details }).catch(() => {});
        }
      }
      log[final ? 'error' : 'warn']({ err: error, final }, 'export step failed');
      throw jobError;
    }
  };

  async function waitAndPoll(
    job: Job,
    token: string | undefined,
    data: ExportJobData,
    progress: ExportProgress,
    delayMs: number,
  ): Promise<never> {
    await job.updateData({ ...data, progress } satisfies ExportJobData);
    await job.moveToDelayed(now() + delayMs, token);
    throw new DelayedError();
  }

  async function fireSchedule(job: Job): Promise<unknown> {
    const data = parseJobData('export', 'sync-scheduled', job.data);
    // The fired job's id is unique per firing: as the idempotency key it makes a retried firing find its sync.
    const result = await deps.syncs.create({
      dataset: data.dataset,
      parameters: data.parameters,
      idempotencyKey: `schedule:${job.id}`,
      origin: `schedule:${data.scheduleId}`,
    });
    deps.logger.info(
      { scheduleId: data.scheduleId, syncId: result.sync.id, created: result.created },
      'schedule fired',
    );
    return { syncId: result.sync.id, created: result.created };
  }
}

function runDetails(progress: ExportProgress): Record<string, unknown> {
  return {
    ...(progress.runId !== undefined ? { runId: progress.runId } : {}),
    ...(progress.runPageUrl ? { runPageUrl: progress.runPageUrl } : {}),
  };
}

function report(job: Job, progress: ExportLiveProgress): Promise<void> {
  return job.updateProgress(progress as unknown as Record<string, unknown>);
}
