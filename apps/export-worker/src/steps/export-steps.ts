import type { StepTable } from '@d2s/shared';
import type { ExportContext, ExportResult, ExportStepName } from '../export-context.js';
import { cancelRun } from './cancel-run.js';
import { handOff } from './hand-off.js';
import { pollRun } from './poll-run.js';
import { trigger } from './trigger.js';

/** trigger → poll (again and again, from `delayed`) → hand-off; `cancel` when a cancel request interrupts. */
export const exportSteps: StepTable<ExportContext, ExportStepName, ExportResult> = {
  trigger,
  poll: pollRun,
  handoff: handOff,
  cancel: cancelRun,
};
