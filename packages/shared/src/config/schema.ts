import { z } from 'zod';
import { DEFAULT_DATA_FILE_PATTERN, isValidPattern } from '../sync/data-files.js';
import { ApiTokenHashConfig } from './api-tokens.js';

/**
 * The shape of the configuration file (YAML or JSON). Secrets are not part of
 * it: they come from the environment or from `*_FILE` paths (see env.ts), and
 * only `allowPlaintextSecrets: true` lets the file carry them.
 */

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

const PositiveInt = z.number().int().positive();

const API_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  bodyLimitBytes: 64 * 1024,
  retentionSeconds: 7 * 24 * 3600,
  streamTokenTtlSeconds: 900,
  rateLimit: { mutatingPerMinute: 120 },
  cors: { origins: [] as string[] },
  schedules: { minIntervalMs: 60_000 },
};

/** A Snowflake object name; quoted wherever it reaches SQL, so any non-empty text is allowed. */
export const SnowflakeObjectName = z.strictObject({
  database: z.string().min(1),
  schema: z.string().min(1),
  name: z.string().min(1),
});
export type SnowflakeObjectName = z.infer<typeof SnowflakeObjectName>;

export const DatasetParameter = z.strictObject({
  type: z.enum(['string', 'integer', 'number', 'boolean', 'date']).default('string'),
  description: z.string().optional(),
  required: z.boolean().default(false),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  /** Allowed values; a request with any other value is refused with a 400. */
  enum: z.array(z.union([z.string(), z.number()])).optional(),
  /** A regular expression a string value must match in full. */
  pattern: z.string().optional(),
});
export type DatasetParameter = z.infer<typeof DatasetParameter>;

/**
 * How a run's rows reach the target: appended, swapped in (replace), or
 * merged by key. Merge names the key columns (as the table names them;
 * quoted, so case-sensitive), optionally `orderBy` (the latest row per key
 * wins when a run holds several) and `deleteWhen` (a staged row whose
 * column holds this value deletes its key).
 */
export const LoadConfig = z
  .strictObject({
    mode: z.enum(['append', 'replace', 'merge']).default('append'),
    /** merge only: the columns that identify a row. */
    keys: z.array(z.string().min(1)).min(1).optional(),
    /** merge only: of several rows of one key, the one with the largest value wins (NULL counts as oldest). */
    orderBy: z.string().min(1).optional(),
    /** merge only: a row whose `column` equals `value` deletes its key from the target. */
    deleteWhen: z
      .strictObject({ column: z.string().min(1), value: z.union([z.string(), z.number(), z.boolean()]) })
      .optional(),
  })
  .superRefine((load, issue) => {
    if (load.mode !== 'merge') {
      for (const option of ['keys', 'orderBy', 'deleteWhen'] as const)
        if (load[option] !== undefined)
          issue.addIssue({ code: 'custom', path: [option], message: `${option} applies to load.mode: merge only` });
      return;
    }
    if (!load.keys) {
      issue.addIssue({ code: 'custom', path: ['keys'], message: 'load.mode: merge needs keys: [column, …]' });
      return;
    }
    const repeated = load.keys.filter((key, i) => load.keys?.indexOf(key) !== i);
    if (repeated.length > 0)
      issue.addIssue({ code: 'custom', path: ['keys'], message: `keys are listed twice: ${repeated.join(', ')}` });
    if (load.orderBy !== undefined && load.keys.includes(load.orderBy))
      issue.addIssue({ code: 'custom', path: ['orderBy'], message: 'orderBy must not be one of the keys' });
    if (load.deleteWhen && load.keys.includes(load.deleteWhen.column))
      issue.addIssue({
        code: 'custom',
        path: ['deleteWhen', 'column'],
        message: 'deleteWhen.column must not be a key',
      });
  })
  .default({ mode: 'append' });
export type LoadConfig = z.infer<typeof LoadConfig>;

