import { D2sError, type D2sErrorOptions } from '../errors.js';

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
