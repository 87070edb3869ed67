import { D2sError } from '../errors.js';
import { parseProtoDuration } from './retry-policy.js';

/** Secret-free facts about one failed Databricks call. */
export interface DatabricksErrorFacts {
  /** Route template, e.g. `jobs/runs/get` (never a URL with query values). */
  endpoint: string;
  method: string;
  /** HTTP status; undefined when no response arrived (network error, timeout). */
  status?: number;
  /** Databricks' `error_code`, e.g. `INVALID_PARAMETER_VALUE`; for network errors the socket error code. */
  errorCode?: string;
  /** What the server asked us to wait (Retry-After header or google.rpc.RetryInfo), in milliseconds. */
  retryAfterMs?: number;
  /** The server's request id (google.rpc.RequestInfo), useful when talking to Databricks support. */
  requestId?: string;
  /** For a Unity Catalog PERMISSION_DENIED: the privilege the caller lacks, and on what. */
  missingPrivilege?: MissingPrivilege;
}

/** What a Unity Catalog 403 says is missing, e.g. `USE SCHEMA` on Schema `weather.forecasts`. */
export interface MissingPrivilege {
  /** As SQL spells it: `USE SCHEMA`, `SELECT`, `EXTERNAL USE SCHEMA`. */
  privilege: string;
  /** `Catalog`, `Schema`, `Table`, … */
  securableType: string;
  securableName: string;
}

export interface DatabricksErrorOptions {
  retryable: boolean;
  cause?: unknown;
}

/**
 * A Databricks REST call failed. `retryable` says whether trying the same call again later can help; the client
 * has already retried it within its time budget when it throws a retryable error, so a caller that wants to go on
 * (for example a BullMQ step job) should reschedule itself, honouring `retryAfterMs` when set.
 * The message and details never contain a token or an Authorization header.
 */
export class DatabricksError extends D2sError {
  readonly code: string = 'DATABRICKS_REQUEST_FAILED';
  readonly endpoint: string;
  readonly method: string;
  readonly status: number | undefined;
  readonly errorCode: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly requestId: string | undefined;
  readonly missingPrivilege: MissingPrivilege | undefined;

  constructor(message: string, facts: DatabricksErrorFacts, options: DatabricksErrorOptions) {
    super(message, {
      retryable: options.retryable,
      cause: options.cause,
      details: withoutUndefined({
        endpoint: facts.endpoint,
        method: facts.method,
        status: facts.status,
        errorCode: facts.errorCode,
        retryAfterMs: facts.retryAfterMs,
        requestId: facts.requestId,
        missingPrivilege: facts.missingPrivilege,
      }),
    });
    this.endpoint = facts.endpoint;
    this.method = facts.method;
    this.status = facts.status;
    this.errorCode = facts.errorCode;
    this.retryAfterMs = facts.retryAfterMs;
    this.requestId = facts.requestId;
    this.missingPrivilege = facts.missingPrivilege;
  }
}

/** The resource does not exist: HTTP 404, `RESOURCE_DOES_NOT_EXIST`, or a runs API 400 "Run … does not exist". */
export class DatabricksNotFoundError extends DatabricksError {
  override readonly code: string = 'DATABRICKS_NOT_FOUND';
}

/**
 * The credentials were rejected: HTTP 401, a 403 "Invalid access token." (how Databricks answers an unknown or
 * expired token), or the OAuth token endpoint refused the client id / secret.
 */
export class DatabricksAuthError extends DatabricksError {
  override readonly code: string = 'DATABRICKS_UNAUTHENTICATED';
}

/** The caller is authenticated but may not do this (HTTP 403 / `PERMISSION_DENIED`). */
export class DatabricksPermissionError extends DatabricksError {
  override readonly code: string = 'DATABRICKS_PERMISSION_DENIED';
}

/** Databricks rate limited the call (HTTP 429, `REQUEST_LIMIT_EXCEEDED`, `RESOURCE_EXHAUSTED`) past the retry budget. */
export class DatabricksRateLimitError extends DatabricksError {
  override readonly code: string = 'DATABRICKS_RATE_LIMITED';
}

