import type { D2sConfig, Logger, ScheduleService, SyncService } from '@d2s/shared';
import type { Queue } from 'bullmq';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { bearerAuth } from './auth.js';
import { bullBoard } from './bull-board.js';
import { installErrorHandling } from './http-errors.js';
import { datasetRoutes } from './routes/datasets.js';
import { healthRoutes } from './routes/health.js';
import { scheduleRoutes } from './routes/schedules.js';
import { syncRoutes } from './routes/syncs.js';
import type { SyncEventHub } from './sync-events.js';

export interface ApiDeps {
  config: D2sConfig;
  logger: Logger;
  redis: Redis;
  queues: Queue[];
  syncs: SyncService;
  schedules: ScheduleService;
  events: SyncEventHub;
  sseRefreshMs?: number;
}

/** Builds the API with everything it uses passed in; main.ts owns connections and signals. */
export async function buildServer(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; naming the base type keeps plugin types compatible.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.api.bodyLimitBytes,
    disableRequestLogging: false,
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
  });
  installErrorHandling(app);

  await app.register(healthRoutes, { redis: deps.redis, configSource: deps.config.source });

  const authenticate = bearerAuth(deps.config.api.tokens);
  await app.register(async (api) => {
    api.addHook('onRequest', authenticate);
    await api.register(syncRoutes, {
      syncs: deps.syncs,
      events: deps.events,
      ...(deps.sseRefreshMs ? { sseRefreshMs: deps.sseRefreshMs } : {}),
    });
    await api.register(datasetRoutes, { config: deps.config });
    await api.register(scheduleRoutes, { schedules: deps.schedules });
  });

  await bullBoard(app, { queues: deps.queues, authenticate: bearerAuth(deps.config.api.tokens, { allowBasic: true }) });
  return app;
}
