import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../engine/engine.js';
import { loginErrors, sqlErrors } from '../errors.js';
import { decodeBody, type Envelope, failure, ok, tokenFromHeader } from './envelope.js';
import { login } from './login.js';
import { errorEnvelope, QueryRegistry, type QueryRequestBody } from './query-registry.js';
import type { ProtocolSession, SessionStore } from './session-store.js';
import type { UserRegistry } from './users.js';

export interface ProtocolDeps {
  engine: Engine;
  users: UserRegistry;
  sessions: SessionStore;
  queries: QueryRegistry;
  now: () => number;
  /** How long a query request waits for its statement before answering 333333. */
  queryInProgressAfterMs: number;
  /** How long GET /queries/<id>/result holds a poll before answering 333333 again. */
  resultPollHoldMs: number;
}

type Query = Record<string, string | undefined>;

export function send(reply: FastifyReply, envelope: Envelope, status = 200): FastifyReply {
  return reply.code(status).header('content-type', 'application/json').send(JSON.stringify(envelope));
}

/** Resolves the session of `Authorization: Snowflake Token="..."`, or answers the GS error. */
function authenticate(deps: ProtocolDeps, request: FastifyRequest, reply: FastifyReply): ProtocolSession | undefined {
  const lookup = deps.sessions.lookup(tokenFromHeader(request.headers.authorization));
  if (lookup.kind === 'ok') return lookup.session;
  const error =
    lookup.kind === 'expired'
      ? loginErrors.sessionExpired
      : lookup.kind === 'gone'
        ? loginErrors.sessionGone
        : loginErrors.sessionTokenInvalid;
  send(reply, failure(error.code, error.message));
  return undefined;
}

async function answerWhenDone(
  deps: ProtocolDeps,
  reply: FastifyReply,
  record: Parameters<QueryRegistry['waitFor']>[0],
  holdMs: number,
): Promise<FastifyReply> {
  const finished = await deps.queries.waitFor(record, holdMs);
  if (!finished || !record.response) return send(reply, QueryRegistry.inProgress(record, false));
  return send(reply, record.response);
}

/** The Snowflake GS endpoints the Node driver calls. */
export function registerProtocolRoutes(app: FastifyInstance, deps: ProtocolDeps): void {
  app.post('/session/v1/login-request', async (request, reply) => {
    const envelope = await login(decodeBody(request.body), request.query as Query, deps);
    return send(reply, envelope);
  });

  app.post('/session/token-request', async (request, reply) => {
    const body = decodeBody(request.body);
    const lookup = deps.sessions.lookupMaster(tokenFromHeader(request.headers.authorization));
    if (lookup.kind === 'expired')
      return send(reply, failure(loginErrors.masterTokenExpired.code, loginErrors.masterTokenExpired.message));
    if (lookup.kind !== 'ok')
      return send(reply, failure(loginErrors.masterTokenInvalid.code, loginErrors.masterTokenInvalid.message));
    if (String(body.requestType ?? 'RENEW').toUpperCase() !== 'RENEW')
      return send(reply, failure('390120', `Unsupported requestType ${String(body.requestType)}.`));
    const session = lookup.session;
    deps.sessions.renew(session);
    return send(reply, {
      ...ok({
        sessionToken: session.token,
        validityInSecondsST: deps.sessions.sessionValiditySeconds,
        masterToken: session.masterToken,
        validityInSecondsMT: deps.sessions.masterValiditySeconds,
        sessionId: session.id,
      }),
      headers: null,
    });
  });

  app.post('/session/heartbeat', async (request, reply) => {
    if (!authenticate(deps, request, reply)) return reply;
    return send(reply, ok());
  });

  app.post('/session', async (request, reply) => {
    const query = request.query as Query;
    if (query.delete !== 'true') return send(reply, failure('390120', 'Unsupported session request.'));
    const session = authenticate(deps, request, reply);
    if (!session) return reply;
    deps.sessions.close(session);
    deps.queries.cancelSession(session);
    await deps.engine.closeSession(session.engine);
    return send(reply, ok());
  });

  app.post('/telemetry/send', async (_request, reply) => send(reply, ok()));

  app.post('/queries/v1/query-request', async (request, reply) => {
    const session = authenticate(deps, request, reply);
    if (!session) return reply;
    const body = decodeBody(request.body) as QueryRequestBody;
    const requestId = (request.query as Query).requestId ?? null;
    const existing = deps.queries.forRequest(session, requestId);
    const record =
      existing && existing.sql === (body.sqlText ?? '') ? existing : deps.queries.start(session, requestId, body);
    if (body.asyncExec) return send(reply, record.response ?? QueryRegistry.inProgress(record, true));
    return answerWhenDone(deps, reply, record, deps.queryInProgressAfterMs);
  });

  app.get('/queries/:id/result', async (request, reply) => {
    if (!authenticate(deps, request, reply)) return reply;
    const { id } = request.params as { id: string };
    const record = deps.queries.get(id);
    if (!record) return send(reply, errorEnvelope(sqlErrors.executionError(`Statement ${id} not found`, '000709'), id));
    return answerWhenDone(deps, reply, record, deps.resultPollHoldMs);
  });

  app.get('/monitoring/queries/:id', async (request, reply) => {
    if (!authenticate(deps, request, reply)) return reply;
    const { id } = request.params as { id: string };
    const record = deps.queries.get(id);
    if (!record) return send(reply, ok({ queries: [] }));
    return send(
      reply,
      ok({
        queries: [
          {
            id: record.id,
            status: record.status,
            sqlText: record.sql,
            errorCode: record.error?.code ?? null,
            errorMessage: record.error?.message ?? null,
            sessionId: record.session.id,
          },
        ],
      }),
    );
  });

  // Result chunks stand for the cloud-storage objects Snowflake points at: no
  // session token, the SSE-C key from the response's qrmk instead.
  app.get('/result-chunks/:id/:index', async (request, reply) => {
    const { id, index } = request.params as { id: string; index: string };
    const key = request.headers['x-amz-server-side-encryption-customer-key'];
    const chunk = deps.queries.chunks.fetch(id, index, typeof key === 'string' ? key : undefined);
    if (chunk.status !== 200)
      return reply
        .code(chunk.status)
        .header('content-type', 'application/xml')
        .send(
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${chunk.status === 403 ? 'AccessDenied' : 'NoSuchKey'}</Code></Error>`,
        );
    return reply.code(200).header('content-type', 'binary/octet-stream').send(chunk.body);
  });

  /** The driver's fixture for a cancel that finds nothing running (note the empty top-level code). */
  const notExecuting = (queryId: string | null): Envelope => ({
    ...failure('000605', 'Identified SQL statement is not currently executing.', {
      age: 0,
      errorCode: '000605',
      internalError: false,
      queryId,
      sqlState: '01000',
    }),
    code: '',
  });

  app.post('/queries/v1/abort-request', async (request, reply) => {
    const session = authenticate(deps, request, reply);
    if (!session) return reply;
    const body = decodeBody(request.body);
    const record = deps.queries.forRequest(session, String(body.requestId ?? ''));
    if (record && deps.queries.cancel(record.id)) return send(reply, ok());
    return send(reply, notExecuting(null));
  });

  app.post('/queries/:id/abort-request', async (request, reply) => {
    if (!authenticate(deps, request, reply)) return reply;
    const { id } = request.params as { id: string };
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
      return reply.code(400).send(`"${id}" is not a UUID.`);
    if (deps.queries.cancel(id)) return send(reply, ok());
    return send(reply, notExecuting(id));
  });
}
