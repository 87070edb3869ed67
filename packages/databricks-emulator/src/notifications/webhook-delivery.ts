import { setTimeout as sleep } from 'node:timers/promises';
import type { NotificationDeliveryFixture } from '../fixture-types.js';

export type DeliveryPolicy = Required<NotificationDeliveryFixture>;

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { max_attempts: 4, retry_backoff_ms: 1000, timeout_ms: 10_000 };

/** One POST to a webhook destination: the HTTP status, or the network error / timeout that stood for one. */
export interface DeliveryAttempt {
  at: number;
  /** How long the receiver took to answer (or to fail). */
  durationMs?: number;
  status?: number;
  error?: string;
}

/** A notification and what became of it, for `GET /__emulator/notifications`. */
export interface DeliveryRecord {
  id: number;
  destination_id: string;
  url: string;
  event_type: string;
  run_id: number;
  job_id: number;
  payload: Record<string, unknown>;
  attempts: DeliveryAttempt[];
  /** pending while attempts remain; delivered on a 2xx; rejected on a 4xx that a retry cannot fix; failed when attempts ran out; dropped by a fault. */
  outcome: 'pending' | 'delivered' | 'rejected' | 'failed' | 'dropped';
}

export interface WebhookTarget {
  url: string;
  username?: string;
  password?: string;
}

/**
 * Whether a failed attempt is worth repeating: a network error or a timeout, 408, 429 and 5xx are the
 * receiver's passing trouble; any other 4xx (a refused password, a refused payload) would be refused again.
 */
export function isRetryable(attempt: DeliveryAttempt): boolean {
  if (attempt.status === undefined) return true;
  return attempt.status === 408 || attempt.status === 429 || attempt.status >= 500;
}

/**
 * Posts a notification to a generic webhook as JSON, with HTTP Basic auth when the destination has a username
 * and password (its `generic_webhook` config), retrying per the policy with doubling waits. Resolves when the
 * record has its final outcome; `signal` (the emulator closing) ends it early.
 */
export async function deliver(
  target: WebhookTarget,
  record: DeliveryRecord,
  policy: DeliveryPolicy,
  options: { signal: AbortSignal; now: () => number },
): Promise<void> {
  const body = JSON.stringify(record.payload);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.username !== undefined || target.password !== undefined) {
    const pair = `${target.username ?? ''}:${target.password ?? ''}`;
    headers.authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
  }
  for (let attempt = 1; attempt <= policy.max_attempts; attempt++) {
    if (options.signal.aborted) return;
    const result: DeliveryAttempt = { at: options.now() };
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([options.signal, AbortSignal.timeout(policy.timeout_ms)]),
      });
      result.status = response.status;
      await response.body?.cancel();
    } catch (error) {
      result.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    result.durationMs = options.now() - result.at;
    record.attempts.push(result);
    if (result.status !== undefined && result.status >= 200 && result.status < 300) {
      record.outcome = 'delivered';
      return;
    }
    if (!isRetryable(result)) {
      record.outcome = 'rejected';
      return;
    }
    if (attempt < policy.max_attempts) {
      try {
        await sleep(policy.retry_backoff_ms * 2 ** (attempt - 1), undefined, { signal: options.signal });
      } catch {
        return;
      }
    }
  }
  record.outcome = 'failed';
}
