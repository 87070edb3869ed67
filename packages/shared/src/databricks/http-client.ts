import type { Logger } from 'pino';
import { Pool } from 'undici';
import type { DatabricksAuth } from '../config/load-config.js';
import { ConfigError } from '../errors.js';
import { type IssuedToken, OAuthM2MTokenProvider, PatTokenProvider, type TokenProvider } from './auth.js';
import type { Clock, RandomSource } from '../clock.js';
import {
  DatabricksAuthError,
  DatabricksError,
  DatabricksNetworkError,
  DatabricksResponseError,
  errorFromResponse,
  parseErrorBody,
} from './errors.js';
import { RequestLimiter } from './request-limiter.js';
import {
  type BackoffOptions,
  backoffDelayMs,
  classifyNetworkError,
  isRejectedBeforeExecution,
  isTransientErrorCode,
  isTransientStatus,
  parseRetryAfter,
  retryAfterDelayMs,
} from './retry-policy.js';

/** One HTTP attempt, reported to the `onRequest` hook (for metrics by endpoint). */
export interface DatabricksRequestEvent {
  /** Route template such as `jobs/runs/get` or `unity-catalog/tables/{full_name}`; never holds names or ids. */
  endpoint: string;
  method: string;
  status: number | 'network-error';
  durationMs: number;
  /** 1 for the first attempt of a call, 2 for its first retry, … */
  attempt: number;
  /** Databricks' error_code, or the socket error code / `TIMEOUT` for a network error. */
  errorCode?: string;
}

export type DatabricksRequestHook = (event: DatabricksRequestEvent) => void;

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One logical API call; the client may make several attempts at it. */
export interface ApiRequest {
  method: HttpMethod;
  /** Route template for metrics and errors, e.g. `jobs/runs/get`. */
  endpoint: string;
  /** Path below the host, already percent-encoded, e.g. `/api/2.2/jobs/runs/get`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /**
   * Sending the request twice has the same effect as sending it once (GETs; runs/cancel; run-now with an
   * idempotency token). Only idempotent requests are retried after they may have reached the server (503,
   * connection reset mid-flight, timeout); any request is retried when it provably was not processed (429
   * rate limiting, connection refused).
   */
  idempotent: boolean;
  signal?: AbortSignal;
  /** Give a retryable error back instead of waiting longer than this before a retry (see CallOptions). */
  maxRetryWaitMs?: number;
}

export interface HttpClientOptions {
  host: string;
  auth: Exclude<DatabricksAuth, { kind: 'none' }>;
  /** Per attempt: time to response headers and between body chunks, and a cap on the whole attempt. */
  requestTimeoutMs: number;
  /** Total time one call may spend, retries and waits included, before its last error is thrown. */
  retryBudgetMs: number;
  maxConcurrentRequests: number;
  maxRequestsPerSecond: number;
  backoff: BackoffOptions;
  tokenRefreshLeadMs?: number;
  userAgent: string;
  clock: Clock;
  random: RandomSource;
  logger?: Logger;
  onRequest?: DatabricksRequestHook;
}

const TOKEN_ENDPOINT = 'oidc/v1/token';

/**
 * The HTTP layer shared by the Jobs and Unity Catalog APIs: a keep-alive undici pool to one workspace,
 * authentication, client-side concurrency and rate limits, error mapping, and retries with exponential backoff
 * and full jitter within a time budget (honouring Retry-After).
 */
export class DatabricksHttpClient {
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #options: HttpClientOptions;
  readonly #limiter: RequestLimiter;
  readonly #tokens: TokenProvider;

