import {
  ConfigError,
  D2sError,
  MIRROR_RUN_ID,
  MirrorNotConfiguredError,
  MutexTimeoutError,
  type MirrorRunView,
  MirrorScope,
  type MirrorService,
  planToSql,
  RequestError,
} from '@d2s/shared';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseOr400 } from '../http-errors.js';
import { idempotencyKeyOf } from '../schemas.js';

export interface MirrorRoutesDeps {
  /** Plans (in this process: needs Databricks and Snowflake clients), runs (the mirror queue), table state (Redis). */
  mirror: MirrorService;
}

const PlanBody = z.strictObject({
  scope: MirrorScope.optional(),
  /** Refresh tables that are otherwise up to date. @defaultValue true when mirror.autoRefresh is off */
  includeRefresh: z.boolean().optional(),
});

const PlanQuery = z.strictObject({ format: z.enum(['json', 'sql']).default('json') });
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
    const plan = await upstream(() => mirror.plan({ scope: body.scope, includeRefresh: body.includeRefresh }));
    request.log.info({ summary: plan.summary, stats: plan.stats }, 'mirror plan computed');
    if (query.format === 'sql') {
      return reply
        .type('text/plain; charset=utf-8')
        .header('content-disposition', 'attachment; filename="d2s-mirror-plan.sql"')
        .send(planToSql(plan));
    }
    return plan;
  });

  app.post('/v1/mirror/runs', { config: { scope: 'mirror' } }, async (request, reply) => {
    const body = parseOr400(PlanBody, request.body ?? {}, 'body');
    const idempotencyKey = idempotencyKeyOf(request);
    const result = await upstream(() =>
      mirror.startRun({ scope: body.scope, includeRefresh: body.includeRefresh, origin: 'api', idempotencyKey }),
    );
    const { run } = result;
    request.log.info({ mirrorRunId: run.id, created: result.created }, 'mirror run requested');
    return reply
      .status(result.created ? 202 : 200)
      .header('location', `/v1/mirror/runs/${run.id}`)
      .send({ ...withLinks(run), ...(result.reason ? { deduplicated: result.reason } : {}) });
  });

  app.get('/v1/mirror/runs/:id', { config: { scope: 'read' } }, async (request) => {
    const { id } = parseOr400(RunParams, request.params, 'path');
    return withLinks(await mirror.requireRun(id));
  });

  app.get('/v1/mirror/tables', { config: { scope: 'read' } }, async () => ({ items: await mirror.listTables() }));
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
