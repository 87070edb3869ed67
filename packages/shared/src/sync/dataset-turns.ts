import type { RedisClient } from '../redis/connections.js';

/** Keys of one dataset's turn-taking: the sync that holds the dataset, and the syncs waiting behind it. */
export interface DatasetTurnKeys {
  active: string;
  waiting: string;
}

/** Who keeps a sync from its turn: the holder of the dataset, or a sync queued before it. */
export type TurnAnswer = { held: true } | { held: false; blockedBy: string };

/** Where a waiting sync stands: the sync right before it, and how many are before it (the holder included). */
export interface QueuePlace {
  behind: string;
  ahead: number;
}

// Enqueue once: a creation finished by a retried request must not queue the same sync twice.
const ENQUEUE = `
if redis.call('lpos', KEYS[1], ARGV[1]) then return 0 end
redis.call('rpush', KEYS[1], ARGV[1])
return 1`;

// The dataset is this sync's when it already holds it, or when nobody holds it and nobody waits before it.
// Claiming and leaving the waiting list are one step, so no crash can leave a sync both holding and waiting.
const CLAIM = `
local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2])
  return {1}
end
if holder then return {0, holder} end
local head = redis.call('lindex', KEYS[2], 0)
if head and head ~= ARGV[1] then return {0, head} end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('lrem', KEYS[2], 0, ARGV[1])
return {1}`;

// A sync that ended (or was found dead) leaves the queue and frees the dataset if it held it; the answer is
// the next in line, so the caller can wake it instead of letting it wait out its re-check delay.
const LEAVE = `
redis.call('lrem', KEYS[2], 0, ARGV[1])
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end
return redis.call('lindex', KEYS[2], 0)`;

const PLACE = `
local position = redis.call('lpos', KEYS[2], ARGV[1])
if not position then return false end
if position == 0 then
  local holder = redis.call('get', KEYS[1])
  if holder then return {holder, 1} end
  return false
end
local before = redis.call('lindex', KEYS[2], position - 1)
local ahead = position
if redis.call('exists', KEYS[1]) == 1 then ahead = ahead + 1 end
return {before, ahead}`;

/**
 * Turn-taking for a single-active dataset, in Redis: one sync holds the
 * dataset (`active`, a string with a lease) and later requests wait in a FIFO
 * list. Each operation is one Lua script over keys of one hash slot, so it is
 * atomic and a process killed between operations leaves a state the next one
 * understands. Dead holders and dead waiters (a sync that ended without
 * leaving) are judged by the caller, which knows the syncs; see
 * `SyncService.takeTurn`.
 */
export class DatasetTurns {
  readonly #redis: RedisClient;
  readonly #keysOf: (dataset: string) => DatasetTurnKeys;

  constructor(redis: RedisClient, keysOf: (dataset: string) => DatasetTurnKeys) {
    this.#redis = redis;
    this.#keysOf = keysOf;
  }

  /** Puts a sync at the end of the dataset's queue (a no-op when it is queued already). */
  async enqueue(dataset: string, syncId: string): Promise<void> {
    await this.#redis.eval(ENQUEUE, 1, this.#keysOf(dataset).waiting, syncId);
  }

  /** Takes the dataset for this sync if it is its turn (renewing the lease when it already holds it). */
  async claim(dataset: string, syncId: string, leaseMs: number): Promise<TurnAnswer> {
    const keys = this.#keysOf(dataset);
    const answer = (await this.#redis.eval(CLAIM, 2, keys.active, keys.waiting, syncId, String(leaseMs))) as [
      number,
      string?,
    ];
    return answer[0] === 1 ? { held: true } : { held: false, blockedBy: String(answer[1]) };
  }

  /** This sync leaves: out of the queue, and the dataset freed if it held it. Returns the next in line. */
  async leave(dataset: string, syncId: string): Promise<string | undefined> {
    const keys = this.#keysOf(dataset);
    const next = (await this.#redis.eval(LEAVE, 2, keys.active, keys.waiting, syncId)) as string | null;
    return next ?? undefined;
  }

  async holder(dataset: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#keysOf(dataset).active)) ?? undefined;
  }

  /** The syncs waiting, oldest first. */
  async waiting(dataset: string): Promise<string[]> {
    return this.#redis.lrange(this.#keysOf(dataset).waiting, 0, -1);
  }

  /** Where a waiting sync stands; undefined when it is not waiting (or first in line with nobody holding). */
  async placeOf(dataset: string, syncId: string): Promise<QueuePlace | undefined> {
    const keys = this.#keysOf(dataset);
    const answer = (await this.#redis.eval(PLACE, 2, keys.active, keys.waiting, syncId)) as [string, number] | null;
    return answer ? { behind: answer[0], ahead: Number(answer[1]) } : undefined;
  }
}
