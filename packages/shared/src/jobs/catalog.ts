import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import { JobDataError } from '../errors.js';
import { NOTIFICATION_EVENT_TYPES } from '../config/schema.js';
import { MirrorScope, SavedMirrorPlan, TableActionSchema } from '../mirror/mirror-action.js';

/**
 * The job catalog: the only place queue payloads are defined. The API and
 * every worker enqueue and read jobs through it, so a producer and a consumer
 * cannot disagree about a payload. Job data never holds a secret: workers read
 * credentials from their own configuration.
 */

export const SyncId = z.string().regex(/^sync_[0-9A-Za-z]{10,40}$/, 'a sync id like sync_01J…');
export type SyncId = z.infer<typeof SyncId>;

export const ParameterValue = z.union([z.string(), z.number(), z.boolean()]);

/** What a sync was asked to do; fixed when the sync is created. */
export const SyncRequest = z.strictObject({
  syncId: SyncId,
  dataset: z.string().min(1),
  parameters: z.record(z.string(), ParameterValue),
  /** 1 for the first attempt; a retry of a failed sync is a new attempt with a new idempotency token. */
  attempt: z.number().int().positive(),
  requestedAt: z.string().datetime(),
  /** Where this sync's export writes and its import reads: s3://bucket/prefix/<run path>/ */
  outputUrl: z.string().startsWith('s3://'),
  /** The same location relative to the stage, used by COPY INTO @stage/<stagePath>. */
  stagePath: z.string(),
  /** Who asked: a schedule id, or `api`. */
  origin: z.string().default('api'),
  /** The failed or canceled sync this one retries. */
  retryOf: SyncId.optional(),
});
export type SyncRequest = z.infer<typeof SyncRequest>;

/** The export step job's saved progress: written with job.updateData before every wait. */
export const ExportProgress = z.strictObject({
  /** `cancel`: a cancel request stopped the run; the job waits for the run to end to report its final state. */
  step: z.enum(['trigger', 'poll', 'handoff', 'cancel']),
  runId: z.number().int().positive().optional(),
  runPageUrl: z.string().optional(),
  triggeredAt: z.string().datetime().optional(),
  /** When the sync got its turn on its dataset (at once, or after waiting in line): run-now's retry window counts from here. */
  turnTakenAt: z.string().datetime().optional(),
  polls: z.number().int().nonnegative().default(0),
  lastLifeCycleState: z.string().optional(),
  /** When d2s asked Databricks to cancel the run. */
  cancelRequestedAt: z.string().datetime().optional(),
});
export type ExportProgress = z.infer<typeof ExportProgress>;

export const ExportJobData = z.strictObject({
  request: SyncRequest,
  progress: ExportProgress.default({ step: 'trigger', polls: 0 }),
});
export type ExportJobData = z.infer<typeof ExportJobData>;

/** Fired by a Job Scheduler; the export worker turns it into a sync (the scheduler cannot set job ids). */
export const ScheduledSyncJobData = z.strictObject({
  scheduleId: z.string().min(1),
  dataset: z.string().min(1),
  /** Values may be templates over the firing time (`{{ ds }}`), rendered when the schedule fires. */
  parameters: z.record(z.string(), ParameterValue).default({}),
  /** The schedule's IANA time zone: templates are rendered in it. @defaultValue UTC */
  timeZone: z.string().optional(),
});
export type ScheduledSyncJobData = z.infer<typeof ScheduledSyncJobData>;

/** One change schema evolution made to a sync's target (see SchemaChange in sync-view). */
export const SchemaChangeData = z.strictObject({
  kind: z.enum(['add-column', 'widen', 'drop-column', 'retype']),
  column: z.string(),
  from: z.string().optional(),
  to: z.string().optional(),
});

