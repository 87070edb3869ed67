/**
 * A small connection pool. Compared with the driver's `createPool`
 * (generic-pool), a failed login rejects the waiting `acquire` at once with
 * the login error instead of being retried in the background, a connection
 * can be thrown away (`destroy`) to force a fresh login, and `close` drains.
 */

export interface PoolFactory<T> {
  /** Opens (logs in) a new connection. */
  create(): Promise<T>;
  /** Closes a connection; errors are ignored by the pool. */
  destroy(item: T): Promise<void>;
  /** False when an idle connection can no longer be used (session gone). @defaultValue always true */
  isUsable?(item: T): boolean;
}

export interface PoolOptions {
  /** Most connections open at once. */
  max: number;
  /** Idle connections older than this are closed instead of reused. @defaultValue 600000 (10 minutes) */
  idleTimeoutMs?: number;
  /** Clock, for tests. @defaultValue Date.now */
  now?: () => number;
  /** The error a pending or new `acquire` gets once the pool is closing. */
  closedError?: () => Error;
}

interface Waiter<T> {
  resolve: (item: T) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class ConnectionPool<T> {
  readonly #factory: PoolFactory<T>;
  readonly #max: number;
  readonly #idleTimeoutMs: number;
  readonly #now: () => number;
  readonly #closedError: () => Error;
  readonly #idle: Array<{ item: T; since: number }> = [];
  readonly #inUse = new Set<T>();
  readonly #waiters: Array<Waiter<T>> = [];
  #creating = 0;
  #closing: Promise<void> | undefined;
  #releasedWhileClosing: (() => void) | undefined;

  constructor(factory: PoolFactory<T>, options: PoolOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new RangeError('pool max must be a positive integer');
    this.#factory = factory;
    this.#max = options.max;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 600_000;
    this.#now = options.now ?? Date.now;
    this.#closedError = options.closedError ?? (() => new Error('The connection pool is closed.'));
  }

  /** Open connections: idle, in use and being opened. */
  get size(): number {
    return this.#idle.length + this.#inUse.size + this.#creating;
  }

  get idleCount(): number {
    return this.#idle.length;
  }

  get inUseCount(): number {
    return this.#inUse.size;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** A connection for exclusive use until `release` or `destroy`. */
  acquire(signal?: AbortSignal): Promise<T> {
    if (this.#closing) return Promise.reject(this.#closedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
      this.#dispatch();
    });
  }

  /** Returns a healthy connection for reuse. */
  release(item: T): void {
    if (!this.#inUse.delete(item)) return;
    if (this.#closing) {
      void this.#destroyQuietly(item);
      this.#releasedWhileClosing?.();
      return;
    }
    this.#idle.push({ item, since: this.#now() });
    this.#dispatch();
  }

  /** Closes a connection instead of returning it (session expired, network broken). */
  async destroy(item: T): Promise<void> {
    const wasInUse = this.#inUse.delete(item);
    const idleIndex = this.#idle.findIndex((entry) => entry.item === item);
    if (idleIndex >= 0) this.#idle.splice(idleIndex, 1);
    if (this.#closing && wasInUse) this.#releasedWhileClosing?.();
    this.#dispatch();
    await this.#destroyQuietly(item);
  }

  /**
   * Refuses new work, rejects waiting acquires, waits for connections in use
   * to come back, then closes every connection. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = (async () => {
      for (const waiter of this.#waiters.splice(0)) this.#settle(waiter, undefined, this.#closedError());
      const idle = this.#idle.splice(0).map((entry) => entry.item);
      await Promise.all(idle.map((item) => this.#destroyQuietly(item)));
      while (this.#inUse.size > 0 || this.#creating > 0) {
        await new Promise<void>((resolve) => {
          this.#releasedWhileClosing = resolve;
        });
      }
      this.#releasedWhileClosing = undefined;
    })();
    return this.#closing;
  }

  #dispatch(): void {
    while (this.#waiters.length > 0 && !this.#closing) {
      const entry = this.#takeIdle();
      if (entry !== undefined) {
        const waiter = this.#waiters.shift() as Waiter<T>;
        this.#inUse.add(entry);
        this.#settle(waiter, entry);
        continue;
      }
      if (this.size >= this.#max) return;
      const waiter = this.#waiters.shift() as Waiter<T>;
      this.#creating += 1;
      this.#factory.create().then(
        (item) => {
          this.#creating -= 1;
          if (this.#closing) {
            this.#releasedWhileClosing?.();
            void this.#destroyQuietly(item);
            this.#settle(waiter, undefined, this.#closedError());
            return;
          }
          if (waiter.signal?.aborted) {
            // Nobody wants it any more: keep it for the next acquire.
            this.#idle.push({ item, since: this.#now() });
            this.#dispatch();
            return;
          }
          this.#inUse.add(item);
          this.#settle(waiter, item);
        },
        (error: unknown) => {
          this.#creating -= 1;
          if (this.#closing) this.#releasedWhileClosing?.();
          this.#settle(waiter, undefined, error);
          this.#dispatch();
        },
      );
    }
  }

  /** The most recently used idle connection that is still usable; stale ones are closed. */
  #takeIdle(): T | undefined {
    while (this.#idle.length > 0) {
      const entry = this.#idle.pop() as { item: T; since: number };
      const stale = this.#now() - entry.since > this.#idleTimeoutMs;
      const usable = this.#factory.isUsable ? this.#factory.isUsable(entry.item) : true;
      if (!stale && usable) return entry.item;
      void this.#destroyQuietly(entry.item);
    }
    return undefined;
  }

  #settle(waiter: Waiter<T>, item: T | undefined, error?: unknown): void {
    if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
    if (error !== undefined) waiter.reject(error);
    else waiter.resolve(item as T);
  }

  async #destroyQuietly(item: T): Promise<void> {
    try {
      await this.#factory.destroy(item);
    } catch {
      // A connection that cannot be closed cleanly is gone either way.
    }
  }
}
