import { SYNC_STATES, type SyncService, type SyncState, type SyncView, TERMINAL_SYNC_STATES } from '@d2s/shared';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { parseOr400 } from '../http-errors.js';
import { CreateSyncBody, idempotencyKeyOf, ListSyncsQuery, SyncParams } from '../schemas.js';
import type { SyncEventHub } from '../sync-events.js';

export interface SyncRoutesDeps {
  syncs: SyncService;
  events: SyncEventHub;
  /** How often an open event stream re-reads the status even without a queue event. */
  sseRefreshMs?: number;
  sseHeartbeatMs?: number;
}

const ORDER = new Map<SyncState, number>(SYNC_STATES.map((s, i) => [s, i]));

/**
 * A sync with the links a client may follow: only the actions valid in its state (cancel while it runs,
 * retry once it failed or was canceled), so a client can render buttons from the links alone.
 */
export function withLinks(sync: SyncView) {
  const self = `/v1/syncs/${sync.id}`;
  const ended = TERMINAL_SYNC_STATES.has(sync.status);
  return {
    ...sync,
    links: {
      self,
      events: `${self}/events`,
      ...(ended ? {} : { cancel: `${self}/cancel` }),
      ...(sync.status === 'failed' || sync.status === 'canceled' ? { retry: `${self}/retry` } : {}),
      ...(sync.retryOf ? { retryOf: `/v1/syncs/${sync.retryOf}` } : {}),
      ...(sync.databricks.runPageUrl ? { databricksRun: sync.databricks.runPageUrl } : {}),
    },
  };
}

export async function syncRoutes(app: FastifyInstance, deps: SyncRoutesDeps): Promise<void> {
  const { syncs } = deps;

  app.post('/v1/syncs', async (request, reply) => {
    const input = parseOr400(CreateSyncBody, request.body ?? {}, 'body');
    const idempotencyKey = idempotencyKeyOf(request);
    const result = await syncs.create({
      dataset: input.dataset,
      parameters: input.parameters ?? undefined,
      idempotencyKey,
    });
    request.log.info(
      { syncId: result.sync.id, dataset: input.dataset, created: result.created, reason: result.reason },
      'sync requested',
    );
    return reply
      .status(result.created ? 202 : 200)
      .header('location', `/v1/syncs/${result.sync.id}`)
      .send({ ...withLinks(result.sync), ...(result.reason ? { deduplicated: result.reason } : {}) });
  });

  app.get('/v1/syncs', async (request) => {
    const query = parseOr400(ListSyncsQuery, request.query, 'query');
    const page = await syncs.list(query);
    return { items: page.items.map(withLinks), nextCursor: page.nextCursor };
  });

  app.get('/v1/syncs/:id', async (request) => {
    const { id } = parseOr400(SyncParams, request.params, 'path');
    return withLinks(await syncs.require(id));
  });

  app.post('/v1/syncs/:id/cancel', async (request, reply) => {
    const { id } = parseOr400(SyncParams, request.params, 'path');
    const view = await syncs.cancel(id);
    request.log.info({ syncId: id }, 'sync cancel requested');
    return reply.status(202).send(withLinks(view));
  });

  app.post('/v1/syncs/:id/retry', async (request, reply) => {
    const { id } = parseOr400(SyncParams, request.params, 'path');
    const result = await syncs.retry(id, { idempotencyKey: idempotencyKeyOf(request) });
    request.log.info({ syncId: result.sync.id, retryOf: id, created: result.created }, 'sync retried');
    return reply
      .status(result.created ? 202 : 200)
      .header('location', `/v1/syncs/${result.sync.id}`)
      .send({ ...withLinks(result.sync), ...(result.reason ? { deduplicated: result.reason } : {}) });
  });

  app.get('/v1/syncs/:id/events', async (request, reply) => {
    const { id } = parseOr400(SyncParams, request.params, 'path');
    const first = await syncs.require(id);
    streamStatus(reply, id, first, deps);
  });
}

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
 * Server-Sent Events until the sync ends: a `stage` event for every stage the
 * sync has entered (those before the stream opened are sent first, in order),
 * and a `status` event with the whole status whenever it changes. Queue events
 * trigger a re-read; a timer re-reads too, so a missed event only delays an update.
 */
function streamStatus(reply: FastifyReply, id: string, first: SyncView, deps: SyncRoutesDeps): void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let seq = 0;
  let last = '';
  let closed = false;
  const stagesSent = new Set<SyncState>();
  const write = (event: string, data: unknown) => {
    if (!closed) raw.write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const send = (view: SyncView) => {
    for (const stage of stagesUpTo(view)) {
      if (stagesSent.has(stage)) continue;
      stagesSent.add(stage);
      write('stage', { id, stage, at: new Date().toISOString() });
    }
    const text = JSON.stringify(withLinks(view));
    if (text === last) return;
    last = text;
    write('status', withLinks(view));
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
      if (!view) return;
      send(view);
      if (TERMINAL_SYNC_STATES.has(view.status)) finish();
    });
  };
  const unsubscribe = deps.events.subscribe(id, () => update());
  const refresh = setInterval(update, deps.sseRefreshMs ?? 2_000);
  const heartbeat = setInterval(() => !closed && raw.write(': keep-alive\n\n'), deps.sseHeartbeatMs ?? 15_000);
  raw.on('close', finish);
  send(first);
  if (TERMINAL_SYNC_STATES.has(first.status)) finish();
}
