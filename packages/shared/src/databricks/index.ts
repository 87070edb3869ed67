export type { IssuedToken, TokenProvider } from './auth.js';
export { OAuthM2MTokenProvider, PatTokenProvider } from './auth.js';
export type {
  DatabricksClient,
  DatabricksClientConfig,
  DatabricksClientDeps,
  DatabricksClientTuning,
} from './client.js';
export { createDatabricksClient } from './client.js';
export type { CurrentUser } from './current-user-api.js';
export { CurrentUserApi } from './current-user-api.js';
export type { Clock, RandomSource } from '../clock.js';
export { systemClock } from '../clock.js';
export type { DatabricksErrorFacts, ParsedErrorBody } from './errors.js';
export {
  DatabricksAuthError,
  DatabricksError,
  DatabricksNetworkError,
  DatabricksNotFoundError,
  DatabricksPermissionError,
  DatabricksRateLimitError,
  DatabricksResponseError,
  parseErrorBody,
} from './errors.js';
export type { DatabricksRequestEvent, DatabricksRequestHook } from './http-client.js';
export type {
  GenericWebhookInput,
  JobNotificationView,
  NotificationDestinationSummary,
  WebhookNotifications,
} from './job-notifications-api.js';
export { JobNotificationsApi } from './job-notifications-api.js';
export type { CallOptions, GetRunOptions } from './jobs-api.js';
export { JobsApi } from './jobs-api.js';
export type * from './jobs-types.js';
export type * from './job-definition-types.js';
export type { BackoffOptions } from './retry-policy.js';
export { backoffDelayMs, DEFAULT_BACKOFF, parseRetryAfter } from './retry-policy.js';
export type { RunFailure, RunPhase, RunStateInput, RunStateSummary, TaskFailure } from './run-state.js';
export { classifyRunState, failedTasks, isFinalPhase } from './run-state.js';
export type {
  ExecuteStatementOptions,
  SqlStatementsTuning,
  StatementParameter,
  StatementResult,
} from './sql-statements-api.js';
export { DatabricksStatementError, SqlStatementsApi } from './sql-statements-api.js';
export type { GetTableOptions, ListOptions, ListTablesOptions, TagListOptions } from './unity-catalog-api.js';
export { type TagAssignmentWrite, UnityCatalogApi } from './unity-catalog-api.js';
export type * from './unity-catalog-types.js';
