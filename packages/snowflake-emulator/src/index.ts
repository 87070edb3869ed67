/**
 * The local Snowflake stand-in: the HTTP protocol of the `snowflake-sdk`
 * driver over an embedded DuckDB. See `startSnowflakeEmulator`.
 */
export type { AdminResult, SnowflakeEmulatorAdmin } from './admin/admin.js';
export { ADMIN_PREFIX } from './admin/admin-routes.js';
export { snowflakeSandboxConnectHelp } from './connect-help.js';
export type { SnowflakeFaults } from './admin/faults.js';
export type { QueryLog, QueryLogEntry } from './admin/query-log.js';
export type { FailingFile } from './engine/statement-context.js';
export type { SnowflakeUserConfig } from './protocol/users.js';
export { SANDBOX, type SandboxOptions, type SnowflakeSandbox, startSnowflakeSandbox } from './sandbox.js';
export {
  type SnowflakeEmulator,
  type SnowflakeEmulatorOptions,
  type SnowflakeFixture,
  startSnowflakeEmulator,
} from './server.js';
