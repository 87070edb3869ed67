import type { Clock } from '../clock.js';

/**
 * Client-side limits that keep thousands of in-flight polls from tripping a workspace's rate limits: at most
 * `maxConcurrent` requests on the wire, started at no more than `requestsPerSecond` (token bucket, burst of one
 * second's worth). Waiters are served in arrival order.
 */
export class RequestLimiter {
  readonly #clock: Clock;
  readonly #maxConcurrent: number;
  readonly #ratePerMs: number;
  readonly #burst: number;
  #active = 0;
  readonly #queue: Array<() => void> = [];
  #tokens: number;
  #refilledAt: number;

  constructor(options: { maxConcurrent: number; requestsPerSecond: number }, clock: Clock) {
    if (!(options.maxConcurrent >= 1)) throw new RangeError('maxConcurrent must be at least 1');
    if (!(options.requestsPerSecond > 0)) throw new RangeError('requestsPerSecond must be positive');
    this.#clock = clock;
    this.#maxConcurrent = Math.floor(options.maxConcurrent);
    this.#ratePerMs = options.requestsPerSecond / 1000;
    this.#burst = Math.max(1, options.requestsPerSecond);
    this.#tokens = this.#burst;
    this.#refilledAt = clock.now();
  }

  /** Requests currently holding a slot. */
  get active(): number {
    return this.#active;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Runs `task` once a concurrency slot and a rate token are free. The slot is held while `task` runs (one HTTP
   * attempt), not while a caller sleeps between retries.
   */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.#acquireSlot(signal);
    try {
      await this.#takeToken(signal);
      return await task();
    } finally {
      this.#releaseSlot();
    }
  }

  #acquireSlot(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.#active < this.#maxConcurrent) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const index = this.#queue.indexOf(grant);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(signal?.reason);
      };
      this.#queue.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #releaseSlot(): void {
    const next = this.#queue.shift();
    // The slot passes straight to the next waiter, so #active stays the same.
    if (next) next();
    else this.#active--;
  }

  /** Reserves one token, going into debt if needed, and waits until the debt is repaid. */
  async #takeToken(signal?: AbortSignal): Promise<void> {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#refilledAt) * this.#ratePerMs);
    this.#refilledAt = now;
    this.#tokens -= 1;
    if (this.#tokens >= 0) return;
    const waitMs = Math.ceil(-this.#tokens / this.#ratePerMs);
    try {
      await this.#clock.sleep(waitMs, signal);
    } catch (error) {
      this.#tokens += 1;
      throw error;
    }
  }
}
