import type { BudgetVerdict } from '@d2s/shared';
import type { FastifyReply } from 'fastify';

/** The rate-limit headers of an answer; a refusal also says when to come back (Retry-After). */
export function setBudgetHeaders(reply: FastifyReply, verdict: BudgetVerdict): void {
  const resetSeconds = Math.ceil(verdict.resetMs / 1000);
  reply.header('x-ratelimit-limit', verdict.limit);
  reply.header('x-ratelimit-remaining', verdict.remaining);
  reply.header('x-ratelimit-reset', resetSeconds);
  if (!verdict.allowed) reply.header('retry-after', Math.max(1, resetSeconds));
}