  constructor(options: HttpClientOptions) {
    let url: URL;
    try {
      url = new URL(options.host);
    } catch (error) {
      throw new ConfigError(`databricks.host is not a valid URL: ${options.host}`, { cause: error });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new ConfigError(`databricks.host must be an http(s) URL, got ${url.protocol}`);
    }
    this.#options = options;
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#pool = new Pool(url.origin, {
      // One more than the limiter allows, so an OAuth token fetch never waits behind API calls.
      connections: options.maxConcurrentRequests + 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 300_000,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
      connect: { timeout: Math.min(options.requestTimeoutMs, 10_000) },
    });
    this.#limiter = new RequestLimiter(
      { maxConcurrent: options.maxConcurrentRequests, requestsPerSecond: options.maxRequestsPerSecond },
      options.clock,
    );
    this.#tokens =
      options.auth.kind === 'pat'
        ? new PatTokenProvider(options.auth.token)
        : new OAuthM2MTokenProvider({
            fetchToken: (signal) => this.#fetchOAuthToken(signal),
            clock: options.clock,
            ...(options.tokenRefreshLeadMs === undefined ? {} : { refreshLeadMs: options.tokenRefreshLeadMs }),
          });
  }

  /** Sends `request`, retrying transient failures within the retry budget, and returns the parsed JSON body. */
  async request<T>(request: ApiRequest): Promise<T> {
    const { clock, random, backoff, retryBudgetMs, logger } = this.#options;
    const deadline = clock.now() + retryBudgetMs;
    let refreshedToken = false;
    for (let attempt = 1; ; attempt++) {
      let token: string | undefined;
      try {
        token = await this.#tokens.getToken(request.signal);
        const sentToken = token;
        return await this.#limiter.run(() => this.#attempt<T>(request, sentToken, attempt), request.signal);
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason ?? error;
        if (!(error instanceof DatabricksError)) throw error;
        if (
          error instanceof DatabricksAuthError &&
          error.endpoint !== TOKEN_ENDPOINT &&
          token !== undefined &&
          !refreshedToken &&
          this.#tokens.invalidate(token)
        ) {
          // An OAuth token can be revoked or expire early (401, or 403 "Invalid access token."): fetch a new one
          // and try once more.
          refreshedToken = true;
          logger?.debug({ endpoint: request.endpoint, attempt }, 'Databricks rejected the OAuth token; refreshing it');
          continue;
        }
        if (!error.retryable) throw annotate(error, attempt);
        const delayMs =
          error.retryAfterMs !== undefined
            ? retryAfterDelayMs(error.retryAfterMs, random)
            : backoffDelayMs(attempt, backoff, random);
        if (request.maxRetryWaitMs !== undefined && delayMs > request.maxRetryWaitMs) {
          logger?.debug(
            { endpoint: request.endpoint, attempt, status: error.status, errorCode: error.errorCode, delayMs },
            'Databricks asked for a longer wait than this caller holds; giving the error back',
          );
          throw annotate(error, attempt, true);
        }
        if (clock.now() + delayMs > deadline) {
          logger?.debug(
            { endpoint: request.endpoint, attempt, status: error.status, errorCode: error.errorCode, delayMs },
            'Databricks request retry budget exhausted',
          );
          throw annotate(error, attempt, true);
        }
        logger?.debug(
          { endpoint: request.endpoint, attempt, status: error.status, errorCode: error.errorCode, delayMs },
          'retrying Databricks request',
        );
        await clock.sleep(delayMs, request.signal);
      }
    }
  }

  /** Closes the connection pool after in-flight requests finish. */
  async close(): Promise<void> {
    if (!this.#pool.closed) await this.#pool.close();
  }

  async #attempt<T>(request: ApiRequest, token: string, attempt: number): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'user-agent': this.#options.userAgent,
    };
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }
    const response = await this.#send(request, { path: this.#path(request), headers, body }, attempt);
    if (response.status >= 200 && response.status < 300) return parseJson<T>(response.text, request);
    throw this.#httpError(request, response);
  }

  /** One POST to the OAuth token endpoint (client credentials grant); retried by the caller's loop. */
  async #fetchOAuthToken(signal?: AbortSignal): Promise<IssuedToken> {
    const auth = this.#options.auth;
    if (auth.kind !== 'oauth-m2m') throw new Error('OAuth token requested without OAuth credentials');
    const request: ApiRequest = {
      method: 'POST',
      endpoint: TOKEN_ENDPOINT,
      path: `${this.#basePath}/oidc/v1/token`,
      idempotent: true,
      ...(signal ? { signal } : {}),
    };
    // RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding (as the Go SDK's oauth2 does); for
    // Databricks' alphanumeric ids and secrets this changes nothing.
    const credentials = `${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret.reveal())}`;
    const basic = Buffer.from(credentials).toString('base64');
    const response = await this.#send(
      request,
      {
        path: request.path,
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'user-agent': this.#options.userAgent,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'all-apis' }).toString(),
      },
      1,
    );
    if (response.status < 200 || response.status >= 300) {
      const error = this.#httpError(request, response);
      if (error.retryable || response.status >= 500) throw error;
      // 400 invalid_client / 401: the client id or secret is wrong; retrying cannot help.
      throw new DatabricksAuthError(
        `Databricks OAuth token request failed with HTTP ${response.status}: ${parseErrorBody(response.status, response.text).message}`,
        { endpoint: TOKEN_ENDPOINT, method: 'POST', status: response.status, ...codeOf(error) },
        { retryable: false },
      );
    }
    const json = parseJson<Record<string, unknown>>(response.text, request);
    const accessToken = json.access_token;
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new DatabricksResponseError(
        'Databricks OAuth token response has no access_token',
        { endpoint: TOKEN_ENDPOINT, method: 'POST', status: response.status },
        { retryable: false },
      );
    }
    const expiresIn = Number(json.expires_in);
    // Databricks documents a one-hour lifetime; assume it when the field is missing.
    return { accessToken, expiresInSeconds: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600 };
  }

  async #send(
    request: ApiRequest,
    wire: { path: string; headers: Record<string, string>; body: string | undefined },
    attempt: number,
  ): Promise<{ status: number; text: string; retryAfterMs: number | undefined }> {
    const { clock, requestTimeoutMs } = this.#options;
    const timeout = AbortSignal.timeout(requestTimeoutMs);
    const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
    const startedAt = performance.now();
    try {
      const response = await this.#pool.request({
        method: request.method,
        path: wire.path,
        headers: wire.headers,
        body: wire.body ?? null,
        signal,
        headersTimeout: requestTimeoutMs,
        bodyTimeout: requestTimeoutMs,
      });
      const text = await response.body.text();
      const retryAfterMs = parseRetryAfter(response.headers['retry-after'], clock.now());
      const status = response.statusCode;
      let errorCode: string | undefined;
      if (status >= 400) errorCode = parseErrorBody(status, text).errorCode;
      this.#emit({ endpoint: request.endpoint, method: request.method, status, startedAt, attempt, errorCode });
      return { status, text, retryAfterMs };
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason ?? error;
      const failure = classifyNetworkError(error, timeout.aborted);
      this.#emit({
        endpoint: request.endpoint,
        method: request.method,
        status: 'network-error',
        startedAt,
        attempt,
        errorCode: failure.reason,
      });
      const what =
        failure.reason === 'TIMEOUT' ? `timed out after ${requestTimeoutMs} ms` : `failed (${failure.reason})`;
      throw new DatabricksNetworkError(
        `Databricks ${request.method} ${request.endpoint} ${what}`,
        { endpoint: request.endpoint, method: request.method, errorCode: failure.reason },
        // A request that may have reached the server is retried only when repeating it is harmless.
        { retryable: failure.transient && (request.idempotent || failure.beforeSend), cause: stripRequest(error) },
      );
    }
  }

  #httpError(
    request: ApiRequest,
    response: { status: number; text: string; retryAfterMs: number | undefined },
  ): DatabricksError {
    const body = parseErrorBody(response.status, response.text);
    const transient = isTransientStatus(response.status) || isTransientErrorCode(body.errorCode);
    const retryable = transient && (request.idempotent || isRejectedBeforeExecution(response.status, body.errorCode));
    const retryAfterMs = response.retryAfterMs ?? (transient ? body.retryDelayMs : undefined);
    return errorFromResponse(
      {
        endpoint: request.endpoint,
        method: request.method,
        status: response.status,
        ...(body.errorCode === undefined ? {} : { errorCode: body.errorCode }),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        ...(body.requestId === undefined ? {} : { requestId: body.requestId }),
      },
      body,
      { retryable },
    );
  }

  #path(request: ApiRequest): string {
    const path = `${this.#basePath}${request.path}`;
    if (!request.query) return path;
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query)) {
      if (value !== undefined) params.append(key, String(value));
    }
    const query = params.toString();
    return query === '' ? path : `${path}?${query}`;
  }

  #emit(event: {
    endpoint: string;
    method: string;
    status: number | 'network-error';
    startedAt: number;
    attempt: number;
    errorCode: string | undefined;
  }): void {
    const hook = this.#options.onRequest;
    if (!hook) return;
    const report: DatabricksRequestEvent = {
      endpoint: event.endpoint,
      method: event.method,
      status: event.status,
      durationMs: Math.round((performance.now() - event.startedAt) * 1000) / 1000,
      attempt: event.attempt,
    };
    if (event.errorCode !== undefined) report.errorCode = event.errorCode;
    try {
      hook(report);
    } catch (error) {
      // A broken metrics hook must not break Databricks calls.
      this.#options.logger?.warn({ err: error }, 'Databricks onRequest hook threw');
    }
  }
}

function parseJson<T>(text: string, request: ApiRequest): T {
  if (text.trim() === '') return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new DatabricksResponseError(
      `Databricks ${request.method} ${request.endpoint} returned a body that is not JSON`,
      { endpoint: request.endpoint, method: request.method },
      { retryable: false, cause: error },
    );
  }
}

function codeOf(error: DatabricksError): { errorCode?: string } {
  return error.errorCode === undefined ? {} : { errorCode: error.errorCode };
}

/** Records how many attempts a call made before it gave up; the details object is the error's own. */
function annotate(error: DatabricksError, attempts: number, budgetExhausted = false): DatabricksError {
  error.details.attempts = attempts;
  if (budgetExhausted) error.details.retryBudgetExhausted = true;
  return error;
}

/**
 * Keeps a network error as the cause without anything that could hold request headers (undici errors do not
 * carry them today; this guards against a future version that would).
 */
function stripRequest(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const copy = new Error(error.message);
  copy.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}
