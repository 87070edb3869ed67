import { BudgetExceededError, isD2sError, RequestError } from '@d2s/shared';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { setBudgetHeaders } from './rate-limit-headers.js';

/** The one error body every failing route answers with. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Parses a request part with a zod schema; a mismatch becomes a 400 naming each bad field. */
export function parseOr400<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: ZodError } },
  value: unknown,
  part: string,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalidRequest(result.error, part);
}

function invalidRequest(error: ZodError, part: string): RequestError {
  const issues = error.issues.map((issue) => ({
    path: [part, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  // The part is named once: "Invalid header Idempotency-Key: printable ASCII…", "Invalid body: dataset: …".
  const described = error.issues.map((issue) =>
    issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message,
  );
  return new RequestError('INVALID_REQUEST', 400, `Invalid ${part}: ${described.join('; ')}`, {
    details: { issues },
  });
}

// Fastify's own codes for malformed requests, mapped to ours.
const FASTIFY_CODES: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'BODY_TOO_LARGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'INVALID_JSON' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INVALID_JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'INVALID_REQUEST' },
};

export function isRedisUnavailable(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return /Stream isn't writeable|enableOfflineQueue|Connection is closed|ECONNREFUSED|max retries per request/i.test(
    message,
  );
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (error instanceof RequestError) {
      if (error instanceof BudgetExceededError) setBudgetHeaders(reply, error.verdict);
      return reply.status(error.httpStatus).send(body(error.code, error.message, error.details));
    }
    if (error instanceof ZodError) {
      const wrapped = invalidRequest(error, 'body');
      return reply.status(400).send(body(wrapped.code, wrapped.message, wrapped.details));
    }
    const fastifyCode = 'code' in error && typeof error.code === 'string' ? FASTIFY_CODES[error.code] : undefined;
    if (fastifyCode) return reply.status(fastifyCode.status).send(body(fastifyCode.code, error.message));
    if (
      'statusCode' in error &&
      typeof error.statusCode === 'number' &&
      error.statusCode >= 400 &&
      error.statusCode < 500
    ) {
      return reply.status(error.statusCode).send(body('INVALID_REQUEST', error.message));
    }
    if (isRedisUnavailable(error)) {
      request.log.warn({ err: error }, 'Redis unavailable');
      return reply
        .status(503)
        .header('retry-after', '5')
        .send(body('REDIS_UNAVAILABLE', 'The job store (Redis) is not reachable; try again shortly.'));
    }
    request.log.error({ err: error, ...(isD2sError(error) ? { code: error.code } : {}) }, 'request failed');
    return reply.status(500).send(body('INTERNAL_ERROR', 'Internal error; the server log has the details.'));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const allowed = app.hasDecorator('allowedMethods') ? app.allowedMethods(request) : [];
    if (allowed.length > 0) {
      return reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send(
          body('METHOD_NOT_ALLOWED', `${path} does not answer ${request.method}; it answers ${allowed.join(', ')}.`, {
            allowed,
          }),
        );
    }
    return reply.status(404).send(body('ROUTE_NOT_FOUND', `No route ${request.method} ${path}`));
  });
}

export function body(code: string, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined || isEmpty(details) ? {} : { details }) } };
}

function isEmpty(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

// Errors Fastify raises before routing (a URL that does not decode, a path parameter too long to route).
const FRAMEWORK_CODES: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_BAD_URL: { status: 400, code: 'INVALID_URL', message: 'The URL is not valid (bad percent-encoding?).' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'URI_TOO_LONG', message: 'A path parameter is too long.' },
};

export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const known = FRAMEWORK_CODES[error.code] ?? { status: 400, code: 'INVALID_REQUEST', message: error.message };
  void reply.status(known.status).send(body(known.code, known.message));
}

/**
 * Errors Node's HTTP parser raises on the raw connection (headers or URL too large, garbage):
 * answered on the socket in the API's error shape, since no request object exists yet.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) return;
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const payload = JSON.stringify(
    body(
      tooLarge ? 'REQUEST_HEADERS_TOO_LARGE' : 'INVALID_REQUEST',
      tooLarge ? 'The request line or headers are too large.' : 'The request could not be parsed.',
    ),
  );
  socket.end(
    [
      `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}`,
      'Connection: close',
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(payload)}`,
      '',
      payload,
    ].join('\r\n'),
  );
}