/** No usable response arrived: connection refused or reset, or the per-request timeout fired. */
export class DatabricksNetworkError extends DatabricksError {
  override readonly code: string = 'DATABRICKS_NETWORK_ERROR';
}

/** A 2xx response whose body is not what the API documents (not JSON, or a required field missing). */
export class DatabricksResponseError extends DatabricksError {
  override readonly code: string = 'DATABRICKS_BAD_RESPONSE';
}

/**
 * Builds the typed error for an HTTP error response. The class follows Databricks' error code first, then the
 * HTTP status (as the official Go SDK does), with the SDKs' override for the Jobs API: a missing run or job is
 * reported as `400 INVALID_PARAMETER_VALUE "Run 5 does not exist."`, which is a not-found, not a bad request.
 */
export function errorFromResponse(
  facts: DatabricksErrorFacts & { status: number },
  body: ParsedErrorBody,
  options: DatabricksErrorOptions,
): DatabricksError {
  const what = facts.errorCode ? `HTTP ${facts.status} ${facts.errorCode}` : `HTTP ${facts.status}`;
  const message = `Databricks ${facts.method} ${facts.endpoint} failed with ${what}: ${body.message}`;
  const code = facts.errorCode;
  if (body.missingPrivilege !== undefined && facts.missingPrivilege === undefined) {
    facts = { ...facts, missingPrivilege: body.missingPrivilege };
  }
  // RESOURCE_DOES_NOT_EXIST, and Unity Catalog's CATALOG_ / SCHEMA_ / TABLE_DOES_NOT_EXIST.
  const missing = code !== undefined && (code === 'NOT_FOUND' || code.endsWith('_DOES_NOT_EXIST'));
  if (facts.status === 404 || missing || isMissingJobOrRun(facts, body)) {
    return new DatabricksNotFoundError(message, facts, options);
  }
  if (isRejectedCredential(facts.status, code, body.message)) return new DatabricksAuthError(message, facts, options);
  if (facts.status === 403 || code === 'PERMISSION_DENIED')
    return new DatabricksPermissionError(message, facts, options);
  if (facts.status === 429 || code === 'REQUEST_LIMIT_EXCEEDED' || code === 'RESOURCE_EXHAUSTED') {
    return new DatabricksRateLimitError(message, facts, options);
  }
  return new DatabricksError(message, facts, options);
}

/**
 * The credentials themselves were refused: HTTP 401, or the 403 "Invalid access token." that Databricks' gateway
 * answers for an unknown, revoked or expired bearer token (its error_code is the number 403).
 */
export function isRejectedCredential(status: number, errorCode: string | undefined, message: string): boolean {
  if (status === 401 || errorCode === 'UNAUTHENTICATED') return true;
  return status === 403 && /invalid access token/i.test(message);
}

