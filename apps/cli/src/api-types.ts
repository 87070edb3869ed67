/**
 * The API's answers as the CLI reads them: only the fields it uses, kept
 * loose (optional where the server may omit them) so a newer server does not
 * break an older CLI. The server's own types live in @d2s/shared (SyncView,
 * MirrorPlan, MirrorRunView, ScheduleView, MirrorTableState); the tests check
 * that recorded server answers fit these.
 */

export type SyncState = 'queued' | 'exporting' | 'importing' | 'verifying' | 'succeeded' | 'failed' | 'canceled';
export const TERMINAL_SYNC_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'canceled']);

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export type ParameterType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

export interface DatasetParameterDeclaration {
  type?: ParameterType;
  description?: string;
  required?: boolean;
  default?: string | number | boolean;
  enum?: Array<string | number>;
  pattern?: string;
}

export interface Dataset {
  name: string;
  description?: string;
  loadMode: string;
  target: string;
  singleActive?: boolean;
  parameters: Record<string, DatasetParameterDeclaration>;
}

export interface LoadFile {
  file: string;
  status: string;
  rowsParsed?: number;
  rowsLoaded: number;
  errorsSeen?: number;
  firstError?: string | null;
  previouslyLoaded?: boolean;
}

export interface MergeCounts {
  rowsStaged: number;
  distinctKeys: number;
  inserted: number;
  updated: number;
  deleted: number;
  unchanged: number;
  appliedNow: boolean;
}

/** What became of a run's files after its load (export.cleanup). */
export interface CleanupOutcome {
  policy: 'keep' | 'after-load' | 'after-days';
  status: 'removed' | 'kept' | 'failed';
  filesRemoved: number;
  /** after-days: from when the sweep may remove them. */
  removeAfter?: string;
  error?: { code: string; message: string };
}

/** A change schema evolution made to the target's columns. */
export interface SchemaChange {
  kind: 'add-column' | 'widen' | 'drop-column' | 'retype';
  column: string;
  from?: string;
  to?: string;
}

export interface Sync {
  id: string;
  dataset: string;
  parameters: Record<string, unknown>;
  status: SyncState;
  origin?: string;
  retryOf?: string;
  cancelRequested?: boolean;
  outputUrl?: string;
  databricks: { runId?: number; runPageUrl?: string; lifeCycleState?: string; resultState?: string };
  load: {
    mode?: string;
    stagePath?: string;
    files?: LoadFile[];
    rowsLoaded?: number;
    targetRowCount?: number;
    /** merge mode: what the MERGE did. */
    merge?: MergeCounts;
    /** What became of the run's files once the load verified. */
    cleanup?: CleanupOutcome;
    /** With schema.evolution: the changes made to the target's columns. */
    schemaChanges?: SchemaChange[];
    queryIds?: string[];
  } | null;
  timings: {
    createdAt: string;
    exportStartedAt?: string;
    exportFinishedAt?: string;
    importStartedAt?: string;
    finishedAt?: string;
    durationsMs: { queued?: number; export?: number; import?: number; total?: number };
  };
  error: {
    code: string;
    message: string;
    stage?: string;
    details?: Record<string, unknown>;
    /** Databricks tasks that did not succeed, with their errors and the head of each trace. */
    failedTasks?: FailedTask[];
    /** What to do about it, e.g. the permission to grant. */
    hint?: string;
  } | null;
  /** Set on POST /v1/syncs when an existing sync was returned instead of a new one. */
  deduplicated?: string;
}

export interface SyncPage {
  items: Sync[];
  nextCursor: string | null;
}

/** `event: stage` on GET /v1/syncs/:id/events. */
export interface StageEvent {
  id: string;
  stage: SyncState;
  at: string;
}

export interface ScheduleSpec {
  kind: 'sync' | 'mirror';
  dataset?: string;
  parameters?: Record<string, string | number | boolean>;
  scope?: MirrorScope;
  cron?: string;
  every?: number;
  tz?: string;
}

export interface Schedule extends ScheduleSpec {
  id: string;
  next: string | null;
  iterations: number;
}

