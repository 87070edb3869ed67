import {
  type CleanupSweepJobData,
  type D2sConfig,
  type D2sMetrics,
  type DatasetConfig,
  datasetStagePrefix,
  isD2sError,
  type Logger,
  requireRunPrefix,
  type RunPrefix,
  runOfStagedFile,
  type SyncService,
} from '@d2s/shared';
import { listStage, removeRunFiles, type SnowflakeClient } from '@d2s/shared/snowflake';
import { decideRun, type RunDecision } from './decide-run.js';

export interface CleanupSweepDeps {
  config: Pick<D2sConfig, 'datasets'>;
  snowflake: Pick<SnowflakeClient, 'execute'>;
  syncs: Pick<SyncService, 'get'>;
  logger: Logger;
  metrics?: Pick<D2sMetrics, 'runCleanups' | 'runFilesRemoved'> | undefined;
  now: () => number;
}

/** One run the sweep acted on, or failed to. */
export interface SweptRunReport {
  dataset: string;
  syncId: string;
  stagePath: string;
  reason: Extract<RunDecision, { remove: true }>['reason'];
  filesRemoved: number;
  error?: { code: string; message: string };
}

export interface CleanupSweepReport {
  removed: SweptRunReport[];
  failed: SweptRunReport[];
  /** Runs left alone, counted by why (in-flight, too-recent, sync-unknown). */
  kept: Record<string, number>;
  /** Datasets the sweep could not look at (LIST failed, say), with why. */
  datasetErrors: { dataset: string; code: string; message: string }[];
}

const QUERY_TAG = 'd2s:cleanup-sweep';
const withSlash = (s: string) => (s.endsWith('/') ? s : `${s}/`);

/**
 * The scheduled sweep: for every dataset whose export.cleanup is not `keep`,
 * lists what lies under the dataset's prefix, groups it by run (the run path
 * template names the sync), asks d2s how each run's sync stands, and removes
 * the runs decideRun gives up, one REMOVE of the run's own prefix each.
 *
 * A failure removes nothing it should not: a dataset whose listing or sync
 * lookups fail is skipped whole (the next sweep tries again), a run's
 * failed REMOVE is reported and does not stop the others.
 */
export async function sweepRunFiles(job: CleanupSweepJobData, deps: CleanupSweepDeps): Promise<CleanupSweepReport> {
  const report: CleanupSweepReport = { removed: [], failed: [], kept: {}, datasetErrors: [] };
  const log = deps.logger.child({ job: 'cleanup-sweep' });
  for (const [name, dataset] of Object.entries(deps.config.datasets)) {
    if (job.datasets && !job.datasets.includes(name)) continue;
    if ((dataset.export.cleanup ?? 'keep') === 'keep') continue;
    try {
      await sweepDataset(name, dataset, deps, report);
    } catch (error) {
      log.warn({ err: error, dataset: name }, 'could not sweep the dataset; the next sweep tries again');
      report.datasetErrors.push({ dataset: name, ...errorOf(error) });
    }
  }
  log.info(
    { removed: report.removed.length, failed: report.failed.length, kept: report.kept },
    'cleanup sweep finished',
  );
  return report;
}

async function sweepDataset(
  name: string,
  dataset: DatasetConfig,
  deps: CleanupSweepDeps,
  report: CleanupSweepReport,
): Promise<void> {
  const policy = dataset.export.cleanup ?? 'keep';
  const runs = await runsOnStage(name, dataset, deps);
  // Every lookup before any removal: a Redis failure midway must not leave a half-decided dataset.
  const decided = await Promise.all(
    [...runs.values()].map(async (run) => {
      const sync = await deps.syncs.get(run.syncId);
      return {
        run,
        decision: decideRun(policy, { syncStatus: sync?.status, newestFileAt: run.newestFileAt }, deps.now()),
      };
    }),
  );
  for (const { run, decision } of decided) {
    if (!decision.remove) {
      report.kept[decision.reason] = (report.kept[decision.reason] ?? 0) + 1;
      continue;
    }
    const entry: SweptRunReport = {
      dataset: name,
      syncId: run.syncId,
      stagePath: run.stagePath,
      reason: decision.reason,
      filesRemoved: 0,
    };
    try {
      // The sync was looked up a moment ago; look again so one that is in flight now keeps its files.
      const now = await deps.syncs.get(run.syncId);
      if (now && !['succeeded', 'failed', 'canceled'].includes(now.status)) continue;
      const prefix = requireRunPrefix(dataset, name, run.stagePath, run.syncId);
      const removed = await deps.snowflake.execute(removeRunFiles(dataset.snowflake.stage, prefix.stagePath), [], {
        queryTag: QUERY_TAG,
      });
      entry.filesRemoved = removed.rows.length;
      report.removed.push(entry);
      deps.metrics?.runCleanups.inc({ dataset: name, trigger: 'sweep', outcome: 'removed' });
      deps.metrics?.runFilesRemoved.inc({ dataset: name, trigger: 'sweep' }, entry.filesRemoved);
    } catch (error) {
      entry.error = errorOf(error);
      report.failed.push(entry);
      deps.metrics?.runCleanups.inc({ dataset: name, trigger: 'sweep', outcome: 'failed' });
      deps.logger.warn({ err: error, dataset: name, syncId: run.syncId }, 'could not remove the files of a run');
    }
  }
}

interface RunOnStage extends RunPrefix {
  newestFileAt: number;
}

/** The dataset's runs as its stage lists them: files grouped by the run whose prefix they lie under. */
async function runsOnStage(
  name: string,
  dataset: DatasetConfig,
  deps: CleanupSweepDeps,
): Promise<Map<string, RunOnStage>> {
  const listed = await deps.snowflake.execute(listStage(dataset.snowflake.stage, datasetStagePrefix(dataset)), [], {
    queryTag: QUERY_TAG,
  });
  const stageUrl = withSlash(dataset.snowflake.stageUrl);
  const runs = new Map<string, RunOnStage>();
  for (const row of listed.rows) {
    const url = String(row.name ?? row.NAME ?? '');
    // An external stage's LIST names each file by its URL; anything else is no file of ours.
    if (!url.startsWith(stageUrl)) continue;
    const run = runOfStagedFile(dataset, name, url.slice(stageUrl.length));
    if (!run) continue;
    const modified = Date.parse(String(row.last_modified ?? row.LAST_MODIFIED ?? ''));
    // An unreadable time counts as "just written": it never makes a run look old.
    const at = Number.isNaN(modified) ? deps.now() : modified;
    const seen = runs.get(run.stagePath);
    if (!seen) runs.set(run.stagePath, { ...run, newestFileAt: at });
    else seen.newestFileAt = Math.max(seen.newestFileAt, at);
  }
  return runs;
}

function errorOf(error: unknown): { code: string; message: string } {
  return {
    code: isD2sError(error) ? error.code : 'CLEANUP_FAILED',
    message: error instanceof Error ? error.message : String(error),
  };
}