/**
 * What happens to a run's files once its load is verified:
 * - `keep` (the default): nothing; the files stay where the export wrote them;
 * - `after-load`: removed (`REMOVE @stage/<run path>/`) right after the load verifies;
 * - `{ afterDays: N }`: kept N days, then removed by the scheduled sweep.
 * Under either of the last two, the sweep also removes the files of runs whose sync failed or was canceled.
 */
export const CleanupPolicy = z.union(
  [z.enum(['keep', 'after-load']), z.strictObject({ afterDays: PositiveInt.max(3650) })],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'expected keep, after-load or { afterDays: N } (N a whole number of days, 1 to 3650)'
        : undefined,
  },
);
export type CleanupPolicy = z.infer<typeof CleanupPolicy>;

/**
 * What a sync does when the run's files (their INFER_SCHEMA) differ from the target's columns. Checked
 * before any data moves; see README "Schema evolution". Absent: no check, as before this option existed
 * (COPY … MATCH_BY_COLUMN_NAME loads the columns both sides have and ignores the rest).
 */
export const SchemaConfig = z.strictObject({
  /**
   * `strict`: a new column fails the sync; `add-columns`: new columns are added to the target;
   * `replace-schema` (load.mode: replace only): the staging table takes the files' columns, so the
   * swapped-in table has exactly the run's schema. In every setting a widening Snowflake allows
   * (NUMBER precision up, VARCHAR length up) is applied, and any other change fails the sync.
   */
  evolution: z.enum(['strict', 'add-columns', 'replace-schema']),
});
export type SchemaConfig = z.infer<typeof SchemaConfig>;

