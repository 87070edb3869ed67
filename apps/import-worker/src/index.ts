export { createImportProcessor, type ImportDeps } from './import-processor.js';
export { fileKey, requireRowCount, verifyCopy } from './verify-load.js';
