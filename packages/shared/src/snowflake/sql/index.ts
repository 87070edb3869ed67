export * from './catalog-integration.js';
export * from './iceberg-tables.js';
export * from './loading.js';
export * from './quoting.js';
export * from './sql-statement.js';
export * from './stage-files.js';
export * from './system.js';
export * from './tables.js';
