import { type BackfillService, BackfillSpec, type BackfillView } from '@d2s/shared';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseOr400 } from '../http-errors.js';

export const BackfillParams = z.strictObject({
  id: z.string().regex(/^backfill_[0-9a-f]{26}$/, 'a backfill id like backfill_0123…'),
});

/** A backfill with its links: each value's sync, and cancel while it runs. */
export function backfillWithLinks(backfill: BackfillView) {
  const self = `/v1/backfills/${backfill.id}`;
  return {
    ...backfill,
    items: backfill.items.map((item) =>
      item.syncId ? { ...item, links: { sync: `/v1/syncs/${item.syncId}` } } : item,
    ),
    links: { self, ...(backfill.status === 'running' ? { cancel: `${self}/cancel` } : {}) },
  };
}

export async function backfillRoutes(app: FastifyInstance, deps: { backfills: BackfillService }): Promise<void> {
  app.post('/v1/backfills', { config: { scope: 'sync' } }, async (request, reply) => {
    const spec = parseOr400(BackfillSpec, request.body ?? {}, 'body');
    const { backfill, created } = await deps.backfills.create(spec);
    request.log.info({ backfillId: backfill.id, dataset: spec.dataset, created }, 'backfill requested');
    return reply
      .status(created ? 202 : 200)
      .header('location', `/v1/backfills/${backfill.id}`)
      .send({ ...backfillWithLinks(backfill), ...(created ? {} : { deduplicated: 'same-request' }) });
  });

  app.get('/v1/backfills/:id', { config: { scope: 'read' } }, async (request) => {
    const { id } = parseOr400(BackfillParams, request.params, 'path');
    return backfillWithLinks(await deps.backfills.require(id));
  });

  const cancel = async (id: string) => backfillWithLinks(await deps.backfills.cancel(id));
  app.post('/v1/backfills/:id/cancel', { config: { scope: 'sync' } }, async (request, reply) => {
    const { id } = parseOr400(BackfillParams, request.params, 'path');
    return reply.status(202).send(await cancel(id));
  });
  app.delete('/v1/backfills/:id', { config: { scope: 'sync' } }, async (request, reply) => {
    const { id } = parseOr400(BackfillParams, request.params, 'path');
    return reply.status(202).send(await cancel(id));
  });
}