const MISSING_JOB_OR_RUN = [/Run .* does not exist/, /Run: .* in job: .* doesn't exist/, /Job .* does not exist/];

function isMissingJobOrRun(facts: DatabricksErrorFacts & { status: number }, body: ParsedErrorBody): boolean {
  return (
    facts.status === 400 &&
    facts.endpoint.startsWith('jobs/') &&
    facts.errorCode === 'INVALID_PARAMETER_VALUE' &&
    MISSING_JOB_OR_RUN.some((pattern) => pattern.test(body.message))
  );
}

/** What a Databricks error body says, whatever shape it came in. */
export interface ParsedErrorBody {
  errorCode?: string;
  message: string;
  /** From a google.rpc.RetryInfo detail. */
  retryDelayMs?: number;
  /** From a google.rpc.RequestInfo detail. */
  requestId?: string;
  /** From a Unity Catalog google.rpc.ErrorInfo detail, else from the "User does not have …" message. */
  missingPrivilege?: MissingPrivilege;
}

/**
 * Reads an error body the way the official SDKs do: the standard `{error_code, message, details}`, the OAuth
 * `{error, error_description}`, API 1.2 `{error}`, SCIM `{detail, status}`, plain text `CODE: message`, an HTML
 * page's `<pre>` block, or an empty body (then the HTTP reason phrase).
 */
export function parseErrorBody(status: number, text: string): ParsedErrorBody {
  const trimmed = text.trim();
  const fallback = reasonPhrase(status);
  if (trimmed === '') return { message: fallback };
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    json = undefined;
  }
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const body = json as Record<string, unknown>;
    const errorCode =
      stringOf(body.error_code) ?? (typeof body.error_code === 'number' ? String(body.error_code) : undefined);
    const oauthError = stringOf(body.error);
    const message =
      stringOf(body.message) ??
      stringOf(body.error_description) ??
      stringOf(body.errorSummary) ??
      stringOf(body.detail) ??
      oauthError ??
      fallback;
    const parsed: ParsedErrorBody = { message };
    const code =
      errorCode ?? stringOf(body.errorCode) ?? (body.error_description !== undefined ? oauthError : undefined);
    if (code !== undefined) parsed.errorCode = code;
    if (Array.isArray(body.details)) readDetails(body.details, parsed);
    if (parsed.missingPrivilege === undefined && errorCode === 'PERMISSION_DENIED') {
      const privilege = missingPrivilegeFromMessage(message);
      if (privilege !== undefined) parsed.missingPrivilege = privilege;
    }
    return parsed;
  }
  const pre = /<pre>([\s\S]*?)<\/pre>/i.exec(trimmed);
  if (pre?.[1] !== undefined) return { message: decodeEntities(pre[1].trim()) || fallback };
  if (/^\s*</.test(trimmed)) return { message: fallback };
  const coded = /^([A-Z][A-Z0-9_]+): (.+)$/s.exec(trimmed);
  if (coded?.[1] !== undefined && coded[2] !== undefined) return { errorCode: coded[1], message: coded[2].trim() };
  return { message: truncate(trimmed, 500) };
}

function readDetails(details: unknown[], parsed: ParsedErrorBody): void {
  for (const detail of details) {
    if (typeof detail !== 'object' || detail === null) continue;
    const entry = detail as Record<string, unknown>;
    const type = stringOf(entry['@type']) ?? '';
    if (type.endsWith('google.rpc.RetryInfo')) {
      const delay = parseProtoDuration(entry.retry_delay);
      if (delay !== undefined) parsed.retryDelayMs = delay;
    } else if (type.endsWith('google.rpc.RequestInfo')) {
      const id = stringOf(entry.request_id);
      if (id !== undefined) parsed.requestId = id;
    } else if (type.endsWith('google.rpc.ErrorInfo') && entry.reason === 'PERMISSION_DENIED') {
      // Unity Catalog's ErrorInfo: metadata {principalName, msg: "<PRIVILEGE>", resourceType, resourceName}
      // (a workspace's body quoted in https://github.com/Azure/spark-cdm-connector/issues/149).
      const metadata = (typeof entry.metadata === 'object' && entry.metadata !== null ? entry.metadata : {}) as Record<
        string,
        unknown
      >;
      const privilege = stringOf(metadata.msg);
      const securableType = stringOf(metadata.resourceType);
      const securableName = stringOf(metadata.resourceName);
      if (privilege && securableType && securableName) {
        parsed.missingPrivilege = { privilege, securableType, securableName };
      }
    }
  }
}

/** "User does not have USE SCHEMA on Schema 'weather.forecasts'." → the privilege and the securable. */
function missingPrivilegeFromMessage(message: string): MissingPrivilege | undefined {
  const match = /does not have ([A-Z][A-Z _]*?) on (\w+) '([^']+)'/.exec(message);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { privilege: match[1], securableType: match[2], securableName: match[3] };
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function reasonPhrase(status: number): string {
  return REASONS[status] ?? `HTTP ${status}`;
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
