import type { CatalogIntegrationEntry } from '../engine/catalog.js';

/** A failure talking to the remote catalog, worded the way Snowflake reports it. */
export class CatalogAccessError extends Error {
  override readonly name = 'CatalogAccessError';
  constructor(
    readonly integration: string,
    readonly detail: string,
    readonly httpStatus?: number,
  ) {
    super(
      `Failed to access the REST endpoint of catalog integration ${integration} with error: Unable to process: ${detail}`,
    );
  }
}

/** The parts of an Iceberg REST LoadTableResult the emulator uses. */
export interface IcebergField {
  id: number;
  name: string;
  required: boolean;
  type: string | { type: string; [key: string]: unknown };
}

export interface LoadTableResult {
  'metadata-location'?: string | null;
  metadata: {
    'format-version'?: number;
    'table-uuid'?: string;
    location: string;
    'current-snapshot-id'?: number | null;
    snapshots?: {
      'snapshot-id': number;
      'manifest-list'?: string;
      manifests?: string[];
      'timestamp-ms'?: number;
      summary?: Record<string, string>;
    }[];
    'current-schema-id'?: number;
    schemas?: { 'schema-id'?: number; fields: IcebergField[] }[];
    schema?: { fields: IcebergField[] };
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Iceberg REST namespaces are dotted in SQL and joined with the unit separator (0x1F) in paths. */
export function encodeNamespace(namespace: string): string {
  return encodeURIComponent(namespace.split('.').join('\u001f'));
}

/** What clients of one integration, as configured, may reuse from statement to statement. */
export interface CatalogSession {
  /** An OAuth access token and when it expires (ms since the epoch, from the grant's expires_in). */
  token?: { value: string; expiresAt: number };
  /** The prefix the catalog's /v1/config asked for. */
  prefix?: string;
}

/**
 * Catalog sessions by integration settings (all of them, the secret included, so an ALTER starts afresh).
 * Snowflake does not fetch an OAuth token and the catalog's config for every table it loads through an
 * integration; neither does the emulator, whose CREATE ICEBERG TABLE otherwise made three catalog requests.
 */
export class CatalogSessions {
  readonly #sessions = new Map<string, CatalogSession>();

  constructor(private readonly max = 64) {}

  of(integration: CatalogIntegrationEntry): CatalogSession {
    const key = JSON.stringify(integration);
    let session = this.#sessions.get(key);
    if (!session) {
      session = {};
      this.#sessions.set(key, session);
      // Oldest first: integrations altered long ago go first.
      for (const old of this.#sessions.keys()) {
        if (this.#sessions.size <= this.max) break;
        this.#sessions.delete(old);
      }
    }
    return session;
  }
}

/** A token is reused only while it has this long left. */
const TOKEN_REUSE_MARGIN_MS = 60_000;

/**
 * A client for an Iceberg REST catalog, authenticated as a catalog
 * integration is configured: OAuth client credentials (HTTP Basic against
 * OAUTH_TOKEN_URI, scopes from OAUTH_ALLOWED_SCOPES) or a bearer token.
 * Given a session, it reuses that session's token and prefix, and fetches a
 * new token once when the catalog refuses a reused one (expired or revoked).
 */
export class RestCatalogClient {
  private prefix: string | null = null;
  private token: string | null = null;
  private tokenReused = false;

  constructor(
    private readonly integration: CatalogIntegrationEntry,
    private readonly fetchImpl: typeof fetch,
    private readonly session?: CatalogSession,
  ) {
    if (session?.prefix !== undefined) this.prefix = session.prefix;
    if (session?.token && session.token.expiresAt - TOKEN_REUSE_MARGIN_MS > Date.now()) {
      this.token = session.token.value;
      this.tokenReused = true;
    }
  }

  private fail(detail: string, status?: number): never {
    throw new CatalogAccessError(this.integration.name, detail, status);
  }

  private async request(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(url, { ...init, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      this.fail(
        `${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}. Check the accessibility of the REST catalog URI or warehouse.`,
      );
    }
  }

  async accessToken(): Promise<string> {
    if (this.token) return this.token;
    const i = this.integration;
    if (i.authType === 'BEARER') {
      this.token = i.bearerToken ?? '';
      return this.token;
    }
    const tokenUri = i.oauthTokenUri ?? `${trimSlash(i.catalogUri)}/v1/oauth/tokens`;
    const body = new URLSearchParams({ grant_type: 'client_credentials', scope: i.oauthAllowedScopes.join(' ') });
    const basic = Buffer.from(
      `${encodeURIComponent(i.oauthClientId ?? '')}:${encodeURIComponent(i.oauthClientSecret ?? '')}`,
    ).toString('base64');
    const response = await this.request(tokenUri, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: body.toString(),
    });
    const text = await response.text();
    if (!response.ok)
      this.fail(
        `Failed to retrieve an OAuth access token from ${tokenUri}: HTTP ${response.status} ${text.slice(0, 300)}`,
        response.status,
      );
    let parsed: { access_token?: string; expires_in?: number };
    try {
      parsed = JSON.parse(text) as { access_token?: string; expires_in?: number };
    } catch {
      this.fail(`Failed to retrieve an OAuth access token from ${tokenUri}: the response is not JSON`);
    }
    if (!parsed.access_token)
      this.fail(`Failed to retrieve an OAuth access token from ${tokenUri}: no access_token in the response`);
    this.token = parsed.access_token;
    if (this.session && typeof parsed.expires_in === 'number')
      this.session.token = { value: this.token, expiresAt: Date.now() + parsed.expires_in * 1000 };
    return this.token;
  }

  private async getJson<T>(
    url: string,
    notFound: (body: string) => string,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const token = await this.accessToken();
    const response = await this.request(url, {
      headers: { ...headers, authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    if (response.status === 401 && this.tokenReused) {
      // The reused token expired or was revoked early: once more with a new one.
      await response.body?.cancel();
      this.tokenReused = false;
      this.token = null;
      if (this.session) delete this.session.token;
      return this.getJson(url, notFound, headers);
    }
    const text = await response.text();
    if (response.status === 404) this.fail(notFound(text), 404);
    if (response.status === 401 || response.status === 403)
      // The catalog's own words name the missing privilege (Unity Catalog: "User does not have SELECT on Table …").
      this.fail(
        `Not authorized (HTTP ${response.status}${errorType(text)}): ${errorMessage(text).replace(/\.$/, '')}. Check the accessibility of the REST catalog URI or warehouse, and the privileges of the integration's principal.`,
        response.status,
      );
    if (!response.ok) this.fail(`HTTP ${response.status}: ${errorMessage(text)}`, response.status);
    try {
      return JSON.parse(text) as T;
    } catch {
      this.fail(`The REST catalog answered with a body that is not JSON (HTTP ${response.status}).`);
    }
  }

  /** GET /v1/config?warehouse=<CATALOG_NAME>; remembers the prefix the catalog asks for. */
  async config(): Promise<{ defaults?: Record<string, string>; overrides?: Record<string, string> }> {
    const i = this.integration;
    const query = i.catalogName ? `?warehouse=${encodeURIComponent(i.catalogName)}` : '';
    const config = await this.getJson<{ defaults?: Record<string, string>; overrides?: Record<string, string> }>(
      `${trimSlash(i.catalogUri)}/v1/config${query}`,
      () =>
        `Unable to find warehouse ${i.catalogName ?? ''}. Check the accessibility of the REST catalog URI or warehouse.`,
    );
    this.prefix = config.overrides?.prefix ?? config.defaults?.prefix ?? i.prefix ?? '';
    if (this.session) this.session.prefix = this.prefix;
    return config;
  }

  private async base(): Promise<string> {
    if (this.prefix === null) await this.config();
    const prefix = this.prefix ? `/${this.prefix.replace(/^\/+|\/+$/g, '')}` : '';
    return `${trimSlash(this.integration.catalogUri)}/v1${prefix}`;
  }

  /**
   * Load-table. With ACCESS_DELEGATION_MODE = VENDED_CREDENTIALS Snowflake asks the catalog for temporary storage
   * credentials (the Iceberg REST spec's `X-Iceberg-Access-Delegation: vended-credentials` header), so a catalog
   * that vends only with a privilege (Unity Catalog: EXTERNAL USE SCHEMA) refuses the load without it.
   */
  async loadTable(namespace: string, table: string): Promise<LoadTableResult> {
    const base = await this.base();
    const vended = this.integration.accessDelegationMode?.toUpperCase() === 'VENDED_CREDENTIALS';
    return this.getJson<LoadTableResult>(
      `${base}/namespaces/${encodeNamespace(namespace)}/tables/${encodeURIComponent(table)}`,
      (body) => `NoSuchTableException: ${errorMessage(body) || `Table does not exist: ${namespace}.${table}`}`,
      vended ? { 'x-iceberg-access-delegation': 'vended-credentials' } : {},
    );
  }

  async listTables(namespace: string): Promise<{ namespace: string[]; name: string }[]> {
    const base = await this.base();
    const identifiers: { namespace: string[]; name: string }[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.getJson<{
        identifiers?: { namespace: string[]; name: string }[];
        'next-page-token'?: string | null;
      }>(
        `${base}/namespaces/${encodeNamespace(namespace)}/tables${pageToken ? `?pageToken=${encodeURIComponent(pageToken)}` : ''}`,
        (body) => `NoSuchNamespaceException: ${errorMessage(body) || `Namespace does not exist: ${namespace}`}`,
      );
      identifiers.push(...(page.identifiers ?? []));
      pageToken = page['next-page-token'] ?? undefined;
    } while (pageToken);
    return identifiers;
  }

  async listNamespaces(parent: string | undefined): Promise<string[][]> {
    const base = await this.base();
    const query = parent ? `?parent=${encodeNamespace(parent)}` : '';
    const page = await this.getJson<{ namespaces?: string[][] }>(
      `${base}/namespaces${query}`,
      (body) => `NoSuchNamespaceException: ${errorMessage(body)}`,
    );
    return page.namespaces ?? [];
  }
}

function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string; type?: string }; message?: string };
    return parsed.error?.message ?? parsed.message ?? body.slice(0, 300);
  } catch {
    return body.slice(0, 300);
  }
}

/** `, <type>` of an Iceberg REST ErrorModel (`ForbiddenException`, …), or nothing. */
function errorType(body: string): string {
  try {
    const type = (JSON.parse(body) as { error?: { type?: unknown } }).error?.type;
    return typeof type === 'string' && type !== '' ? ` ${type}` : '';
  } catch {
    return '';
  }
}
