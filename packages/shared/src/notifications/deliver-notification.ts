import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { NotificationEndpoint, NotificationsSettings } from '../config/notification-endpoints.js';
import { NotificationDeliveryError } from '../errors.js';
import { isLastAttempt, settleFailedAttempt } from '../jobs/attempt-failure.js';
import { type NotificationEvent, parseJobData } from '../jobs/catalog.js';
import type { D2sMetrics } from '../metrics/metrics.js';
import { toJobError } from '../sync/job-failure.js';
import { slackMessageOf } from './slack-message.js';
import { standardWebhookHeaders } from './webhook-signature.js';

export interface DeliveryDeps {
  settings: NotificationsSettings;
  logger: Logger;
  metrics?: Pick<D2sMetrics, 'notificationDeliveries'> | undefined;
  fetch?: typeof fetch;
  now?: () => number;
  /**
   * Whether the event's subject already reads as ended through the API (for sync.*: the sync's status is
   * terminal). Events are queued just before BullMQ records the job's end, so a receiver that reads
   * `GET /v1/syncs/:id` on receipt could otherwise still see it running: delivery waits for this first.
   */
  subjectEnded?: (event: NotificationEvent) => Promise<boolean>;
  /** How long delivery waits for subjectEnded before sending anyway. @defaultValue 5000 */
  settleTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** What a delivered notification's job returns (shown by GET /v1/notifications/deliveries). */
export interface DeliveryResult {
  status: number;
  deliveredAt: string;
  durationMs: number;
}

// Enough of a receiver's answer to say why it refused, never a whole page.
const RESPONSE_EXCERPT = 200;

/**
 * The `notify` queue's processor: one POST per attempt. 2xx is delivered; anything else (3xx included:
 * redirects are not followed, as the receiver's URL is the one configured) or no answer within
 * notifications.timeoutMs throws, and BullMQ retries with exponential backoff until notifications.attempts
 * run out. Each attempt is signed afresh with its own timestamp; the webhook-id stays the event's id.
 */
export function createNotificationProcessor(deps: DeliveryDeps) {
  const send = deps.fetch ?? fetch;
  const now = deps.now ?? Date.now;

  return async function deliverNotification(job: Job): Promise<DeliveryResult> {
    const { endpoint: name, event } = parseJobData('notify', 'notification-deliver', job.data);
    const log = deps.logger.child({ jobId: job.id, endpoint: name, eventId: event.id, event: event.type });
    try {
      const endpoint = deps.settings.endpoints.find((e) => e.name === name);
      if (!endpoint)
        throw new NotificationDeliveryError(
          'NOTIFICATION_ENDPOINT_UNKNOWN',
          `Endpoint "${name}" is no longer in notifications.endpoints; nothing to deliver to.`,
        );
      await untilSubjectEnded(event);
      const started = now();
      const status = await post(endpoint, event, started);
      deps.metrics?.notificationDeliveries.inc({ endpoint: name, event: event.type, outcome: 'delivered' });
      log.info({ status, attempt: job.attemptsMade + 1 }, 'notification delivered');
      return { status, deliveredAt: new Date(now()).toISOString(), durationMs: Math.max(0, now() - started) };
    } catch (error) {
      const last = isLastAttempt(job, toJobError(error));
      deps.metrics?.notificationDeliveries.inc({
        endpoint: name,
        event: event.type,
        outcome: last ? 'failed' : 'retried',
      });
      throw await settleFailedAttempt(job, error, { log, message: 'notification not delivered' });
    }
  };

  /** Bounded: a subject that never reads as ended (its record expired, say) is sent anyway after the timeout. */
  async function untilSubjectEnded(event: NotificationEvent): Promise<void> {
    if (!deps.subjectEnded) return;
    const pause = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const deadline = now() + (deps.settleTimeoutMs ?? 5_000);
    while (!(await deps.subjectEnded(event).catch(() => true)) && now() < deadline) await pause(25);
  }

  async function post(endpoint: NotificationEndpoint, event: NotificationEvent, at: number): Promise<number> {
    const body = JSON.stringify(endpoint.format === 'slack' ? slackMessageOf(event) : event);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'd2s-notifications',
      ...standardWebhookHeaders({ id: event.id, body, timestampSeconds: Math.floor(at / 1000) }, endpoint.signingKey),
    };
    const url = typeof endpoint.url === 'string' ? endpoint.url : endpoint.url.reveal();
    let response: Response;
    try {
      response = await send(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(deps.settings.timeoutMs),
      });
    } catch (error) {
      // The message names the endpoint, never its URL: a URL from urlEnv is a credential.
      const reason = causeOf(error);
      throw new NotificationDeliveryError(
        'NOTIFICATION_RECEIVER_UNREACHABLE',
        `Endpoint "${endpoint.name}" did not answer: ${reason}`,
        { retryable: true, details: { endpoint: endpoint.name, reason } },
      );
    }
    const answer = (await response.text().catch(() => '')).slice(0, RESPONSE_EXCERPT);
    if (response.status >= 200 && response.status < 300) return response.status;
    throw new NotificationDeliveryError(
      'NOTIFICATION_RECEIVER_ERROR',
      `Endpoint "${endpoint.name}" answered HTTP ${response.status}${answer ? `: ${answer}` : ''}`,
      { retryable: true, details: { endpoint: endpoint.name, status: response.status } },
    );
  }
}

function causeOf(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timed out';
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}
