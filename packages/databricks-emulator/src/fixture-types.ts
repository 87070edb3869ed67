/**
 * The fixture: everything a Databricks workspace holds that the emulator serves.
 * Field names are snake_case, as in the YAML file and in Databricks' own APIs.
 */
export interface DatabricksFixture {
  workspace?: WorkspaceFixture;
  auth: AuthFixture;
  settings?: SettingsFixture;
  jobs: JobFixture[];
  catalogs: CatalogFixture[];
  faults?: FaultsFixture;
  /**
   * Requests per second per route name (`jobs/run-now`, `unity-catalog/tables`, …) the workspace accepts before it
   * answers 429 with Retry-After, as Databricks enforces its documented per-endpoint limits. @defaultValue {}
   */
  rate_limits?: Record<string, number>;
  /** Delivery of job notifications to webhook destinations (attempts, backoff, timeout). */
  notifications?: NotificationDeliveryFixture;
  /** SQL warehouses that run statements (SQL Statement Execution API). @defaultValue [] */
  sql_warehouses?: SqlWarehouseFixture[];
}

/** A SQL warehouse (the fields of the SDK's GetWarehouseResponse that the emulator serves). */
export interface SqlWarehouseFixture {
  id: string;
  name: string;
  /** A STOPPED warehouse starts on the first statement sent to it. @defaultValue 'RUNNING' */
  state?: 'RUNNING' | 'STOPPED';
  /** @defaultValue '2X-Small' */
  cluster_size?: string;
  /** @defaultValue 10 */
  auto_stop_mins?: number;
  /** How long a stopped warehouse takes to start (scaled by the time scale). @defaultValue 5000 */
  start_ms?: number;
  /** How long every statement runs before its result is ready (scaled by the time scale). @defaultValue 0 */
  statement_latency_ms?: number;
}

export interface WorkspaceFixture {
  /** The `o=` id in run_page_url. @defaultValue 1234567890123456 */
  workspace_id?: number;
  /** @defaultValue a fixed uuid */
  metastore_id?: string;
  /** creator_user_name / owner of everything. @defaultValue 'sandbox-user@example.com' */
  user_name?: string;
  /**
   * Principals (user names, OAuth client ids) that are Unity Catalog metastore admins: they see every catalog,
   * schema and table. @defaultValue [user_name] when the fixture grants anything, else every fixture principal
   * (a fixture without grants keeps the metastore open to its own principals)
   */
  metastore_admins?: string[];
}

/**
 * A Unity Catalog grant, as `GRANT <privileges> ON <securable> TO <principal>` makes it. Privileges are written
 * as in SQL (`USE CATALOG`) or as in the REST API (`USE_CATALOG`); a grant on a catalog or schema is inherited by
 * everything inside it.
 */
export interface GrantFixture {
  /** A user name, or a service principal's application (OAuth client) id. */
  principal: string;
  privileges: string[];
}

/** Ownership and grants of a catalog, schema or table. */
export interface SecurableAccessFixture {
  /** @defaultValue workspace.user_name */
  owner?: string;
  grants?: GrantFixture[];
}

export interface AuthFixture {
  personal_access_tokens: PersonalAccessTokenFixture[];
  oauth_clients: OAuthClientFixture[];
}

export interface PersonalAccessTokenFixture {
  token: string;
  /** The user the token belongs to. @defaultValue the workspace's user_name */
  user_name?: string;
  /** Workspace groups the user is in (every principal is also in the built-in `users` group). */
  groups?: string[];
}

export interface OAuthClientFixture {
  client_id: string;
  client_secret: string;
  /** Lifetime of an issued access token. @defaultValue 3600 (Databricks: one hour) */
  token_ttl_seconds?: number;
  /** Scopes the client may ask for. @defaultValue ['all-apis', 'sql'] */
  scopes?: string[];
  /** Workspace groups the service principal is in (every principal is also in the built-in `users` group). */
  groups?: string[];
}

export interface SettingsFixture {
  /** Largest page a Unity Catalog list returns. @defaultValue 50 */
  list_page_size_cap?: number;
  /** Page size when max_results=0. @defaultValue 25 */
  list_default_page_size?: number;
  /** Every Nth page of a paginated Unity Catalog list is empty but carries next_page_token (0 = never). @defaultValue 0 */
  empty_page_every?: number;
  /** Array page size in Jobs 2.2 runs/get (tasks). @defaultValue 100 */
  runs_get_page_size?: number;
  /** Every Nth page of a paginated Iceberg REST list is empty but carries next-page-token (0 = never). @defaultValue 0 */
  iceberg_empty_page_every?: number;
  /**
   * End the last page of a paginated Unity Catalog list with `"next_page_token": ""` rather than no field, as the
   * service does for some lists (the SDKs stop on either). @defaultValue false
   */
  empty_string_last_page_token?: boolean;
  /** Rows per INLINE result chunk of the SQL Statement Execution API. @defaultValue 10000 */
  statement_chunk_rows?: number;
}

