import { listDeliveries } from '@d2s/shared';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseOr400 } from '../http-errors.js';

export const ListDeliveriesQuery = z.strictObject({
  /** Newest first, at most this many. @defaultValue 50 */
  limit: z.coerce.number().int().min(1).max(500).default(50),
  status: z.enum(['pending', 'delivering', 'retrying', 'delivered', 'failed']).optional(),
});

/**
 * `GET /v1/notifications/deliveries` (admin): each outgoing webhook (one event for one endpoint) with its
 * status, attempts, the receiver's last answer and when the next attempt is due. Read from the `notify`
 * queue's jobs, so it cannot disagree with what the worker does. Admin, as Bull Board is: it shows where
 * d2s sends its events.
 */
export async function notificationRoutes(app: FastifyInstance, deps: { notifyQueue: Queue }): Promise<void> {
  app.get('/v1/notifications/deliveries', { config: { scope: 'admin' } }, async (request) => {
    const query = parseOr400(ListDeliveriesQuery, request.query ?? {}, 'query');
    return { items: await listDeliveries(deps.notifyQueue, query) };
  });
}
