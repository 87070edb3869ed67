import { type ApiScope, BackfillSpec, MirrorScope, ScheduleId, ScheduleSpec, SYNC_STATES } from '@d2s/shared';
import { BackfillParams } from '../routes/backfills.js';
import { ListDeliveriesQuery } from '../routes/notifications.js';
import { MirrorTagsBody } from '../routes/mirror.js';
import { z } from 'zod';
import { JobNotificationAnswer, JobNotificationBody } from '../routes/databricks-hooks.js';
import { WebhookSetupAnswer, WebhookSetupBody } from '../routes/webhook-setup.js';
import { CreateSyncBody, ListSyncsQuery, SyncParams } from '../schemas.js';
import { MIRROR_TABLE_STATUSES, MirrorTablesQuery } from '../mirror-tables-page.js';

/** What the OpenAPI document says about one route; request schemas are the same zod schemas the route validates with. */
export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Fastify-style path, e.g. `/v1/syncs/:id`. */
  url: string;
  summary: string;
  tag: 'syncs' | 'datasets' | 'schedules' | 'backfills' | 'mirror' | 'hooks' | 'notifications' | 'health' | 'metrics';
  /** False for the unauthenticated routes. @defaultValue true */
  auth?: boolean;
  /** The token scope the route needs (authenticated routes). */
  scope?: ApiScope;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  headers?: Record<string, { description: string; schema: z.ZodType }>;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

const DeliverySchema = z
  .object({
    id: z.string().describe('<endpoint>-<event id>: one delivery per event and endpoint'),
    endpoint: z.string(),
    event: z.object({
      id: z.string().describe('The webhook-id header: the same on every attempt'),
      type: z.enum(['sync.succeeded', 'sync.failed', 'sync.canceled', 'mirror.run.finished', 'backfill.finished']),
      timestamp: z.string(),
    }),
    status: z.enum(['pending', 'delivering', 'retrying', 'delivered', 'failed']),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    httpStatus: z.number().int().optional(),
    lastError: z.object({ code: z.string(), message: z.string() }).optional(),
    queuedAt: z.string(),
    deliveredAt: z.string().optional(),
    failedAt: z.string().optional(),
    nextAttemptAt: z.string().optional(),
  })
  .meta({ id: 'NotificationDelivery' });

const DeliveryListSchema = z.object({ items: z.array(DeliverySchema) }).meta({ id: 'NotificationDeliveryList' });

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable, machine-readable code, e.g. UNKNOWN_DATASET'),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string().describe('The x-request-id of the answer, for support and log searches'),
    }),
  })
  .meta({ id: 'Error' });

const LoadFile = z.object({
  file: z.string(),
  status: z.string().describe('LOADED, LOAD_FAILED, PARTIALLY_LOADED …'),
  rowsParsed: z.number(),
  rowsLoaded: z.number(),
  errorsSeen: z.number(),
  firstError: z.string().nullable(),
  previouslyLoaded: z.boolean().optional(),
});

