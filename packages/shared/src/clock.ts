import { setTimeout as timerPromise } from 'node:timers/promises';

/**
 * Time as a client sees it. Injected so that backoff, rate limiting and token expiry can be tested without real
 * waiting: a fake clock's `sleep` advances `now()` and resolves at once.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects with the signal's reason when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A source of uniformly distributed numbers in [0, 1); `Math.random` unless a test hands in its own. */
export type RandomSource = () => number;

/**
 * The one way production code waits: resolves after `ms` milliseconds (a negative wait is no wait), or rejects with
 * `signal.reason` as soon as the signal aborts. Rejecting with the caller's own reason, rather than node's generic
 * AbortError, lets a caller tell its own cancellation apart from anything else.
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  try {
    await timerPromise(Math.max(0, ms), undefined, signal === undefined ? undefined : { signal });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep,
};
