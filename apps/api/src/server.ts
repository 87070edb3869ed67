import type {
  BackfillService,
  D2sConfig,
  D2sMetrics,
  DoctorReport,
  Logger,
  MirrorService,
  RedisClient,
  ScheduleService,
  SyncService,
  WebhookSetupResult,
} from '@d2s/shared';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Queue } from 'bullmq';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { authenticate } from './auth/authenticate.js';
import { StreamTokenStore } from './auth/stream-tokens.js';
import { TokenRegistry } from './auth/token-registry.js';
import { bullBoard } from './bull-board.js';
import { answerClientError, answerFrameworkError, installErrorHandling } from './http-errors.js';
import { corsOptions } from './cors.js';
import { serializeRequest } from './log-redaction.js';
import { installRequestConventions, requestIdFor } from './request-conventions.js';
import { lazyChildLoggerFactory } from './request-logger.js';
import { registerMutationGuards } from './mutation-guards.js';
import { buildOpenApiDocument } from './openapi/build-document.js';
import { ROUTE_DOCS } from './openapi/route-docs.js';
import { backfillRoutes } from './routes/backfills.js';
import { type DatabricksHookDeps, databricksHookRoutes } from './routes/databricks-hooks.js';
import { datasetRoutes } from './routes/datasets.js';
import { doctorRoutes } from './routes/doctor.js';
import { webhookSetupRoutes } from './routes/webhook-setup.js';
import { healthRoutes } from './routes/health.js';
import { installSecurityHeaders } from './security-headers.js';
import { mirrorRoutes } from './routes/mirror.js';
import { notificationRoutes } from './routes/notifications.js';
import { scheduleRoutes } from './routes/schedules.js';
import { syncRoutes } from './routes/syncs.js';
import { webRoutes } from './web/index.js';
import type { SyncEventHub } from './sync-events.js';

export interface ApiDeps {
  config: D2sConfig;
  logger: Logger;
  redis: RedisClient;
  queues: Queue[];
  syncs: SyncService;
  schedules: ScheduleService;
  events: SyncEventHub;
  metrics?: D2sMetrics;
  /** Backfills; without it the /v1/backfills routes are not mounted. */
  backfills?: BackfillService;
  /** Pushed Databricks job notifications (databricks.webhook); without it POST /v1/hooks/databricks is not mounted. */
  databricksHook?: Omit<DatabricksHookDeps, 'metrics'>;
  /** Creates and attaches the Databricks webhook destination; without it the setup route is not mounted. */
  webhookSetup?: (url: string) => Promise<WebhookSetupResult>;
  /** Mirror plans and runs; without it the /v1/mirror routes are not mounted. */
  mirror?: MirrorService;
  /** Runs the preflight checks (GET /v1/doctor); without it the route is not mounted. */
  doctor?: () => Promise<DoctorReport>;
  sseRefreshMs?: number;
  /** The API's version, shown in the OpenAPI document. @defaultValue 0.1.0 */
  version?: string;
}

/** Every route the server registered (method and URL), for the OpenAPI coverage test. */
export const REGISTERED_ROUTES = Symbol('d2s.registeredRoutes');

/** Builds the API with everything it uses passed in; main.ts owns connections and signals. */
export async function buildServer(deps: ApiDeps): Promise<FastifyInstance> {
  // Request log lines carry the URL with query values and credential-like path segments redacted.
  const logger = deps.logger.child({}, { serializers: { req: serializeRequest } });
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; naming the base type keeps plugin types compatible.
    loggerInstance: logger as FastifyBaseLogger,
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: deps.config.api.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: requestIdFor,
    // Fastify 5.12 deprecated the top-level requestIdLogLabel (FSTDEP024) for this controller option.
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    return503OnClosing: true,
    // Malformed URLs and oversized requests are answered before routing; give them our error shape too.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  });
  const registered: { method: string; url: string; scope?: string }[] = [];
  installRequestConventions(app, () => registered);
  installErrorHandling(app);
  installSecurityHeaders(app);
  // Registered on the root (the plugin is not encapsulated), so preflights for every route are answered.
  if (deps.config.api.cors.origins.length > 0) await app.register(cors, corsOptions(deps.config.api.cors.origins));
  app.addHook('onRoute', (route) => {
    const scope = (route.config as { scope?: string } | undefined)?.scope;
    for (const method of [route.method].flat()) {
      registered.push({ method: String(method), url: route.url, ...(scope ? { scope } : {}) });
    }
  });
  (app as unknown as Record<symbol, unknown>)[REGISTERED_ROUTES] = registered;

  await app.register(healthRoutes, { redis: deps.redis, configSource: deps.config.source });
  // The page holds no data and asks for a token itself; every call it makes goes to the authenticated API.
  await app.register(webRoutes);

  // Event streams never end on their own while a sync runs: closing the server ends them first, or
  // app.close() would wait for them and a SIGTERM would hang until the grace period ran out.
  const openStreams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...openStreams]) end();
  });

  // Databricks authenticates with the webhook credentials of its destination, not with an API token.
  if (deps.databricksHook) {
    await app.register(databricksHookRoutes, {
      ...deps.databricksHook,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
    });
  }

  const tokens = new TokenRegistry(deps.config.api.tokens);
  const streamTokens = new StreamTokenStore({
    redis: deps.redis,
    prefix: deps.config.redis.prefix,
    ttlSeconds: deps.config.api.streamTokenTtlSeconds,
  });
  await app.register(async (api) => {
    api.addHook('onRequest', authenticate({ tokens, streamTokens }));
    const budgets = registerMutationGuards(api, { redis: deps.redis, config: deps.config });
    await api.register(syncRoutes, {
      syncs: deps.syncs,
      budgets,
      events: deps.events,
      openStreams,
      streamTokens,
      ...(deps.sseRefreshMs ? { sseRefreshMs: deps.sseRefreshMs } : {}),
    });
    await api.register(datasetRoutes, { config: deps.config });
    await api.register(scheduleRoutes, { schedules: deps.schedules });
    if (deps.mirror) await api.register(mirrorRoutes, { mirror: deps.mirror });
    if (deps.doctor) await api.register(doctorRoutes, { doctor: deps.doctor });
    if (deps.backfills) await api.register(backfillRoutes, { backfills: deps.backfills });
    if (deps.webhookSetup) await api.register(webhookSetupRoutes, { setUp: deps.webhookSetup });
    const notifyQueue = deps.queues.find((queue) => queue.name === 'notify');
    if (notifyQueue) await api.register(notificationRoutes, { notifyQueue });
    const metrics = deps.metrics;
    if (metrics) {
      api.get('/metrics', { config: { scope: 'admin' } }, async (_request, reply) => {
        const { contentType, body } = await metrics.text();
        return reply.type(contentType).send(body);
      });
    }
  });

  // The OpenAPI document, generated from the zod schemas the routes validate with, and Swagger UI at /docs.
  const document = buildOpenApiDocument(ROUTE_DOCS, { version: deps.version ?? '0.1.0' });
  await app.register(async (docs) => {
    docs.addHook('onRequest', authenticate({ tokens, scope: 'read', allowBasic: true }));
    docs.get('/openapi.json', async () => document);
    await docs.register(swagger, { mode: 'static', specification: { document: document as never } });
    await docs.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      // The default CSP upgrades every request to HTTPS, which breaks /docs served over plain HTTP (a
      // private network, a local port); behind TLS the browser already uses HTTPS.
      transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/g, ''),
    });
  });

  await bullBoard(app, {
    queues: deps.queues,
    authenticate: authenticate({ tokens, scope: 'admin', allowBasic: true }),
  });
  return app;
}
