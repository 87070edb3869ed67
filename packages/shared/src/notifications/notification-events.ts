import { createHash } from 'node:crypto';
import type { NotificationEventType } from '../config/schema.js';
import { isD2sError } from '../errors.js';
import type { NotificationEvent } from '../jobs/catalog.js';
import type { SyncService } from '../sync/sync-service.js';
import { TERMINAL_SYNC_STATES } from '../sync/sync-view.js';

/**
 * The event id (and so the `webhook-id`) from what the event is about: one sync ends once, one mirror run
 * finishes once. A job retried after it emitted, or two workers seeing the same end, emit the same id, and
 * the notification job ids derived from it make the queue keep one delivery per endpoint.
 */
export function notificationEventId(type: NotificationEventType, subject: string): string {
  return `evt_${createHash('sha256').update(`${type}\n${subject}`).digest('hex').slice(0, 32)}`;
}

/** A failure as receivers see it: the coded message only, never a stack or a cause. */
export function publicError(error: unknown): { code: string; message: string } {
  if (isD2sError(error)) return { code: error.code, message: error.message };
  return { code: 'INTERNAL_ERROR', message: error instanceof Error ? error.message : String(error) };
}

export interface SyncEnd {
  syncId: string;
  dataset: string;
  attempt: number;
  origin: string;
  parameters: Record<string, unknown>;
  retryOf?: string | undefined;
  outcome: 'succeeded' | 'failed' | 'canceled';
  /** succeeded only: what the load report says. */
  rowsLoaded?: number | undefined;
  error?: unknown;
}

export function syncEndedEvent(end: SyncEnd, at: Date): NotificationEvent {
  const type = `sync.${end.outcome}` as const;
  return {
    id: notificationEventId(type, end.syncId),
    type,
    timestamp: at.toISOString(),
    data: {
      syncId: end.syncId,
      dataset: end.dataset,
      status: end.outcome,
      attempt: end.attempt,
      origin: end.origin,
      parameters: end.parameters,
      ...(end.retryOf ? { retryOf: end.retryOf } : {}),
      ...(end.rowsLoaded !== undefined ? { rowsLoaded: end.rowsLoaded } : {}),
      ...(end.outcome !== 'succeeded' && end.error !== undefined ? { error: publicError(end.error) } : {}),
    },
  };
}

export interface MirrorRunEnd {
  mirrorRunId: string;
  status: 'succeeded' | 'failed';
  /** Actions by how they ended. */
  counts: Record<string, number>;
  error?: unknown;
}

export function mirrorRunFinishedEvent(end: MirrorRunEnd, at: Date): NotificationEvent {
  return {
    id: notificationEventId('mirror.run.finished', end.mirrorRunId),
    type: 'mirror.run.finished',
    timestamp: at.toISOString(),
    data: {
      mirrorRunId: end.mirrorRunId,
      status: end.status,
      counts: end.counts,
      ...(end.error !== undefined ? { error: publicError(end.error) } : {}),
    },
  };
}

export interface BackfillEnd {
  backfillId: string;
  dataset: string;
  parameter: string;
  from: string;
  to: string;
  status: 'succeeded' | 'failed' | 'canceled';
  /** Its syncs by status. */
  counts: Record<string, number>;
}

export function backfillFinishedEvent(end: BackfillEnd, at: Date): NotificationEvent {
  return {
    id: notificationEventId('backfill.finished', end.backfillId),
    type: 'backfill.finished',
    timestamp: at.toISOString(),
    data: { ...end },
  };
}

/**
 * For delivery's wait (DeliveryDeps.subjectEnded): a sync.* event's sync reads as ended through the API once
 * its status is terminal; one d2s no longer knows, and every other event, have nothing to wait for.
 */
export async function syncReadsAsEnded(
  syncs: Pick<SyncService, 'get'>,
  event: Pick<NotificationEvent, 'type' | 'data'>,
): Promise<boolean> {
  if (!event.type.startsWith('sync.')) return true;
  const syncId = (event.data as { syncId?: unknown }).syncId;
  if (typeof syncId !== 'string') return true;
  const view = await syncs.get(syncId);
  return view === undefined || TERMINAL_SYNC_STATES.has(view.status);
}
