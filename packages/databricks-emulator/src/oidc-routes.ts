import type { AuthService } from './auth.js';
import type { Route } from './http/router.js';

/** OAuth M2M: the workspace token endpoint and its discovery document. */
export function oidcRoutes(auth: AuthService): Route[] {
  return [
    {
      method: 'POST',
      pattern: '/oidc/v1/token',
      name: 'oidc/v1/token',
      family: 'oauth',
      authenticated: false,
      handler: (ctx) => {
        const form = new URLSearchParams(ctx.rawBody);
        const authorization = typeof ctx.headers.authorization === 'string' ? ctx.headers.authorization : undefined;
        return { status: 200, body: auth.issueToken(authorization, form) };
      },
    },
    {
      method: 'GET',
      pattern: '/oidc/.well-known/oauth-authorization-server',
      name: 'oidc/discovery',
      family: 'oauth',
      authenticated: false,
      handler: (ctx) => ({
        status: 200,
        body: {
          issuer: `${ctx.baseUrl}/oidc`,
          authorization_endpoint: `${ctx.baseUrl}/oidc/v1/authorize`,
          token_endpoint: `${ctx.baseUrl}/oidc/v1/token`,
          grant_types_supported: ['client_credentials', 'authorization_code', 'refresh_token'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
          scopes_supported: ['all-apis', 'sql', 'offline_access'],
          response_types_supported: ['code'],
        },
      }),
    },
  ];
}
