import {
  type D2sConfig,
  type D2sMetrics,
  type DatasetConfig,
  type ImportJobData,
  isD2sError,
  type LoadReport,
  type Logger,
  parseJobData,
  SYNC_CANCELED,
  SyncFailedError,
  type SyncService,
  toJobError,
} from '@d2s/shared';
import {
  copyHistory,
  copyIntoTable,
  countRows,
  createFileFormat,
  createStage,
  createTableFromFiles,
  createTableLike,
  dropTable,
  listStage,
  parseCopyIntoResult,
  ROW_COUNT_COLUMN,
  type SnowflakeClient,
  SnowflakeError,
  swapTables,
} from '@d2s/shared/snowflake';
import { type Job, UnrecoverableError } from 'bullmq';
import { fileKey, loadedFiles, requireRowCount, verifyCopy } from './verify-load.js';

export interface ImportDeps {
  config: Pick<D2sConfig, 'datasets'>;
  snowflake: Pick<SnowflakeClient, 'execute'>;
  syncs: Pick<SyncService, 'isCancelRequested' | 'releaseDataset'>;
  logger: Logger;
  metrics?: Pick<D2sMetrics, 'syncOutcomes'>;
  /** How often a running COPY checks for a cancel request. @defaultValue 1000 */
  cancelCheckMs?: number;
}

type ImportProgress = Partial<LoadReport> & { status: 'importing' | 'verifying'; failure?: Record<string, unknown> };

/** The staging table of a replace-mode load: one per sync, so attempts of one sync reuse it and nothing else can. */
function stagingTableOf(dataset: DatasetConfig, syncId: string) {
  const target = dataset.snowflake.table;
  return { ...target, name: `${target.name}__D2S_STAGING_${syncId.toUpperCase()}` };
}

/**
 * prepare → COPY INTO → verify (→ swap). Append mode loads straight into the
 * target; a retried COPY is safe because Snowflake's load metadata skips files
 * already loaded, and the files an earlier attempt loaded are accounted for.
 * Replace mode loads a fresh staging table and swaps it in only after it
 * verifies, so a failure leaves the target untouched and drops the staging.
 */