export const ImportJobData = z.strictObject({
  request: SyncRequest,
  runId: z.number().int().positive(),
  runPageUrl: z.string().optional(),
  exportedAt: z.string().datetime(),
  /**
   * The verified load's report, saved before its files are removed (export.cleanup: after-load):
   * an attempt that finds it reports that load and only cleans up, since the files it would load
   * again may be gone.
   */
  verifiedLoad: z.record(z.string(), z.unknown()).optional(),
  /**
   * Schema changes an attempt is about to make, saved before its first ALTER: a retry after a crash finds
   * the target already changed (nothing left to do) and still reports what this sync changed.
   */
  schemaChanges: z.array(SchemaChangeData).optional(),
});
export type ImportJobData = z.infer<typeof ImportJobData>;

/**
 * Fired by the cleanup Job Scheduler (one per deployment, however many import workers): removes
 * the files of runs that ended more than `afterDays` ago, and of failed and canceled syncs.
 */
export const CleanupSweepJobData = z.strictObject({
  /** Only these datasets (a test, an operator); every dataset with a cleanup policy when absent. */
  datasets: z.array(z.string().min(1)).optional(),
});
export type CleanupSweepJobData = z.infer<typeof CleanupSweepJobData>;

export { MirrorScope };

/** Starts a mirror run (its job id is the run id), or, fired by a Job Scheduler, a run of its own. */
export const MirrorPlanJobData = z.strictObject({
  mirrorRunId: z.string().regex(/^[A-Za-z0-9_.-]{1,200}$/, 'letters, digits, _ . - (at most 200)'),
  scope: MirrorScope.default({}),
  origin: z.string().default('api'),
  /** Refresh tables that are otherwise up to date. @defaultValue false */
  includeRefresh: z.boolean().optional(),
  /** Allow a plan that drops more than mirror.maxDropShare of the mirrored tables. */
  force: z.boolean().optional(),
  /** The plan being applied: saved before the first action, so a retry applies the same plan. */
  plan: SavedMirrorPlan.optional(),
  /**
   * Set once the worker found the reviewed plan still holds, just before its first action: a retry after a
   * crash must not check again (its own actions changed the state), and a job that waited in the queue must.
   */
  reviewedPlanCheckedAt: z.string().optional(),
});
export type MirrorPlanJobData = z.infer<typeof MirrorPlanJobData>;

export const MirrorActionJobData = z.strictObject({
  mirrorRunId: z.string().min(1),
  /** One planned table action: names only; the worker rebuilds its SQL from its own config, so no secret is ever stored here. */
  action: TableActionSchema,
});
export type MirrorActionJobData = z.infer<typeof MirrorActionJobData>;

export const BackfillId = z.string().regex(/^backfill_[0-9a-f]{26}$/, 'a backfill id like backfill_0123…');

/**
 * One backfill: a sync per value of one parameter, at most `maxConcurrent` not ended at once. Its job id is
 * the backfill id; the job starts the next values as earlier ones end (a step job, parked in `delayed`
 * between looks) and saves each started sync before it goes on.
 */
export const BackfillJobData = z.strictObject({
  backfillId: BackfillId,
  dataset: z.string().min(1),
  /** The parameter each sync gets one value of. */
  parameter: z.string().min(1),
  from: z.string(),
  to: z.string(),
  step: z.string(),
  values: z.array(z.string()).min(1).max(1_000),
  /** The other parameters, the same for every sync. */
  parameters: z.record(z.string(), ParameterValue).default({}),
  maxConcurrent: z.number().int().min(1).max(100),
  requestedAt: z.string().datetime(),
  /** value → the sync started for it (each keyed `backfill:<id>:<value>`, so a repeat starts nothing new). */
  started: z.record(z.string(), SyncId).default({}),
});
export type BackfillJobData = z.infer<typeof BackfillJobData>;

/**
 * Something that ended, as other systems are told about it. `id` is derived from the event's identity (its
 * type and subject), so an event emitted twice (a retried job) is one event: it is the `webhook-id`.
 */