export interface MirrorScope {
  catalogs?: string[];
  schemas?: string[];
}

export type MirrorActionKind =
  | 'create-integration'
  | 'update-integration'
  | 'create-schema'
  | 'drop-table'
  | 'rename-table'
  | 'create-table'
  | 'alter-table'
  | 'refresh-table';

export interface ObjectName {
  database: string;
  schema: string;
  name: string;
}

/** One action of a plan; the kind decides which of the optional fields are there. */
export interface PlannedAction {
  id: string;
  kind: MirrorActionKind;
  reason: string;
  /** The statements, secrets masked. */
  sql: string[];
  integration?: string | { name: string; catalog: string; namespace?: string };
  database?: string;
  schema?: string;
  createDatabase?: boolean;
  table?: { tableId: string; catalog: string; schema: string; name: string };
  target?: ObjectName;
  from?: ObjectName;
  mode?: 'alter' | 'recreate';
  ucFullName?: string;
  previousUcFullName?: string;
  replaces?: { tableId: string; ucFullName: string };
  rotateSecret?: boolean;
  refreshIntervalSeconds?: number;
  dependsOn?: string[];
}

export interface SkippedTable {
  fullName: string;
  tableId?: string | undefined;
  code: string;
  reason: string;
}

export interface Orphan {
  kind: 'table' | 'integration';
  name: string;
  tableId?: string;
  ucFullName?: string;
  reason: string;
}

export interface MirrorPlanSummary {
  actions: number;
  unchanged: number;
  skipped: number;
  orphans: number;
}

export interface MirrorPlan {
  /** Set when the server saved the plan for review: `d2s mirror apply <id>` applies exactly it. */
  id?: string;
  expiresAt?: string;
  fingerprint?: string;
  createdAt: string;
  scope?: MirrorScope;
  includeRefresh?: boolean;
  summary: MirrorPlanSummary;
  actions: PlannedAction[];
  skipped: SkippedTable[];
  orphans: Orphan[];
  stats?: { totalMs?: number; ucTablesSeen?: number };
}

export type MirrorActionStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';
export type MirrorRunStatus = 'queued' | 'planning' | 'applying' | 'succeeded' | 'failed';
export const TERMINAL_MIRROR_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed']);

export interface MirrorActionView {
  id: string;
  kind: MirrorActionKind;
  target: string;
  reason: string;
  status: MirrorActionStatus;
  error?: { code: string; message: string };
  snowflake?: { qualifiedName: string; url?: string };
  attempts?: number;
  durationMs?: number;
}

export interface MirrorRun {
  id: string;
  status: MirrorRunStatus;
  origin?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  summary: MirrorPlanSummary | null;
  counts: Record<MirrorActionStatus, number>;
  actions: MirrorActionView[];
  skipped?: SkippedTable[];
  orphans?: Orphan[];
  error: { code: string; message: string } | null;
}

export interface MirrorTable {
  tableId: string;
  uc: { fullName: string };
  snowflake: { qualifiedName: string; url?: string } | null;
  status: string;
  lastAction: { id: string; kind: string; runId: string; at: string };
  lastError: { code: string; message: string } | null;
  updatedAt: string;
}

/** One Databricks task of a failed run, as the sync view reports it. */
export interface FailedTask {
  taskKey: string;
  taskRunId?: number;
  resultState: string;
  terminationCode?: string;
  message?: string;
  error?: string;
  errorTraceHead?: string[];
  errorTraceTruncated?: boolean;
}

/** POST /v1/mirror/tags: the discovery tags written (or, on a dry run, that would be). */
export interface MirrorTagChange {
  fullName: string;
  kind: 'add' | 'update' | 'remove' | 'unchanged' | 'opted-out';
  current?: string;
  value?: string;
  reason: string;
  status?: 'applied' | 'failed' | 'skipped';
  error?: { code: string; message: string };
}

export interface MirrorTagResult {
  tag: string;
  dryRun: boolean;
  summary: Record<MirrorTagChange['kind'], number> & { failed: number };
  changes: MirrorTagChange[];
}