export type ColumnType = 'STRING' | 'BIGINT' | 'INT' | 'DOUBLE' | 'BOOLEAN' | 'DATE' | 'TIMESTAMP' | 'TIMESTAMP_NTZ';

export type GeneratorSpec =
  | { kind: 'sequence'; start?: number }
  | { kind: 'uniform'; min: number; max: number; decimals?: number }
  | { kind: 'choice'; values: string[] }
  | { kind: 'parameter'; parameter: string; default?: string }
  | { kind: 'date_cycle'; parameter?: string; start?: string; cycle_days?: number }
  | { kind: 'offset'; column: string; min: number; max: number; decimals?: number }
  | { kind: 'timestamp_step'; start?: string; step_seconds?: number };

export interface ColumnFixture {
  name: string;
  type: ColumnType;
  comment?: string;
  /** How rows get this column's values; a default per type when omitted. */
  generate?: GeneratorSpec;
}

export type RunOutcome = 'SUCCESS' | 'FAILED' | 'INTERNAL_ERROR';

export interface JobFixture {
  job_id: number;
  name: string;
  /** @defaultValue 1 (Databricks' default) */
  max_concurrent_runs?: number;
  /** Queue runs beyond max_concurrent_runs (else they are SKIPPED). @defaultValue true (jobs created with API 2.2) */
  queue_enabled?: boolean;
  parameters?: Array<{ name: string; default: string }>;
  timing?: RunTimingFixture;
  /** How runs end unless a fault says otherwise. @defaultValue 'SUCCESS' */
  outcome?: RunOutcome;
  /** state_message / error text when a run fails. */
  failure_message?: string;
  tasks?: TaskFixture[];
  /** Generates this many tasks (task_0001, ...) when `tasks` is not given. */
  task_count?: number;
  /** The task that fails when the run fails. @defaultValue the last task */
  failing_task?: string;
  export?: ExportFixture;
  /**
   * Who may do what with the job (jobs access control). The job's owner (`owner_user_name`) may do
   * everything. Omitted: jobs access control is off for this job and every principal may use it.
   */
  access_control_list?: JobAccessControlFixture[];
  /** The job's creator and owner (IS_OWNER). @defaultValue the workspace's user_name */
  owner_user_name?: string;
  /**
   * Notification destinations (by id) told of this job's runs; usually set at run time with `jobs/update`, since
   * destination ids exist only once created. Field names as in the SDK's `WebhookNotifications`.
   */
  webhook_notifications?: WebhookNotificationsFixture;
  /** `no_alert_for_skipped_runs` / `no_alert_for_canceled_runs` (the SDK's `JobNotificationSettings`). */
  notification_settings?: { no_alert_for_skipped_runs?: boolean; no_alert_for_canceled_runs?: boolean };
}

/** The job events a webhook destination can be told of; each lists at most three destinations. */
export type WebhookEvent =
  'on_start' | 'on_success' | 'on_failure' | 'on_duration_warning_threshold_exceeded' | 'on_streaming_backlog_exceeded';
export type WebhookNotificationsFixture = Partial<Record<WebhookEvent, Array<{ id: string }>>>;

/**
 * How the workspace delivers job notifications to webhook destinations. Databricks does not document its retry
 * policy; the emulator's (a few attempts with doubling waits, on a network error, a timeout, 408, 429 or 5xx) is
 * the common one for webhooks and is stated in the README.
 */
export interface NotificationDeliveryFixture {
  /** Attempts per notification, the first included. @defaultValue 4 */
  max_attempts?: number;
  /** Wait before the first retry; doubles per retry. @defaultValue 1000 */
  retry_backoff_ms?: number;
  /** One attempt's time limit. @defaultValue 10000 */
  timeout_ms?: number;
}

/** One task of a job, with the retry policy of the Jobs API's `Task` (jobs/create `tasks[]`). */
export interface TaskFixture {
  task_key: string;
  notebook_path?: string;
  depends_on?: string[];
  /**
   * "An optional maximum number of times to retry an unsuccessful run. […] The value -1 means to retry indefinitely
   * and the value 0 means to never retry." (Task.max_retries) @defaultValue 0
   */
  max_retries?: number;
  /**
   * "An optional minimal interval in milliseconds between the start of the failed run and the subsequent retry run."
   * Scaled by the emulator's time scale like every other duration. @defaultValue 0 (retried at once)
   */
  min_retry_interval_millis?: number;
  /** Whether a timed-out attempt is retried. Shown in jobs/get; the emulator has no run timeouts. @defaultValue false */
  retry_on_timeout?: boolean;
  /**
   * Emulator knob: the first N attempts of this task fail (each with `failure_message`), later ones succeed. With
   * N > max_retries the task, and the run, end FAILED after its last retry. @defaultValue 0
   */
  fail_attempts?: number;
}

