import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { D2sConfig } from '../config/load-config.js';
import { createRedisConnection, type RedisClient } from '../redis/connections.js';
import type { QueueName } from './catalog.js';
import { type FetchStallReport, FetchWatchdog } from './fetch-watchdog.js';

export interface FetchStallWatchOptions {
  config: Pick<D2sConfig, 'redis' | 'workers'>;
  logger: Logger;
  /** Called once per stalled worker. Services pass `crashOnFetchStall(crash)`. */
  onStall(report: FetchStallReport): void;
  /** Opens the watchdogs' connection. @defaultValue a producer connection to config.redis */
  connect?: () => RedisClient;
}

/**
 * The fetch watchdogs of one process (see FetchWatchdog): one per worker, all asking Redis through one
 * connection of their own (a worker's connection may be the one that hangs), and one answer to a stall. A
 * service makes it once in its main and hands it to each startWorker; the connection opens with the first
 * watched worker and closes with the last.
 */
export class FetchStallWatch {
  readonly #options: FetchStallWatchOptions;
  #probe: RedisClient | undefined;
  #watching = 0;

  constructor(options: FetchStallWatchOptions) {
    this.#options = options;
  }

  /** Watches one worker until `stop()`; undefined when workers.fetchStallMs is 0 (watching is off). */
  watch(
    queue: QueueName,
    worker: Worker,
    jobs: { readonly count: number; readonly lastStartedAt: number },
    concurrency: number,
  ): { stop(): void } | undefined {
    const { config, logger, onStall } = this.#options;
    const stallMs = config.workers.fetchStallMs;
    if (stallMs === 0) return undefined;
    const probe = this.#openProbe();
    this.#watching++;
    const watchdog = new FetchWatchdog({
      queue,
      prefix: config.redis.prefix,
      worker,
      probe,
      concurrency,
      jobs,
      stallMs,
      intervalMs: Math.max(250, Math.min(10_000, Math.round(stallMs / 6))),
      onStall,
      logger,
    });
    watchdog.start();
    let stopped = false;
    return {
      stop: () => {
        if (stopped) return;
        stopped = true;
        watchdog.stop();
        if (--this.#watching === 0) this.#closeProbe();
      },
    };
  }

  #openProbe(): RedisClient {
    if (this.#probe) return this.#probe;
    const probe =
      this.#options.connect?.() ?? createRedisConnection(this.#options.config.redis, 'producer', 'd2s-fetch-watchdog');
    // Its failures only mean "cannot tell now" (a look is skipped); the workers' own connections report Redis trouble.
    probe.on('error', (error: Error) =>
      this.#options.logger.debug({ err: error }, 'fetch watchdog: Redis not reachable'),
    );
    this.#probe = probe;
    return probe;
  }

  #closeProbe(): void {
    this.#probe?.disconnect();
    this.#probe = undefined;
  }
}
