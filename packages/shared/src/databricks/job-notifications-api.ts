import type { DatabricksHttpClient } from './http-client.js';
import { type CallOptions, callOptionsOf } from './jobs-api.js';

/** A job's `webhook_notifications`: per event, the notification destinations (by id) it tells. SDK: `jobs.WebhookNotifications`. */
export type WebhookNotifications = Partial<
  Record<
    | 'on_start'
    | 'on_success'
    | 'on_failure'
    | 'on_duration_warning_threshold_exceeded'
    | 'on_streaming_backlog_exceeded',
    Array<{ id: string }>
  >
>;

/** The part of `jobs/get` d2s reads to attach a destination. */
export interface JobNotificationView {
  job_id: number;
  settings?: { name?: string; webhook_notifications?: WebhookNotifications };
}

/** A notification destination as list / create answer it (SDK: `settings.NotificationDestination`, `ListNotificationDestinationsResult`). */
export interface NotificationDestinationSummary {
  id: string;
  display_name?: string;
  destination_type?: string;
}

/** Generic webhook settings of a destination; URL, username and password are input-only. */
export interface GenericWebhookInput {
  url: string;
  username?: string;
  password?: string;
}

/** Most destinations one list page asks for (the API's maximum). */
const PAGE_SIZE = 100;
const MAX_PAGES = 100;

/**
 * What attaching a webhook destination to jobs needs: notification destinations
 * (`/api/2.0/notification-destinations`) and a job's notification settings (`jobs/get`, `jobs/update`).
 */
export class JobNotificationsApi {
  readonly #http: DatabricksHttpClient;

  constructor(http: DatabricksHttpClient) {
    this.#http = http;
  }

  /** Every destination, following `next_page_token`. */
  async listDestinations(options: CallOptions = {}): Promise<NotificationDestinationSummary[]> {
    const all: NotificationDestinationSummary[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query: Record<string, string> = { page_size: String(PAGE_SIZE) };
      if (pageToken) query.page_token = pageToken;
      const response = await this.#http.request<{
        results?: NotificationDestinationSummary[];
        next_page_token?: string;
      }>({
        method: 'GET',
        endpoint: 'notification-destinations/list',
        path: '/api/2.0/notification-destinations',
        query,
        idempotent: true,
        ...callOptionsOf(options),
      });
      all.push(...(response.results ?? []));
      pageToken = response.next_page_token || undefined;
      if (!pageToken) return all;
    }
    return all;
  }

  /** Creates a generic webhook destination. Not idempotent: a retry after a lost answer could create two. */
  async createWebhookDestination(
    displayName: string,
    webhook: GenericWebhookInput,
    options: CallOptions = {},
  ): Promise<NotificationDestinationSummary> {
    return this.#http.request<NotificationDestinationSummary>({
      method: 'POST',
      endpoint: 'notification-destinations/create',
      path: '/api/2.0/notification-destinations',
      body: { display_name: displayName, config: { generic_webhook: webhook } },
      idempotent: false,
      ...callOptionsOf(options),
    });
  }

  async getJob(jobId: number, options: CallOptions = {}): Promise<JobNotificationView> {
    return this.#http.request<JobNotificationView>({
      method: 'GET',
      endpoint: 'jobs/get',
      path: '/api/2.2/jobs/get',
      query: { job_id: String(jobId) },
      idempotent: true,
      ...callOptionsOf(options),
    });
  }

  /** Replaces the job's `webhook_notifications` as a whole (jobs/update replaces top-level fields). */
  async setWebhookNotifications(
    jobId: number,
    notifications: WebhookNotifications,
    options: CallOptions = {},
  ): Promise<void> {
    await this.#http.request<Record<string, never>>({
      method: 'POST',
      endpoint: 'jobs/update',
      path: '/api/2.2/jobs/update',
      body: { job_id: jobId, new_settings: { webhook_notifications: notifications } },
      // Setting the same settings twice leaves the job as one call would.
      idempotent: true,
      ...callOptionsOf(options),
    });
  }
}