export const DatasetConfig = z
  .strictObject({
    description: z.string().default(''),
    databricks: z.strictObject({
      jobId: PositiveInt,
      /** Name of the job parameter that receives the run's output location (s3://…/<run path>/). */
      outputParameter: z.string().min(1).default('output_path'),
    }),
    export: z.strictObject({
      /** Where every run of this dataset writes, as s3://bucket/prefix. */
      s3Prefix: z.string().regex(/^s3:\/\/[^/]+(\/.*)?$/, 'an s3://bucket/prefix URL'),
      /** Per-run sub-path under s3Prefix; `{syncId}`, `{dataset}` and `{date}` are replaced. */
      runPathTemplate: z
        .string()
        .default('{syncId}/')
        .refine((t) => t.includes('{syncId}'), 'must contain {syncId} so every sync writes to its own prefix'),
      /** The sync fails (and the run is canceled) past this many seconds of exporting. */
      maxRunDurationSeconds: PositiveInt.default(3600),
      /**
       * Which files under a run's prefix are data, as a regular expression over
       * their path below that prefix. Only these are listed, loaded and counted.
       * @defaultValue Parquet files with no path segment starting with `_` or `.` (Spark's commit files are left out)
       */
      dataFilePattern: z
        .string()
        .min(1)
        .refine(isValidPattern, 'must be a regular expression')
        .default(DEFAULT_DATA_FILE_PATTERN),
      /** What happens to a run's files after a verified load. @defaultValue cleanup.default (itself `keep`) */
      cleanup: CleanupPolicy.optional(),
    }),
    snowflake: z.strictObject({
      stage: SnowflakeObjectName,
      /** The s3:// URL the stage points at; export.s3Prefix must lie under it. */
      stageUrl: z.string().regex(/^s3:\/\/[^/]+(\/.*)?$/, 'an s3://bucket/prefix URL'),
      /** Create the stage when missing (over stageUrl). */
      createStage: z.boolean().default(false),
      storageIntegration: z.string().min(1).optional(),
      table: SnowflakeObjectName,
      /** Create the target table when missing, its columns inferred from the run's Parquet files. */
      createTable: z.boolean().default(false),
      /**
       * Roles that get SELECT on the target table d2s creates (`createTable`),
       * granted at every sync (a repeated GRANT changes nothing) and kept
       * through replace-mode swaps. Names are used exactly as written (quoted).
       * @defaultValue []
       */
      grants: z.array(z.string().min(1)).default([]),
      fileFormat: z.strictObject({ type: z.literal('PARQUET') }).default({ type: 'PARQUET' }),
      copyOptions: z
        .strictObject({
          matchByColumnName: z.enum(['CASE_INSENSITIVE', 'CASE_SENSITIVE', 'NONE']).default('CASE_INSENSITIVE'),
          onError: z.enum(['ABORT_STATEMENT', 'CONTINUE', 'SKIP_FILE']).default('ABORT_STATEMENT'),
        })
        .default({ matchByColumnName: 'CASE_INSENSITIVE', onError: 'ABORT_STATEMENT' }),
    }),
    load: LoadConfig,
    schema: SchemaConfig.optional(),
    verify: z
      .strictObject({
        /** Fail when the run produced no files at all. */
        requireFiles: z.boolean().default(true),
        expectedRows: z.number().int().nonnegative().optional(),
      })
      .default({ requireFiles: true }),
    /** The only parameters a request may set; each is passed to the Databricks job. */
    parameters: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), DatasetParameter).default({}),
    /** While a sync of this dataset is active, a new request returns it instead of starting another. */
    singleActive: z.boolean().default(true),
    /**
     * What a single-active dataset does with a request that differs from the sync it runs:
     * `reject` answers 409 DATASET_BUSY; `queue` accepts it (202) and runs it once the syncs
     * before it have ended, first come first served.
     * @defaultValue reject
     */
    onBusy: z.enum(['reject', 'queue']).default('reject'),
  })
  .refine((d) => withSlash(d.export.s3Prefix).startsWith(withSlash(d.snowflake.stageUrl)), {
    message: 'export.s3Prefix must lie under snowflake.stageUrl, or COPY INTO cannot read what the export writes',
    path: ['export', 's3Prefix'],
  })
  .refine((d) => !d.schema || d.snowflake.copyOptions.matchByColumnName !== 'NONE', {
    message: 'schema.evolution compares columns by name: set snowflake.copyOptions.matchByColumnName to a name match',
    path: ['schema', 'evolution'],
  })
  .refine((d) => d.schema?.evolution !== 'replace-schema' || d.load.mode === 'replace', {
    message: 'schema.evolution: replace-schema rebuilds the table a replace-mode load swaps in; use load.mode: replace',
    path: ['schema', 'evolution'],
  })
  .refine((d) => d.snowflake.grants.length === 0 || d.snowflake.createTable, {
    message: 'snowflake.grants applies to a table d2s creates: set snowflake.createTable, or grant on your own table',
    path: ['snowflake', 'grants'],
  });
export type DatasetConfig = z.infer<typeof DatasetConfig>;

export const MirrorCatalogConfig = z.strictObject({
  /** The Unity Catalog catalog. */
  name: z.string().min(1),
  /** The Snowflake database its tables land in. @defaultValue the catalog name in upper case */
  database: z.string().min(1).optional(),
  /** Only these Unity Catalog schemas (default: all but information_schema). */
  schemas: z.array(z.string().min(1)).optional(),
  /** Unity Catalog schema → Snowflake schema (default: the schema name in upper case). */
  schemaMap: z.record(z.string(), z.string().min(1)).default({}),
});
export type MirrorCatalogConfig = z.infer<typeof MirrorCatalogConfig>;

/** A Unity Catalog name d2s creates objects under (quoted with backticks in SQL all the same). */
const UnityCatalogName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_-]{0,254}$/, 'letters, digits, _ and -');

