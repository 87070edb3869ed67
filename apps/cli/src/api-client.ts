import { type EventStreamEvent, EventStreamParser, readEventStream } from '@d2s/event-stream';
import type {
  ApiErrorBody,
  Dataset,
  MirrorPlan,
  MirrorRun,
  MirrorScope,
  MirrorTable,
  MirrorTagResult,
  Schedule,
  ScheduleSpec,
  Sync,
  SyncPage,
} from './api-types.js';
import {
  ApiRejectedError,
  ApiServerError,
  ApiUnreachableError,
  AuthMissingError,
  type CliError,
  InterruptedError,
} from './errors.js';

export interface ApiClientOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** The bearer token; without one every request fails with AuthMissingError (exit 4) before anything is sent. */
  token: string | undefined;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** How long one request may take (not event streams). @defaultValue 30_000 */
  timeoutMs?: number;
  /** Aborts every request (Ctrl-C); an aborted request fails with InterruptedError. */
  signal?: AbortSignal;
}

/** The answer of POST /v1/hooks/databricks/setup. */
export interface WebhookSetup {
  destinationId: string;
  destinationCreated: boolean;
  jobs: Array<{ jobId: number; attached: 'already' | 'now' }>;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** @defaultValue the client's timeoutMs */
  timeoutMs?: number;
}

/** A create or retry: the sync, and whether it is new (202) or an existing one (200). */
export interface SyncRequestResult {
  sync: Sync;
  created: boolean;
}

export interface MirrorRequest {
  scope?: MirrorScope;
  includeRefresh?: boolean;
  /** Allow dropping more than mirror.maxDropShare of the mirrored tables. */
  force?: boolean;
  /** Runs only: apply exactly this reviewed plan. */
  planId?: string;
}

/** How a dry run is shown: one kind only (`?only=`), or from Unity Catalog alone (`?offline=true`). */
export interface MirrorPlanView {
  only?: 'integrations' | 'tables';
  offline?: boolean;
}

function planQuery(view: MirrorPlanView): Record<string, string> {
  return { ...(view.only ? { only: view.only } : {}), ...(view.offline ? { offline: 'true' } : {}) };
}

/**
 * The d2s HTTP API over fetch, typed. Every failure is a coded CliError:
 * ApiRejectedError (4xx, the API's code and message), ApiServerError (5xx),
 * ApiUnreachableError (no answer), AuthMissingError (no token), InterruptedError.
 * The token goes into the Authorization header and nowhere else.
 */
