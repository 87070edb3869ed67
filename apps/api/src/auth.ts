import { createHash, timingSafeEqual } from 'node:crypto';
import type { Secret } from '@d2s/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { body } from './http-errors.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Bearer-token authentication. Tokens are compared as SHA-256 digests with
 * timingSafeEqual, so neither length nor content leaks through timing.
 * Browsers (Bull Board) may send the token as the password of Basic auth.
 */
export function bearerAuth(tokens: readonly Secret[], options: { allowBasic?: boolean } = {}) {
  const known = tokens.map((t) => digest(t.reveal()));
  const matches = (candidate: string) => {
    const d = digest(candidate);
    let ok = false;
    for (const k of known) ok = timingSafeEqual(k, d) || ok;
    return ok;
  };

  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization ?? '';
    const [scheme = '', value = ''] = header.split(/\s+/, 2);
    let candidate: string | undefined;
    if (/^bearer$/i.test(scheme)) candidate = value;
    else if (options.allowBasic && /^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value, 'base64').toString();
      candidate = decoded.slice(decoded.indexOf(':') + 1);
    }
    if (candidate && matches(candidate)) return;
    if (options.allowBasic) reply.header('www-authenticate', 'Basic realm="d2s", charset="UTF-8"');
    else reply.header('www-authenticate', 'Bearer realm="d2s"');
    const message = header
      ? 'The bearer token is not valid.'
      : 'Authentication required: send Authorization: Bearer <token>.';
    return reply.status(401).send(body(header ? 'INVALID_TOKEN' : 'UNAUTHENTICATED', message));
  };
}