export const MirrorConfig = z.strictObject({
  catalogs: z.array(MirrorCatalogConfig).default([]),
  /** Glob patterns on catalog.schema.table (`*` within a part, `**` across); a table must match one when given. */
  include: z.array(z.string().min(1)).default([]),
  exclude: z.array(z.string().min(1)).default([]),
  tags: z
    .strictObject({
      /** A tag that opts a table in ("true") or out ("false"). */
      sync: z.string().default('snowflake_uniform_sync'),
      /** Mirror only tables whose sync tag is "true". @defaultValue false (every eligible table unless tagged "false") */
      requireOptIn: z.boolean().default(false),
      database: z.string().default('snowflake_database'),
      schema: z.string().default('snowflake_schema'),
      table: z.string().default('snowflake_table'),
    })
    .default({
      sync: 'snowflake_uniform_sync',
      requireOptIn: false,
      database: 'snowflake_database',
      schema: 'snowflake_schema',
      table: 'snowflake_table',
    }),
  /** One catalog integration per catalog (tables name their namespace) or per schema. */
  integrationPer: z.enum(['catalog', 'schema']).default('catalog'),
  integrationPrefix: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/, 'upper-case letters, digits and _')
    .default('D2S_UC_'),
  refreshIntervalSeconds: z.number().int().min(30).max(86_400).default(300),
  autoRefresh: z.boolean().default(true),
  /** Drop the Snowflake table when its Unity Catalog table is gone (off unless asked). */
  dropRemoved: z.boolean().default(false),
  /**
   * The largest share of the mirrored tables (in the plan's scope) one plan may drop; a plan dropping
   * more is refused unless forced, so a partial or empty listing never empties a database. @defaultValue 0.2
   */
  maxDropShare: z.number().min(0).max(1).default(0.2),
  /** How long a reviewed plan (POST /v1/mirror/plan) can be applied by its id. @defaultValue 86400 (one day) */
  planTtlSeconds: z
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(86_400),
  /** The OAuth client Snowflake uses to reach Unity Catalog; its secret comes from D2S_MIRROR_OAUTH_CLIENT_SECRET(_FILE). */
  oauthClientId: z.string().min(1).optional(),
  oauthClientSecret: z.string().optional(),
  /** The workspace URL Snowflake calls (default: databricks.host). */
  workspaceUrl: z.string().url().optional(),
  /** Per-table DDL jobs run at once (also bounded by workers.mirror.concurrency); superseded by applyConcurrency. */
  maxParallelTables: PositiveInt.default(8),
  /**
   * Keep the mirror inventory in Unity Catalog: a Delta table `catalog.schema.table` (created if missing) and a
   * `<table>_vw` view with readable columns, refreshed after every plan and apply through the SQL Statement
   * Execution API on databricks.sqlWarehouseId (required with it). Off when not set.
   */
  inventory: z
    .strictObject({
      catalog: UnityCatalogName,
      schema: UnityCatalogName,
      table: UnityCatalogName,
    })
    .optional(),
  /**
   * Statements a mirror worker applies at once: integrations, then schemas, then the per-table jobs (one
   * statement each where possible). The worker's Snowflake pool is sized to hold them. Unset: the smaller of
   * workers.mirror.concurrency and maxParallelTables, as before.
   */
  applyConcurrency: z.number().int().min(1).max(64).optional(),
});
export type MirrorConfig = z.infer<typeof MirrorConfig>;

/** `host:port` of a Redis Cluster seed node. */
const RedisNode = z
  .string()
  .regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port')
  .refine((node) => Number(node.slice(node.lastIndexOf(':') + 1)) <= 65535, 'port out of range');

/** The events d2s can tell other systems about (notifications.endpoints[].events). */
export const NOTIFICATION_EVENT_TYPES = [
  'sync.succeeded',
  'sync.failed',
  'sync.canceled',
  'mirror.run.finished',
  'backfill.finished',
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];

const EnvName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name like D2S_NOTIFY_OPS_SECRET');

/**
 * One receiver of outgoing webhooks. Its URL is in the file (`url`) or, when the URL is itself a credential
 * (a Slack incoming webhook), in the environment (`urlEnv`, or its _FILE). The Standard Webhooks signing
 * secret (`whsec_…`) always comes from the environment: `secretEnv` names the variable.
 */
