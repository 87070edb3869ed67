import { type CleanupReport, type D2sMetrics, isD2sError, requireRunPrefix } from '@d2s/shared';
import { removeRunFiles } from '@d2s/shared/snowflake';
import type { ImportContext } from '../import-context.js';

const DAY_MS = 24 * 3600 * 1000;

export interface CleanUpDeps {
  metrics?: Pick<D2sMetrics, 'runCleanups' | 'runFilesRemoved'> | undefined;
  now: () => number;
}

/**
 * After a VERIFIED load (never before: it runs once the steps have finished),
 * what export.cleanup says happens to the run's files. `after-load` removes
 * them with one REMOVE of the run's own prefix; `afterDays` leaves them to the
 * sweep. REMOVE, not COPY's PURGE: PURGE deletes as the COPY loads, before
 * d2s has verified anything, and says nothing when a deletion fails.
 *
 * It never throws: the data is loaded, so a removal that fails is reported
 * (and counted) and the sweep tries again; repeating it after a crash removes
 * what is left, which may be nothing.
 */
export async function cleanUp(ctx: ImportContext, deps: CleanUpDeps): Promise<CleanupReport> {
  const policy = ctx.dataset.export.cleanup ?? 'keep';
  if (policy === 'keep') return { policy: 'keep', status: 'kept', filesRemoved: 0 };
  if (typeof policy === 'object') {
    const removeAfter = new Date(deps.now() + policy.afterDays * DAY_MS).toISOString();
    return { policy: 'after-days', status: 'kept', filesRemoved: 0, removeAfter };
  }
  const dataset = ctx.request.dataset;
  try {
    const run = requireRunPrefix(ctx.dataset, dataset, ctx.request.stagePath, ctx.request.syncId);
    const removed = await ctx.run(removeRunFiles(ctx.dataset.snowflake.stage, run.stagePath));
    const filesRemoved = removed.rows.length;
    deps.metrics?.runCleanups.inc({ dataset, trigger: 'after-load', outcome: 'removed' });
    deps.metrics?.runFilesRemoved.inc({ dataset, trigger: 'after-load' }, filesRemoved);
    ctx.log.info({ filesRemoved, stagePath: run.stagePath }, 'removed the run’s files');
    return { policy, status: 'removed', filesRemoved };
  } catch (error) {
    deps.metrics?.runCleanups.inc({ dataset, trigger: 'after-load', outcome: 'failed' });
    ctx.log.warn({ err: error }, 'could not remove the run’s files; the load stands and the sweep will try again');
    const code = isD2sError(error) ? error.code : 'CLEANUP_FAILED';
    return {
      policy,
      status: 'failed',
      filesRemoved: 0,
      error: { code, message: error instanceof Error ? error.message : String(error) },
    };
  }
}