export const NotificationEvent = z.strictObject({
  id: z.string().regex(/^evt_[0-9a-f]{32}$/, 'an event id like evt_0123…'),
  type: z.enum(NOTIFICATION_EVENT_TYPES),
  /** When the thing ended (not when it is delivered). */
  timestamp: z.string().datetime(),
  /** Secret-free facts about it (ids, dataset, status, counts, error code and message). */
  data: z.record(z.string(), z.unknown()),
});
export type NotificationEvent = z.infer<typeof NotificationEvent>;

/** One event for one endpoint; the worker reads the endpoint's URL and secret from its own config. */
export const NotificationJobData = z.strictObject({
  endpoint: z.string().min(1),
  event: NotificationEvent,
});
export type NotificationJobData = z.infer<typeof NotificationJobData>;

interface JobDefinition<S extends z.ZodType = z.ZodType> {
  data: S;
  options: JobsOptions;
}

const retryWithBackoff = (attempts: number, delay: number): JobsOptions => ({
  attempts,
  backoff: { type: 'exponential', delay, jitter: 0.5 },
});

export const jobCatalog = {
  export: {
    'sync-export': { data: ExportJobData, options: retryWithBackoff(5, 5_000) },
    'sync-scheduled': { data: ScheduledSyncJobData, options: retryWithBackoff(5, 2_000) },
  },
  import: {
    'sync-import': { data: ImportJobData, options: retryWithBackoff(5, 5_000) },
    'cleanup-sweep': { data: CleanupSweepJobData, options: retryWithBackoff(3, 10_000) },
  },
  mirror: {
    'mirror-plan': { data: MirrorPlanJobData, options: retryWithBackoff(3, 5_000) },
    'mirror-action': { data: MirrorActionJobData, options: retryWithBackoff(3, 5_000) },
  },
  backfill: {
    'backfill-run': { data: BackfillJobData, options: retryWithBackoff(10, 2_000) },
  },
  /** Outgoing webhooks; attempts and backoff are overridden from notifications.attempts / backoffMs. */
  notify: {
    'notification-deliver': { data: NotificationJobData, options: retryWithBackoff(8, 5_000) },
  },
} as const satisfies Record<string, Record<string, JobDefinition>>;

export type JobCatalog = typeof jobCatalog;
export type QueueName = keyof JobCatalog;
export type JobName<Q extends QueueName> = keyof JobCatalog[Q] & string;
export type JobData<Q extends QueueName, N extends JobName<Q>> = z.infer<
  JobCatalog[Q][N] extends JobDefinition<infer S> ? S : never
>;

export const QUEUE_NAMES = Object.keys(jobCatalog) as QueueName[];

function definitionOf<Q extends QueueName, N extends JobName<Q>>(queue: Q, name: N): JobDefinition {
  const definition = (jobCatalog[queue] as Record<string, JobDefinition | undefined>)[name];
  if (!definition) throw new JobDataError(`Queue "${queue}" has no job named "${name}"`, { details: { queue, name } });
  return definition;
}

/** Validates job data against the catalog; throws a JobDataError naming each bad field. */
export function parseJobData<Q extends QueueName, N extends JobName<Q>>(
  queue: Q,
  name: N,
  data: unknown,
): JobData<Q, N> {
  const result = definitionOf(queue, name).data.safeParse(data);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new JobDataError(`Invalid data for ${queue}/${name}: ${issues.join('; ')}`, {
      details: { queue, name, issues },
    });
  }
  return result.data as JobData<Q, N>;
}

/** The job options a job of this kind gets unless the caller overrides them. */
export function defaultJobOptions<Q extends QueueName, N extends JobName<Q>>(
  queue: Q,
  name: N,
  retentionSeconds: number,
): JobsOptions {
  return {
    ...definitionOf(queue, name).options,
    // Finished jobs are the sync's status record; keep them for the retention period, bounded in count.
    removeOnComplete: { age: retentionSeconds, count: 100_000 },
    removeOnFail: { age: retentionSeconds, count: 100_000 },
  };
}
