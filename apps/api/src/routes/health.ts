import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';

/** `/healthz`: the process is up. `/readyz`: it can serve (config loaded, Redis answers). No auth on either. */
export async function healthRoutes(app: FastifyInstance, deps: { redis: Redis; configSource: string }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await deps.redis.ping();
      return { status: 'ready', config: deps.configSource, redis: 'ok' };
    } catch (error) {
      return reply
        .status(503)
        .send({ status: 'not-ready', config: deps.configSource, redis: (error as Error).message });
    }
  });
}
