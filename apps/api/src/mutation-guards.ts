import type { D2sConfig } from '@d2s/shared';
import { RequestError } from '@d2s/shared';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RedisClient } from '@d2s/shared';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const isMutating = (request: FastifyRequest) => !READ_METHODS.has(request.method);

/**
 * What every mutating request (POST, PUT, DELETE) passes through, in the
 * authenticated scope: a rate limit per token (429 with Retry-After past it),
 * and one audit log line naming the token, never the token itself.
 *
 * The limit is @fastify/rate-limit's, counted in Redis so that every API
 * replica counts against the same budget. It runs as a preHandler, after
 * authentication has named the token.
 */
export async function registerMutationGuards(
  api: FastifyInstance,
  deps: { redis: RedisClient; config: Pick<D2sConfig, 'api' | 'redis'> },
): Promise<void> {
  await api.register(rateLimit, {
    hook: 'preHandler',
    max: deps.config.api.rateLimit.mutatingPerMinute,
    timeWindow: 60_000,
    redis: deps.redis,
    nameSpace: `${deps.config.redis.prefix}:d2s:rate-limit:`,
    // A Redis outage answers 503 further on; it should not turn into a 500 here.
    skipOnError: true,
    allowList: (request) => !isMutating(request),
    keyGenerator: (request) => `token:${request.principal?.name ?? `ip:${request.ip}`}`,
    errorResponseBuilder: (request, context) =>
      new RequestError(
        'RATE_LIMITED',
        429,
        `Too many changes from this token (${request.principal?.name ?? 'unknown'}): at most ${context.max} a minute; retry after ${Math.ceil(context.ttl / 1000)} s.`,
        { retryable: true, details: { limit: context.max, retryAfterSeconds: Math.ceil(context.ttl / 1000) } },
      ),
  });

  api.addHook('onResponse', async (request, reply) => {
    if (!isMutating(request)) return;
    request.log.info(
      {
        audit: {
          tokenName: request.principal?.name ?? null,
          method: request.method,
          route: request.routeOptions.url ?? null,
          params: request.params,
          status: reply.statusCode,
        },
      },
      'audit',
    );
  });
}
