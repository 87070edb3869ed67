import { RequestError } from '../errors.js';
import type { RedisClient } from './connections.js';

/**
 * One request drawn from a principal's budget: at most `limit` requests per
 * window of `windowMs`, counted under `key` in Redis so that every API
 * replica draws on the same budget.
 */
export interface BudgetCharge {
  key: string;
  limit: number;
  windowMs: number;
  /** Whose budget it is, for the refusal's message (a token's name, never the token). */
  holder: string;
}

/** What a charge found: whether the request may go on, and what the answer's rate-limit headers say. */
export interface BudgetVerdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Until the window ends. */
  resetMs: number;
}

/**
 * Lua that counts one request on `key` (a fixed window that starts with its
 * first request, as @fastify/rate-limit's Redis store counted before) and
 * leaves `count` and `ttl` set. A counter that somehow lost its expiry gets
 * one again rather than refusing forever. Other scripts embed it, so a
 * request can be charged in the same script as its first write.
 */
export function chargeLua(key: string, windowMs: string): string {
  return `
local count = redis.call('incr', ${key})
local ttl = tonumber(${windowMs})
if count == 1 then
  redis.call('pexpire', ${key}, ttl)
else
  local left = redis.call('pttl', ${key})
  if left < 0 then redis.call('pexpire', ${key}, ttl) else ttl = left end
end`;
}

/** The verdict from a script's `count` and `ttl`. */
export function budgetVerdict(charge: BudgetCharge, count: number, ttlMs: number): BudgetVerdict {
  return {
    allowed: count <= charge.limit,
    limit: charge.limit,
    remaining: Math.max(0, charge.limit - count),
    resetMs: Math.max(0, ttlMs),
  };
}

/** A request past its budget: 429, retryable once the window ends. */
export class BudgetExceededError extends RequestError {
  readonly verdict: BudgetVerdict;

  constructor(charge: BudgetCharge, verdict: BudgetVerdict) {
    const retryAfterSeconds = Math.max(1, Math.ceil(verdict.resetMs / 1000));
    super(
      'RATE_LIMITED',
      429,
      `Too many changes from this token (${charge.holder}): at most ${charge.limit} ${perWindow(charge.windowMs)}; retry after ${retryAfterSeconds} s.`,
      { retryable: true, details: { limit: charge.limit, retryAfterSeconds } },
    );
    this.verdict = verdict;
  }
}

function perWindow(windowMs: number): string {
  if (windowMs === 60_000) return 'a minute';
  return windowMs % 60_000 === 0 ? `every ${windowMs / 60_000} minutes` : `every ${windowMs / 1000} s`;
}

const COMMAND = 'd2sChargeBudget';
type WithChargeCommand = {
  [COMMAND]: (key: string, windowMs: string) => Promise<[number, number]>;
};

/** Charges requests one at a time (one EVALSHA each); see SyncIndex for a charge folded into a write. */
export class RequestBudget {
  readonly #redis: WithChargeCommand;

  constructor(redis: RedisClient) {
    if (!(COMMAND in redis)) {
      redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: `${chargeLua('KEYS[1]', 'ARGV[1]')}\nreturn {count, ttl}` });
    }
    this.#redis = redis as unknown as WithChargeCommand;
  }

  async charge(charge: BudgetCharge): Promise<BudgetVerdict> {
    const [count, ttl] = await this.#redis[COMMAND](charge.key, String(charge.windowMs));
    return budgetVerdict(charge, count, ttl);
  }

  /** Charges, and throws BudgetExceededError when the budget is spent. */
  async require(charge: BudgetCharge): Promise<BudgetVerdict> {
    const verdict = await this.charge(charge);
    if (!verdict.allowed) throw new BudgetExceededError(charge, verdict);
    return verdict;
  }
}
