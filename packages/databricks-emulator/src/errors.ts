import { randomUUID } from 'node:crypto';

/**
 * Databricks' REST error shape: `{ error_code, message }` with an HTTP status.
 * Every failure a Databricks route returns is one of these, built from the registry below,
 * so a client sees the same code/status pairs as against a real workspace.
 */
export class DatabricksApiError extends Error {
  readonly status: number;
  /** A string code (INVALID_PARAMETER_VALUE, ...) or, for auth failures, the HTTP status as a number, as the real gateway sends. */
  readonly errorCode: string | number;
  readonly headers: Record<string, string>;
  /** google.rpc details (ErrorInfo, RequestInfo, ...) where the service sends them. */
  readonly details: Array<Record<string, unknown>> | undefined;

  constructor(
    status: number,
    errorCode: string | number,
    message: string,
    headers: Record<string, string> = {},
    details?: Array<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'DatabricksApiError';
    this.status = status;
    this.errorCode = errorCode;
    this.headers = headers;
    this.details = details;
  }

  toBody(): { error_code: string | number; message: string; details?: Array<Record<string, unknown>> } {
    return this.details === undefined
      ? { error_code: this.errorCode, message: this.message }
      : { error_code: this.errorCode, message: this.message, details: this.details };
  }
}

/**
 * An error page from the proxy in front of a workspace (502 / 503 / 504 with a text/html body), which every
 * client meets sooner or later; the official SDKs read its `<pre>` block or fall back to the HTTP reason phrase.
 */
export class ProxyErrorPage extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(status: number, headers: Record<string, string> = {}) {
    super(`HTTP ${status} from the proxy`);
    this.name = 'ProxyErrorPage';
    this.status = status;
    this.headers = headers;
  }

  toHtml(): string {
    const title = `${this.status} ${PROXY_REASONS[this.status] ?? 'Error'}`;
    return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  }
}

const PROXY_REASONS: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

/** The Iceberg REST catalog's error shape: `{ error: { message, type, code } }`. */
export class IcebergRestError extends Error {
  readonly status: number;
  readonly type: string;

  constructor(status: number, type: string, message: string) {
    super(message);
    this.name = 'IcebergRestError';
    this.status = status;
    this.type = type;
  }

  toBody(): { error: { message: string; type: string; code: number } } {
    return { error: { message: this.message, type: this.type, code: this.status } };
  }
}

/** OAuth token endpoint errors (RFC 6749 §5.2): `{ error, error_description }`. */
export class OAuthError extends Error {
  readonly status: number;
  readonly error: string;

  constructor(status: number, error: string, description: string) {
    super(description);
    this.name = 'OAuthError';
    this.status = status;
    this.error = error;
  }

