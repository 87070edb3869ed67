import type { FastifyInstance } from 'fastify';
import { decodeBody } from '../protocol/envelope.js';
import type { SnowflakeEmulatorAdmin } from './admin.js';
import type { SnowflakeFaults, StatementFault } from './faults.js';
import type { QueryLog } from './query-log.js';

/** The reserved path prefix of the admin HTTP API. */
export const ADMIN_PREFIX = '/__emulator';

type FaultsBody = Omit<SnowflakeFaults, 'failingFiles' | 'statementFaults'> & {
  failingFiles?: { match?: string; regex?: string; message?: string }[];
  statementFaults?: (Omit<StatementFault, 'match'> & { match: string })[];
};

/**
 * The admin HTTP API (not part of Snowflake's protocol):
 *   GET    /__emulator/health
 *   GET    /__emulator/queries            the query log
 *   DELETE /__emulator/queries            clears it
 *   GET    /__emulator/faults             current faults
 *   PUT    /__emulator/faults             merges faults (JSON SnowflakeFaults; failingFiles as {match} or {regex};
 *                                         statementFaults with `match` as a regular expression's source)
 *   DELETE /__emulator/faults             clears them
 *   POST   /__emulator/sessions/expire    {sessionId?}: session tokens expire now (clients renew)
 *   POST   /__emulator/sql                {sql, database?, schema?}: runs SQL as an administrator
 */
export function registerAdminRoutes(app: FastifyInstance, admin: SnowflakeEmulatorAdmin, log: QueryLog): void {
  const json = { 'content-type': 'application/json' };
  app.get(`${ADMIN_PREFIX}/health`, async (_req, reply) => reply.headers(json).send({ ok: true }));
  app.get(`${ADMIN_PREFIX}/queries`, async (_req, reply) => reply.headers(json).send({ queries: log.entries() }));
  app.delete(`${ADMIN_PREFIX}/queries`, async (_req, reply) => {
    log.clear();
    return reply.headers(json).send({ ok: true });
  });
  app.get(`${ADMIN_PREFIX}/faults`, async (_req, reply) => reply.headers(json).send(admin.faults()));
  app.put(`${ADMIN_PREFIX}/faults`, async (req, reply) => {
    const body = decodeBody(req.body) as FaultsBody;
    const { failingFiles, statementFaults, ...rest } = body;
    admin.setFaults({
      ...rest,
      ...(statementFaults
        ? { statementFaults: statementFaults.map((f) => ({ ...f, match: new RegExp(f.match, 'i') })) }
        : {}),
      ...(failingFiles
        ? {
            failingFiles: failingFiles.map((f) => ({
              match: f.regex ? new RegExp(f.regex) : (f.match ?? ''),
              ...(f.message ? { message: f.message } : {}),
            })),
          }
        : {}),
    });
    return reply.headers(json).send(admin.faults());
  });
  app.delete(`${ADMIN_PREFIX}/faults`, async (_req, reply) => {
    admin.resetFaults();
    return reply.headers(json).send({ ok: true });
  });
  app.post(`${ADMIN_PREFIX}/sessions/expire`, async (req, reply) => {
    const body = decodeBody(req.body);
    const expired = admin.expireSessions(typeof body.sessionId === 'number' ? body.sessionId : undefined);
    return reply.headers(json).send({ expired });
  });
  app.post(`${ADMIN_PREFIX}/sql`, async (req, reply) => {
    const body = decodeBody(req.body);
    try {
      const result = await admin.execute(String(body.sql ?? ''), {
        ...(typeof body.database === 'string' ? { database: body.database } : {}),
        ...(typeof body.schema === 'string' ? { schema: body.schema } : {}),
        ...(typeof body.role === 'string' ? { role: body.role } : {}),
      });
      return reply.headers(json).send(result);
    } catch (err) {
      const e = err as { code?: string; sqlState?: string; message?: string };
      return reply
        .code(400)
        .headers(json)
        .send({ code: e.code ?? null, sqlState: e.sqlState ?? null, message: e.message ?? String(err) });
    }
  });
}