export const NotificationEndpointConfig = z
  .strictObject({
    /** Names the endpoint in job ids, the deliveries list and metrics. */
    name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lower-case letters, digits and - (at most 63)'),
    url: z
      .string()
      .url()
      .refine((url) => /^https?:\/\//.test(url), 'an http:// or https:// URL')
      .optional(),
    urlEnv: EnvName.optional(),
    /** The events this endpoint gets. @defaultValue every event */
    events: z.array(z.enum(NOTIFICATION_EVENT_TYPES)).min(1).optional(),
    /** `standard`: the Standard Webhooks JSON envelope, signed; `slack`: a Slack incoming-webhook message. @defaultValue standard */
    format: z.enum(['standard', 'slack']).default('standard'),
    /** The variable (or its _FILE) holding the signing secret, `whsec_<base64>`; required for `standard`. */
    secretEnv: EnvName.optional(),
  })
  .superRefine((endpoint, ctx) => {
    if ((endpoint.url === undefined) === (endpoint.urlEnv === undefined))
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'set exactly one of url and urlEnv' });
    if (endpoint.format === 'standard' && endpoint.secretEnv === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['secretEnv'],
        message: 'a standard endpoint is signed: name the environment variable holding its whsec_ secret',
      });
  });
export type NotificationEndpointConfig = z.infer<typeof NotificationEndpointConfig>;

const NOTIFICATION_DEFAULTS = { attempts: 8, backoffMs: 5_000, timeoutMs: 10_000, concurrency: 4, endpoints: [] };

/** Outgoing webhooks when a sync, a mirror run or a backfill ends. */
export const NotificationsConfig = z
  .strictObject({
    /** Tries per delivery (the first included) before it counts as failed. @defaultValue 8 */
    attempts: z.number().int().min(1).max(30).default(NOTIFICATION_DEFAULTS.attempts),
    /** The first retry's delay; each next one doubles (with jitter). @defaultValue 5000 */
    backoffMs: PositiveInt.default(NOTIFICATION_DEFAULTS.backoffMs),
    /** How long one HTTP attempt may take. @defaultValue 10000 */
    timeoutMs: PositiveInt.max(120_000).default(NOTIFICATION_DEFAULTS.timeoutMs),
    /** Deliveries one export-worker replica makes at once. @defaultValue 4 */
    concurrency: PositiveInt.max(100).default(NOTIFICATION_DEFAULTS.concurrency),
    endpoints: z
      .array(NotificationEndpointConfig)
      .default([])
      .superRefine((endpoints, ctx) => {
        const seen = new Set<string>();
        endpoints.forEach((endpoint, index) => {
          if (seen.has(endpoint.name))
            ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `"${endpoint.name}" is used twice` });
          seen.add(endpoint.name);
        });
      }),
  })
  .default(NOTIFICATION_DEFAULTS);

