import type { NotificationEvent } from '../jobs/catalog.js';

/** A Slack incoming-webhook body: `text` (the notification and fallback) and Block Kit `blocks`. */
export interface SlackMessage {
  text: string;
  blocks: Array<
    | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
    | { type: 'context'; elements: Array<{ type: 'mrkdwn'; text: string }> }
  >;
}

// A section's text holds at most 3000 characters (https://api.slack.com/reference/block-kit/blocks#section).
const SECTION_LIMIT = 3_000;

/**
 * The event as a Slack message (https://api.slack.com/messaging/webhooks): one line that says what ended
 * and how, the error when there is one, and the event id to find it in d2s. Text from d2s's data is escaped
 * as Slack's mrkdwn requires (&, <, >: https://api.slack.com/reference/surfaces/formatting#escaping), so a
 * dataset or an error message cannot turn into a link or a mention.
 */
export function slackMessageOf(event: NotificationEvent): SlackMessage {
  const data = event.data as Record<string, unknown>;
  const headline = headlineOf(event.type, data);
  const error = data.error as { code?: unknown; message?: unknown } | undefined;
  const lines = [headline];
  if (error) lines.push(`*${escape(String(error.code))}*: ${escape(String(error.message))}`);
  const body = lines.join('\n');
  return {
    text: headline,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: truncate(body) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `d2s ${event.type} · ${event.id} · ${event.timestamp}` }] },
    ],
  };
}

function headlineOf(type: NotificationEvent['type'], data: Record<string, unknown>): string {
  const text = (key: string) => escape(String(data[key] ?? '?'));
  switch (type) {
    case 'sync.succeeded':
      return `:white_check_mark: Sync \`${text('syncId')}\` of *${text('dataset')}* succeeded${
        typeof data.rowsLoaded === 'number' ? ` (${data.rowsLoaded} rows loaded)` : ''
      }`;
    case 'sync.failed':
      return `:x: Sync \`${text('syncId')}\` of *${text('dataset')}* failed`;
    case 'sync.canceled':
      return `:no_entry_sign: Sync \`${text('syncId')}\` of *${text('dataset')}* was canceled`;
    case 'mirror.run.finished':
      return `${data.status === 'succeeded' ? ':white_check_mark:' : ':x:'} Mirror run \`${text('mirrorRunId')}\` ${text('status')}${countsOf(data)}`;
    case 'backfill.finished':
      return `${data.status === 'succeeded' ? ':white_check_mark:' : ':x:'} Backfill \`${text('backfillId')}\` of *${text('dataset')}* (${text('from')} to ${text('to')}) ${text('status')}${countsOf(data)}`;
  }
}

function countsOf(data: Record<string, unknown>): string {
  const counts = data.counts as Record<string, number> | undefined;
  if (!counts) return '';
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${escape(status)}`);
  return parts.length > 0 ? `: ${parts.join(', ')}` : '';
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string): string {
  return text.length <= SECTION_LIMIT ? text : `${text.slice(0, SECTION_LIMIT - 1)}…`;
}
