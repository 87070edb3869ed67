import { randomUUID } from 'node:crypto';
import { DatabricksApiError, databricksErrors } from '../errors.js';

/**
 * Notification destinations (`/api/2.0/notification-destinations`), the targets a job's
 * `webhook_notifications` name by id. Field names follow the SDK's settings models
 * (databricks-sdk-py service/settings.py: NotificationDestination, Config, GenericWebhookConfig, EmailConfig,
 * DestinationType). Secrets and URLs are input-only: answers carry `url_set`, `username_set`, `password_set`.
 */
export type DestinationType = 'WEBHOOK' | 'EMAIL';

export interface NotificationDestination {
  id: string;
  displayName: string;
  type: DestinationType;
  /** Kept for the emulator's own use (sending notifications); never rendered. */
  webhook?: { url: string; username?: string; password?: string };
  email?: { addresses: string[] };
}

const CONFIG_KINDS = ['email', 'generic_webhook', 'microsoft_teams', 'pagerduty', 'slack'] as const;

export class NotificationDestinationStore {
  private readonly destinations = new Map<string, NotificationDestination>();

  create(body: Record<string, unknown>): NotificationDestination {
    const displayName = body.display_name;
    if (typeof displayName !== 'string' || displayName.trim() === '') {
      throw databricksErrors.invalidParameter('display_name is required.');
    }
    const destination: NotificationDestination = { id: randomUUID(), displayName, ...parseConfig(body.config) };
    this.destinations.set(destination.id, destination);
    return destination;
  }

  get(id: string): NotificationDestination {
    const found = this.destinations.get(id);
    if (!found) throw notFound(id);
    return found;
  }

  /** The destination, or undefined when there is none (a job may still name a deleted one). */
  find(id: string): NotificationDestination | undefined {
    return this.destinations.get(id);
  }

  list(): NotificationDestination[] {
    return [...this.destinations.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  delete(id: string): void {
    if (!this.destinations.delete(id)) throw notFound(id);
  }

  reset(): void {
    this.destinations.clear();
  }
}

/** The answer of create / get: the config with input-only values replaced by `*_set` flags. */
export function renderDestination(d: NotificationDestination): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  if (d.webhook) {
    config.generic_webhook = {
      url_set: true,
      username_set: d.webhook.username !== undefined,
      password_set: d.webhook.password !== undefined,
    };
  }
  if (d.email) config.email = { addresses: d.email.addresses };
  return { id: d.id, display_name: d.displayName, destination_type: d.type, config };
}

function parseConfig(raw: unknown): Pick<NotificationDestination, 'type' | 'webhook' | 'email'> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw databricksErrors.invalidParameter('config is required and must wrap exactly one destination config.');
  }
  const config = raw as Record<string, unknown>;
  const given = CONFIG_KINDS.filter((kind) => config[kind] !== undefined);
  if (given.length !== 1) {
    throw databricksErrors.invalidParameter(
      `config must wrap exactly one of ${CONFIG_KINDS.join(', ')}; got ${given.length === 0 ? 'none' : given.join(', ')}.`,
    );
  }
  const kind = given[0];
  const value = config[kind as string] as Record<string, unknown>;
  if (kind === 'generic_webhook') {
    const url = value.url;
    if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/.test(url)) {
      throw databricksErrors.invalidParameter('generic_webhook.url must be an http(s) URL.');
    }
    const webhook: NotificationDestination['webhook'] = { url };
    if (typeof value.username === 'string') webhook.username = value.username;
    if (typeof value.password === 'string') webhook.password = value.password;
    return { type: 'WEBHOOK', webhook };
  }
  if (kind === 'email') {
    const addresses = value.addresses;
    if (!Array.isArray(addresses) || addresses.length === 0 || !addresses.every((a) => typeof a === 'string')) {
      throw databricksErrors.invalidParameter('email.addresses must be a non-empty list of strings.');
    }
    return { type: 'EMAIL', email: { addresses: addresses as string[] } };
  }
  throw databricksErrors.invalidParameter(`The emulator does not support ${kind} destinations yet.`);
}

function notFound(id: string): DatabricksApiError {
  return new DatabricksApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Notification destination ${id} does not exist.`);
}
