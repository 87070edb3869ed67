import type { LoadReport, StepTable } from '@d2s/shared';
import type { ImportContext, ImportStepName } from '../import-context.js';
import { load } from './load.js';
import { merge } from './merge.js';
import { prepare } from './prepare.js';
import { swap } from './swap.js';
import { verify } from './verify.js';

/**
 * prepare → load → verify (→ swap | → merge). One activation runs them all: every step
 * is safe to repeat, so a retried attempt starts again at prepare (append:
 * Snowflake's load metadata skips files already loaded; replace: a fresh
 * staging table).
 */
export const importSteps: StepTable<ImportContext, ImportStepName, LoadReport> = { prepare, load, verify, swap, merge };
