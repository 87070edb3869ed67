import { randomBytes } from 'node:crypto';
import type { RedisClient } from './connections.js';
import { type Clock, systemClock } from '../clock.js';
import { D2sError } from '../errors.js';

/** The mutex stayed held by someone else for longer than the caller was willing to wait. */
export class MutexTimeoutError extends D2sError {
  readonly code = 'MUTEX_TIMEOUT';
}

export interface RedisMutexOptions {
  /** How long a holder keeps the lock if it dies without releasing it. @defaultValue 15000 */
  leaseMs?: number;
  /** How long `acquire` waits for a busy lock before giving up. @defaultValue 10000 */
  waitMs?: number;
  clock?: Clock;
}

// Compare-and-delete: a holder whose lease lapsed must not release the lock someone else took since.
const RELEASE_IF_OURS = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A short-lived lock in Redis (SET NX PX with a random owner token), used to
 * make a read-decide-write sequence of several commands behave as one step
 * (for example: is the dataset free? is this key bound? then create). The lease
 * bounds how long a crashed holder blocks others; the critical sections it
 * guards take a few round trips, far below it.
 */
export class RedisMutex {
  readonly #redis: RedisClient;
  readonly #leaseMs: number;
  readonly #waitMs: number;
  readonly #clock: Clock;

  constructor(redis: RedisClient, options: RedisMutexOptions = {}) {
    this.#redis = redis;
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#waitMs = options.waitMs ?? 10_000;
    this.#clock = options.clock ?? systemClock;
  }

  /** Runs `critical` while holding `key`; throws MutexTimeoutError if the lock stays busy past the wait. */
  async withLock<T>(key: string, critical: () => Promise<T>): Promise<T> {
    const owner = randomBytes(12).toString('base64url');
    const deadline = this.#clock.now() + this.#waitMs;
    let pause = 5;
    while ((await this.#redis.set(key, owner, 'PX', this.#leaseMs, 'NX')) !== 'OK') {
      if (this.#clock.now() >= deadline) {
        throw new MutexTimeoutError(`Lock ${key} stayed busy for ${this.#waitMs} ms`, {
          retryable: true,
          details: { key },
        });
      }
      // Jittered growth: many waiters on one key do not retry in lock-step.
      await this.#clock.sleep(pause + Math.random() * pause);
      pause = Math.min(pause * 2, 100);
    }
    try {
      return await critical();
    } finally {
      await this.#redis.eval(RELEASE_IF_OURS, 1, key, owner).catch(() => {
        // Redis gone: the lease expires by itself.
      });
    }
  }
}