export type JobPermissionLevel = 'CAN_VIEW' | 'CAN_MANAGE_RUN' | 'IS_OWNER' | 'CAN_MANAGE';

/** One entry of a job's access control list: exactly one of user_name, service_principal_name, group_name. */
export interface JobAccessControlFixture {
  user_name?: string;
  /** A service principal's application id (what an OAuth M2M client id names). */
  service_principal_name?: string;
  group_name?: string;
  permission_level: JobPermissionLevel;
}

export interface RunTimingFixture {
  /** @defaultValue 1000 */
  pending_ms?: number;
  /** @defaultValue 3000 */
  running_ms?: number;
  /** @defaultValue 500 */
  terminating_ms?: number;
}

export interface ExportFixture {
  dataset: string;
  /** The job parameter holding the s3:// directory to write into. @defaultValue 'output_path' */
  output_parameter?: string;
  files: number;
  rows_per_file: number;
  /** @defaultValue 1 */
  seed?: number;
  /**
   * Write Databricks' commit files beside the part files, as every Spark job on Databricks does:
   * `_started_<txn>`, `_committed_<txn>` (JSON) per directory and an empty `_SUCCESS`.
   * @defaultValue true
   */
  write_commit_markers?: boolean;
  /** Write rows into `<column>=<value>/` sub-folders without that column (`partitionBy`). */
  partition_by?: string;
  columns: ColumnFixture[];
  /**
   * Other column lists the job writes when a job parameter asks for one, as a job's code changes between
   * releases (a column added, one retyped): a run whose `parameter` value names an entry of `columns`
   * writes those columns instead of the export's own.
   */
  schema_versions?: { parameter: string; columns: Record<string, ColumnFixture[]> };
}

export type TableFormat = 'uniform' | 'iceberg' | 'delta' | 'view';

export interface CatalogFixture extends SecurableAccessFixture {
  name: string;
  comment?: string;
  /** @defaultValue 'MANAGED_CATALOG' */
  catalog_type?: string;
  /** Where managed tables live. @defaultValue s3://d2s-unity-catalog/<catalog> */
  storage_root?: string;
  tags?: Record<string, string>;
  schemas: SchemaFixture[];
}

export interface SchemaFixture extends SecurableAccessFixture {
  name: string;
  comment?: string;
  tags?: Record<string, string>;
  tables?: TableFixture[];
  generated_tables?: GeneratedTablesFixture;
}

export interface GeneratedTablesFixture {
  count: number;
  /** Names are `<name_prefix><nnn>`. */
  name_prefix: string;
  /** Formats cycled over the generated tables. @defaultValue ['uniform'] */
  formats?: TableFormat[];
  /** @defaultValue 5 */
  rows?: number;
  columns: ColumnFixture[];
  tags?: Record<string, string>;
  /** Grants given to every generated table. */
  grants?: GrantFixture[];
}

export interface TableFixture extends SecurableAccessFixture {
  name: string;
  format: TableFormat;
  /** @defaultValue 'MANAGED' ('VIEW' for views) */
  table_type?: 'MANAGED' | 'EXTERNAL';
  /** Rows written for Iceberg-readable tables. @defaultValue 10 */
  rows?: number;
  columns: ColumnFixture[];
  comment?: string;
  properties?: Record<string, string>;
  tags?: Record<string, string>;
  /** Required for EXTERNAL tables; managed tables get one under the catalog's storage_root. */
  storage_location?: string;
  view_definition?: string;
  /** Fixed table_id; derived from the full name when omitted. */
  table_id?: string;
}

export interface FaultsFixture {
  http?: HttpFaultSpec[];
  runs?: RunFaultSpec[];
}

/** A fault on HTTP requests. `route` is a route name (see routes.ts), e.g. 'jobs/runs/get', or '*'. */
export interface HttpFaultSpec {
  route: string;
  method?: string;
  /** Error status to answer with (429, 503, 500, ...); omit for latency only. */
  status?: number;
  retry_after_seconds?: number;
  latency_ms?: number;
  /** How many matching requests it applies to; unlimited when omitted. */
  count?: number;
  /** 'before' answers without running the handler; 'after' runs it (e.g. a run is created) and then loses the response. @defaultValue 'before' */
  when?: 'before' | 'after';
  error_code?: string;
  message?: string;
  /**
   * Answer as a proxy or load balancer in front of the workspace does: an HTML error page (text/html) instead of
   * Databricks' JSON error, e.g. a 502 Bad Gateway or 503 Service Unavailable. @defaultValue false
   */
  html?: boolean;
}

/** Makes the next `count` runs (of one job, or any) end with the given outcome. */
export interface RunFaultSpec {
  job_id?: number;
  outcome: 'FAILED' | 'INTERNAL_ERROR';
  /** @defaultValue 1 */
  count?: number;
  message?: string;
}
