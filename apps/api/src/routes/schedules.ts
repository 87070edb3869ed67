import { ScheduleId, type ScheduleService, ScheduleSpec } from '@d2s/shared';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseOr400 } from '../http-errors.js';

const ScheduleParams = z.strictObject({ id: ScheduleId });

export async function scheduleRoutes(app: FastifyInstance, deps: { schedules: ScheduleService }): Promise<void> {
  app.put('/v1/schedules/:id', { config: { scope: 'admin' } }, async (request) => {
    const { id } = parseOr400(ScheduleParams, request.params, 'path');
    const spec = parseOr400(ScheduleSpec, request.body ?? {}, 'body');
    const view = await deps.schedules.upsert(id, spec);
    request.log.info({ scheduleId: id, kind: spec.kind }, 'schedule saved');
    return view;
  });

  app.get('/v1/schedules', { config: { scope: 'read' } }, async () => ({ items: await deps.schedules.list() }));

  app.get('/v1/schedules/:id', { config: { scope: 'read' } }, async (request) => {
    const { id } = parseOr400(ScheduleParams, request.params, 'path');
    return deps.schedules.require(id);
  });

  app.delete('/v1/schedules/:id', { config: { scope: 'admin' } }, async (request, reply) => {
    const { id } = parseOr400(ScheduleParams, request.params, 'path');
    if (!(await deps.schedules.remove(id))) await deps.schedules.require(id);
    request.log.info({ scheduleId: id }, 'schedule removed');
    return reply.status(204).send();
  });
}
