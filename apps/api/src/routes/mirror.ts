import {
  ConfigError,
  D2sError,
  MIRROR_RUN_ID,
  MirrorNotConfiguredError,
  MutexTimeoutError,
  type MirrorRunView,
  filterPlan,
  MIRROR_PLAN_ID,
  MirrorScope,
  type MirrorService,
  offlinePlanSql,
  planToSql,
  RequestError,
} from '@d2s/shared';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseOr400 } from '../http-errors.js';
import { MirrorTablesQuery, pageMirrorTables } from '../mirror-tables-page.js';
import { idempotencyKeyOf } from '../schemas.js';

export interface MirrorRoutesDeps {
  /** Plans (in this process: needs Databricks and Snowflake clients), runs (the mirror queue), table state (Redis). */
  mirror: MirrorService;
}

const PlanBody = z.strictObject({
  scope: MirrorScope.optional(),
  /** Refresh tables that are otherwise up to date. @defaultValue false */
  includeRefresh: z.boolean().optional(),
  /** Allow a plan that drops more than mirror.maxDropShare of the mirrored tables. */
  force: z.boolean().optional(),
});

const RunBody = PlanBody.extend({
  /** Apply exactly this reviewed plan (the id POST /v1/mirror/plan returned); refused as PLAN_STALE if the state changed. */
  planId: z.string().regex(MIRROR_PLAN_ID, 'a plan id like plan_01J…').optional(),
}).refine(
  (b) => b.planId === undefined || (b.scope === undefined && b.includeRefresh === undefined && b.force === undefined),
  {
    message: 'planId applies the reviewed plan as it is: give no scope, includeRefresh or force with it',
    path: ['planId'],
  },
);

/** POST /v1/mirror/tags: which catalogs (or schemas) to tag, and whether only to say what would change. */
export const MirrorTagsBody = z.strictObject({
  scope: MirrorScope.optional(),
  /** Read only: the changes that would be written. @defaultValue false */
  dryRun: z.boolean().optional(),
});

const PlanQuery = z.strictObject({
  format: z.enum(['json', 'sql']).default('json'),
  /** Only the integrations, or only the schemas and tables (a view: no plan id). */
  only: z.enum(['integrations', 'tables']).optional(),
  /** From Unity Catalog alone, without Snowflake: runnable idempotent DDL (format=sql) with the secret as a client-side variable. */
  offline: z.enum(['true', 'false']).default('false'),
});
const RunParams = z.strictObject({ id: z.string().regex(MIRROR_RUN_ID, 'a mirror run id') });

function withLinks(run: MirrorRunView) {
  return { ...run, links: { self: `/v1/mirror/runs/${run.id}`, tables: '/v1/mirror/tables' } };
}

/**
 * The mirror API: dry-run plans (JSON, or a reviewable .sql file with secrets
 * masked), runs (plan + apply on the mirror queue), run status derived from
 * the jobs, and per-table mirror state. Auth comes from the enclosing scope.
 */
export async function mirrorRoutes(app: FastifyInstance, deps: MirrorRoutesDeps): Promise<void> {
  const { mirror } = deps;

  app.post('/v1/mirror/plan', { config: { scope: 'mirror' } }, async (request, reply) => {
    const query = parseOr400(PlanQuery, request.query ?? {}, 'query');
    const body = parseOr400(PlanBody, request.body ?? {}, 'body');
    const asked = { scope: body.scope, includeRefresh: body.includeRefresh, force: body.force };
    const offline = query.offline === 'true';
    // A full plan is saved for review (its id applies it exactly); an offline or filtered one is a view.
    let plan = await upstream(() =>
      offline ? mirror.offlinePlan(asked) : query.only ? mirror.plan(asked) : mirror.reviewPlan(asked),
    );
    if (query.only) plan = filterPlan(plan, query.only);
    request.log.info({ summary: plan.summary, stats: plan.stats, planId: plan.id, offline }, 'mirror plan computed');
    if (query.format === 'sql') {
      return reply
        .type('text/plain; charset=utf-8')
        .header('content-disposition', 'attachment; filename="d2s-mirror-plan.sql"')
        .send(offline ? offlinePlanSql(plan, mirror.settings()) : planToSql(plan));
    }
    return plan;
  });

  app.post('/v1/mirror/runs', { config: { scope: 'mirror' } }, async (request, reply) => {
    const body = parseOr400(RunBody, request.body ?? {}, 'body');
    const idempotencyKey = idempotencyKeyOf(request);
    const result = await upstream(() =>
      mirror.startRun({
        scope: body.scope,
        includeRefresh: body.includeRefresh,
        force: body.force,
        planId: body.planId,
        origin: 'api',
        idempotencyKey,
      }),
    );
    const { run } = result;
    request.log.info({ mirrorRunId: run.id, created: result.created, planId: body.planId }, 'mirror run requested');
    return reply
      .status(result.created ? 202 : 200)
      .header('location', `/v1/mirror/runs/${run.id}`)
      .send({ ...withLinks(run), ...(result.reason ? { deduplicated: result.reason } : {}) });
  });

  app.get('/v1/mirror/runs/:id', { config: { scope: 'read' } }, async (request) => {
    const { id } = parseOr400(RunParams, request.params, 'path');
    return withLinks(await mirror.requireRun(id));
  });

  app.post('/v1/mirror/tags', { config: { scope: 'mirror' } }, async (request) => {
    const body = parseOr400(MirrorTagsBody, request.body ?? {}, 'body');
    const result = await upstream(() => mirror.writeDiscoveryTags({ scope: body.scope, dryRun: body.dryRun }));
    request.log.info(
      { summary: result.summary, stats: result.stats, dryRun: result.dryRun },
      'mirror discovery tags computed',
    );
    return result;
  });

  app.get('/v1/mirror/tables', { config: { scope: 'read' } }, async (request) => {
    const query = parseOr400(MirrorTablesQuery, request.query ?? {}, 'query');
    return pageMirrorTables(await mirror.listTables(), query);
  });
}

/** Configuration and upstream (Databricks, Snowflake) failures as coded answers instead of a bare 500. */
async function upstream<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof RequestError) throw error;
    if (error instanceof MutexTimeoutError) {
      throw new RequestError('MIRROR_RUN_CONTENDED', 503, 'Too many mirror run requests at once; try again shortly.', {
        cause: error,
        retryable: true,
      });
    }
    if (error instanceof MirrorNotConfiguredError || error instanceof ConfigError) {
      throw new RequestError('MIRROR_NOT_CONFIGURED', 503, error.message, { cause: error, details: error.details });
    }
    if (error instanceof D2sError) {
      throw new RequestError(error.code, 502, error.message, { cause: error, details: error.details });
    }
    throw error;
  }
}
