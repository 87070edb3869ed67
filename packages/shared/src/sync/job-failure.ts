import { UnrecoverableError } from 'bullmq';
import { isD2sError } from '../errors.js';

/**
 * BullMQ keeps only an error's message as a job's `failedReason`. Workers
 * throw `CODE: message`, so the API can give every failure a stable code
 * without a second copy of the sync's state. Non-retryable errors become
 * UnrecoverableError so BullMQ does not spend attempts on them.
 */
export function toJobError(error: unknown): Error {
  if (error instanceof UnrecoverableError || (error instanceof Error && error.name === 'DelayedError')) return error;
  if (isD2sError(error)) {
    const message = `${error.code}: ${error.message}`;
    if (!error.retryable) return new UnrecoverableError(message);
    const retry = new Error(message);
    retry.cause = error;
    return retry;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new Error(/^[A-Z][A-Z0-9_]+: /.test(message) ? message : `INTERNAL_ERROR: ${message}`);
}

export interface DecodedFailure {
  code: string;
  message: string;
}

/** Splits a failedReason written by toJobError back into code and message. */
export function decodeFailure(failedReason: string | undefined): DecodedFailure {
  const reason = failedReason ?? 'unknown failure';
  const match = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(reason);
  if (match?.[1] && match[2] !== undefined) return { code: match[1], message: match[2] };
  // BullMQ's own reasons, e.g. "job stalled more than allowable limit".
  return { code: 'JOB_FAILED', message: reason };
}