export class ApiClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#signal = options.signal;
  }

  // ---- Datasets -----------------------------------------------------------------------------

  async listDatasets(): Promise<Dataset[]> {
    return (await this.json<{ items: Dataset[] }>('GET', '/v1/datasets')).items;
  }

  // ---- Syncs --------------------------------------------------------------------------------

  async createSync(input: {
    dataset: string;
    parameters?: Record<string, unknown>;
    idempotencyKey?: string;
  }): Promise<SyncRequestResult> {
    const response = await this.send('POST', '/v1/syncs', {
      body: { dataset: input.dataset, ...(input.parameters ? { parameters: input.parameters } : {}) },
      ...(input.idempotencyKey ? { headers: { 'idempotency-key': input.idempotencyKey } } : {}),
    });
    return { sync: await this.#parse<Sync>(response), created: response.status === 202 };
  }

  async listSyncs(
    query: { dataset?: string; status?: string; limit?: number; cursor?: string } = {},
  ): Promise<SyncPage> {
    return this.json<SyncPage>('GET', '/v1/syncs', { query });
  }

  async getSync(id: string): Promise<Sync> {
    return this.json<Sync>('GET', `/v1/syncs/${encodeURIComponent(id)}`);
  }

  async cancelSync(id: string): Promise<Sync> {
    return this.json<Sync>('POST', `/v1/syncs/${encodeURIComponent(id)}/cancel`);
  }

  async retrySync(id: string, idempotencyKey?: string): Promise<SyncRequestResult> {
    const response = await this.send('POST', `/v1/syncs/${encodeURIComponent(id)}/retry`, {
      ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}),
    });
    return { sync: await this.#parse<Sync>(response), created: response.status === 202 };
  }

  /**
   * One connection to the sync's event stream (`stage`, `status`, then `end`)
   * until the server closes it. Hand the same parser to every reconnect: it
   * sends back the last event id as `Last-Event-ID`, so the server sends only
   * what this client missed. A 204 (the client has seen the end already)
   * yields nothing. A connection lost mid-stream fails with ApiUnreachableError.
   */
  async *syncEvents(
    id: string,
    options: { parser?: EventStreamParser; signal?: AbortSignal } = {},
  ): AsyncGenerator<EventStreamEvent> {
    const parser = options.parser ?? new EventStreamParser();
    const response = await this.send('GET', `/v1/syncs/${encodeURIComponent(id)}/events`, {
      headers: { accept: 'text/event-stream', ...parser.resumeHeaders() },
      timeoutMs: 0,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (response.status === 204 || !response.body) return;
    try {
      yield* readEventStream(response.body, parser);
    } catch (error) {
      throw this.#transportError(error, `${this.baseUrl}/v1/syncs/${id}/events`, 0);
    }
  }

  // ---- Schedules ----------------------------------------------------------------------------

  async listSchedules(): Promise<Schedule[]> {
    return (await this.json<{ items: Schedule[] }>('GET', '/v1/schedules')).items;
  }

  async putSchedule(id: string, spec: ScheduleSpec): Promise<Schedule> {
    return this.json<Schedule>('PUT', `/v1/schedules/${encodeURIComponent(id)}`, { body: spec });
  }

  async deleteSchedule(id: string): Promise<void> {
    await this.send('DELETE', `/v1/schedules/${encodeURIComponent(id)}`);
  }

  // ---- Pushed run ends -----------------------------------------------------------------------

  /** Creates (once) d2s's webhook destination in Databricks and attaches it to every dataset's job. */
  async setUpDatabricksWebhook(url: string): Promise<WebhookSetup> {
    return this.json<WebhookSetup>('POST', '/v1/hooks/databricks/setup', { body: { url } });
  }

  // ---- Mirror -------------------------------------------------------------------------------

  /** A dry-run plan. Planning reads Unity Catalog and Snowflake, so it may take a while. */
  async mirrorPlan(request: MirrorRequest = {}, view: MirrorPlanView = {}): Promise<MirrorPlan> {
    const query = planQuery(view);
    return this.json<MirrorPlan>('POST', '/v1/mirror/plan', {
      body: request,
      timeoutMs: 300_000,
      ...(Object.keys(query).length > 0 ? { query } : {}),
    });
  }

  /** The plan as the server renders it for review: a .sql text with secrets masked. */
  async mirrorPlanSql(request: MirrorRequest = {}, view: MirrorPlanView = {}): Promise<string> {
    const response = await this.send('POST', '/v1/mirror/plan', {
      query: { format: 'sql', ...planQuery(view) },
      body: request,
      timeoutMs: 300_000,
    });
    return response.text();
  }

  /** Writes the discovery tags onto Unity Catalog tables (or, with dryRun, says what it would write). */
  async writeMirrorTags(request: { scope?: MirrorRequest['scope']; dryRun?: boolean }): Promise<MirrorTagResult> {
    return this.json<MirrorTagResult>('POST', '/v1/mirror/tags', { body: request, timeoutMs: 300_000 });
  }

  async startMirrorRun(request: MirrorRequest = {}, idempotencyKey?: string): Promise<MirrorRun> {
    return this.json<MirrorRun>('POST', '/v1/mirror/runs', {
      body: request,
      ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}),
    });
  }

  async getMirrorRun(id: string): Promise<MirrorRun> {
    return this.json<MirrorRun>('GET', `/v1/mirror/runs/${encodeURIComponent(id)}`);
  }

  async listMirrorTables(): Promise<MirrorTable[]> {
    return (await this.json<{ items: MirrorTable[] }>('GET', '/v1/mirror/tables')).items;
  }

  // ---- Transport ----------------------------------------------------------------------------

  /** A request whose answer is JSON. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return this.#parse<T>(await this.send(method, path, options));
  }

  /** A request; resolves with a 2xx response, throws a coded error otherwise. */
  async send(method: string, path: string, options: RequestOptions & { signal?: AbortSignal } = {}): Promise<Response> {
    if (!this.#token) throw new AuthMissingError();
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${this.#token}`,
      ...options.headers,
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const signals = [this.#signal, options.signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(signals.length ? { signal: AbortSignal.any(signals) } : {}),
      });
    } catch (error) {
      throw this.#transportError(error, url.origin + url.pathname, timeoutMs);
    }
    if (response.ok) return response;
    throw await this.#httpError(response);
  }

  async #parse<T>(response: Response): Promise<T> {
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiServerError(
        response.status,
        'INVALID_RESPONSE',
        `The answer from ${this.baseUrl} is not JSON (is --api the d2s API?): ${text.slice(0, 200)}`,
      );
    }
  }

  async #httpError(response: Response): Promise<CliError> {
    const text = await response.text().catch(() => '');
    let code = `HTTP_${response.status}`;
    let message = text.trim().slice(0, 500) || response.statusText || 'no message';
    let details: unknown;
    try {
      const parsed = JSON.parse(text) as Partial<ApiErrorBody>;
      if (parsed.error && typeof parsed.error.code === 'string') {
        code = parsed.error.code;
        message = String(parsed.error.message ?? '');
        details = parsed.error.details;
      }
    } catch {
      // not the API's error body (a proxy's page): keep the text
    }
    if (response.status < 500) return new ApiRejectedError(response.status, code, message, details);
    return new ApiServerError(response.status, code, message);
  }

  #transportError(error: unknown, where: string, timeoutMs: number): CliError {
    if (this.#signal?.aborted) return new InterruptedError('Interrupted.');
    const name = error instanceof Error ? error.name : '';
    if (name === 'TimeoutError') {
      return new ApiUnreachableError(where, `No answer from ${where} within ${Math.round(timeoutMs / 1000)} s.`, {
        cause: error,
      });
    }
    if (name === 'AbortError') return new InterruptedError('Interrupted.');
    return new ApiUnreachableError(where, `Cannot reach the API at ${this.baseUrl}: ${describeCause(error)}`, {
      cause: error,
    });
  }
}

/** `ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:1)` rather than undici's bare "fetch failed". */
function describeCause(error: unknown): string {
  const outer = error instanceof Error ? error : new Error(String(error));
  const inner = outer.cause;
  if (inner instanceof Error) {
    const code = (inner as Error & { code?: unknown }).code;
    if (typeof code !== 'string' || inner.message.includes(code)) return inner.message || outer.message;
    return inner.message ? `${code} (${inner.message})` : code;
  }
  if (inner && typeof inner === 'object' && 'code' in inner) return String((inner as { code: unknown }).code);
  return outer.message;
}
