import type { DoctorReport } from '@d2s/shared';
import type { FastifyInstance } from 'fastify';

/**
 * `GET /v1/doctor` (admin): the preflight of `d2s doctor`, run by the API with its own configuration and
 * connections. The answer is 200 whatever the checks found: a failing check is data, not an API error; the
 * report's `status` says ok, warn or fail. /readyz stays terse; this is where the details are.
 */
export async function doctorRoutes(app: FastifyInstance, deps: { doctor: () => Promise<DoctorReport> }): Promise<void> {
  app.get('/v1/doctor', { config: { scope: 'admin' } }, async () => deps.doctor());
}
