import {
  actionJobId,
  addJobs,
  type ContainerAction,
  type D2sConfig,
  type D2sMetrics,
  displayName,
  isD2sError,
  isLastAttempt,
  isTableAction,
  type InventoryReport,
  type Logger,
  type MirrorActionJobResult,
  type MirrorActionRecord,
  MirrorError,
  MirrorRunActiveError,
  type MirrorPlanJobResult,
  type MirrorPlanStats,
  type MirrorPlanSummary,
  type Orphan,
  savedPlanOf,
  type SkippedTable,
  type MirrorService,
  type MirrorSettings,
  type MirrorStateStore,
  type MirrorTableState,
  mapWithConcurrency,
  mirrorRunFinishedEvent,
  type NotificationEmitter,
  type PlannedAction,
  parseJobData,
  parseTableComment,
  recreateStatements,
  resolveMirrorSettings,
  settleFailedAttempt,
  type SnowflakeExecutor,
  snowflakeLink,
  statementsFor,
  type TableAction,
  tableIdOf,
  toJobError,
} from '@d2s/shared';
import {
  dropCatalogIntegration,
  parseCatalogIntegrationVerification,
  SnowflakeError,
  type SqlStatement,
  showIcebergTables,
} from '@d2s/shared/snowflake';
import type { Job, Queue } from 'bullmq';
import type { ActionEnd, FinishedRun, MirrorRunEnds } from './mirror-run-ends.js';

export interface MirrorWorkerDeps {
  config: Pick<D2sConfig, 'mirror' | 'databricks' | 'snowflake' | 'api'>;
  /** Plans runs (discovery + SHOW + diff). */
  mirror: Pick<MirrorService, 'planForRun' | 'startRun' | 'recheckReviewedPlan'>;
  snowflake: SnowflakeExecutor;
  /** The `mirror` queue, for the per-table jobs. */
  queue: Queue;
  state: MirrorStateStore;
  logger: Logger;
  /** Counts every action's outcome: table actions here, and the integration and schema actions a plan job applies. */
  metrics?: Pick<D2sMetrics, 'mirrorActions'>;
  /** Records the ends of each run's actions, to act once when the run has finished (notifications, inventory). */
  runEnds?: MirrorRunEnds;
  /** Tells other systems when a run has finished (mirror.run.finished); needs runEnds. */
  notifications?: { emitter: Pick<NotificationEmitter, 'emit'> };
  /** Refreshes the inventory in Unity Catalog once a run has finished (mirror.inventory); needs runEnds. */
  refreshInventory?: () => Promise<unknown>;
  /** Integrations applied at once by a plan job. @defaultValue 4 */
  integrationConcurrency?: number;
  now?: () => number;
}

/** The live view of a plan job while it works (job progress). */
interface PlanProgress {
  stage: 'planning' | 'applying-integrations' | 'fanning-out' | 'done';
  summary?: unknown;
}

/**
 * The `mirror` queue's processor.
 *
 * `mirror-plan`: computes the plan, applies integration and schema actions
 * itself (CREATE … IF NOT EXISTS then SYSTEM$VERIFY_CATALOG_INTEGRATION;
 * ALTER for a rotated secret or a new interval), then adds one `mirror-action`
 * job per table action with the deterministic id `<run>-<action>`. Tables
 * behind a failed integration or schema are not attempted: they are recorded
 * as skipped with the reason. A plan job fired by a Job Scheduler (its id is
 * not its run id) starts a run of its own instead.
 *
 * `mirror-action`: runs one table action's statements (rebuilt from this
 * worker's config), checks the result, and records the table's state.
 */
