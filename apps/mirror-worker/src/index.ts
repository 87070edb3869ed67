export { createMirrorProcessor, type MirrorWorkerDeps } from './mirror-processor.js';
export { type ActionEnd, type FinishedRun, MirrorRunEnds } from './mirror-run-ends.js';
