export { createExportProcessor, type ExportDeps } from './export-processor.js';
export { type PollDelaySettings, pollDelayMs } from './poll-delay.js';
export { type BackfillProcessorDeps, createBackfillProcessor } from './backfill-processor.js';
