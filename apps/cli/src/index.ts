export * from './api-client.js';
export type * from './api-types.js';
export { abortableSleep, type CliDeps, COMMAND_GROUPS, DEFAULT_API_URL, runCli } from './cli.js';
export * from './errors.js';
export { CapturedSink, Output, type TextSink } from './output.js';