export const ConfigFile = z.strictObject({
  /** Lets the file hold secrets in plain text; off unless a user insists. */
  allowPlaintextSecrets: z.boolean().default(false),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      pretty: z.boolean().optional(),
    })
    .default({ level: 'info' }),
  redis: z
    .strictObject({
      /** One Redis server (`redis://`, or `rediss://` for TLS). Ignored when `cluster` is set. */
      url: z.string().url().default('redis://127.0.0.1:6379'),
      /** A Redis Cluster instead: its seed nodes (`host:port`); env REDIS_CLUSTER_NODES=host:port,host:port. */
      cluster: z.strictObject({ nodes: z.array(RedisNode).min(1) }).optional(),
      /** TLS to every node (a `rediss://` url turns it on too); `caFile` trusts a private CA. */
      tls: z.union([z.boolean(), z.strictObject({ caFile: z.string().min(1).optional() })]).optional(),
      /** ACL user name; the password comes from REDIS_PASSWORD or REDIS_PASSWORD_FILE, never from this file. */
      username: z.string().min(1).optional(),
      /** A hash-tagged prefix keeps every key of a queue in one Redis Cluster slot. */
      prefix: z.string().min(1).default('{d2s}'),
      /** What to do when Redis may evict keys: refuse to start, or log a warning. */
      onUnsafeEvictionPolicy: z.enum(['refuse', 'warn']).default('refuse'),
    })
    .default({ url: 'redis://127.0.0.1:6379', prefix: '{d2s}', onUnsafeEvictionPolicy: 'refuse' }),
  api: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      bodyLimitBytes: PositiveInt.default(64 * 1024),
      /** How long finished syncs stay visible, in seconds. */
      retentionSeconds: PositiveInt.default(7 * 24 * 3600),
      /**
       * Bearer tokens: entries `{ name, scopes, sha256 }` (the token's hash: no secret in the file), or
       * plain tokens (need allowPlaintextSecrets). D2S_API_TOKENS, when set, replaces them.
       */
      tokens: z.array(z.union([z.string().min(1), ApiTokenHashConfig])).optional(),
      /** How long a stream token (for a browser's EventSource) opens its sync's event stream, in seconds. */
      streamTokenTtlSeconds: PositiveInt.max(86_400).default(API_DEFAULTS.streamTokenTtlSeconds),
      /** Mutating requests (POST, PUT, DELETE) one token may make per minute; past it, 429 with Retry-After. */
      rateLimit: z
        .strictObject({ mutatingPerMinute: PositiveInt.default(API_DEFAULTS.rateLimit.mutatingPerMinute) })
        .default(API_DEFAULTS.rateLimit),
      /** Origins (scheme://host[:port]) a browser may call the API from; none (CORS off) unless listed. */
      cors: z
        .strictObject({
          origins: z
            .array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin like https://app.example.com'))
            .default([]),
        })
        .default(API_DEFAULTS.cors),
      schedules: z
        .strictObject({
          /** The shortest interval a schedule may fire at (cron or every), in milliseconds. */
          minIntervalMs: PositiveInt.default(API_DEFAULTS.schedules.minIntervalMs),
        })
        .default(API_DEFAULTS.schedules),
    })
    .default(API_DEFAULTS),
  databricks: z
    .strictObject({
      host: z.string().url().optional(),
      /** A profile of ~/.databrickscfg (or DATABRICKS_CONFIG_FILE) to take host and credentials from. */
      profile: z.string().min(1).optional(),
      token: z.string().optional(),
      clientId: z.string().optional(),
      clientSecret: z.string().optional(),
      requestTimeoutMs: PositiveInt.default(30_000),
      /** Total time a call may spend on retries before it gives up. */
      retryBudgetMs: PositiveInt.default(120_000),
      maxConcurrentRequests: PositiveInt.default(16),
      maxRequestsPerSecond: PositiveInt.default(20),
      /**
       * The SQL warehouse d2s runs statements on (the mirror inventory, bulk tag reads); env
       * D2S_DATABRICKS_SQL_WAREHOUSE_ID. Without it, nothing that needs SQL is done and tags are read per table.
       */
      sqlWarehouseId: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/, 'a SQL warehouse id (letters, digits, - and _)')
        .optional(),
      /**
       * Job notifications pushed to d2s (`POST /v1/hooks/databricks`): the basic-auth username Databricks'
       * webhook destination sends (the password comes from D2S_DATABRICKS_WEBHOOK_PASSWORD or its _FILE).
       * While set, a run's end wakes its export at once and polling is only the safety net.
       */
      webhook: z
        .strictObject({
          username: z.string().min(1),
          password: z.string().optional(),
          /** With push, the first poll after run-now; then growing by workers.export.pollGrowth. */
          pollInitialMs: PositiveInt.default(30_000),
          /** With push, the longest wait between polls: a lost notification delays a sync by at most this. */
          pollMaxMs: PositiveInt.default(120_000),
        })
        .optional(),
    })
    .default({ requestTimeoutMs: 30_000, retryBudgetMs: 120_000, maxConcurrentRequests: 16, maxRequestsPerSecond: 20 }),
  snowflake: z
    .strictObject({
      /**
       * A named connection of the Snowflake tools' connections.toml (SNOWFLAKE_HOME or ~/.snowflake) to take
       * the connection from; what this section and the environment set wins.
       */
      connection: z.string().min(1).optional(),
      account: z.string().optional(),
      user: z.string().optional(),
      role: z.string().optional(),
      warehouse: z.string().optional(),
      database: z.string().optional(),
      schema: z.string().optional(),
      /** Overrides the account URL: private links, or a local emulator. */
      accessUrl: z.string().url().optional(),
      authenticator: z.enum(['SNOWFLAKE_JWT', 'SNOWFLAKE']).default('SNOWFLAKE_JWT'),
      privateKeyPath: z.string().optional(),
      privateKey: z.string().optional(),
      privateKeyPassphrase: z.string().optional(),
      password: z.string().optional(),
      poolMax: PositiveInt.default(4),
      statementTimeoutSeconds: PositiveInt.default(3600),
    })
    .default({ authenticator: 'SNOWFLAKE_JWT', poolMax: 4, statementTimeoutSeconds: 3600 }),
  workers: z
    .strictObject({
      export: z
        .strictObject({
          /** Worker slots; polling does not hold one (step jobs), so a few carry thousands of runs. */
          concurrency: PositiveInt.default(10),
          /** First poll delay after run-now, then growing by pollGrowth up to pollMaxMs, with jitter. */
          pollInitialMs: PositiveInt.default(2_000),
          pollMaxMs: PositiveInt.default(30_000),
          pollGrowth: z.number().min(1).max(4).default(1.5),
        })
        .default({ concurrency: 10, pollInitialMs: 2_000, pollMaxMs: 30_000, pollGrowth: 1.5 }),
      /** How long a worker's lock on an active job lasts; a killed worker's job is taken over after about this long. */
      lockDurationMs: PositiveInt.default(30_000),
      /** How often workers look for jobs whose worker died (stalled jobs). */
      stalledIntervalMs: PositiveInt.default(30_000),
      /** Stalls a job survives before it fails; crashes are survivable, a job that kills its worker is not. */
      maxStalledCount: z.number().int().nonnegative().default(3),
      /**
       * A worker with free slots that takes none of the ready jobs for this long has a stuck fetch loop (seen after
       * a Redis Cluster failover): the service exits for its supervisor to restart it. 0 turns the check off.
       */
      fetchStallMs: z.number().int().nonnegative().default(60_000),
      import: z.strictObject({ concurrency: PositiveInt.default(4) }).default({ concurrency: 4 }),
      mirror: z.strictObject({ concurrency: PositiveInt.default(8) }).default({ concurrency: 8 }),
    })
    .default({
      export: { concurrency: 10, pollInitialMs: 2_000, pollMaxMs: 30_000, pollGrowth: 1.5 },
      lockDurationMs: 30_000,
      stalledIntervalMs: 30_000,
      maxStalledCount: 3,
      fetchStallMs: 60_000,
      import: { concurrency: 4 },
      mirror: { concurrency: 8 },
    }),
  mirror: MirrorConfig.default(MirrorConfig.parse({})),
  cleanup: z
    .strictObject({
      /** The policy of every dataset that sets no `export.cleanup` of its own. @defaultValue keep */
      default: CleanupPolicy.default('keep'),
      /** How often the sweep (afterDays datasets, failed and canceled runs) runs, in minutes. @defaultValue 60 */
      sweepIntervalMinutes: PositiveInt.max(7 * 24 * 60).default(60),
    })
    .default({ default: 'keep', sweepIntervalMinutes: 60 }),
  notifications: NotificationsConfig,
  datasets: z
    .record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _'), DatasetConfig)
    .default({}),
});
export type ConfigFile = z.infer<typeof ConfigFile>;
