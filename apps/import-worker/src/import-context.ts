import {
  type DatasetConfig,
  type ImportJobData,
  type LoadReport,
  type Logger,
  type SchemaChange,
  runDataFilePattern,
  SYNC_CANCELED,
  SyncFailedError,
  type SyncRequest,
  type SyncService,
} from '@d2s/shared';
import {
  type CopyIntoResult,
  type QueryResult,
  type SnowflakeClient,
  SnowflakeError,
  type SnowflakeTransaction,
} from '@d2s/shared/snowflake';
import type { Job } from 'bullmq';
import type { VerifiedLoad } from './verify-load.js';

export type ImportStepName = 'prepare' | 'load' | 'verify' | 'swap' | 'merge';

export type SnowflakeStatement = Parameters<SnowflakeClient['execute']>[0];
export interface RunOptions {
  signal?: AbortSignal;
  idempotent?: boolean;
  numbersAsText?: boolean;
}

/** The live view of an import, as job progress (what SSE and the status read). */
export type ImportProgress = Partial<LoadReport> & {
  status: 'importing' | 'verifying';
  failure?: Record<string, unknown>;
};

/** What the steps learn and hand on to the next one; an attempt starts it afresh. */
export interface ImportState {
  /** The run's data files under the sync's prefix, as LIST names them. */
  listedFiles: string[];
  /** When the run wrote no data files: what else was under its prefix (commit files, say), for the error. */
  otherFiles?: string[];
  copy?: CopyIntoResult;
  verified?: VerifiedLoad;
  /** Set from the SWAP until the staging table is known not to hold the target's previous rows. */
  stagingMayHoldPreviousTarget?: boolean;
}

/** What one import job's steps work with. */
export interface ImportContext {
  readonly job: Pick<Job, 'attemptsStarted'>;
  readonly request: SyncRequest;
  readonly dataset: DatasetConfig;
  /** Where the COPY loads: the target (append) or the sync's own staging table (replace, merge). */
  readonly loadInto: DatasetConfig['snowflake']['table'];
  /** The PATTERN that picks this run's data files out of its prefix, for LIST and COPY alike. */
  readonly dataFiles: string;
  /** The replace- and merge-mode staging table, private to this sync. */
  readonly staging: DatasetConfig['snowflake']['table'];
  readonly log: Logger;
  /** The report the job returns, filled in as the steps go. */
  readonly report: LoadReport;
  readonly state: ImportState;
  /** Runs one statement under the sync's query tag and records its query id. */
  run(statement: SnowflakeStatement, options?: RunOptions): Promise<QueryResult>;
  /**
   * Runs `fn` in one named transaction under the sync's query tag (BEGIN
   * NAME `name` … COMMIT, ROLLBACK when it throws), recording query ids.
   */
  inTransaction<T>(
    name: string,
    fn: (run: (statement: SnowflakeStatement) => Promise<QueryResult>) => Promise<T>,
  ): Promise<T>;
  /** Like run, for COPY: a rejection for the data is a failed load (LOAD_FAILED), not a query bug. */
  runCopy(statement: SnowflakeStatement, options?: RunOptions): Promise<QueryResult>;
  /** Schema changes an earlier attempt of this import saved before making them. */
  readonly savedSchemaChanges: readonly SchemaChange[];
  /** Saves the schema changes this attempt is about to make into the job, for a retry to report. */
  saveSchemaChanges(changes: readonly SchemaChange[]): Promise<void>;
  /** Publishes the live view. */
  progress(status: ImportProgress['status'], extra?: Partial<ImportProgress>): Promise<void>;
  /** Ends the sync as canceled if a cancel was requested. */
  throwIfCanceled(): Promise<void>;
  /** Runs a long statement, aborting it when a cancel is requested meanwhile. */
  withCancelWatch<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

export interface ImportContextDeps {
  snowflake: Pick<SnowflakeClient, 'execute' | 'transaction'>;
  syncs: Pick<SyncService, 'isCancelRequested'>;
  logger: Logger;
  /** How often a running COPY checks for a cancel request. @defaultValue 1000 */
  cancelCheckMs?: number | undefined;
}

/** The staging table of a replace- or merge-mode load: one per sync, so attempts of one sync reuse it and nothing else can. */
export function stagingTableOf(dataset: DatasetConfig, syncId: string): DatasetConfig['snowflake']['table'] {
  const target = dataset.snowflake.table;
  return { ...target, name: `${target.name}__D2S_STAGING_${syncId.toUpperCase()}` };
}

export function queryTagOf(syncId: string): string {
  return `d2s:sync:${syncId}`;
}

export function createImportContext(
  job: Job,
  data: ImportJobData,
  dataset: DatasetConfig,
  report: LoadReport,
  deps: ImportContextDeps,
): ImportContext {
  const { request } = data;
  const log = deps.logger.child({ syncId: request.syncId, jobId: job.id, runId: data.runId, dataset: request.dataset });
  const queryTag = queryTagOf(request.syncId);
  const staging = stagingTableOf(dataset, request.syncId);
  const isCanceled = () => deps.syncs.isCancelRequested(request.syncId);

  const run = async (statement: SnowflakeStatement, options: RunOptions = {}) => {
    const result = await deps.snowflake.execute(statement, [], { queryTag, ...options });
    report.queryIds.push(result.queryId);
    log.info({ queryId: result.queryId, kind: result.statementType }, 'statement ran');
    return result;
  };

  return {
    job,
    request,
    dataset,
    loadInto: dataset.load.mode === 'append' ? dataset.snowflake.table : staging,
    dataFiles: runDataFilePattern(request.stagePath, dataset.export.dataFilePattern),
    staging,
    log,
    report,
    state: { listedFiles: [] },
    savedSchemaChanges: data.schemaChanges ?? [],
    async saveSchemaChanges(changes) {
      await job.updateData({ ...data, schemaChanges: [...changes] });
    },
    run,
    inTransaction(name, fn) {
      return deps.snowflake.transaction(
        (tx: SnowflakeTransaction) =>
          fn(async (statement) => {
            const result = await tx.execute(statement);
            report.queryIds.push(result.queryId);
            log.info({ queryId: result.queryId, kind: result.statementType }, 'statement ran');
            return result;
          }),
        { queryTag, name },
      );
    },
    async runCopy(statement, options) {
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
    },
    progress: (status, extra = {}) =>
      job.updateProgress({ status, ...report, ...extra } as unknown as Record<string, unknown>),
    async throwIfCanceled() {
      if (await isCanceled()) throw new SyncFailedError(SYNC_CANCELED, 'Canceled on request.');
    },
    async withCancelWatch(fn) {
      const controller = new AbortController();
      let canceled = false;
      const timer = setInterval(() => {
        isCanceled()
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
    },
  };
}
