import type { ApiScope } from '@d2s/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { body } from '../http-errors.js';
import type { StreamTokenStore } from './stream-tokens.js';
import type { ApiPrincipal, TokenRegistry } from './token-registry.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request acts as, once authenticated. */
    principal?: ApiPrincipal;
  }
  interface FastifyContextConfig {
    /** The scope a token needs for this route. @defaultValue 'admin' (a route that forgets to say is not open) */
    scope?: ApiScope;
    /** The route also accepts a stream token (`?stream_token=`) for the sync named by its `:id`. */
    streamToken?: boolean;
  }
}

export interface AuthenticateOptions {
  tokens: TokenRegistry;
  /** The scope every route behind this hook needs; without it, each route's `config.scope` (default admin). */
  scope?: ApiScope;
  /** Browsers (Bull Board, /docs) may send the token as the password of Basic auth. */
  allowBasic?: boolean;
  streamTokens?: StreamTokenStore;
}

/**
 * Authentication and scopes, as an onRequest hook: a bearer token (or Basic
 * password, or a stream token where the route allows one) names a principal;
 * 401 when none does, 403 INSUFFICIENT_SCOPE when it lacks the route's scope.
 */
export function authenticate(options: AuthenticateOptions) {
  return async function authenticateRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization ?? '';
    const [scheme = '', value = ''] = header.split(/\s+/, 2);
    let candidate: string | undefined;
    if (/^bearer$/i.test(scheme)) candidate = value;
    else if (options.allowBasic && /^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value, 'base64').toString();
      candidate = decoded.slice(decoded.indexOf(':') + 1);
    }
    let principal = candidate ? options.tokens.identify(candidate) : undefined;
    const config = request.routeOptions.config;
    if (!principal && !header && config.streamToken && options.streamTokens) {
      const streamToken = (request.query as Record<string, unknown> | undefined)?.stream_token;
      const syncId = (request.params as Record<string, unknown> | undefined)?.id;
      if (typeof streamToken === 'string' && typeof syncId === 'string') {
        principal = await options.streamTokens.resolve(streamToken, syncId);
        if (!principal) {
          return reply
            .status(401)
            .send(body('INVALID_STREAM_TOKEN', 'The stream token is not valid for this sync, or it expired.'));
        }
      }
    }
    if (!principal) {
      if (options.allowBasic) reply.header('www-authenticate', 'Basic realm="d2s", charset="UTF-8"');
      else reply.header('www-authenticate', 'Bearer realm="d2s"');
      const message = header
        ? 'The bearer token is not valid.'
        : 'Authentication required: send Authorization: Bearer <token>.';
      return reply.status(401).send(body(header ? 'INVALID_TOKEN' : 'UNAUTHENTICATED', message));
    }
    request.principal = principal;
    const required = options.scope ?? config.scope ?? 'admin';
    if (!principal.scopes.includes(required)) {
      reply.header('www-authenticate', `Bearer realm="d2s", error="insufficient_scope", scope="${required}"`);
      return reply.status(403).send(
        body('INSUFFICIENT_SCOPE', `This token (${principal.name}) lacks the "${required}" scope this route needs.`, {
          required,
          granted: principal.scopes,
        }),
      );
    }
  };
}