  toBody(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

/** The registry: every Databricks error the emulator can send. */
export const databricksErrors = {
  invalidParameter: (message: string) => new DatabricksApiError(400, 'INVALID_PARAMETER_VALUE', message),
  malformedRequest: (message: string) => new DatabricksApiError(400, 'MALFORMED_REQUEST', message),
  runDoesNotExist: (runId: number | string) =>
    new DatabricksApiError(400, 'INVALID_PARAMETER_VALUE', `Run ${runId} does not exist.`),
  jobDoesNotExist: (jobId: number | string) =>
    new DatabricksApiError(400, 'INVALID_PARAMETER_VALUE', `Job ${jobId} does not exist.`),
  multiTaskOutput: () =>
    new DatabricksApiError(
      400,
      'INVALID_PARAMETER_VALUE',
      'Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each individual task run instead.',
    ),
  catalogDoesNotExist: (name: string) =>
    new DatabricksApiError(404, 'CATALOG_DOES_NOT_EXIST', `Catalog '${name}' does not exist.`),
  schemaDoesNotExist: (fullName: string) =>
    new DatabricksApiError(404, 'SCHEMA_DOES_NOT_EXIST', `Schema '${fullName}' does not exist.`),
  tableDoesNotExist: (fullName: string) =>
    new DatabricksApiError(404, 'TABLE_DOES_NOT_EXIST', `Table '${fullName}' does not exist.`),
  tableAlreadyExists: (fullName: string) =>
    new DatabricksApiError(409, 'TABLE_ALREADY_EXISTS', `Table '${fullName}' already exists.`),
  /**
   * A missing Unity Catalog privilege: 403 PERMISSION_DENIED "User does not have <PRIVILEGE> on <Type> '<name>'."
   * with a google.rpc.ErrorInfo naming it. Shape and words as a workspace sends them (a 403 body quoted in
   * https://github.com/Azure/spark-cdm-connector/issues/149: message "User does not have EXTERNAL USE SCHEMA on
   * Schema 'icebase.telemetry'.", ErrorInfo reason PERMISSION_DENIED, domain unity-catalog.databricks.com,
   * metadata {principalName, msg, resourceType, resourceName}, then a RequestInfo; the USE CATALOG wording is
   * quoted in https://github.com/databricks-demos/dbdemos/issues/74).
   */
  permissionDenied: (privilege: string, resourceType: 'Catalog' | 'Schema' | 'Table', resourceName: string) => {
    const words = privilege.replaceAll('_', ' ');
    return new DatabricksApiError(
      403,
      'PERMISSION_DENIED',
      `User does not have ${words} on ${resourceType} '${resourceName}'.`,
      {},
      [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'PERMISSION_DENIED',
          domain: 'unity-catalog.databricks.com',
          metadata: { principalName: 'User', msg: words, resourceType, resourceName },
        },
        { '@type': 'type.googleapis.com/google.rpc.RequestInfo', request_id: randomUUID(), serving_data: '' },
      ],
    );
  },
  tagDoesNotExist: (entity: string, key: string) =>
    new DatabricksApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Tag assignment '${key}' on '${entity}' does not exist.`),
  /**
   * A principal lacks a job permission. Databricks answers 403 PERMISSION_DENIED naming the user and the
   * permission levels that would do, with a google.rpc.RequestInfo detail. `levels` is that list, e.g.
   * 'Manage Run or Owner or Admin' (run-now, cancel) or 'Admin or Manage Run or Owner or View' (jobs/get).
   */
  jobPermissionDenied: (principal: string, levels: string, jobId: number) =>
    new DatabricksApiError(
      403,
      'PERMISSION_DENIED',
      `User ${principal} does not have ${levels} permissions on job ${jobId}`,
      {},
      [{ '@type': 'type.googleapis.com/google.rpc.RequestInfo', request_id: randomUUID(), serving_data: '' }],
    ),
  tagAlreadyExists: (entity: string, key: string) =>
    new DatabricksApiError(409, 'RESOURCE_ALREADY_EXISTS', `Tag assignment '${key}' on '${entity}' already exists.`),
  endpointNotFound: (method: string, path: string) =>
    new DatabricksApiError(404, 'ENDPOINT_NOT_FOUND', `No API found for '${method} ${path}'`),
  /** No or unusable Authorization header: the gateway's 401 (error_code is a number in the real body). */
  credentialMissing: () =>
    new DatabricksApiError(
      401,
      401,
      `Credential was not sent or was of an unsupported type for this API. [ReqId: ${randomUUID()}]`,
    ),
  /** A bearer token that is unknown, revoked or expired: the gateway's 403. */
  invalidAccessToken: () =>
    new DatabricksApiError(403, 403, 'Invalid access token.', {
      'X-Databricks-Reason-Phrase': 'Invalid access token.',
    }),
  tooManyRequests: (retryAfterSeconds: number | undefined, message?: string) =>
    new DatabricksApiError(
      429,
      'RESOURCE_EXHAUSTED',
      message ?? 'Too many requests. Please wait a moment and try again.',
      retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) },
    ),
  temporarilyUnavailable: (retryAfterSeconds: number | undefined, message?: string) =>
    new DatabricksApiError(
      503,
      'TEMPORARILY_UNAVAILABLE',
      message ?? 'The service is temporarily unavailable. Please try again later.',
      retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) },
    ),
  internalError: (message?: string) =>
    new DatabricksApiError(500, 'INTERNAL_ERROR', message ?? 'Internal error. Please try again later.'),
} as const;

export const icebergErrors = {
  badRequest: (message: string) => new IcebergRestError(400, 'BadRequestException', message),
  notAuthorized: (message = 'Not authorized: missing or invalid authentication.') =>
    new IcebergRestError(401, 'NotAuthorizedException', message),
  noSuchNamespace: (namespace: string) =>
    new IcebergRestError(404, 'NoSuchNamespaceException', `Namespace does not exist: ${namespace}`),
  /** 403 per the Iceberg REST spec (ForbiddenException), carrying Unity Catalog's words for the missing privilege. */
  forbidden: (message: string) => new IcebergRestError(403, 'ForbiddenException', message),
  noSuchTable: (identifier: string) =>
    new IcebergRestError(404, 'NoSuchTableException', `Table does not exist: ${identifier}`),
  noSuchWarehouse: (warehouse: string) =>
    new IcebergRestError(404, 'NotFoundException', `Catalog '${warehouse}' does not exist.`),
} as const;
