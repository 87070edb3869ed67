export * from './databricks/index.js';
export { ObjectStore } from './object-store.js';
export * from './snowflake/index.js';
