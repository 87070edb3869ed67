import type { FastifyRequest } from 'fastify';

const REDACTED = '[redacted]';

/**
 * A path segment that looks like a credential rather than an id: a known
 * token prefix (stream tokens, Databricks PATs, JWTs), or a long run of token
 * characters that no d2s id reaches (sync ids are 31 characters).
 */
const SECRET_LIKE_SEGMENT = /^(?:st_|dapi|eyJ)[A-Za-z0-9._~+/=-]{8,}$|^[A-Za-z0-9._~+/=-]{48,}$/;

/**
 * The request URL as it may be logged: every query value replaced (a token
 * sent as `?token=` or a stream token is a secret, and no query value is
 * needed to read a log), and path segments that look like credentials too.
 * Query names are kept, so a reader still sees what was asked.
 */
export function redactUrl(url: string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const redactedPath = path
    .split('/')
    .map((segment) => (SECRET_LIKE_SEGMENT.test(safeDecode(segment)) ? REDACTED : segment))
    .join('/');
  if (queryAt === -1) return redactedPath;
  const query = url
    .slice(queryAt + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const name = pair.split('=', 1)[0] ?? '';
      return pair.includes('=') ? `${name}=${REDACTED}` : name;
    })
    .join('&');
  return `${redactedPath}?${query}`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Fastify's request serializer, with the URL redacted; used for every request log line. */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
  };
}
