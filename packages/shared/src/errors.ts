/**
 * One registry of coded errors. Every failure a user or operator sees carries a
 * stable machine-readable `code`, says whether trying again can help
 * (`retryable`), and keeps the underlying `cause`.
 */
export interface D2sErrorOptions {
  cause?: unknown;
  /** Structured, secret-free facts that help whoever reads the error. */
  details?: Record<string, unknown>;
  retryable?: boolean;
}

export abstract class D2sError extends Error {
  abstract readonly code: string;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(message: string, options: D2sErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // Keeps `instanceof` and the class name intact after transpiling.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = new.target.name;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }

  /** The shape logged and returned by the API (never includes the stack or secrets). */
  toJSON(): { code: string; message: string; retryable: boolean; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, retryable: this.retryable, details: this.details };
  }
}

/** The configuration file or environment is invalid; the process must not start. */
export class ConfigError extends D2sError {
  readonly code = 'CONFIG_INVALID';
}

/** Redis is configured in a way that can lose jobs (for example an evicting maxmemory policy). */
export class RedisPolicyError extends D2sError {
  readonly code = 'REDIS_UNSAFE_POLICY';
}

/** A job's data does not match its schema in the job catalog. */
export class JobDataError extends D2sError {
  readonly code = 'JOB_DATA_INVALID';
}

/**
 * A request the service will not carry out as asked (unknown dataset, bad
 * parameter, a sync that is already finished, …). The API answers with
 * `httpStatus` and `code`; workers never see these.
 */
export class RequestError extends D2sError {
  readonly code: string;
  readonly httpStatus: number;

  constructor(code: string, httpStatus: number, message: string, options: D2sErrorOptions = {}) {
    super(message, options);
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

/**
 * A sync cannot finish: the Databricks run failed, the load did not verify,
 * the run took too long, or it was canceled. Never retried: the same inputs
 * would fail the same way (a retry of the sync is a new attempt).
 */
export class SyncFailedError extends D2sError {
  readonly code: string;

  constructor(code: string, message: string, options: Omit<D2sErrorOptions, 'retryable'> = {}) {
    super(message, { ...options, retryable: false });
    this.code = code;
  }
}

/** A removal of files outside one run's own prefix was asked for: refused before any SQL is sent. */
export class CleanupRefusedError extends D2sError {
  readonly code = 'CLEANUP_OUTSIDE_RUN_PREFIX';
}

/**
 * An outgoing webhook was not accepted: the receiver answered other than 2xx
 * (NOTIFICATION_RECEIVER_ERROR), could not be reached or timed out
 * (NOTIFICATION_RECEIVER_UNREACHABLE), or the endpoint is no longer configured
 * (NOTIFICATION_ENDPOINT_UNKNOWN, not retried).
 */
export class NotificationDeliveryError extends D2sError {
  readonly code: string;

  constructor(code: string, message: string, options: D2sErrorOptions = {}) {
    super(message, options);
    this.code = code;
  }
}

/** Narrow `unknown` to a D2sError-like object with a code. */
export function isD2sError(error: unknown): error is D2sError {
  return error instanceof D2sError;
}

/**
 * This worker lost its lock on the job (its renewal failed: the lock lapsed, the job was taken as stalled and
 * another replica may be running it now). The steps stop at the next boundary so that two replicas never run
 * one job's steps side by side; the job's owner now is whoever holds the lock, so nothing is recorded here.
 */
export class JobLockLostError extends D2sError {
  readonly code = 'JOB_LOCK_LOST';
}
