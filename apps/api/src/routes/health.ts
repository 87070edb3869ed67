import type { FastifyInstance } from 'fastify';
import type { RedisClient } from '@d2s/shared';

/**
 * `/healthz`: the process is up. `/readyz`: it can serve (config loaded, Redis
 * answers). No auth on either, so they say only ready or not: why not (Redis's
 * error text, the config file's path) goes to the log, for operators.
 */
export async function healthRoutes(
  app: FastifyInstance,
  deps: { redis: RedisClient; configSource: string },
): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    try {
      await deps.redis.ping();
      return { status: 'ready' };
    } catch (error) {
      request.log.warn({ err: error, config: deps.configSource }, 'not ready: Redis does not answer');
      return reply.status(503).header('retry-after', '5').send({ status: 'not-ready' });
    }
  });
}
