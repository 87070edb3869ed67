import { isD2sError, RequestError } from '@d2s/shared';
import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';

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
  return new RequestError(
    'INVALID_REQUEST',
    400,
    `Invalid request ${part}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    {
      details: { issues },
    },
  );
}

// Fastify's own codes for malformed requests, mapped to ours.
const FASTIFY_CODES: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'BODY_TOO_LARGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'INVALID_JSON' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INVALID_JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'INVALID_REQUEST' },
};

function isRedisUnavailable(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return /Stream isn't writeable|enableOfflineQueue|Connection is closed|ECONNREFUSED|max retries per request/i.test(
    message,
  );
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (error instanceof RequestError) {
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

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(body('ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`)),
  );
}

export function body(code: string, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined || isEmpty(details) ? {} : { details }) } };
}

function isEmpty(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}
