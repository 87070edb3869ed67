export { createMirrorProcessor, type MirrorWorkerDeps } from './mirror-processor.js';
