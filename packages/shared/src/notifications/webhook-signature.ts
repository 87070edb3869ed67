import { createHmac } from 'node:crypto';
import type { Secret } from '../secret.js';

/**
 * The Standard Webhooks headers for one attempt
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
 * `webhook-id` (stable across retries, so receivers dedupe), `webhook-timestamp` (this attempt, in
 * seconds, so receivers can refuse replays) and `webhook-signature` = `v1,` + base64 HMAC-SHA256, keyed with
 * the decoded secret, of `<id>.<timestamp>.<body>`. The body must be sent byte for byte as signed.
 */
export function standardWebhookHeaders(
  message: { id: string; body: string; timestampSeconds: number },
  signingKey: Secret | undefined,
): Record<string, string> {
  const timestamp = String(message.timestampSeconds);
  const headers: Record<string, string> = { 'webhook-id': message.id, 'webhook-timestamp': timestamp };
  if (signingKey) {
    const signature = createHmac('sha256', Buffer.from(signingKey.reveal(), 'base64'))
      .update(`${message.id}.${timestamp}.${message.body}`)
      .digest('base64');
    headers['webhook-signature'] = `v1,${signature}`;
  }
  return headers;
}
