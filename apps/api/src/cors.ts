import type { FastifyCorsOptions } from '@fastify/cors';

/**
 * CORS for the origins in `api.cors.origins` only (none: CORS stays off, and
 * browsers keep other sites from reading answers). @fastify/cors answers
 * preflights, varies on Origin, and lets a page read the headers an
 * integrator needs (Location, ETag, Retry-After, the request id).
 */
export function corsOptions(origins: readonly string[]): FastifyCorsOptions {
  const allowed = new Set(origins);
  return {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'idempotency-key',
      'if-none-match',
      'last-event-id',
      'x-request-id',
    ],
    exposedHeaders: ['etag', 'location', 'retry-after', 'x-request-id'],
    maxAge: 600,
    strictPreflight: true,
  };
}
