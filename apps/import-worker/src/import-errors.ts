import { D2sError, type D2sErrorOptions } from '@d2s/shared';

/**
 * The SWAP failed and provably did not take effect (the tables' creation
 * times say so), so the attempt can be retried whatever the driver said:
 * the Snowflake client marks a non-idempotent statement with an unknown
 * outcome as not retryable, and here the outcome is known.
 */
export class SwapNotAppliedError extends D2sError {
  readonly code = 'SWAP_NOT_APPLIED';

  constructor(message: string, options: Omit<D2sErrorOptions, 'retryable'> = {}) {
    super(message, { ...options, retryable: true });
  }
}
