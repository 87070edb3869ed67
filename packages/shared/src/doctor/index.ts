export {
  type CheckStatus,
  type DoctorCheck,
  doctorExitCode,
  type DoctorReport,
  type DoctorSummary,
  redactReport,
  reportOf,
} from './check.js';
export { databricksChecks, type DatabricksProbe, highestLevel } from './databricks-checks.js';
export { type DoctorClientOptions, doctorClients } from './doctor-clients.js';
export { type QueueProbe, redisChecks } from './redis-checks.js';
export { type Closable, configSecrets, type DoctorDeps, redisLocation, runDoctor } from './run-doctor.js';
export { snowflakeChecks, type SnowflakeProbe } from './snowflake-checks.js';
