import { databricksErrors } from '../errors.js';
import type { JobFixture, WebhookEvent, WebhookNotificationsFixture } from '../fixture-types.js';
import type { NotificationDestinationStore } from '../notification-destinations/store.js';

/** The job events a webhook destination can be told of (the SDK's `WebhookNotifications` fields). */
export const WEBHOOK_EVENTS: readonly WebhookEvent[] = [
  'on_start',
  'on_success',
  'on_failure',
  'on_duration_warning_threshold_exceeded',
  'on_streaming_backlog_exceeded',
];

/** "You can configure up to three system destinations for each notification event type" (Databricks job notifications docs). */
const MAX_DESTINATIONS_PER_EVENT = 3;

/** The job settings `jobs/update` may change here: the notification ones. Anything else is refused, not ignored. */
const UPDATABLE = ['webhook_notifications', 'notification_settings'] as const;
type UpdatableField = (typeof UPDATABLE)[number];

/**
 * Applies a `jobs/update` body to a job's notification settings. As the Jobs API reference says of
 * `new_settings`, top-level fields given are replaced as a whole, and `fields_to_remove` removes top-level
 * fields. Every destination named must exist; at most three per event.
 */
export function applyNotificationUpdate(
  job: JobFixture,
  body: Record<string, unknown>,
  destinations: NotificationDestinationStore,
): void {
  const newSettings = body.new_settings ?? {};
  if (typeof newSettings !== 'object' || newSettings === null || Array.isArray(newSettings)) {
    throw databricksErrors.invalidParameter('new_settings must be an object.');
  }
  const toRemove = body.fields_to_remove ?? [];
  if (!Array.isArray(toRemove) || !toRemove.every((f) => typeof f === 'string')) {
    throw databricksErrors.invalidParameter('fields_to_remove must be a list of field names.');
  }
  const given = Object.keys(newSettings);
  const unsupported = [...given, ...(toRemove as string[])].filter((f) => !UPDATABLE.includes(f as UpdatableField));
  if (unsupported.length > 0) {
    throw databricksErrors.invalidParameter(
      `The emulator updates only ${UPDATABLE.join(' and ')}; cannot change ${unsupported.join(', ')}.`,
    );
  }
  const settings = newSettings as Record<string, unknown>;
  // Validated in full before anything changes, so a refused update leaves the job as it was.
  const webhooks =
    settings.webhook_notifications === undefined
      ? undefined
      : parseWebhookNotifications(settings.webhook_notifications, destinations);
  const muting =
    settings.notification_settings === undefined
      ? undefined
      : parseNotificationSettings(settings.notification_settings);
  if (webhooks !== undefined) job.webhook_notifications = webhooks;
  if (muting !== undefined) job.notification_settings = muting;
  for (const field of toRemove as UpdatableField[]) delete job[field];
}

function parseWebhookNotifications(
  raw: unknown,
  destinations: NotificationDestinationStore,
): WebhookNotificationsFixture {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw databricksErrors.invalidParameter('webhook_notifications must be an object.');
  }
  const out: WebhookNotificationsFixture = {};
  for (const [event, list] of Object.entries(raw)) {
    if (!WEBHOOK_EVENTS.includes(event as WebhookEvent)) {
      throw databricksErrors.invalidParameter(
        `Unknown field webhook_notifications.${event}; expected one of ${WEBHOOK_EVENTS.join(', ')}.`,
      );
    }
    if (!Array.isArray(list)) throw databricksErrors.invalidParameter(`webhook_notifications.${event} must be a list.`);
    if (list.length > MAX_DESTINATIONS_PER_EVENT) {
      throw databricksErrors.invalidParameter(
        `webhook_notifications.${event} lists ${list.length} destinations; at most ${MAX_DESTINATIONS_PER_EVENT} are allowed.`,
      );
    }
    out[event as WebhookEvent] = list.map((entry, i) => {
      const id = (entry as { id?: unknown } | null)?.id;
      if (typeof id !== 'string' || id === '') {
        throw databricksErrors.invalidParameter(`webhook_notifications.${event}[${i}].id is required.`);
      }
      destinations.get(id); // 404 RESOURCE_DOES_NOT_EXIST for an unknown destination
      return { id };
    });
  }
  return out;
}

function parseNotificationSettings(raw: unknown): NonNullable<JobFixture['notification_settings']> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw databricksErrors.invalidParameter('notification_settings must be an object.');
  }
  const out: NonNullable<JobFixture['notification_settings']> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key !== 'no_alert_for_skipped_runs' && key !== 'no_alert_for_canceled_runs') {
      throw databricksErrors.invalidParameter(`Unknown field notification_settings.${key}.`);
    }
    if (typeof value !== 'boolean')
      throw databricksErrors.invalidParameter(`notification_settings.${key} must be a boolean.`);
    out[key] = value;
  }
  return out;
}

/** What each job's notification settings were at start, so `reset` can put them back. */
export class JobNotificationSnapshot {
  private readonly saved = new Map<number, Pick<JobFixture, 'webhook_notifications' | 'notification_settings'>>();

  constructor(private readonly jobs: readonly JobFixture[]) {
    for (const job of jobs) {
      this.saved.set(
        job.job_id,
        structuredClone({
          webhook_notifications: job.webhook_notifications,
          notification_settings: job.notification_settings,
        }),
      );
    }
  }

  restore(): void {
    for (const job of this.jobs) {
      const saved = this.saved.get(job.job_id);
      delete job.webhook_notifications;
      delete job.notification_settings;
      if (saved?.webhook_notifications) job.webhook_notifications = structuredClone(saved.webhook_notifications);
      if (saved?.notification_settings) job.notification_settings = structuredClone(saved.notification_settings);
    }
  }
}
