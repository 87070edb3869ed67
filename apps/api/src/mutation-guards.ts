import type { BudgetCharge, BudgetVerdict, D2sConfig, RedisClient } from '@d2s/shared';
import { RequestBudget } from '@d2s/shared';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { isRedisUnavailable } from './http-errors.js';
import { setBudgetHeaders } from './rate-limit-headers.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const isMutating = (request: FastifyRequest) => !READ_METHODS.has(request.method);

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route draws the request from its token's budget itself, in the same Redis script as its first
     * write (see `RequestBudgets.chargeFor`), instead of in a round trip of its own before the handler.
     */
    chargesOwnBudget?: boolean;
  }
}

/** The rate-limit budget a mutating request draws on: its token's, per minute, shared by every replica. */
export type BudgetChargeFor = (request: FastifyRequest) => BudgetCharge;

/** For a route that charges its own budget (`chargesOwnBudget`). */
export interface RequestBudgets {
  /** The charge to fold into the route's first write. */
  chargeFor: BudgetChargeFor;
  /**
   * Charges the request now, in a round trip of its own, and sets the answer's rate-limit headers: for a
   * request the route refuses before its first write. Throws BudgetExceededError (429) past the budget.
   */
  chargeNow(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

/**
 * What every mutating request (POST, PUT, DELETE) passes through, in the
 * authenticated scope: a rate limit per token (429 RATE_LIMITED with
 * Retry-After past it; X-RateLimit-Limit, -Remaining and -Reset on every
 * answer, as @fastify/rate-limit sent them before), and one audit log line
 * naming the token, never the token itself.
 *
 * The limit is counted in Redis so that every API replica counts against the
 * same budget. It runs as a preHandler of each mutating route, after
 * authentication has named the token, except on routes that charge it with their first write (a round
 * trip less per request: at ingest load that round trip cost about a quarter
 * of the API's throughput).
 */
export function registerMutationGuards(
  api: FastifyInstance,
  deps: { redis: RedisClient; config: Pick<D2sConfig, 'api' | 'redis'> },
): RequestBudgets {
  const budget = new RequestBudget(deps.redis);
  const chargeFor: BudgetChargeFor = (request) => {
    const holder = request.principal?.name ?? `ip:${request.ip}`;
    return {
      key: `${deps.config.redis.prefix}:d2s:rate-limit:token:${holder}`,
      limit: deps.config.api.rateLimit.mutatingPerMinute,
      windowMs: 60_000,
      holder: request.principal?.name ?? 'unknown',
    };
  };

  const chargeNow = async (request: FastifyRequest, reply: FastifyReply) => {
    let verdict: BudgetVerdict;
    try {
      verdict = await budget.require(chargeFor(request));
    } catch (error) {
      // Redis away: the request goes on and its own Redis step answers 503; the limit must not turn it into a 500.
      if (isRedisUnavailable(error)) return;
      throw error;
    }
    setBudgetHeaders(reply, verdict);
  };
  const chargeBudget: preHandlerAsyncHookHandler = async function chargeBudget(request, reply) {
    if (isMutating(request)) await chargeNow(request, reply);
  };
  // Attached to each route that needs it rather than run (and skipped) on every request of the scope.
  api.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (methods.every((method) => READ_METHODS.has(method)) || route.config?.chargesOwnBudget) return;
    route.preHandler = [chargeBudget, ...[route.preHandler ?? []].flat()];
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
  return { chargeFor, chargeNow };
}
