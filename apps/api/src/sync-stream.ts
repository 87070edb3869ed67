import { createHash } from 'node:crypto';
import { SYNC_STATES, type SyncService, type SyncState, type SyncView, TERMINAL_SYNC_STATES } from '@d2s/shared';
import type { FastifyReply } from 'fastify';
import type { SyncEventHub } from './sync-events.js';

export interface SyncStreamDeps {
  syncs: Pick<SyncService, 'get'>;
  events: Pick<SyncEventHub, 'subscribe'>;
  /** The sync with its links, as every other answer shows it. */
  present: (view: SyncView) => unknown;
  /** How often an open stream re-reads the status even without a queue event. @defaultValue 2000 */
  refreshMs?: number;
  /** @defaultValue 15000 */
  heartbeatMs?: number;
  /** What `retry:` tells a browser to wait before reconnecting. @defaultValue 2000 */
  reconnectMs?: number;
}

const ORDER = new Map<SyncState, number>(SYNC_STATES.map((s, i) => [s, i]));

/** The stages a sync passes through on its way to `status`, in order. */
export function stagesUpTo(view: SyncView): SyncState[] {
  const path: SyncState[] = ['queued', 'exporting', 'importing', 'verifying'];
  if (view.status === 'succeeded') return [...path, 'succeeded'];
  if (view.status === 'failed' || view.status === 'canceled') {
    const reached =
      view.error?.stage === 'import'
        ? path.slice(0, 3)
        : view.databricks.runId !== undefined
          ? path.slice(0, 2)
          : path.slice(0, 1);
    return [...reached, view.status];
  }
  return path.slice(0, (ORDER.get(view.status) ?? 0) + 1);
}

/**
 * Where a client stands in a sync's stream: the last stage it was told and a
 * digest of the last status it was sent. Event ids spell it out
 * (`exporting.3f2a9c1b07de`, `failed.9d1c…end`), so an id names the same point
 * of the same sync on any connection and any API replica, and a reconnect
 * with `Last-Event-ID` gets only what it missed.
 */
export interface StreamPosition {
  stage: SyncState | undefined;
  status: string | undefined;
  ended: boolean;
}

export function eventIdOf(position: StreamPosition): string {
  return [position.stage ?? 'none', position.status ?? 'none', ...(position.ended ? ['end'] : [])].join('.');
}

export function parseEventId(text: string | undefined): StreamPosition | undefined {
  if (!text) return undefined;
  const [stage, status, end, ...rest] = text.split('.');
  if (rest.length > 0 || (end !== undefined && end !== 'end')) return undefined;
  if (stage !== 'none' && !ORDER.has(stage as SyncState)) return undefined;
  if (status === undefined || !/^(none|[0-9a-f]{12})$/.test(status)) return undefined;
  return {
    stage: stage === 'none' ? undefined : (stage as SyncState),
    status: status === 'none' ? undefined : status,
    ended: end === 'end',
  };
}

const digestOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** When a stage was reached, as the sync's own timings say (not when this connection happened to send it). */
function reachedAt(view: SyncView, stage: SyncState): string | undefined {
  const t = view.timings;
  switch (stage) {
    case 'queued':
      return t.createdAt;
    case 'exporting':
      return t.exportStartedAt;
    case 'importing':
    case 'verifying':
      return t.importStartedAt ?? t.exportFinishedAt;
    default:
      return t.finishedAt;
  }
}

/**
 * Server-Sent Events until the sync ends: `retry:` first, a `stage` event for
 * every stage the sync has entered (in order), a `status` event with the whole
 * status whenever it changes, and a final `end` event once it has ended, after
 * which the server closes the stream. A client that reconnects after `end`
 * (Last-Event-ID ending in `.end`, or naming the final status) is answered
 * 204, which tells a browser's EventSource to stop reconnecting.
 *
 * Queue events trigger a re-read; a timer re-reads too, so a missed event only
 * delays an update. Returns a function that ends the stream (server shutdown).
 */
export function streamSyncEvents(
  reply: FastifyReply,
  first: SyncView,
  lastEventId: string | undefined,
  deps: SyncStreamDeps,
): () => void {
  const id = first.id;
  const resume = parseEventId(lastEventId);
  const firstText = JSON.stringify(deps.present(first));
  const firstEnded = TERMINAL_SYNC_STATES.has(first.status);
  if (resume && firstEnded && (resume.ended || resume.status === digestOf(firstText))) {
    void reply.status(204).header('cache-control', 'no-store').send();
    return () => {};
  }

  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
  });
  const position: StreamPosition = { stage: resume?.stage, status: resume?.status, ended: false };
  let closed = false;
  const write = (event: string, data: unknown) => {
    if (!closed) raw.write(`id: ${eventIdOf(position)}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const send = (view: SyncView) => {
    const after = position.stage === undefined ? -1 : (ORDER.get(position.stage) ?? -1);
    for (const stage of stagesUpTo(view)) {
      if ((ORDER.get(stage) ?? -1) <= after) continue;
      position.stage = stage;
      write('stage', { id, stage, at: reachedAt(view, stage) ?? null });
    }
    const presented = deps.present(view);
    const digest = digestOf(JSON.stringify(presented));
    if (digest !== position.status) {
      position.status = digest;
      write('status', presented);
    }
    if (TERMINAL_SYNC_STATES.has(view.status)) {
      position.ended = true;
      write('end', { id, status: view.status });
      finish();
    }
  };
  const finish = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(refresh);
    clearInterval(heartbeat);
    raw.end();
  };
  let reading = Promise.resolve();
  const update = () => {
    reading = reading.then(async () => {
      if (closed) return;
      const view = await deps.syncs.get(id).catch(() => undefined);
      if (view) send(view);
    });
  };
  const unsubscribe = deps.events.subscribe(id, () => update());
  const refresh = setInterval(update, deps.refreshMs ?? 2_000);
  const heartbeat = setInterval(() => !closed && raw.write(': keep-alive\n\n'), deps.heartbeatMs ?? 15_000);
  raw.on('close', finish);
  raw.write(`retry: ${deps.reconnectMs ?? 2_000}\n\n`);
  send(first);
  return finish;
}
