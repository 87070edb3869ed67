export * from './client.js';
export * from './connection-options.js';
export * from './copy-result.js';
export * from './driver.js';
export * from './error-classification.js';
export * from './errors.js';
export * from './sql/index.js';
export * from './statement-kind.js';
