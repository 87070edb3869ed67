import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from './clock.js';
import { OAuthError } from './errors.js';
import type { AuthFixture, OAuthClientFixture } from './fixture-types.js';

/** Who made a request. */
export interface Principal {
  kind: 'pat' | 'oauth';
  /** user name (PAT) or client id (OAuth service principal; Databricks names a service principal by its application id) */
  name: string;
  /** Workspace groups from the fixture, plus the built-in `users` group every principal is in. */
  groups: string[];
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

export interface OAuthTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

interface IssuedToken {
  clientId: string;
  expiresAt: number;
}

const DEFAULT_SCOPES = ['all-apis', 'sql'];

/**
 * Personal access tokens from the fixture and OAuth M2M (client credentials) tokens that
 * expire. `expireAll()` ages every issued OAuth token at once (a fault).
 */
export class AuthService {
  private readonly issued = new Map<string, IssuedToken>();
  private readonly signingKey = randomBytes(32);

  constructor(
    private readonly fixture: AuthFixture,
    private readonly clock: Clock,
    private readonly ttlOverrideSeconds?: number,
  ) {}

  authenticate(authorization: string | undefined): AuthResult {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match?.[1]) return { ok: false, reason: 'missing' };
    const token = match[1];
    const pat = this.fixture.personal_access_tokens.find((t) => t.token === token);
    if (pat) {
      const name = pat.user_name ?? 'sandbox-user@example.com';
      return { ok: true, principal: { kind: 'pat', name, groups: withUsersGroup(pat.groups) } };
    }
    const issued = this.issued.get(token);
    if (!issued) return { ok: false, reason: 'invalid' };
    if (this.clock.now() >= issued.expiresAt) return { ok: false, reason: 'expired' };
    const client = this.fixture.oauth_clients.find((c) => c.client_id === issued.clientId);
    return { ok: true, principal: { kind: 'oauth', name: issued.clientId, groups: withUsersGroup(client?.groups) } };
  }

  /** The client-credentials grant: HTTP Basic client authentication, form body. */
  issueToken(authorization: string | undefined, form: URLSearchParams): OAuthTokenResponse {
    const client = this.authenticateClient(authorization, form);
    const grantType = form.get('grant_type');
    if (grantType !== 'client_credentials') {
      throw new OAuthError(400, 'unsupported_grant_type', `Grant type '${grantType ?? ''}' is not supported.`);
    }
    const allowed = client.scopes ?? DEFAULT_SCOPES;
    const requested = (form.get('scope') ?? 'all-apis').split(/\s+/).filter(Boolean);
    const unknown = requested.filter((s) => !allowed.includes(s));
    if (unknown.length > 0) throw new OAuthError(400, 'invalid_scope', `Scope '${unknown.join(' ')}' is not allowed.`);
    const ttl = this.ttlOverrideSeconds ?? client.token_ttl_seconds ?? 3600;
    const now = this.clock.now();
    const token = this.mintJwt(client.client_id, requested, now, ttl);
    this.issued.set(token, { clientId: client.client_id, expiresAt: now + ttl * 1000 });
    return { access_token: token, token_type: 'Bearer', expires_in: Math.round(ttl), scope: requested.join(' ') };
  }

  /** Makes every OAuth token issued so far expired. */
  expireAll(): number {
    const now = this.clock.now();
    for (const token of this.issued.values()) token.expiresAt = Math.min(token.expiresAt, now);
    return this.issued.size;
  }

  reset(): void {
    this.issued.clear();
  }

  private authenticateClient(authorization: string | undefined, form: URLSearchParams): OAuthClientFixture {
    let id = form.get('client_id') ?? undefined;
    let secret = form.get('client_secret') ?? undefined;
    const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        id = decodeURIComponent(decoded.slice(0, colon));
        secret = decodeURIComponent(decoded.slice(colon + 1));
      }
    }
    const client = this.fixture.oauth_clients.find((c) => c.client_id === id);
    if (!client || secret === undefined || !sameText(client.client_secret, secret)) {
      throw new OAuthError(401, 'invalid_client', 'Client authentication failed');
    }
    return client;
  }

  private mintJwt(clientId: string, scopes: string[], now: number, ttl: number): string {
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'emulator' }));
    const payload = base64url(
      JSON.stringify({
        client_id: clientId,
        scope: scopes.join(' '),
        sub: clientId,
        iss: 'databricks-emulator',
        aud: 'databricks-emulator',
        iat: Math.floor(now / 1000),
        exp: Math.floor(now / 1000 + ttl),
        jti: randomBytes(8).toString('hex'),
      }),
    );
    const signature = createHmac('sha256', this.signingKey).update(`${header}.${payload}`).digest('base64url');
    return `${header}.${payload}.${signature}`;
  }
}

/** Every workspace principal is a member of the built-in `users` group. */
function withUsersGroup(groups: string[] | undefined): string[] {
  return [...new Set(['users', ...(groups ?? [])])];
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
