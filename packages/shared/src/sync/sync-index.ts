import type { RedisClient } from '../redis/connections.js';
import { type BudgetCharge, type BudgetVerdict, budgetVerdict, chargeLua } from '../redis/request-budget.js';

/** Keys of the listing index: every sync, and the syncs of one dataset (sorted sets scored by creation time). */
export interface SyncIndexKeys {
  all: string;
  dataset: string;
}

// NX: an existing entry keeps its place (a repair must not move a sync). Entries past retention are trimmed
// on the way, so the index never needs a sweeper of its own.
const ADD_LINES = `
redis.call('zadd', KEYS[1], 'NX', ARGV[1], ARGV[2])
redis.call('zadd', KEYS[2], 'NX', ARGV[1], ARGV[2])
redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[3])
redis.call('zremrangebyscore', KEYS[2], '-inf', ARGV[3])`;
const ADD = `${ADD_LINES}
return 1`;
// The request's charge first: past its budget nothing is written (KEYS[3] the budget's counter, ARGV[4] its window).
const CHARGE_AND_ADD = `${chargeLua('KEYS[3]', 'ARGV[4]')}
if count > tonumber(ARGV[5]) then return {0, count, ttl} end
${ADD_LINES}
return {1, count, ttl}`;

/** The scripts under the names ioredis gives them on the connection (defineCommand: EVALSHA, EVAL on NOSCRIPT). */
const COMMAND = 'd2sSyncIndexAdd';
const CHARGED_COMMAND = 'd2sSyncIndexChargeAndAdd';
type WithAddCommands = {
  [COMMAND]: (all: string, dataset: string, score: string, syncId: string, cutoff: string) => Promise<unknown>;
  [CHARGED_COMMAND]: (
    all: string,
    dataset: string,
    budget: string,
    score: string,
    syncId: string,
    cutoff: string,
    windowMs: string,
    limit: string,
  ) => Promise<[number, number, number]>;
};

/**
 * Writes a sync into the listing index. One Lua script over keys of one hash
 * slot, sent as EVALSHA: atomic like the MULTI it replaces, but one command on
 * the wire instead of six, so it costs the server one round of parsing and,
 * on an auto-pipelining connection, joins the batch other requests' commands
 * leave in (a MULTI is never auto-pipelined).
 */
export class SyncIndex {
  readonly #redis: WithAddCommands;
  readonly #keysOf: (dataset: string) => SyncIndexKeys;

  constructor(redis: RedisClient, keysOf: (dataset: string) => SyncIndexKeys) {
    // Defined once per connection; another SyncIndex on the same connection reuses it.
    if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: ADD });
    if (!(CHARGED_COMMAND in redis)) redis.defineCommand(CHARGED_COMMAND, { numberOfKeys: 3, lua: CHARGE_AND_ADD });
    this.#redis = redis as unknown as WithAddCommands;
    this.#keysOf = keysOf;
  }

  /** Lists the sync at `at` (unless it is listed already) and drops entries older than `cutoff` (epoch ms). */
  async add(syncId: string, dataset: string, at: number, cutoff: number): Promise<void> {
    const keys = this.#keysOf(dataset);
    await this.#redis[COMMAND](keys.all, keys.dataset, String(at), syncId, String(cutoff));
  }

  /**
   * Charges the request that creates this sync to its budget and, if the budget allows it, lists the sync, in
   * one script: the charge costs no round trip of its own. Past the budget nothing is listed. The budget's key
   * must share the index's hash slot (both live under the queue prefix).
   */
  async chargeAndAdd(
    charge: BudgetCharge,
    syncId: string,
    dataset: string,
    at: number,
    cutoff: number,
  ): Promise<BudgetVerdict> {
    const keys = this.#keysOf(dataset);
    const [, count, ttl] = await this.#redis[CHARGED_COMMAND](
      keys.all,
      keys.dataset,
      charge.key,
      String(at),
      syncId,
      String(cutoff),
      String(charge.windowMs),
      String(charge.limit),
    );
    return budgetVerdict(charge, count, ttl);
  }
}
