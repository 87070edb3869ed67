export { type Clock, type RandomSource, sleep, systemClock } from './clock.js';
export {
  type D2sConfig,
  type DatabricksAuth,
  type DatabricksWebhookConfig,
  DEFAULT_CONFIG_PATH,
  type Env,
  loadConfig,
  type SnowflakeAuth,
} from './config/load-config.js';
export {
  CleanupPolicy,
  ConfigFile,
  DatasetConfig,
  DatasetParameter,
  NOTIFICATION_EVENT_TYPES,
  type NotificationEventType,
  SchemaConfig,
  SnowflakeObjectName,
} from './config/schema.js';
export {
  type NotificationEndpoint,
  type NotificationsSettings,
  parseSigningSecret,
} from './config/notification-endpoints.js';
export * from './notifications/index.js';
export { backfillIdOf, wakeBackfillsOnSyncEnd } from './backfills/backfill-wakeups.js';
export {
  API_SCOPES,
  type ApiScope,
  type ApiTokenEntry,
  ApiTokenHashConfig,
  parseApiTokens,
  sha256Hex,
} from './config/api-tokens.js';
export {
  CleanupRefusedError,
  ConfigError,
  D2sError,
  type D2sErrorOptions,
  isD2sError,
  JobDataError,
  JobLockLostError,
  NotificationDeliveryError,
  RedisPolicyError,
  RequestError,
  SyncFailedError,
} from './errors.js';
export * from './jobs/catalog.js';
export { closeQueues, openQueues, type Queues } from './jobs/queues.js';
export { isLastAttempt, type SettleOptions, settleFailedAttempt } from './jobs/attempt-failure.js';
export { crashOnFetchStall, type StartWorkerOptions, startWorker } from './jobs/start-worker.js';
export { FetchStallWatch, type FetchStallWatchOptions } from './jobs/fetch-stall-watch.js';
export { type FetchStallReport, FetchWatchdog } from './jobs/fetch-watchdog.js';
export { ActiveJobs, type CloseWorkerOptions, closeWorker } from './jobs/worker-shutdown.js';
export {
  finished,
  nextStep,
  type ParkJob,
  parkJob,
  rescheduleIn,
  runSteps,
  type RunStepsOptions,
  type StepFunction,
  type StepResult,
  type StepTable,
  stopIfLockLost,
} from './jobs/step-runner.js';
export { addJob, addJobs } from './jobs/typed-queue.js';
export {
  createLogger,
  type Logger,
  type LoggerSettings,
  REDACT_PATHS,
  redactSecrets,
  SECRET_FIELD_NAMES,
} from './logging/logger.js';
export { D2sMetrics, serveMetrics } from './metrics/metrics.js';
export { metricsPortFrom, startWorkerMetrics } from './metrics/worker-metrics.js';
export * from './mirror/index.js';
export * from './doctor/index.js';
export {
  clusterOptionsFor,
  createRedisConnection,
  type RedisClient,
  type RedisProfile,
  type RedisSettings,
  redisOptionsFor,
  waitForRedis,
} from './redis/connections.js';
export { ClusterConnection } from './redis/cluster-connection.js';
export { checkEvictionPolicy } from './redis/eviction-policy.js';
export {
  checkTemplate,
  isTemplate,
  renderParameters,
  renderTemplate,
  TemplateError,
} from './schedules/parameter-templates.js';
export {
  ScheduleId,
  ScheduleService,
  type ScheduleServiceDeps,
  ScheduleSpec,
  type ScheduleView,
} from './schedules/schedule-service.js';
export { isSecret, Secret } from './secret.js';
export { type RunningService, type RunServiceOptions, runService, type ServiceContext } from './service/run-service.js';
export { idempotencyTokenFor, newSyncId, syncIdForKey } from './sync/ids.js';
export { DEFAULT_DATA_FILE_PATTERN, runDataFilePattern } from './sync/data-files.js';
export { decodeFailure, toJobError } from './sync/job-failure.js';
export { type ParameterIssue, type ParameterValues, validateParameters } from './sync/parameters.js';
export { type RunLocation, runLocationFor } from './sync/run-path.js';
export { datasetStagePrefix, requireRunPrefix, type RunPrefix, runOfStagedFile } from './sync/run-prefix.js';
export { syncKeys } from './sync/sync-keys.js';
export { type NotificationOutcome, type RunNotification, RunWakeups, type RunWakeupsDeps } from './sync/run-wakeups.js';
export {
  destinationNameFor,
  isDestinationAttached,
  setUpWebhook,
  WAKING_EVENTS,
  type WebhookSetupInput,
  type WebhookSetupResult,
  withDestination,
} from './sync/webhook-setup.js';
export { outcomeOfFailure, recordSyncEnd, type SyncOutcome, type SyncOutcomeDeps } from './sync/sync-outcome.js';
export { IdempotencyKeyStore, type KeyBinding, requestFingerprint } from './sync/idempotency-keys.js';
export { MutexTimeoutError, RedisMutex, type RedisMutexOptions } from './redis/redis-mutex.js';
export { type BudgetCharge, BudgetExceededError, type BudgetVerdict, RequestBudget } from './redis/request-budget.js';
export {
  CREATION_POINTS,
  type CreationPoint,
  type CreateSyncInput,
  type CreateSyncResult,
  DatasetBusyError,
  type DeduplicationReason,
  type ListSyncsInput,
  SyncService,
  type SyncServiceDeps,
} from './sync/sync-service.js';
export {
  deriveSyncView,
  type JobSnapshot,
  type LoadFileResult,
  type LoadReport,
  type CleanupReport,
  type MergeReport,
  type SchemaChange,
  SYNC_CANCELED,
  SYNC_STATES,
  type SyncState,
  type SyncView,
  TERMINAL_SYNC_STATES,
} from './sync/sync-view.js';
export { snapshotOf } from './jobs/job-snapshot.js';
export {
  clip,
  ERROR_TRACE_HEAD_LINES,
  type FailedTaskReport,
  MAX_ERROR_CHARS,
  MAX_REPORTED_TASKS,
  readFailedTasks,
  traceHead,
} from './sync/failed-tasks.js';
export { connectServiceRedis } from './redis/service-redis.js';
export {
  type BackfillItem,
  type BackfillResult,
  BackfillService,
  type BackfillServiceDeps,
  BackfillSpec,
  type BackfillStatus,
  type BackfillStep,
  type BackfillView,
  backfillIdFor,
} from './backfills/backfill-service.js';
export { backfillDates, MAX_BACKFILL_VALUES } from './backfills/backfill-values.js';
