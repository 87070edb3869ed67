import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { NotificationsSettings } from '../config/notification-endpoints.js';
import type { D2sConfig } from '../config/load-config.js';
import type { NotificationEvent } from '../jobs/catalog.js';
import { addJob } from '../jobs/typed-queue.js';
import type { D2sMetrics } from '../metrics/metrics.js';

export interface NotificationEmitterDeps {
  /** The `notify` queue. */
  queue: Queue;
  settings: NotificationsSettings;
  retentionSeconds: number;
  logger: Pick<Logger, 'warn' | 'error' | 'debug'>;
  metrics?: Pick<D2sMetrics, 'notificationEmits'> | undefined;
  /** How long queuing may take before the caller goes on without waiting. @defaultValue 2000 */
  addTimeoutMs?: number;
}

/** Queues `<endpoint>-<event id>`: BullMQ refuses ':' in custom job ids, and the name is [a-z0-9-]. */
export function notificationJobId(endpoint: string, eventId: string): string {
  return `${endpoint}-${eventId}`;
}

/**
 * Hands ended syncs, mirror runs and backfills to the `notify` queue, one job per interested endpoint.
 * The caller has already recorded the outcome; delivery happens elsewhere, so a receiver that is down never
 * delays or fails the caller. `emit` never throws: a queue that cannot be reached costs the notification
 * (logged and counted), not the sync.
 */
export class NotificationEmitter {
  readonly #deps: NotificationEmitterDeps;

  /** A service's emitter: the config's endpoints and retention, onto the `notify` queue. */
  static forService(
    config: Pick<D2sConfig, 'notifications' | 'api'>,
    queue: Queue,
    logger: NotificationEmitterDeps['logger'],
    metrics?: NotificationEmitterDeps['metrics'],
  ): NotificationEmitter {
    return new NotificationEmitter({
      queue,
      settings: config.notifications,
      retentionSeconds: config.api.retentionSeconds,
      logger,
      metrics,
    });
  }

  constructor(deps: NotificationEmitterDeps) {
    this.#deps = deps;
  }

  async emit(event: NotificationEvent): Promise<void> {
    const { settings } = this.#deps;
    const endpoints = settings.endpoints.filter((e) => !e.events || e.events.includes(event.type));
    if (endpoints.length === 0) return;
    const queued = Promise.all(
      endpoints.map((endpoint) =>
        addJob(
          this.#deps.queue,
          'notify',
          'notification-deliver',
          { endpoint: endpoint.name, event },
          {
            // The same event for the same endpoint is one job, however often it is emitted.
            jobId: notificationJobId(endpoint.name, event.id),
            attempts: settings.attempts,
            backoff: { type: 'exponential', delay: settings.backoffMs, jitter: 0.5 },
            retentionSeconds: this.#deps.retentionSeconds,
          },
        ),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#deps.addTimeoutMs ?? 2_000);
    });
    try {
      // Redis that hangs must not hold the sync's job: past the timeout the add may still land (same job id).
      const result = await Promise.race([queued, timeout]);
      if (result === 'timeout') throw new Error('queuing the notification timed out');
      this.#deps.metrics?.notificationEmits.inc({ event: event.type, outcome: 'queued' }, endpoints.length);
    } catch (error) {
      queued.catch(() => undefined);
      this.#deps.metrics?.notificationEmits.inc({ event: event.type, outcome: 'error' }, endpoints.length);
      this.#deps.logger.error(
        { err: error, eventId: event.id, event: event.type, endpoints: endpoints.map((e) => e.name) },
        'could not queue the notification; the outcome itself is recorded',
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
