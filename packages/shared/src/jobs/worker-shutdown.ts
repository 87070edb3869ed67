import type { Processor, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../clock.js';

/**
 * The jobs a worker's processor is running right now, so a shutdown can tell "a job is still working" (wait: a
 * COPY in flight completes) from "the jobs are done and only the connections are left to close" (bounded).
 */
export class ActiveJobs {
  private running = 0;
  private waiters: (() => void)[] = [];
  private started = 0;

  /** The processor, counted while each call runs. */
  track<D, R>(processor: Processor<D, R>): Processor<D, R> {
    return async (job, token, signal) => {
      this.running++;
      this.started = Date.now();
      try {
        return await processor(job, token, signal);
      } finally {
        this.running--;
        if (this.running === 0) for (const wake of this.waiters.splice(0)) wake();
      }
    };
  }

  get count(): number {
    return this.running;
  }

  /** When the processor last took a job (ms since the epoch; 0 before the first). */
  get lastStartedAt(): number {
    return this.started;
  }

  /** Resolves once no processor call is running. */
  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** What `startWorker` records about each worker it starts, for `closeWorker`. */
export interface WorkerShutdownParts {
  activeJobs: ActiveJobs;
  /** The worker's own connection (d2s opened it, so d2s may drop it). */
  disconnect(): void;
}

const partsOf = new WeakMap<Worker, WorkerShutdownParts>();

export function registerWorkerShutdown(worker: Worker, parts: WorkerShutdownParts): void {
  partsOf.set(worker, parts);
}

export interface CloseWorkerOptions {
  logger: Pick<Logger, 'warn'>;
  /**
   * How long BullMQ may take to close once the worker's jobs have finished: moving the last jobs on and closing
   * its connections takes milliseconds on a healthy Redis. @defaultValue 5000
   */
  teardownMs?: number;
  clock?: Clock;
}

/**
 * Closes a worker the way SIGTERM asks: no new jobs, the running ones finish, then the connections close; but the
 * last step is bounded. BullMQ's close waits on Redis client events without a limit, and after a Redis Cluster
 * failover one of those events may never come (test/reliability/redis-cluster.test.ts found a worker that did not
 * exit within 20 s of SIGTERM). Past `teardownMs` after the jobs finished, the close is abandoned: the worker's
 * connection is dropped and the caller goes on to exit. Nothing is lost by that: a job whose completion was not
 * recorded keeps its lock until it lapses and is then taken again, as after a crash.
 *
 * Resolves `true` when BullMQ closed on its own, `false` when the close was abandoned.
 */
export async function closeWorker(worker: Worker, options: CloseWorkerOptions): Promise<boolean> {
  const parts = partsOf.get(worker);
  const closing = worker.close().then(() => true);
  if (!parts) return closing;
  const clock = options.clock ?? systemClock;
  const teardownMs = options.teardownMs ?? 5_000;
  const abandon = parts.activeJobs
    .idle()
    .then(() => clock.sleep(teardownMs))
    .then(() => false);
  const closed = await Promise.race([closing, abandon]);
  if (!closed) {
    closing.catch(() => {});
    options.logger.warn(
      { queue: worker.name, teardownMs },
      'worker did not finish closing its Redis connections after its jobs ended; dropping them and going on',
    );
    parts.disconnect();
  }
  return closed;
}