export function createImportProcessor(deps: ImportDeps) {
  return async function processImport(job: Job): Promise<LoadReport> {
    const data: ImportJobData = parseJobData('import', 'sync-import', job.data);
    const { request } = data;
    const log = deps.logger.child({
      syncId: request.syncId,
      jobId: job.id,
      runId: data.runId,
      dataset: request.dataset,
    });
    const dataset = deps.config.datasets[request.dataset];
    const queryTag = `d2s:sync:${request.syncId}`;
    const report: LoadReport = {
      mode: dataset?.load.mode ?? 'append',
      stagePath: request.stagePath,
      files: [],
      rowsLoaded: 0,
      queryIds: [],
    };
    const run = async (
      statement: Parameters<SnowflakeClient['execute']>[0],
      options: { signal?: AbortSignal; idempotent?: boolean } = {},
    ) => {
      const result = await deps.snowflake.execute(statement, [], { queryTag, ...options });
      report.queryIds.push(result.queryId);
      log.info({ queryId: result.queryId, kind: result.statementType }, 'statement ran');
      return result;
    };
    // A COPY that Snowflake rejects for its data (ON_ERROR = ABORT_STATEMENT) is a failed load, not a query bug.
    const runCopy: typeof run = async (statement, options) => {
      try {
        return await run(statement, options);
      } catch (error) {
        if (error instanceof SnowflakeError && !error.retryable) {
          throw new SyncFailedError('LOAD_FAILED', `COPY INTO was rejected: ${error.message}`, {
            cause: error,
            details: { snowflakeCode: error.snowflakeCode, sqlState: error.sqlState, queryId: error.queryId },
          });
        }
        throw error;
      }
    };
    const progress = (status: ImportProgress['status'], extra: Partial<ImportProgress> = {}) =>
      job.updateProgress({ status, ...report, ...extra } as unknown as Record<string, unknown>);
    const staging = dataset ? stagingTableOf(dataset, request.syncId) : undefined;

    try {
      if (!dataset)
        throw new SyncFailedError('UNKNOWN_DATASET', `Dataset "${request.dataset}" is no longer configured.`);
      await throwIfCanceled(request.syncId);
      await progress('importing');
      const sf = dataset.snowflake;

      if (sf.createStage) {
        await run(createStage({ stage: sf.stage, url: sf.stageUrl, storageIntegration: sf.storageIntegration }));
      }
      const listed = await run(listStage(sf.stage, request.stagePath));
      const listedFiles = listed.rows.map((row) => String(row.name ?? row.NAME ?? ''));

      if (sf.createTable && listedFiles.length > 0) {
        const fileFormat = { database: sf.table.database, schema: sf.table.schema, name: 'D2S_PARQUET' };
        await run(createFileFormat({ fileFormat }));
        await run(createTableFromFiles({ table: sf.table, stage: sf.stage, path: request.stagePath, fileFormat }));
      }

      const loadInto = dataset.load.mode === 'replace' ? (staging as NonNullable<typeof staging>) : sf.table;
      if (dataset.load.mode === 'replace') {
        // Fresh every attempt: its load metadata starts empty, so every file loads again.
        await run(createTableLike({ table: loadInto, like: sf.table, orReplace: true }));
      }

      const copy = await withCancelWatch(request.syncId, (signal) =>
        runCopy(
          copyIntoTable({
            table: loadInto,
            stage: sf.stage,
            path: request.stagePath,
            matchByColumnName: sf.copyOptions.matchByColumnName,
            onError: sf.copyOptions.onError,
            pattern: sf.copyOptions.pattern,
          }),
          { signal },
        ),
      );
      const copyResult = parseCopyIntoResult(copy.rows);
      report.files = loadedFiles(copyResult);
      report.rowsLoaded = copyResult.rowsLoaded;
      await progress('verifying');

      const isRetry = (job.attemptsStarted ?? 1) > 1;
      const previouslyLoaded =
        dataset.load.mode === 'append' && isRetry
          ? await earlierLoads(loadInto, listedFiles, new Set(copyResult.files.map((f) => fileKey(f.file))))
          : new Map<string, number | undefined>();
      const verified = verifyCopy(copyResult, {
        listedFiles,
        requireFiles: dataset.verify.requireFiles,
        previouslyLoaded,
      });
      report.files = verified.files;
      report.rowsLoaded = verified.rowsLoaded;
      if (dataset.verify.expectedRows !== undefined && verified.rowsExact) {
        requireRowCount(
          'Rows loaded vs the dataset’s expected count',
          verified.rowsLoaded,
          dataset.verify.expectedRows,
          {},
        );
      }

      if (dataset.load.mode === 'replace') {
        const inStaging = Number((await run(countRows(loadInto))).rows[0]?.[ROW_COUNT_COLUMN] ?? -1);
        requireRowCount('Staging table after COPY', inStaging, verified.rowsLoaded, { table: loadInto.name });
        await throwIfCanceled(request.syncId);
        // SWAP is the one statement not safe to repeat blindly: a lost answer must not swap the old data back.
        await run(swapTables(sf.table, loadInto), { idempotent: false });
        await run(dropTable(loadInto));
        report.targetRowCount = Number((await run(countRows(sf.table))).rows[0]?.[ROW_COUNT_COLUMN] ?? -1);
        requireRowCount('Target table after SWAP', report.targetRowCount, verified.rowsLoaded, {
          table: sf.table.name,
        });
      } else {
        report.targetRowCount = Number((await run(countRows(sf.table))).rows[0]?.[ROW_COUNT_COLUMN] ?? -1);
      }

      await deps.syncs.releaseDataset(request.dataset, request.syncId).catch(() => {});
      deps.metrics?.syncOutcomes.inc({ dataset: request.dataset, outcome: 'succeeded' });
      log.info(
        { files: report.files.length, rowsLoaded: report.rowsLoaded, targetRowCount: report.targetRowCount },
        'load verified',
      );
      return report;
    } catch (error) {
      const jobError = toJobError(error);
      const final = jobError instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (staging && dataset?.load.mode === 'replace' && final) {
        await deps.snowflake.execute(dropTable(staging), [], { queryTag }).catch((dropError) => {
          log.error({ err: dropError, table: staging.name }, 'could not drop the staging table');
        });
      }
      if (final) {
        await deps.syncs.releaseDataset(request.dataset, request.syncId).catch(() => {});
        const canceled = isD2sError(error) && error.code === SYNC_CANCELED;
        deps.metrics?.syncOutcomes.inc({ dataset: request.dataset, outcome: canceled ? 'canceled' : 'failed' });
        const failure = isD2sError(error) ? error.details : {};
        if (isD2sError(error) && Array.isArray(error.details.files))
          report.files = error.details.files as LoadReport['files'];
        await progress('importing', { failure }).catch(() => {});
      }
      log[final ? 'error' : 'warn']({ err: error, final, queryIds: report.queryIds }, 'import failed');
      throw jobError;
    }

    /** Files an earlier attempt loaded: named in the load history, or (history unreadable) absent from this COPY. */
    async function earlierLoads(
      table: DatasetConfig['snowflake']['table'],
      listedFiles: string[],
      loadedNow: Set<string>,
    ): Promise<Map<string, number | undefined>> {
      const missing = listedFiles.map(fileKey).filter((key) => !loadedNow.has(key));
      const found = new Map<string, number | undefined>();
      if (missing.length === 0) return found;
      try {
        const history = await run(copyHistory(table, 14 * 24));
        for (const row of history.rows) {
          const key = fileKey(String(row.FILE_NAME ?? ''));
          if (missing.includes(key) && /^loaded$/i.test(String(row.STATUS ?? '')))
            found.set(key, Number(row.ROW_COUNT ?? 0));
        }
      } catch (historyError) {
        // Each sync writes to its own prefix, so a file Snowflake skipped can only have been loaded by this sync.
        log.warn(
          { err: historyError },
          'load history unreadable; counting skipped files as loaded by the earlier attempt',
        );
        for (const key of missing) found.set(key, undefined);
      }
      return found;
    }
  };

  async function throwIfCanceled(syncId: string): Promise<void> {
    if (await deps.syncs.isCancelRequested(syncId)) throw new SyncFailedError(SYNC_CANCELED, 'Canceled on request.');
  }

  /** Runs a long statement, aborting it when a cancel is requested meanwhile. */
  async function withCancelWatch<T>(syncId: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let canceled = false;
    const timer = setInterval(() => {
      deps.syncs
        .isCancelRequested(syncId)
        .then((yes) => {
          if (yes && !canceled) {
            canceled = true;
            controller.abort();
          }
        })
        .catch(() => {});
    }, deps.cancelCheckMs ?? 1_000);
    try {
      return await fn(controller.signal);
    } catch (error) {
      if (canceled) throw new SyncFailedError(SYNC_CANCELED, 'Canceled on request while loading.', { cause: error });
      throw error;
    } finally {
      clearInterval(timer);
    }
  }
}
