export { mapWithConcurrency } from './concurrency.js';
export { type DiscoveryOptions, type DiscoveryResult, discoverTables, type UnityCatalogReader } from './discovery.js';
export {
  applyDiscoveryTags,
  type ApplyDiscoveryTagsOptions,
  DISCOVERY_TAG_VALUE,
  type DiscoveryTagChange,
  type DiscoveryTagChangeKind,
  type DiscoveryTagResult,
  type DiscoveryTagSummary,
  planDiscoveryTags,
  type UnityCatalogTagWriter,
} from './discovery-tags.js';
export {
  icebergReadability,
  isOptOut,
  OPT_OUT_VALUES,
  type Readability,
  type Selection,
  type SkipCode,
  type TableFilter,
  tableFilter,
  tagMap,
} from './eligibility.js';
export {
  clientIdHash,
  type IntegrationMarker,
  integrationComment,
  parseIntegrationComment,
  parseTableComment,
  type TableMarker,
  tableComment,
} from './markers.js';
export {
  ACTION_KINDS,
  ActionId,
  actionIdFor,
  AlterTableAction,
  MIRROR_PLAN_ID,
  SavedMirrorPlan,
  type ContainerAction,
  CreateIntegrationAction,
  CreateSchemaAction,
  CreateTableAction,
  DropTableAction,
  IntegrationRef,
  isTableAction,
  MirrorAction,
  type MirrorActionKind,
  RefreshTableAction,
  RenameTableAction,
  type TableAction,
  TableActionSchema,
  tableIdOf,
  UcTableRef,
  UpdateIntegrationAction,
} from './mirror-action.js';
export {
  MirrorDropLimitError,
  MirrorError,
  MirrorNotConfiguredError,
  MirrorPlanNotFoundError,
  MirrorPlanStaleError,
} from './mirror-errors.js';
export { filterPlan, OFFLINE_SECRET_VARIABLE, offlinePlanSql, type PlanKindFilter } from './plan-views.js';
export { MirrorPlanStore, type ReviewedPlan, type ReviewedPlanRequest } from './mirror-plan-store.js';
export {
  canonical,
  type PlanStateChanges,
  type PlanStateDigest,
  planStateChanges,
  planStateDigest,
} from './plan-fingerprint.js';
export {
  actionJobId,
  deriveMirrorRunView,
  type MirrorActionJobResult,
  type MirrorActionRecord,
  type MirrorActionStatus,
  type MirrorActionView,
  type MirrorPlanJobResult,
  type MirrorRunStatus,
  type MirrorRunView,
  type SnowflakeLink,
} from './mirror-run.js';
export {
  MIRROR_RUN_ID,
  type DiscoveryTagRequest,
  type MirrorClients,
  MirrorRunActiveError,
  MirrorService,
  type MirrorServiceDeps,
  type PlanRequest,
  planToSql,
  savedPlanOf,
  type StartRunRequest,
  type StartRunResult,
} from './mirror-service.js';
export {
  type MirrorConfigSource,
  type MirrorSettings,
  mirrorApplyConcurrency,
  mirrorSnowflakePoolSize,
  resolveMirrorSettings,
  secretFingerprint,
} from './mirror-settings.js';
export {
  MirrorStateStore,
  type MirrorTableState,
  type MirrorTableStatus,
  mirrorTablesKey,
} from './mirror-state-store.js';
export {
  displayName,
  type IntegrationIdentity,
  integrationFor,
  sameObjectName,
  snowflakeLink,
  snowflakeTargetFor,
  type UcTableName,
  ucFullName,
} from './naming.js';
export {
  type DesiredTable,
  type DiscoveredTables,
  type MirrorPlan,
  type MirrorPlanStats,
  type MirrorPlanSummary,
  type Orphan,
  type PlanInput,
  type PlannedAction,
  digestSettings,
  planMirror,
  type SkippedTable,
  type SnowflakeDatabase,
  type SnowflakeIcebergTable,
  type SnowflakeIntegration,
  type SnowflakeSide,
} from './plan.js';
export {
  isMissingObject,
  type ReadSnowflakeSideOptions,
  readSnowflakeSide,
  type SnowflakeExecutor,
  showSchemas,
} from './snowflake-side.js';
export { recreateStatements, type StatementSettings, statementsFor } from './statements.js';
export { compileTableGlob, compileTableGlobs, type TableNameMatcher } from './table-glob.js';
export { type InventoryRow, inventoryRowsAfterPlan, type PlanOutcome } from './inventory/inventory-rows.js';
export {
  createInventoryTableSql,
  createInventoryViewSql,
  type InventoryLocation,
  mergeInventorySql,
  selectInventoryViewSql,
} from './inventory/inventory-sql.js';
export { type InventoryReport, MirrorInventory, type StatementRunner } from './inventory/mirror-inventory.js';
