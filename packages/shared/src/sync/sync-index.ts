import type { RedisClient } from '../redis/connections.js';

/** Keys of the listing index: every sync, and the syncs of one dataset (sorted sets scored by creation time). */
export interface SyncIndexKeys {
  all: string;
  dataset: string;
}

// NX: an existing entry keeps its place (a repair must not move a sync). Entries past retention are trimmed
// on the way, so the index never needs a sweeper of its own.
const ADD = `
redis.call('zadd', KEYS[1], 'NX', ARGV[1], ARGV[2])
redis.call('zadd', KEYS[2], 'NX', ARGV[1], ARGV[2])
redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[3])
redis.call('zremrangebyscore', KEYS[2], '-inf', ARGV[3])
return 1`;

/** The script under the name ioredis gives it on the connection (defineCommand: EVALSHA, EVAL on NOSCRIPT). */
const COMMAND = 'd2sSyncIndexAdd';
type WithAddCommand = {
  [COMMAND]: (all: string, dataset: string, score: string, syncId: string, cutoff: string) => Promise<unknown>;
};

/**
 * Writes a sync into the listing index. One Lua script over keys of one hash
 * slot, sent as EVALSHA: atomic like the MULTI it replaces, but one command on
 * the wire instead of six, so it costs the server one round of parsing and,
 * on an auto-pipelining connection, joins the batch other requests' commands
 * leave in (a MULTI is never auto-pipelined).
 */
export class SyncIndex {
  readonly #redis: WithAddCommand;
  readonly #keysOf: (dataset: string) => SyncIndexKeys;

  constructor(redis: RedisClient, keysOf: (dataset: string) => SyncIndexKeys) {
    // Defined once per connection; another SyncIndex on the same connection reuses it.
    if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: ADD });
    this.#redis = redis as unknown as WithAddCommand;
    this.#keysOf = keysOf;
  }

  /** Lists the sync at `at` (unless it is listed already) and drops entries older than `cutoff` (epoch ms). */
  async add(syncId: string, dataset: string, at: number, cutoff: number): Promise<void> {
    const keys = this.#keysOf(dataset);
    await this.#redis[COMMAND](keys.all, keys.dataset, String(at), syncId, String(cutoff));
  }
}