export function createMirrorProcessor(deps: MirrorWorkerDeps) {
  const now = deps.now ?? Date.now;

  return async function processMirror(job: Job): Promise<unknown> {
    if (job.name === 'mirror-action') return applyTableActionJob(job);
    return planJob(job);
  };

  async function planJob(job: Job): Promise<MirrorPlanJobResult | { firedRunId: string } | { skippedFor: string }> {
    const data = parseJobData('mirror', 'mirror-plan', job.data);
    if (job.id !== data.mirrorRunId) return fireSchedule(job, data);
    const runId = data.mirrorRunId;
    const log = deps.logger.child({ mirrorRunId: runId, jobId: job.id });
    try {
      const settings = resolveMirrorSettings(deps.config);
      const plan = await planOnce(job, data, settings, runId);
      await report(job, { stage: 'applying-integrations', summary: plan.summary });
      log.info({ summary: plan.summary, stats: plan.stats, planId: data.plan?.planId }, 'mirror plan ready');

      const records = new Map<string, MirrorActionRecord>(plan.actions.map((a) => [a.id, recordOf(a, settings)]));
      const containers = plan.actions.filter((a): a is PlannedAction & ContainerAction => !isTableAction(a));
      const integrations = containers.filter((a) => a.kind !== 'create-schema');
      const schemas = containers.filter((a) => a.kind === 'create-schema');
      const tableActions = plan.actions.filter((a): a is PlannedAction & TableAction => isTableAction(a));
      const failedDependency = (dependsOn: string[]) =>
        dependsOn.map((id) => records.get(id)).find((r) => r?.status === 'failed' || r?.status === 'skipped');
      for (const group of [integrations, schemas] as Array<Array<PlannedAction & ContainerAction>>) {
        await mapWithConcurrency(group, deps.integrationConcurrency ?? 4, async (action) => {
          const record = records.get(action.id) as MirrorActionRecord;
          if (action.kind === 'create-schema') {
            // Only for tables that will be attempted: nothing is created behind a failed integration.
            const users = tableActions.filter((t) => t.dependsOn.includes(action.id));
            const blocked = users.map((t) => failedDependency(t.dependsOn.filter((id) => id !== action.id)));
            if (users.length > 0 && blocked.every((b) => b !== undefined)) {
              record.status = 'skipped';
              record.error = dependencyError(blocked[0] as MirrorActionRecord);
              countAction(action.kind, 'skipped');
              return;
            }
          }
          try {
            await applyContainerAction(action, settings, runId);
            record.status = 'succeeded';
            countAction(action.kind, 'succeeded');
            log.info({ actionId: action.id, kind: action.kind, target: record.target }, 'mirror action applied');
          } catch (error) {
            // A transient failure retries the whole plan job (every step is idempotent) while attempts remain.
            if (isD2sError(error) && error.retryable && !isLastAttempt(job, toJobError(error))) throw error;
            record.status = 'failed';
            record.error = errorOf(error);
            countAction(action.kind, 'failed');
            log.error({ actionId: action.id, kind: action.kind, err: error }, 'mirror action failed');
          }
        });
      }

      await report(job, { stage: 'fanning-out', summary: plan.summary });
      const toEnqueue: TableAction[] = [];
      for (const action of tableActions) {
        const record = records.get(action.id) as MirrorActionRecord;
        const failed = failedDependency(action.dependsOn);
        if (failed) {
          record.status = 'skipped';
          record.error = dependencyError(failed);
          countAction(action.kind, 'skipped');
          await recordState(action, settings, runId, 'skipped', record.error);
          continue;
        }
        toEnqueue.push(stripSql(action));
      }
      await addJobs(
        deps.queue,
        'mirror',
        'mirror-action',
        toEnqueue.map((action) => ({
          data: { mirrorRunId: runId, action },
          options: { jobId: actionJobId(runId, action.id) },
        })),
        { retentionSeconds: deps.config.api.retentionSeconds },
      );
      await report(job, { stage: 'done', summary: plan.summary });
      const settled = new Map<string, ActionEnd>();
      for (const record of records.values()) if (record.status) settled.set(record.id, record.status);
      await noteRunEnd(runId, log, (runEnds) => runEnds.expect(runId, plan.actions.length, settled));
      log.info(
        { enqueued: toEnqueue.length, skipped: tableActions.length - toEnqueue.length },
        'mirror table actions enqueued',
      );
      return {
        mirrorRunId: runId,
        summary: plan.summary,
        actionIds: plan.actions.map((a) => a.id),
        actions: [...records.values()],
        skipped: plan.skipped,
        orphans: plan.orphans,
        stats: plan.stats,
        ...(plan.inventory ? { inventory: plan.inventory } : {}),
      };
    } catch (error) {
      throw await settleFailedAttempt(job, error, {
        log,
        message: 'mirror plan failed',
        onLastAttempt: async () => {
          const finished: FinishedRun = { status: 'failed', counts: { succeeded: 0, failed: 0, skipped: 0 } };
          await noteRunEnd(runId, log, async () => finished, error);
        },
      });
    }
  }

  /**
   * Records an end of the run (the plan job's count, or one action's end) and, when that completes the
   * run, queues mirror.run.finished and refreshes the inventory. Never throws: neither may fail a mirror action.
   */
  async function noteRunEnd(
    runId: string,
    log: Logger,
    note: (runEnds: MirrorRunEnds) => Promise<FinishedRun | null>,
    error?: unknown,
  ): Promise<void> {
    const { runEnds, notifications, refreshInventory } = deps;
    if (!runEnds || (!notifications && !refreshInventory)) return;
    let finished: FinishedRun | null;
    try {
      finished = await note(runEnds);
    } catch (noteError) {
      log.error({ err: noteError }, "could not record the run's end; no notification or inventory refresh for it");
      return;
    }
    if (!finished) return;
    if (notifications) {
      try {
        await notifications.emitter.emit(
          mirrorRunFinishedEvent({ mirrorRunId: runId, ...finished, error }, new Date(now())),
        );
      } catch (emitError) {
        log.error({ err: emitError }, 'could not queue mirror.run.finished');
      }
    }
    if (refreshInventory) {
      try {
        await refreshInventory();
      } catch (refreshError) {
        log.warn({ err: refreshError }, 'mirror inventory not refreshed after the run');
      }
    }
  }

  /**
   * The plan this run applies, computed once: saved into the job before any action is applied, so a retry
   * after a crash applies the rest of the same plan (every action is idempotent) and the run's record keeps
   * the actions applied before the crash. A run of a reviewed plan arrives with it saved already.
   */
  async function planOnce(
    job: Job,
    data: ReturnType<typeof parseJobData<'mirror', 'mirror-plan'>>,
    settings: MirrorSettings,
    runId: string,
  ): Promise<RunPlan> {
    let saved = data.plan;
    let inventory: InventoryReport | undefined;
    if (!saved) {
      await report(job, { stage: 'planning' });
      const planned = await deps.mirror.planForRun({
        scope: data.scope,
        includeRefresh: data.includeRefresh,
        force: data.force,
        queryTag: queryTag(runId, 'plan'),
      });
      inventory = planned.inventory;
      saved = savedPlanOf(planned.plan);
      await job.updateData({ ...(job.data as Record<string, unknown>), plan: saved });
    } else if (saved.planId !== undefined && data.reviewedPlanCheckedAt === undefined) {
      // Reviewed, checked by the API when the run was asked for, then maybe queued behind another run: the
      // state may have changed since. PLAN_STALE fails the run before any action (a 409: not retried).
      await report(job, { stage: 'planning' });
      await deps.mirror.recheckReviewedPlan(saved.planId);
      await job.updateData({
        ...(job.data as Record<string, unknown>),
        reviewedPlanCheckedAt: new Date(now()).toISOString(),
      });
    }
    return {
      ...(inventory ? { inventory } : {}),
      summary: saved.summary as unknown as MirrorPlanSummary,
      stats: saved.stats as MirrorPlanStats | undefined,
      skipped: saved.skipped as unknown as SkippedTable[],
      orphans: saved.orphans as unknown as Orphan[],
      // SQL for the record only (masked), rebuilt from this worker's config as the statements are.
      actions: saved.actions.map((action) => ({
        ...action,
        sql: statementsFor(action, settings).map((s) => s.masked),
      })),
    };
  }

  /** One action's end, once: a retried attempt is not a failure until it is the last. */
  function countAction(kind: string, outcome: 'succeeded' | 'failed' | 'skipped'): void {
    deps.metrics?.mirrorActions.inc({ kind, outcome });
  }

  async function fireSchedule(job: Job, data: ReturnType<typeof parseJobData<'mirror', 'mirror-plan'>>) {
    // `repeat:<scheduler key>:<millis>` → one run id per firing; a retried firing finds the same run.
    const firing =
      String(job.id ?? now())
        .split(':')
        .pop() ?? String(now());
    const runId = `${data.mirrorRunId}-${firing}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 200);
    try {
      // Through the service, as the API starts runs: it refuses while another run applies.
      await deps.mirror.startRun({
        runId,
        scope: data.scope,
        includeRefresh: data.includeRefresh,
        origin: data.origin,
      });
    } catch (error) {
      if (!(error instanceof MirrorRunActiveError)) throw error;
      // The next firing tries again; starting now would apply two runs at once.
      deps.logger.warn(
        { schedule: data.mirrorRunId, activeRunId: error.active.id },
        'mirror schedule fired while another run is active: this firing is skipped',
      );
      return { skippedFor: error.active.id };
    }
    deps.logger.info({ schedule: data.mirrorRunId, mirrorRunId: runId }, 'mirror schedule fired');
    return { firedRunId: runId };
  }

  async function applyContainerAction(action: ContainerAction, settings: MirrorSettings, runId: string) {
    const statements = statementsFor(action, settings);
    for (const statement of statements) {
      if (isVerification(statement)) {
        const result = await deps.snowflake.execute(statement, undefined, { queryTag: queryTag(runId, action.id) });
        const verification = parseCatalogIntegrationVerification(result.rows);
        if (!verification.success) {
          const name = action.kind === 'create-schema' ? '' : action.integration.name;
          if (action.kind === 'create-integration') {
            // Just created by this action and unusable: remove it, so the next run creates and verifies it again.
            await deps.snowflake
              .execute(dropCatalogIntegration(name), undefined, { queryTag: queryTag(runId, action.id) })
              .catch((error) =>
                deps.logger.warn({ err: error, integration: name }, 'could not drop the failed integration'),
              );
          }
          throw new MirrorError(
            'MIRROR_INTEGRATION_VERIFICATION_FAILED',
            `Snowflake could not use catalog integration ${name}: ${verification.errorCode ? `${verification.errorCode}: ` : ''}${verification.errorMessage ?? 'verification failed'}`,
            { details: { integration: name, ...verification } },
          );
        }
        continue;
      }
      await deps.snowflake.execute(statement, undefined, { queryTag: queryTag(runId, action.id) });
    }
  }

  async function applyTableActionJob(job: Job): Promise<MirrorActionJobResult> {
    const data = parseJobData('mirror', 'mirror-action', job.data);
    const { action, mirrorRunId: runId } = data;
    const log = deps.logger.child({ mirrorRunId: runId, actionId: action.id, kind: action.kind, jobId: job.id });
    const started = performance.now();
    let settings: MirrorSettings | undefined;
    try {
      settings = resolveMirrorSettings(deps.config);
      let statements = statementsFor(action, settings);
      const queryIds: string[] = [];
      const tag = { queryTag: queryTag(runId, action.id) };
      let createdHere = false;
      try {
        for (const statement of statements) {
          const result = await deps.snowflake.execute(statement, undefined, tag);
          queryIds.push(result.queryId);
          createdHere = statements.length === 1 && reportsCreated(result.rows);
        }
      } catch (error) {
        if (!(action.kind === 'rename-table' && action.mode === 'alter' && isUnsupported(error))) throw error;
        // ALTER ICEBERG TABLE … RENAME TO is not in Snowflake's documented syntax (no table rename among its
        // actions: https://docs.snowflake.com/en/sql-reference/sql/alter-iceberg-table): re-create under the new name.
        log.warn({ err: error }, 'ALTER ICEBERG TABLE … RENAME refused; renaming by re-creating the table');
        statements = recreateStatements(action, settings);
        for (const statement of statements)
          queryIds.push((await deps.snowflake.execute(statement, undefined, tag)).queryId);
      }
      // A plain CREATE … IF NOT EXISTS that reports it created the table made it with our comment: nothing to
      // check, so a new table costs one statement. "already exists" (or any other answer) is checked by SHOW.
      const needsCheck =
        action.kind === 'rename-table' ||
        (action.kind === 'create-table' && (action.replaces !== undefined || !createdHere));
      if (needsCheck) await checkMirrored(action, runId);
      await recordState(action, settings, runId, action.kind === 'drop-table' ? 'dropped' : 'mirrored', null);
      countAction(action.kind, 'succeeded');
      await noteRunEnd(runId, log, (runEnds) => runEnds.ended(runId, action.id, 'succeeded'));
      const durationMs = Math.round(performance.now() - started);
      log.info(
        { target: displayName(action.target), statements: statements.length, durationMs },
        'mirror action applied',
      );
      return {
        status: 'succeeded',
        kind: action.kind,
        snowflake: snowflakeLink(settings.snowflakeAccount, action.target),
        statements: statements.length,
        queryIds,
        durationMs,
      };
    } catch (error) {
      const resolved = settings;
      throw await settleFailedAttempt(job, error, {
        log,
        message: 'mirror action failed',
        onLastAttempt: async () => {
          countAction(action.kind, 'failed');
          if (resolved) await recordState(action, resolved, runId, 'failed', errorOf(error));
          await noteRunEnd(runId, log, (runEnds) => runEnds.ended(runId, action.id, 'failed'));
        },
      });
    }
  }

  /** After CREATE … IF NOT EXISTS: the table at the name must be ours (IF NOT EXISTS succeeds over anything). */
  async function checkMirrored(
    action: TableAction & { target: { database: string; schema: string; name: string } },
    runId: string,
  ) {
    const { target } = action;
    const result = await deps.snowflake.execute(
      showIcebergTables({ database: target.database, schema: target.schema }, { like: target.name }),
      undefined,
      { queryTag: queryTag(runId, action.id) },
    );
    const row = result.rows.find((r) => (r.name ?? r.NAME) === target.name);
    const marker = parseTableComment((row?.comment ?? row?.COMMENT ?? null) as string | null);
    if (!row || marker?.tableId !== tableIdOf(action)) {
      throw new MirrorError(
        'MIRROR_TARGET_CONFLICT',
        row
          ? `${displayName(target)} exists but is not the mirror of this Unity Catalog table (its comment: ${JSON.stringify(row.comment ?? null)}); d2s never replaces it`
          : `${displayName(target)} is not an Iceberg table after CREATE ICEBERG TABLE IF NOT EXISTS: another object (a regular table or view) has that name; d2s never replaces it`,
        { details: { target: displayName(target) } },
      );
    }
  }

  async function recordState(
    action: TableAction,
    settings: MirrorSettings,
    runId: string,
    status: MirrorTableState['status'],
    error: { code: string; message: string } | null,
  ) {
    const at = new Date(now()).toISOString();
    // Only a failed or skipped table keeps the Snowflake name it had: a success costs one Redis write, not two.
    const kept = status === 'failed' || status === 'skipped';
    const previous = kept ? await deps.state.get(tableIdOf(action)) : undefined;
    const ucFullName =
      action.kind === 'drop-table'
        ? action.ucFullName
        : `${action.table.catalog}.${action.table.schema}.${action.table.name}`;
    const snowflake = kept
      ? (previous?.snowflake ?? { ...action.target, ...snowflakeLink(settings.snowflakeAccount, action.target) })
      : { ...action.target, ...snowflakeLink(settings.snowflakeAccount, action.target) };
    await deps.state.put({
      tableId: tableIdOf(action),
      uc: { fullName: ucFullName },
      snowflake,
      status,
      lastAction: { id: action.id, kind: action.kind, runId, at },
      lastError: error,
      updatedAt: at,
    });
  }
}

interface RunPlan {
  /** The inventory refresh after planning (absent for a reviewed plan, planned and reported when reviewed). */
  inventory?: InventoryReport;
  summary: MirrorPlanSummary;
  stats: MirrorPlanStats | undefined;
  skipped: SkippedTable[];
  orphans: Orphan[];
  actions: PlannedAction[];
}

function dependencyError(failed: MirrorActionRecord): { code: string; message: string } {
  const cause =
    failed.error?.code === 'MIRROR_DEPENDENCY_FAILED'
      ? failed.error.message
      : `${failed.kind} ${failed.target} failed: ${failed.error?.message ?? 'unknown error'}`;
  return {
    code: 'MIRROR_DEPENDENCY_FAILED',
    message: cause.startsWith('Not attempted: ') ? cause : `Not attempted: ${cause}`,
  };
}

/**
 * Whether a CREATE answered "Table X successfully created." rather than "X already exists, statement
 * succeeded." (Snowflake's status for CREATE … IF NOT EXISTS over an existing object of that name, which may
 * be a regular table or a view: then only SHOW tells whether the name holds our mirror).
 */
export function reportsCreated(rows: ReadonlyArray<Record<string, unknown>>): boolean {
  if (rows.length !== 1) return false;
  const row = rows[0] as Record<string, unknown>;
  const status = row.status ?? row.STATUS;
  return typeof status === 'string' && /^Table .+ successfully created\.$/.test(status);
}

/** Snowflake's "unsupported feature" (SQLSTATE 0A000, code 000002). */
function isUnsupported(error: unknown): boolean {
  return error instanceof SnowflakeError && (error.sqlState === '0A000' || error.snowflakeCode === '000002');
}

function isVerification(statement: SqlStatement): boolean {
  return statement.masked.startsWith('SELECT SYSTEM$VERIFY_CATALOG_INTEGRATION(');
}

function queryTag(runId: string, step: string): string {
  return `d2s-mirror:${runId}:${step}`.slice(0, 2000);
}

function errorOf(error: unknown): { code: string; message: string } {
  if (isD2sError(error)) return { code: error.code, message: error.message };
  return { code: 'INTERNAL_ERROR', message: error instanceof Error ? error.message : String(error) };
}

function recordOf(action: PlannedAction, settings: MirrorSettings): MirrorActionRecord {
  const base = { id: action.id, kind: action.kind, reason: action.reason, sql: action.sql };
  switch (action.kind) {
    case 'create-integration':
    case 'update-integration':
      return { ...base, target: action.integration.name, dependsOn: [] };
    case 'create-schema':
      return { ...base, target: `${action.database}.${action.schema}`, dependsOn: [] };
    default:
      return {
        ...base,
        target: displayName(action.target),
        dependsOn: action.dependsOn,
        tableId: tableIdOf(action),
        ucFullName:
          action.kind === 'drop-table'
            ? action.ucFullName
            : `${action.table.catalog}.${action.table.schema}.${action.table.name}`,
        snowflake: snowflakeLink(settings.snowflakeAccount, action.target),
      };
  }
}

/** The action as job data: names only, no SQL. */
function stripSql(action: PlannedAction & TableAction): TableAction {
  const { sql: _sql, ...rest } = action;
  return rest as TableAction;
}

function report(job: Job, progress: PlanProgress): Promise<void> {
  return job.updateProgress(progress as unknown as Record<string, unknown>);
}
