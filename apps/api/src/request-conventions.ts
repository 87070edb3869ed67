import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';

/** A request id a client may choose: short, and nothing that could forge a log line or a header. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * The request id: the client's `x-request-id` when it sends a usable one (so
 * its own logs and ours share the id), or a new UUID. Fastify puts it on every
 * log line of the request (`requestId`).
 */
export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Conventions every answer follows, whatever route (or no route) produced it:
 * - `x-request-id` on every answer, and `requestId` in every error body;
 * - `POST` with `Content-Type: application/json` and an empty body is a request
 *   without a body (clients send the header by habit), not a JSON error;
 * - a known path asked with the wrong method gets 405 with `Allow`, not 404.
 */
export function installRequestConventions(
  app: FastifyInstance,
  routes: () => readonly { method: string; url: string }[],
): void {
  // A callback hook, not an async one: it runs on every answer, and a promise per answer is measurable at load.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    if (reply.statusCode < 400 || typeof payload !== 'string' || !payload.startsWith('{"error":')) {
      done(null, payload);
      return;
    }
    try {
      const parsed = JSON.parse(payload) as { error: Record<string, unknown> };
      parsed.error.requestId = request.id;
      done(null, JSON.stringify(parsed));
    } catch {
      done(null, payload); // not our error body after all: sent as it is
    }
  });

  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') {
      done(null, undefined);
      return;
    }
    parseJson(request, String(body), done);
  });

  let patterns: { method: string; pattern: RegExp }[] | undefined;
  app.decorate('allowedMethods', (request: FastifyRequest): string[] => {
    // A catch-all (CORS preflight: OPTIONS *) matches every path; it says nothing about which exist.
    patterns ??= routes()
      .filter((r) => r.url !== '*' && r.url !== '/*')
      .map((r) => ({ method: r.method, pattern: patternOf(r.url) }));
    const path = request.url.split('?', 1)[0] ?? '';
    const methods = new Set(patterns.filter((r) => r.pattern.test(path)).map((r) => r.method));
    return [...methods].sort();
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The methods some route answers at this request's path (empty: no such path). */
    allowedMethods(request: FastifyRequest): string[];
  }
}

/** A Fastify route URL (`/v1/syncs/:id`, `/docs/*`) as a regular expression over request paths. */
function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}/?$`);
}
