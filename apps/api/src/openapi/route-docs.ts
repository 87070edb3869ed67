import { MirrorScope, ScheduleId, ScheduleSpec, SYNC_STATES } from '@d2s/shared';
import { z } from 'zod';
import { CreateSyncBody, ListSyncsQuery, SyncParams } from '../schemas.js';

/** What the OpenAPI document says about one route; request schemas are the same zod schemas the route validates with. */
export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Fastify-style path, e.g. `/v1/syncs/:id`. */
  url: string;
  summary: string;
  tag: 'syncs' | 'datasets' | 'schedules' | 'mirror' | 'health' | 'metrics';
  /** False for the unauthenticated routes. @defaultValue true */
  auth?: boolean;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  headers?: Record<string, { description: string; schema: z.ZodType }>;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable, machine-readable code, e.g. UNKNOWN_DATASET'),
      message: z.string(),
      details: z.unknown().optional(),
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
        mode: z.enum(['append', 'replace']).optional(),
        stagePath: z.string().optional(),
        files: z.array(LoadFile).optional(),
        rowsLoaded: z.number().optional(),
        targetRowCount: z.number().optional(),
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
    deduplicated: z.enum(['idempotency-key', 'already-active']).optional(),
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
    parameters: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Dataset' });

const MirrorPlanBody = z.object({ scope: MirrorScope.optional(), includeRefresh: z.boolean().optional() });
const AnyObject = z.record(z.string(), z.unknown());
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [c, { description: ERROR_TEXT[c] ?? 'Error', schema: ErrorBodySchema }]));
const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request: the details name each bad field',
  401: 'Missing or wrong bearer token',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Body too large',
  415: 'Not JSON',
  422: 'Idempotency-Key reused for a different request',
  502: 'Databricks or Snowflake refused or failed',
  503: 'Redis (or an upstream) unavailable',
};
const idempotencyHeader = {
  'Idempotency-Key': {
    description: 'Repeating a request with the same key returns the same result',
    schema: z.string().max(255),
  },
};

export const ROUTE_DOCS: RouteDoc[] = [
  {
    method: 'post',
    url: '/v1/syncs',
    summary: 'Request a sync of a configured dataset',
    tag: 'syncs',
    body: CreateSyncBody,
    headers: idempotencyHeader,
    responses: {
      202: { description: 'Sync created', schema: SyncViewSchema },
      200: {
        description: 'An existing sync (same Idempotency-Key, or one already active for the dataset)',
        schema: SyncViewSchema,
      },
      ...errors(400, 401, 413, 415, 422, 503),
    },
  },
  {
    method: 'get',
    url: '/v1/syncs',
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
    summary: 'A sync’s status, run link, per-file results, timings and error',
    tag: 'syncs',
    params: SyncParams,
    responses: { 200: { description: 'The sync', schema: SyncViewSchema }, ...errors(400, 401, 404, 503) },
  },
  {
    method: 'get',
    url: '/v1/syncs/:id/events',
    summary: 'Server-Sent Events: `stage` and `status` events until the sync ends',
    tag: 'syncs',
    params: SyncParams,
    responses: {
      200: { description: 'An event stream', contentType: 'text/event-stream', schema: z.string() },
      ...errors(400, 401, 404),
    },
  },
  {
    method: 'post',
    url: '/v1/syncs/:id/cancel',
    summary: 'Cancel a sync wherever it is (cancels the Databricks run or the COPY)',
    tag: 'syncs',
    params: SyncParams,
    responses: { 202: { description: 'Cancel requested', schema: SyncViewSchema }, ...errors(400, 401, 404, 409) },
  },
  {
    method: 'post',
    url: '/v1/syncs/:id/retry',
    summary: 'Retry a failed or canceled sync as a new attempt',
    tag: 'syncs',
    params: SyncParams,
    responses: { 202: { description: 'The new sync', schema: SyncViewSchema }, ...errors(400, 401, 404, 409) },
  },
  {
    method: 'get',
    url: '/v1/datasets',
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
    summary: 'Create or replace a schedule (BullMQ Job Scheduler)',
    tag: 'schedules',
    params: z.object({ id: ScheduleId }),
    body: ScheduleSpec,
    responses: { 200: { description: 'The schedule', schema: ScheduleViewSchema }, ...errors(400, 401) },
  },
  {
    method: 'get',
    url: '/v1/schedules',
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
    summary: 'One schedule',
    tag: 'schedules',
    params: z.object({ id: ScheduleId }),
    responses: { 200: { description: 'The schedule', schema: ScheduleViewSchema }, ...errors(400, 401, 404) },
  },
  {
    method: 'delete',
    url: '/v1/schedules/:id',
    summary: 'Remove a schedule',
    tag: 'schedules',
    params: z.object({ id: ScheduleId }),
    responses: { 204: { description: 'Removed' }, ...errors(400, 401, 404) },
  },
  {
    method: 'post',
    url: '/v1/mirror/plan',
    summary: 'Dry run: what a mirror run would do, with its SQL (secrets masked)',
    tag: 'mirror',
    query: z.object({ format: z.enum(['json', 'sql']).optional() }),
    body: MirrorPlanBody,
    responses: {
      200: { description: 'The plan (JSON), or a reviewable .sql file with format=sql', schema: AnyObject },
      ...errors(400, 401, 502, 503),
    },
  },
  {
    method: 'post',
    url: '/v1/mirror/runs',
    summary: 'Plan and apply: integrations first, then one job per table',
    tag: 'mirror',
    body: MirrorPlanBody,
    headers: idempotencyHeader,
    responses: { 202: { description: 'The run', schema: AnyObject }, ...errors(400, 401, 503) },
  },
  {
    method: 'get',
    url: '/v1/mirror/runs/:id',
    summary: 'A mirror run’s progress and per-action results',
    tag: 'mirror',
    params: z.object({ id: z.string() }),
    responses: { 200: { description: 'The run', schema: AnyObject }, ...errors(400, 401, 404) },
  },
  {
    method: 'get',
    url: '/v1/mirror/tables',
    summary: 'Mirror state per table (Unity Catalog name and id, Snowflake name, status, last action, last error)',
    tag: 'mirror',
    responses: { 200: { description: 'Tables', schema: z.object({ items: z.array(AnyObject) }) }, ...errors(401) },
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
    summary: 'Ready to serve: config loaded and Redis answering',
    tag: 'health',
    auth: false,
    responses: {
      200: { description: 'Ready', schema: AnyObject },
      503: { description: 'Not ready', schema: AnyObject },
    },
  },
  {
    method: 'get',
    url: '/metrics',
    summary: 'Prometheus metrics',
    tag: 'metrics',
    responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain', schema: z.string() } },
  },
];
