import { createHash } from 'node:crypto';
import { RequestError, type SyncService, type SyncView, TERMINAL_SYNC_STATES } from '@d2s/shared';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { StreamTokenStore } from '../auth/stream-tokens.js';
import type { ApiPrincipal } from '../auth/token-registry.js';
import { parseOr400 } from '../http-errors.js';
import type { RequestBudgets } from '../mutation-guards.js';
import { setBudgetHeaders } from '../rate-limit-headers.js';
import { CreateSyncBody, idempotencyKeyOf, ListSyncsQuery, SyncParams } from '../schemas.js';
import type { SyncEventHub } from '../sync-events.js';
import { streamSyncEvents } from '../sync-stream.js';

export interface SyncRoutesDeps {
  syncs: SyncService;
  /** The rate-limit budget a creation draws on; the creation charges it with its first write. */
  budgets: RequestBudgets;
  events: SyncEventHub;
  /** How often an open event stream re-reads the status even without a queue event. */
  sseRefreshMs?: number;
  sseHeartbeatMs?: number;
  /** Mints stream tokens (for a browser's EventSource); without it the token route answers 404. */
  streamTokens?: StreamTokenStore;
  /** Ends every open event stream; the server calls them all when it shuts down. */
  openStreams?: Set<() => void>;
}

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
      ...(sync.queue ? { queuedBehind: `/v1/syncs/${sync.queue.behind}` } : {}),
      ...(sync.databricks.runPageUrl ? { databricksRun: sync.databricks.runPageUrl } : {}),
    },
  };
}

export async function syncRoutes(app: FastifyInstance, deps: SyncRoutesDeps): Promise<void> {
  const { syncs } = deps;

  app.post('/v1/syncs', { config: { scope: 'sync', chargesOwnBudget: true } }, async (request, reply) => {
    let charged = false;
    let input: z.infer<typeof CreateSyncBody>;
    let result: Awaited<ReturnType<SyncService['create']>>;
    try {
      input = parseOr400(CreateSyncBody, request.body ?? {}, 'body');
      result = await syncs.create({
        dataset: input.dataset,
        parameters: input.parameters ?? undefined,
        idempotencyKey: idempotencyKeyOf(request),
        charge: deps.budgets.chargeFor(request),
        onCharged: (verdict) => {
          charged = true;
          setBudgetHeaders(reply, verdict);
        },
      });
    } catch (error) {
      // Refused before the creation's first write (a bad body or key, an unknown dataset, invalid parameters): the
      // request still counts against the token's budget, as every change does, and its answer carries the
      // rate-limit headers; past the budget the answer is the 429.
      if (!charged && error instanceof RequestError && error.httpStatus < 500 && error.httpStatus !== 429)
        await deps.budgets.chargeNow(request, reply);
      throw error;
    }
    request.log.info(
      { syncId: result.sync.id, dataset: input.dataset, created: result.created, reason: result.reason },
      'sync requested',
    );
    return reply
      .status(result.created ? 202 : 200)
      .header('location', `/v1/syncs/${result.sync.id}`)
      .send({ ...withLinks(result.sync), ...(result.reason ? { deduplicated: result.reason } : {}) });
  });

  app.get('/v1/syncs', { config: { scope: 'read' } }, async (request) => {
    const query = parseOr400(ListSyncsQuery, request.query, 'query');
    const page = await syncs.list(query);
    return { items: page.items.map(withLinks), nextCursor: page.nextCursor };
  });

  // A polling client sends the ETag back in If-None-Match and gets 304, no body, while nothing changed.
  app.get('/v1/syncs/:id', { config: { scope: 'read' } }, async (request, reply) => {
    const { id } = parseOr400(SyncParams, request.params, 'path');
    const text = JSON.stringify(withLinks(await syncs.require(id)));
    const etag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
    reply.header('etag', etag);
    if (matchesEtag(request.headers['if-none-match'], etag)) return reply.status(304).send();
    return reply.type('application/json; charset=utf-8').send(text);
  });

  app.post('/v1/syncs/:id/cancel', { config: { scope: 'sync' } }, async (request, reply) => {
    const { id } = parseOr400(SyncParams, request.params, 'path');
    const view = await syncs.cancel(id);
    request.log.info({ syncId: id }, 'sync cancel requested');
    return reply.status(202).send(withLinks(view));
  });

  app.post('/v1/syncs/:id/retry', { config: { scope: 'sync' } }, async (request, reply) => {
    const { id } = parseOr400(SyncParams, request.params, 'path');
    const result = await syncs.retry(id, { idempotencyKey: idempotencyKeyOf(request) });
    request.log.info({ syncId: result.sync.id, retryOf: id, created: result.created }, 'sync retried');
    return reply
      .status(result.created ? 202 : 200)
      .header('location', `/v1/syncs/${result.sync.id}`)
      .send({ ...withLinks(result.sync), ...(result.reason ? { deduplicated: result.reason } : {}) });
  });

  app.post('/v1/syncs/:id/events/token', { config: { scope: 'read' } }, async (request, reply) => {
    const { id } = parseOr400(SyncParams, request.params, 'path');
    if (!deps.streamTokens) throw new RequestError('ROUTE_NOT_FOUND', 404, 'Stream tokens are not enabled.');
    await syncs.require(id);
    const minted = await deps.streamTokens.mint(id, request.principal as ApiPrincipal);
    return reply.status(201).send({
      ...minted,
      url: `/v1/syncs/${id}/events?stream_token=${minted.token}`,
    });
  });

  app.get('/v1/syncs/:id/events', { config: { scope: 'read', streamToken: true } }, async (request, reply) => {
    const { id } = parseOr400(SyncParams, request.params, 'path');
    const first = await syncs.require(id);
    const lastEventId = request.headers['last-event-id'];
    const end = streamSyncEvents(reply, first, typeof lastEventId === 'string' ? lastEventId : undefined, {
      syncs,
      events: deps.events,
      present: withLinks,
      ...(deps.sseRefreshMs ? { refreshMs: deps.sseRefreshMs } : {}),
      ...(deps.sseHeartbeatMs ? { heartbeatMs: deps.sseHeartbeatMs } : {}),
    });
    deps.openStreams?.add(end);
    reply.raw.once('close', () => deps.openStreams?.delete(end));
  });
}

/** If-None-Match: `*`, or a list of (possibly weak) entity tags, one of which is ours. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