export const SyncViewSchema = z
  .object({
    id: z.string(),
    dataset: z.string(),
    parameters: z.record(z.string(), z.unknown()),
    status: z.enum(SYNC_STATES),
    origin: z.string(),
    retryOf: z.string().optional(),
    queue: z
      .object({
        behind: z.string().describe('The sync right before this one: the running one, or one waiting itself'),
        ahead: z.number().describe('How many syncs are before this one, the running one included'),
      })
      .optional()
      .describe('While a sync of an `onBusy: queue` dataset waits for its turn'),
    cancelRequested: z.boolean(),
    outputUrl: z.string(),
    databricks: z.object({
      runId: z.number().optional(),
      runPageUrl: z.string().optional(),
      lifeCycleState: z.string().optional(),
      resultState: z.string().optional(),
    }),
    load: z
      .object({
        mode: z.enum(['append', 'replace', 'merge']).optional(),
        stagePath: z.string().optional(),
        files: z.array(LoadFile).optional(),
        rowsLoaded: z.number().optional(),
        targetRowCount: z.number().optional(),
        merge: z
          .object({
            rowsStaged: z.number(),
            distinctKeys: z.number(),
            inserted: z.number(),
            updated: z.number(),
            deleted: z.number(),
            unchanged: z.number(),
            appliedNow: z.boolean().describe('false when an earlier attempt of the sync had applied the MERGE'),
          })
          .optional()
          .describe('merge mode: what the MERGE did; inserted + updated + deleted + unchanged = distinctKeys'),
        cleanup: z
          .object({
            policy: z.enum(['keep', 'after-load', 'after-days']),
            status: z
              .enum(['removed', 'kept', 'failed'])
              .describe('failed never fails the sync: the files stay and the next sweep removes them'),
            filesRemoved: z.number(),
            removeAfter: z.string().optional().describe('after-days: from when the sweep may remove the files'),
            error: z.object({ code: z.string(), message: z.string() }).optional(),
          })
          .optional()
          .describe("What became of the run's files once the load verified (the dataset's export.cleanup)"),
        queryIds: z.array(z.string()).optional(),
      })
      .nullable(),
    timings: z.object({
      createdAt: z.string(),
      exportStartedAt: z.string().optional(),
      exportFinishedAt: z.string().optional(),
      importStartedAt: z.string().optional(),
      finishedAt: z.string().optional(),
      durationsMs: z.record(z.string(), z.number()),
    }),
    error: z
      .object({
        code: z.string(),
        message: z.string(),
        stage: z.enum(['export', 'import']),
        details: z.record(z.string(), z.unknown()),
        /** Databricks tasks that did not succeed: result state, error and the first lines of the trace. */
        failedTasks: z
          .array(
            z.object({
              taskKey: z.string(),
              taskRunId: z.number().optional(),
              resultState: z.string(),
              terminationCode: z.string().optional(),
              message: z.string().optional(),
              error: z.string().optional(),
              errorTraceHead: z.array(z.string()).optional(),
              errorTraceTruncated: z.boolean().optional(),
            }),
          )
          .optional(),
        /** What to do about it, e.g. the permission to grant. */
        hint: z.string().optional(),
      })
      .nullable(),
    links: z.record(z.string(), z.string()),
    deduplicated: z
      .enum(['idempotency-key', 'already-active', 'already-queued', 'already-retried'])
      .optional()
      .describe(
        'Set when the answer is an existing sync: the Idempotency-Key names it, an identical request is running ' +
          '(or waiting for its turn), or this failed sync was retried before',
      ),
  })
  .meta({ id: 'Sync' });

const ScheduleViewSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['sync', 'mirror']),
    dataset: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    cron: z.string().optional(),
    every: z.number().optional(),
    tz: z.string(),
    next: z.string().nullable(),
    iterations: z.number(),
  })
  .meta({ id: 'Schedule' });

const DatasetSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    loadMode: z.enum(['append', 'replace']),
    target: z.string(),
    singleActive: z.boolean(),
    onBusy: z
      .enum(['reject', 'queue'])
      .describe('A request that differs from the running sync: refused with 409 DATASET_BUSY, or queued behind it'),
    parameters: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Dataset' });

const BACKFILL_ITEM_STATES = ['pending', ...SYNC_STATES] as const;
const BackfillViewSchema = z
  .object({
    id: z.string().describe('Derived from the request: the same request names the same backfill'),
    dataset: z.string(),
    parameter: z.string(),
    from: z.string(),
    to: z.string(),
    step: z.string(),
    maxConcurrent: z.number(),
    parameters: z.record(z.string(), z.unknown()),
    status: z.enum(['running', 'canceling', 'succeeded', 'failed', 'canceled']),
    counts: z.record(z.enum(BACKFILL_ITEM_STATES), z.number()),
    items: z.array(
      z.object({
        value: z.string(),
        status: z.enum(BACKFILL_ITEM_STATES).describe('`pending` until its sync is started'),
        syncId: z.string().optional(),
        links: z.object({ sync: z.string() }).optional(),
      }),
    ),
    createdAt: z.string(),
    finishedAt: z.string().optional(),
    links: z.record(z.string(), z.string()),
    deduplicated: z.literal('same-request').optional().describe('Set when the same backfill was requested before'),
  })
  .meta({ id: 'Backfill' });

const MirrorPlanBody = z.object({
  scope: MirrorScope.optional(),
  includeRefresh: z.boolean().optional(),
  force: z.boolean().optional(),
});
const MirrorRunBody = MirrorPlanBody.extend({ planId: z.string().optional() });
const AnyObject = z.record(z.string(), z.unknown());
const DoctorCheckSchema = z.object({
  id: z.string().describe('Stable and dotted, e.g. databricks.job.shared_forecasts.can-manage-run'),
  status: z.enum(['ok', 'warn', 'fail', 'skip']),
  message: z.string().describe('What was found, on one line; never a secret'),
  hint: z.string().optional().describe('What to do about a warn or fail'),
});

