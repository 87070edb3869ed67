import { D2sError, type D2sErrorOptions, RequestError } from '../errors.js';

/**
 * The mirror cannot run with this configuration (no catalogs, no OAuth client
 * id or secret, no workspace URL). The message names what to set.
 */
export class MirrorNotConfiguredError extends D2sError {
  readonly code = 'MIRROR_NOT_CONFIGURED';

  constructor(message: string, options: Omit<D2sErrorOptions, 'retryable'> = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** A mirror step failed with a stated code (`MIRROR_DISCOVERY_FAILED`, `MIRROR_INTEGRATION_FAILED`, …). */
export class MirrorError extends D2sError {
  readonly code: string;

  constructor(code: string, message: string, options: D2sErrorOptions = {}) {
    super(message, options);
    this.code = code;
  }
}

/**
 * A plan would drop more than mirror.maxDropShare of the mirrored tables. Refused (409) unless forced:
 * never retried, the same listing would give the same plan.
 */
export class MirrorDropLimitError extends RequestError {
  constructor(message: string, options: Omit<D2sErrorOptions, 'retryable'> = {}) {
    super('MIRROR_DROP_LIMIT', 409, message, { ...options, retryable: false });
  }
}

/** A reviewed plan id that names no plan (404) or one that has expired (410). */
export class MirrorPlanNotFoundError extends RequestError {
  constructor(planId: string, expired: boolean) {
    super(
      expired ? 'PLAN_EXPIRED' : 'PLAN_NOT_FOUND',
      expired ? 410 : 404,
      expired
        ? `Mirror plan ${planId} has expired (mirror.planTtlSeconds); plan again and review the new plan.`
        : `No mirror plan with id "${planId}".`,
      { details: { planId } },
    );
  }
}

/** The state changed since the plan was reviewed: applying it would not do what was reviewed. */
export class MirrorPlanStaleError extends RequestError {
  constructor(planId: string, details: Record<string, unknown>) {
    super(
      'PLAN_STALE',
      409,
      `Mirror plan ${planId} is stale: Unity Catalog, Snowflake or the mirror settings changed since it was computed. Plan again and review the new plan.`,
      { details: { planId, ...details } },
    );
  }
}
