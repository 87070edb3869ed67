import type {
  JobNotificationsApi,
  JobNotificationView,
  WebhookNotifications,
} from '../databricks/job-notifications-api.js';
import { RequestError } from '../errors.js';
import type { Secret } from '../secret.js';

/** The events whose notification wakes an export: the two that end a run. */
export const WAKING_EVENTS = ['on_success', 'on_failure'] as const;

/** "up to three system destinations for each notification event type" (Databricks job notifications docs). */
const MAX_DESTINATIONS_PER_EVENT = 3;

/** The display name d2s gives its destination: the URL it points at, so a new URL makes a new destination. */
/** Every destination `d2s setup webhook` creates is named this, then its URL. */
export const DESTINATION_NAME_PREFIX = 'd2s run ends → ';
export const destinationNameFor = (url: string) => `${DESTINATION_NAME_PREFIX}${url}`;

/**
 * Whether a job (as `jobs/get` returns it) tells the destination of its runs' ends: listed under both
 * `webhook_notifications.on_success` and `on_failure`. For `d2s doctor` and the setup command.
 */
export function isDestinationAttached(job: JobNotificationView, destinationId: string): boolean {
  const notifications = job.settings?.webhook_notifications ?? {};
  return WAKING_EVENTS.every((event) => (notifications[event] ?? []).some((d) => d.id === destinationId));
}

/** The job's notifications with the destination added to the waking events; the rest kept as they were. */
export function withDestination(job: JobNotificationView, destinationId: string): WebhookNotifications {
  const current = job.settings?.webhook_notifications ?? {};
  const next: WebhookNotifications = { ...current };
  for (const event of WAKING_EVENTS) {
    const list = current[event] ?? [];
    if (list.some((d) => d.id === destinationId)) continue;
    if (list.length >= MAX_DESTINATIONS_PER_EVENT) {
      throw new RequestError(
        'WEBHOOK_EVENT_FULL',
        409,
        `Job ${job.job_id} already lists ${list.length} destinations for ${event}, the most Databricks allows; remove one, then run the setup again.`,
        { details: { jobId: job.job_id, event } },
      );
    }
    next[event] = [...list, { id: destinationId }];
  }
  return next;
}

export interface WebhookSetupInput {
  api: Pick<
    JobNotificationsApi,
    'listDestinations' | 'createWebhookDestination' | 'getJob' | 'setWebhookNotifications'
  >;
  /** Where Databricks reaches d2s's hook, e.g. https://d2s.example.com/v1/hooks/databricks. */
  url: string;
  credentials: { username: string; password: Secret };
  /** The jobs of the configured datasets, each once. */
  jobIds: readonly number[];
}

export interface WebhookSetupResult {
  destinationId: string;
  destinationCreated: boolean;
  jobs: Array<{ jobId: number; attached: 'already' | 'now' }>;
}

/**
 * Creates d2s's generic webhook destination (unless one with its name exists) and attaches it to each job's
 * `on_success` and `on_failure`, keeping every other destination. Running it again changes nothing.
 */
export async function setUpWebhook(input: WebhookSetupInput): Promise<WebhookSetupResult> {
  const name = destinationNameFor(input.url);
  const existing = (await input.api.listDestinations()).find((d) => d.display_name === name);
  const destination =
    existing ??
    (await input.api.createWebhookDestination(name, {
      url: input.url,
      username: input.credentials.username,
      password: input.credentials.password.reveal(),
    }));
  const jobs: WebhookSetupResult['jobs'] = [];
  for (const jobId of [...new Set(input.jobIds)]) {
    const job = await input.api.getJob(jobId);
    if (isDestinationAttached(job, destination.id)) {
      jobs.push({ jobId, attached: 'already' });
      continue;
    }
    await input.api.setWebhookNotifications(jobId, withDestination(job, destination.id));
    jobs.push({ jobId, attached: 'now' });
  }
  return { destinationId: destination.id, destinationCreated: !existing, jobs };
}
