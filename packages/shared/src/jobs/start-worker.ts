import { hostname } from 'node:os';
import { type Processor, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { D2sConfig } from '../config/load-config.js';
import { createRedisConnection } from '../redis/connections.js';
import type { QueueName } from './catalog.js';
import type { FetchStallWatch } from './fetch-stall-watch.js';
import type { FetchStallReport } from './fetch-watchdog.js';
import { ActiveJobs, registerWorkerShutdown } from './worker-shutdown.js';

export interface StartWorkerOptions {
  config: Pick<D2sConfig, 'redis' | 'workers'>;
  logger: Logger;
  concurrency: number;
  /** Start without taking jobs (tests); call `worker.run()` later. @defaultValue true */
  autorun?: boolean;
  /**
   * Recorded by BullMQ on each job this worker takes (`processedBy`), so an operator (or a test) can tell which
   * replica holds a job. @defaultValue `<host name>:<process id>`
   */
  name?: string;
  /**
   * Watches the worker's fetch loop (workers.fetchStallMs; see FetchStallWatch). Services pass their process's
   * one watch, whose answer to a stall is their `crash`; without it nothing watches.
   */
  fetchStallWatch?: FetchStallWatch;
}

/**
 * A BullMQ Worker with d2s's settings: its own worker-profile connection,
 * the configured prefix, lock and stall settings, a name per replica, and
 * logging of failures. Close it with `closeWorker`, which bounds the close.
 */
export function startWorker<D, R>(
  queue: QueueName,
  processor: Processor<D, R>,
  options: StartWorkerOptions,
): Worker<D, R> {
  const { config, logger } = options;
  const connection = createRedisConnection(config.redis, 'worker', `d2s-${queue}-worker`);
  const activeJobs = new ActiveJobs();
  const worker = new Worker<D, R>(queue, activeJobs.track(processor), {
    connection,
    prefix: config.redis.prefix,
    concurrency: options.concurrency,
    lockDuration: config.workers.lockDurationMs,
    stalledInterval: config.workers.stalledIntervalMs,
    maxStalledCount: config.workers.maxStalledCount,
    autorun: options.autorun ?? true,
    name: options.name ?? `${hostname()}:${process.pid}`,
  });
  worker.on('failed', (job, error) => {
    logger.warn({ queue, jobId: job?.id, attemptsMade: job?.attemptsMade, err: error }, 'job attempt failed');
  });
  worker.on('stalled', (jobId) =>
    logger.warn({ queue, jobId }, 'job stalled: its worker stopped renewing the lock; it will be retried'),
  );
  worker.on('error', (error) => logger.error({ queue, err: error }, 'worker error'));
  // BullMQ only reports a failed lock renewal; the processor would go on beside the replica that takes the job
  // over as stalled. Aborting the job's signal makes the step runner stop at its next step (JobLockLostError).
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const jobId of jobIds) worker.cancelJob(jobId, 'lock lost');
    logger.warn({ queue, jobIds }, 'lost the lock on jobs: they stop at their next step');
  });
  const watchdog = options.fetchStallWatch?.watch(queue, worker as Worker, activeJobs, options.concurrency);
  registerWorkerShutdown(worker as Worker, {
    activeJobs,
    disconnect: () => {
      watchdog?.stop();
      connection.disconnect();
    },
  });
  return worker;
}

/** A service's answer to a stalled fetch loop: exit, for the supervisor to start it afresh. */
export function crashOnFetchStall(crash: (reason: string, details: Record<string, unknown>) => void) {
  return (report: FetchStallReport): void =>
    crash(
      `the ${report.queue} worker took none of the ready jobs for ${Math.round(report.stalledForMs / 1000)} s with free slots (a stuck fetch loop)`,
      { ...report },
    );
}
