export { createImportProcessor, type ImportDeps } from './import-processor.js';
export { fileKey, requireRowCount, verifyCopy } from './verify-load.js';
export { CLEANUP_SWEEP_SCHEDULER, scheduleCleanupSweep } from './sweep/schedule-sweep.js';
export type { CleanupSweepReport, SweptRunReport } from './sweep/sweep-run-files.js';
