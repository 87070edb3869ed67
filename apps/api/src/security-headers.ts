import type { FastifyInstance } from 'fastify';

/**
 * Bull Board's pages: scripts and styles from the API itself (its fonts from
 * Google Fonts), nothing else; never framed (clickjacking on an admin page).
 */
export const BULL_BOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com",
  "font-src 'self' data: https://fonts.gstatic.com",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Headers on every answer: `nosniff` (a JSON answer is never sniffed into
 * HTML), and `Cache-Control: no-store` on data a proxy or browser must not
 * keep (statuses, lists, tokens), unless a route chose its own caching.
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every answer, and a promise per answer is measurable at load.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    const path = request.url.split('?', 1)[0] ?? '';
    const isData = path.startsWith('/v1/') || path === '/readyz' || path === '/healthz' || path === '/openapi.json';
    if (isData && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}

/** For Bull Board's scope: its CSP and frame protection. */
export function installAdminPageHeaders(scope: FastifyInstance): void {
  scope.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', BULL_BOARD_CSP);
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });
}