const DoctorReportSchema = z
  .object({
    status: z.enum(['ok', 'warn', 'fail']),
    summary: z.object({ ok: z.number(), warn: z.number(), fail: z.number(), skip: z.number() }),
    checks: z.array(DoctorCheckSchema),
  })
  .meta({ id: 'DoctorReport' });

const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [c, { description: ERROR_TEXT[c] ?? 'Error', schema: ErrorBodySchema }]));
const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request: the details name each bad field',
  401: 'Missing or wrong bearer token',
  403: 'The token lacks the scope this route needs (INSUFFICIENT_SCOPE)',
  404: 'Not found',
  409: 'Conflict with the current state',
  429: 'Too many requests for this token: wait for Retry-After seconds',
  413: 'Body too large',
  415: 'Not JSON',
  422: 'Idempotency-Key reused for a different request',
  502: 'Databricks or Snowflake refused or failed',
  503: 'Redis (or an upstream) unavailable',
};
const idempotencyHeader = {
  'Idempotency-Key': {
    description:
      'Names exactly one sync (or run) for the retention period: repeating the request with the key answers 200 ' +
      'with that one, even after it ended; the key with another request body is refused with 422',
    schema: z.string().max(255),
  },
};

export const ROUTE_DOCS: RouteDoc[] = [
  {
    method: 'post',
    url: '/v1/syncs',
    scope: 'sync',
    summary: 'Request a sync of a configured dataset',
    tag: 'syncs',
    body: CreateSyncBody,
    headers: idempotencyHeader,
    responses: {
      202: {
        description:
          'Sync created; on an `onBusy: queue` dataset that is busy it is `queued` and its `queue.behind` names ' +
          'the sync it waits for (first come, first served)',
        schema: SyncViewSchema,
      },
      200: {
        description:
          'An existing sync, with `deduplicated` saying why: the Idempotency-Key names it, or an identical request ' +
          '(same dataset, same parameters once defaults are filled) is running or queued on a single-active dataset',
        schema: SyncViewSchema,
      },
      409: {
        description:
          'DATASET_BUSY: a single-active dataset with `onBusy: reject` (the default) is running a sync of another ' +
          'request; `details.links.activeSync` links to it. Nothing was queued: try again once it has ended.',
        schema: ErrorBodySchema,
      },
      ...errors(400, 401, 413, 415, 422, 503),
    },
  },
  {
    method: 'get',
    url: '/v1/syncs',
    scope: 'read',
    summary: 'List syncs, newest first',
    tag: 'syncs',
    query: ListSyncsQuery,
    responses: {
      200: {
        description: 'A page of syncs',
        schema: z.object({ items: z.array(SyncViewSchema), nextCursor: z.string().nullable() }),
      },
      ...errors(400, 401, 503),
    },
  },
  {
    method: 'get',
    url: '/v1/syncs/:id',
    scope: 'read',
    summary: 'A sync’s status, run link, per-file results, timings and error',
    tag: 'syncs',
    params: SyncParams,
    headers: {
      'If-None-Match': {
        description: 'The ETag of the status the client has: answered 304 while it is still current',
        schema: z.string().max(500),
      },
    },
    responses: {
      200: { description: 'The sync, with an ETag', schema: SyncViewSchema },
      304: { description: 'Not modified since the ETag sent in If-None-Match' },
      ...errors(400, 401, 404, 503),
    },
  },
  {
    method: 'get',
    url: '/v1/syncs/:id/events',
    scope: 'read',
    summary: 'Server-Sent Events: `stage` and `status` events until the sync ends, then `end`',
    tag: 'syncs',
    params: SyncParams,
    headers: {
      'Last-Event-ID': {
        description:
          'The id of the last event a reconnecting client received (EventSource sends it by itself): ' +
          'the stream then sends only what it missed. Ids are stable for a sync: `<stage>.<status digest>[.end]`',
        schema: z.string().max(200),
      },
    },
    responses: {
      200: {
        description:
          'An event stream: `retry:` first, a `stage` event per stage reached, a `status` event whenever the ' +
          'status changes, and `end` once the sync has ended, after which the server closes the stream',
        contentType: 'text/event-stream',
        schema: z.string(),
      },
      204: { description: 'The sync has ended and the client has seen its end: nothing more (EventSource stops)' },
      ...errors(400, 401, 404),
    },
  },
  {
    method: 'post',
    url: '/v1/syncs/:id/events/token',
    summary: 'A short-lived token that opens this sync’s event stream, for a browser’s EventSource',
    tag: 'syncs',
    scope: 'read',
    params: SyncParams,
    responses: {
      201: {
        description:
          'The token and the stream URL to give EventSource (`?stream_token=`); it opens only this sync’s ' +
          'events, until `expiresAt`, so the API token never sits in a URL',
        schema: z.object({ token: z.string(), expiresAt: z.string(), url: z.string() }),
      },
      ...errors(400, 401, 403, 404),
    },
  },
  {
    method: 'post',
    url: '/v1/syncs/:id/cancel',
    scope: 'sync',
    summary: 'Cancel a sync wherever it is (cancels the Databricks run or the COPY)',
    tag: 'syncs',
    params: SyncParams,
    responses: { 202: { description: 'Cancel requested', schema: SyncViewSchema }, ...errors(400, 401, 404, 409) },
  },
  {
    method: 'post',
    url: '/v1/syncs/:id/retry',
    scope: 'sync',
    summary: 'Retry a failed or canceled sync as a new attempt',
    tag: 'syncs',
    params: SyncParams,
    headers: idempotencyHeader,
    responses: {
      202: { description: 'The new sync', schema: SyncViewSchema },
      200: {
        description:
          'The sync this one was retried as before (`deduplicated: already-retried`), or the one the key names',
        schema: SyncViewSchema,
      },
      ...errors(400, 401, 404, 409, 422),
    },
  },
  {
    method: 'get',
    url: '/v1/datasets',
    scope: 'read',
    summary: 'The configured datasets and the parameters a request may set',
    tag: 'datasets',
    responses: {
      200: { description: 'Datasets', schema: z.object({ items: z.array(DatasetSchema) }) },
      ...errors(401),
    },
  },
  {
    method: 'put',
    url: '/v1/schedules/:id',
    scope: 'admin',
    summary: 'Create or replace a schedule (BullMQ Job Scheduler)',
    tag: 'schedules',
    params: z.object({ id: ScheduleId }),
    body: ScheduleSpec,
    responses: {
      200: { description: 'The schedule', schema: ScheduleViewSchema },
      400: {
        description:
          'Invalid schedule; SCHEDULE_TOO_FREQUENT when it would fire more often than api.schedules.minIntervalMs ' +
          '(default one minute); INVALID_PARAMETER_TEMPLATE when a `{{ … }}` parameter template does not parse ' +
          '(`details.parameter`, `details.position`: 0-based offset in its text)',
        schema: ErrorBodySchema,
      },
      ...errors(401, 403),
    },
  },
  {
    method: 'get',
    url: '/v1/schedules',
    scope: 'read',
    summary: 'List schedules',
    tag: 'schedules',
    responses: {
      200: { description: 'Schedules', schema: z.object({ items: z.array(ScheduleViewSchema) }) },
      ...errors(401),
    },
  },
  {
    method: 'get',
    url: '/v1/schedules/:id',
    scope: 'read',
    summary: 'One schedule',
    tag: 'schedules',
    params: z.object({ id: ScheduleId }),
    responses: { 200: { description: 'The schedule', schema: ScheduleViewSchema }, ...errors(400, 401, 404) },
  },
  {
    method: 'delete',
    url: '/v1/schedules/:id',
    scope: 'admin',
    summary: 'Remove a schedule',
    tag: 'schedules',
    params: z.object({ id: ScheduleId }),
    responses: { 204: { description: 'Removed' }, ...errors(400, 401, 404) },
  },
  {
    method: 'post',
    url: '/v1/backfills',
    scope: 'sync',
    summary: 'Backfill: one sync per date of a date parameter, at most maxConcurrent at once',
    tag: 'backfills',
    body: BackfillSpec,
    responses: {
      202: { description: 'The backfill, started', schema: BackfillViewSchema },
      200: {
        description:
          'The same request was made before: that backfill (`deduplicated: same-request`); nothing is added. ' +
          'Each value’s sync has its own idempotency key (`backfill:<id>:<value>`)',
        schema: BackfillViewSchema,
      },
      ...errors(400, 401, 403, 503),
    },
  },
  {
    method: 'get',
    url: '/v1/backfills/:id',
    scope: 'read',
    summary: 'A backfill with the status of each value',
    tag: 'backfills',
    params: BackfillParams,
    responses: { 200: { description: 'The backfill', schema: BackfillViewSchema }, ...errors(400, 401, 404) },
  },
  {
    method: 'get',
    url: '/v1/notifications/deliveries',
    scope: 'admin',
    summary: 'Outgoing webhooks (notifications.endpoints): each delivery with its status, attempts and last error',
    tag: 'notifications',
    query: ListDeliveriesQuery,
    responses: {
      200: { description: 'Deliveries, newest first', schema: DeliveryListSchema },
      ...errors(400, 401, 403),
    },
  },
  {
    method: 'post',
    url: '/v1/backfills/:id/cancel',
    scope: 'sync',
    summary: 'Cancel the rest of a backfill: values not started never start, running syncs are canceled',
    tag: 'backfills',
    params: BackfillParams,
    responses: {
      202: { description: 'Cancel requested', schema: BackfillViewSchema },
      ...errors(400, 401, 404, 409),
    },
  },
  {
    method: 'delete',
    url: '/v1/backfills/:id',
    scope: 'sync',
    summary: 'Cancel the rest of a backfill (the same as POST …/cancel)',
    tag: 'backfills',
    params: BackfillParams,
    responses: {
      202: { description: 'Cancel requested', schema: BackfillViewSchema },
      ...errors(400, 401, 404, 409),
    },
  },
  {
    method: 'post',
    url: '/v1/mirror/plan',
    scope: 'mirror',
    summary: 'Dry run: what a mirror run would do, with its SQL (secrets masked); saved for review under its id',
    tag: 'mirror',
    query: z.object({
      format: z.enum(['json', 'sql']).optional(),
      only: z.enum(['integrations', 'tables']).optional(),
      offline: z.enum(['true', 'false']).optional(),
    }),
    body: MirrorPlanBody,
    responses: {
      200: {
        description:
          'The plan (JSON, with `id`, `fingerprint` and `expiresAt`), or a .sql file with format=sql. `only` filters ' +
          'it to one kind (no id); `offline=true` plans from Unity Catalog alone and, as SQL, is runnable DDL with the ' +
          'OAuth secret as the client-side variable &{d2s_oauth_client_secret}',
        schema: AnyObject,
      },
      409: {
        description: 'MIRROR_DROP_LIMIT: the plan would drop more than mirror.maxDropShare of the mirrored tables',
        schema: ErrorBodySchema,
      },
      ...errors(400, 401, 502, 503),
    },
  },
  {
    method: 'post',
    url: '/v1/mirror/runs',
    scope: 'mirror',
    summary: 'Plan and apply (or apply exactly the reviewed plan `planId`): integrations first, then one job per table',
    tag: 'mirror',
    body: MirrorRunBody,
    headers: idempotencyHeader,
    responses: {
      202: { description: 'The run, started', schema: AnyObject },
      200: {
        description: 'The run the Idempotency-Key names (`deduplicated: idempotency-key`), running or ended',
        schema: AnyObject,
      },
      409: {
        description:
          'MIRROR_RUN_ACTIVE: another run is planning or applying (two applies never run at once); ' +
          '`details.links.activeRun` links to it. PLAN_STALE: Unity Catalog, Snowflake or the settings changed since ' +
          'the plan `planId` was computed (`details.changes`, `details.actions`). MIRROR_DROP_LIMIT. Nothing was started.',
        schema: ErrorBodySchema,
      },
      404: { description: 'PLAN_NOT_FOUND: no plan has this id', schema: ErrorBodySchema },
      410: { description: 'PLAN_EXPIRED: the plan is older than mirror.planTtlSeconds', schema: ErrorBodySchema },
      ...errors(400, 401, 422, 503),
    },
  },
  {
    method: 'post',
    url: '/v1/mirror/tags',
    scope: 'mirror',
    summary:
      "Write the discovery tag (mirror.tags.sync = 'true') onto every eligible Unity Catalog table and remove it where a table is no longer eligible; never overwrites a user's opt-out",
    tag: 'mirror',
    body: MirrorTagsBody,
    responses: {
      200: {
        description:
          'The changes, read like a plan: `changes[]` with `kind` add, update, remove, unchanged or opted-out per table ' +
          '(and, unless `dryRun`, `status` applied, failed or skipped with `error`), `summary` counts and `stats`. ' +
          'A table whose write fails (APPLY TAG missing) is reported as failed; the others are written',
        schema: AnyObject,
      },
      ...errors(400, 401, 502, 503),
    },
  },
  {
    method: 'get',
    url: '/v1/mirror/runs/:id',
    scope: 'read',
    summary: 'A mirror run’s progress and per-action results',
    tag: 'mirror',
    params: z.object({ id: z.string() }),
    responses: { 200: { description: 'The run', schema: AnyObject }, ...errors(400, 401, 404) },
  },
  {
    method: 'get',
    url: '/v1/mirror/tables',
    scope: 'read',
    summary:
      'Mirror state per table (Unity Catalog name and id, Snowflake name, status, last action, last error); search, filter by status, and pages in a stable order (Unity Catalog name, then table id) when `limit` is given, every match at once without it',
    tag: 'mirror',
    query: MirrorTablesQuery,
    responses: {
      200: {
        description: 'Tables',
        schema: z.object({
          items: z.array(AnyObject),
          total: z.number().int().describe('Tables matching search and status, over all pages'),
          counts: z
            .record(z.enum(MIRROR_TABLE_STATUSES), z.number().int())
            .describe('Tables matching the search, by status (ignoring the status filter)'),
          nextCursor: z
            .string()
            .nullable()
            .describe('Pass as `cursor` (with the same query) for the next page; null on the last'),
        }),
      },
      400: {
        description:
          'A bad query (unknown status, limit out of 1–500, a cursor not from this API, cursor without limit)',
        schema: ErrorBodySchema,
      },
      ...errors(401),
    },
  },
  {
    method: 'post',
    url: '/v1/hooks/databricks',
    summary:
      'Job notifications from a Databricks generic webhook destination (HTTP Basic with databricks.webhook credentials, not an API token): a run that ended wakes its sync at once',
    tag: 'hooks',
    auth: false,
    body: JobNotificationBody,
    responses: {
      200: { description: 'Received; `outcome` says what it did', schema: JobNotificationAnswer },
      400: { description: 'Not the documented payload', schema: ErrorBodySchema },
      401: { description: 'Missing or wrong webhook credentials', schema: ErrorBodySchema },
      ...errors(415, 503),
    },
  },
  {
    method: 'post',
    url: '/v1/hooks/databricks/setup',
    scope: 'admin',
    summary:
      'Creates d2s’s generic webhook notification destination in Databricks and attaches it to every dataset’s job (on_success, on_failure); idempotent',
    tag: 'hooks',
    body: WebhookSetupBody,
    responses: {
      200: {
        description: 'The destination and, per job, whether it was attached now or already',
        schema: WebhookSetupAnswer,
      },
      409: {
        description: 'WEBHOOK_EVENT_FULL: a job already lists three destinations for an event',
        schema: ErrorBodySchema,
      },
      ...errors(400, 401, 403, 502),
    },
  },
  {
    method: 'get',
    url: '/healthz',
    summary: 'The process is up',
    tag: 'health',
    auth: false,
    responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }) } },
  },
  {
    method: 'get',
    url: '/readyz',
    summary: 'Ready to serve: config loaded and Redis answering (why not goes to the log, not the answer)',
    tag: 'health',
    auth: false,
    responses: {
      200: { description: 'Ready', schema: z.object({ status: z.literal('ready') }) },
      503: { description: 'Not ready', schema: z.object({ status: z.literal('not-ready') }) },
    },
  },
  {
    method: 'get',
    url: '/v1/doctor',
    scope: 'admin',
    summary:
      'Preflight (d2s doctor): Redis, Databricks and Snowflake checked as d2s will use them, each with a fix hint',
    tag: 'health',
    responses: {
      200: { description: 'The report; status fail when any check failed', schema: DoctorReportSchema },
      ...errors(401, 403),
    },
  },
  {
    method: 'get',
    url: '/metrics',
    scope: 'admin',
    summary: 'Prometheus metrics',
    tag: 'metrics',
    responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain', schema: z.string() } },
  },
];
