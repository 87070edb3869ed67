import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { RedisClient } from '../redis/connections.js';

/** What the watchdog saw when it gave up on the worker. */
export interface FetchStallReport {
  queue: string;
  /** How long jobs were ready and this worker, with free slots, took none. */
  stalledForMs: number;
  waiting: number;
  dueDelayed: number;
  activeHere: number;
  concurrency: number;
}

export interface FetchWatchdogOptions {
  queue: string;
  prefix: string;
  worker: Pick<Worker, 'isRunning' | 'closing' | 'waitUntilReady'>;
  /** A connection of the watchdog's own: the worker's may be the one that hangs. */
  probe: Pick<RedisClient, 'llen' | 'zcount' | 'zcard' | 'hmget' | 'pttl'>;
  concurrency: number;
  /** Jobs this process is running and when it last took one. */
  jobs: { readonly count: number; readonly lastStartedAt: number };
  /** Ready jobs untaken this long, with a slot free, is a stall. */
  stallMs: number;
  intervalMs: number;
  onStall(report: FetchStallReport): void;
  logger: Pick<Logger, 'debug'>;
  now?: () => number;
}

/**
 * Notices a worker whose fetch loop has silently stopped: jobs are ready (waiting, or delayed and due), this
 * process has free slots, and it has taken nothing for `stallMs`. Seen after a Redis Cluster failover, where
 * BullMQ's fetch loop can wait without end on a command its connection never answers, while the blocking
 * connection looks healthy (BullMQ's own watchdog covers only that one). The remedy is the caller's
 * (`onStall`): services exit so their supervisor starts them afresh, and a stalled job's lock lapses and another
 * worker takes it over, which every d2s job survives. It never fires while the queue is paused, rate limited
 * or at its global concurrency, while Redis cannot be asked, or while all this worker's slots are busy.
 */
export class FetchWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private backlogSince: number | undefined;
  private fired = false;
  private probing = false;
  private readonly now: () => number;

  constructor(private readonly options: FetchWatchdogOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Arms once the worker is connected, so a slow start is never taken for a stall. */
  start(): void {
    void this.options.worker
      .waitUntilReady()
      .then(() => {
        if (this.fired || this.timer) return;
        this.timer = setInterval(() => void this.check(), this.options.intervalMs);
        this.timer.unref();
      })
      .catch(() => undefined);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look; public so a test can drive it without waiting for the interval. */
  async check(): Promise<void> {
    if (this.fired || this.probing) return;
    const { worker, jobs, concurrency } = this.options;
    if (!worker.isRunning() || worker.closing || jobs.count >= concurrency) {
      this.backlogSince = undefined;
      return;
    }
    this.probing = true;
    try {
      const backlog = await this.readBacklog();
      const now = this.now();
      if (!backlog || (backlog.waiting === 0 && backlog.dueDelayed === 0)) {
        this.backlogSince = undefined;
        return;
      }
      // A job taken since the backlog was first seen means the loop moves: start counting again.
      if (this.backlogSince === undefined || jobs.lastStartedAt >= this.backlogSince) {
        this.backlogSince = now;
        return;
      }
      const stalledForMs = now - this.backlogSince;
      this.options.logger.debug({ queue: this.options.queue, stalledForMs, ...backlog }, 'ready jobs not taken');
      if (stalledForMs < this.options.stallMs) return;
      this.fired = true;
      this.stop();
      this.options.onStall({
        queue: this.options.queue,
        stalledForMs,
        ...backlog,
        activeHere: jobs.count,
        concurrency,
      });
    } finally {
      this.probing = false;
    }
  }

  /** Ready jobs, or undefined when nothing may be taken now anyway (or Redis cannot be asked). */
  private async readBacklog(): Promise<{ waiting: number; dueDelayed: number } | undefined> {
    const key = (name: string) => `${this.options.prefix}:${this.options.queue}:${name}`;
    let timer: NodeJS.Timeout | undefined;
    // A probe that hangs too says nothing about the worker: give up on this look, never wait on it.
    const gaveUp = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), Math.max(1_000, this.options.intervalMs));
    });
    try {
      return await Promise.race([this.askRedis(key), gaveUp]);
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private async askRedis(key: (name: string) => string): Promise<{ waiting: number; dueDelayed: number } | undefined> {
    const { probe } = this.options;
    const dueScore = (this.now() + 1) * 0x1000 - 1;
    const [wait, prioritized, dueDelayed, active, meta, limited] = await Promise.all([
      probe.llen(key('wait')),
      probe.zcard(key('prioritized')),
      probe.zcount(key('delayed'), '-inf', dueScore),
      probe.llen(key('active')),
      probe.hmget(key('meta'), 'paused', 'concurrency'),
      probe.pttl(key('limiter')),
    ]);
    const [paused, globalConcurrency] = meta;
    if (paused !== null || limited > 0) return undefined;
    if (globalConcurrency !== null && active >= Number(globalConcurrency)) return undefined;
    return { waiting: wait + prioritized, dueDelayed };
  }
}
