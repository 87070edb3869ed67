/**
 * Benchmark 3, mirror scale: 5,000 Unity Catalog tables across 50 schemas,
 * the Snowflake emulator at a fixed per-statement latency. A full mirror run
 * (the real mirror-worker process: plan, then one DDL job per table) against
 * applying the same statements one at a time (timed on a sample of schemas,
 * projected to all tables); then the no-op re-plan: its time and how many
 * statements it runs, against the full run.
 */
import { generateKeyPairSync } from 'node:crypto';
import { type DatabricksFixture, startDatabricksEmulator } from '@d2s/databricks-emulator';
import { startSnowflakeEmulator } from '@d2s/snowflake-emulator';
import {
  closeQueues,
  isTableAction,
  loadConfig,
  type MirrorPlan,
  MirrorService,
  openQueues,
  statementsFor,
} from '@d2s/shared';
import { createDatabricksClient } from '@d2s/shared/databricks';
import { configureSnowflakeDriver, createSnowflakeClient } from '@d2s/shared/snowflake';
import { Redis } from 'ioredis';
import { type ManagedProcess, startService } from '../../scripts/dist/local-stack.js';
import { type BenchmarkResult, figure } from './report.js';
import { round } from './stats.js';
import { BENCH_PAT, benchPrefix, deletePrefix, serviceEnv, tempDir, until, writeConfig } from './support.js';

export interface MirrorOptions {
  redisUrl: string;
  schemas: number;
  tablesPerSchema: number;
  /** Schemas whose statements the baseline applies one at a time. */
  baselineSchemas: number;
  statementLatencyMs: number;
  parallelTables: number;
  /** mirror.applyConcurrency: statements the worker applies at once (its Snowflake pool is sized to it). */
  applyConcurrency: number;
  databricks: { maxRequestsPerSecond: number; maxConcurrentRequests: number };
}

const CATALOG = 'bench';
const DATABASE = 'BENCH_MIRROR';
const OAUTH = { id: 'd2s-bench-client', secret: 'd2s-bench-secret' };
const schemaName = (i: number) => `s${String(i).padStart(2, '0')}`;

export async function benchMirror(options: MirrorOptions): Promise<BenchmarkResult> {
  const started = Date.now();
  const tables = options.schemas * options.tablesPerSchema;
  const dir = await tempDir('mirror');
  const prefix = benchPrefix('mirror');
  const fixture: DatabricksFixture = {
    auth: {
      personal_access_tokens: [{ token: BENCH_PAT }],
      oauth_clients: [{ client_id: OAUTH.id, client_secret: OAUTH.secret }],
    },
    jobs: [],
    // A warehouse, so planning reads a catalog's tags with one SQL statement (databricks.sqlWarehouseId).
    sql_warehouses: [{ id: 'bench-warehouse', name: 'bench warehouse', statement_latency_ms: 300 }],
    catalogs: [
      {
        name: CATALOG,
        schemas: Array.from({ length: options.schemas }, (_, i) => ({
          name: schemaName(i),
          generated_tables: {
            count: options.tablesPerSchema,
            name_prefix: 't',
            formats: ['uniform'],
            rows: 1,
            columns: [{ name: 'id', type: 'BIGINT' }],
          },
        })),
      },
    ],
  };
  const setupStarted = Date.now();
  const databricks = await startDatabricksEmulator({ port: 0, fixture, objectStoreRoot: dir.path });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const snowflake = await startSnowflakeEmulator({
    port: 0,
    objectStoreRoot: dir.path,
    account: 'D2S_BENCH',
    users: [
      {
        name: 'D2S_MIRROR',
        rsaPublicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        defaultRole: 'SYSADMIN',
      },
    ],
  });
  // Only ACCOUNTADMIN may create integrations out of the box; the mirror's role needs the right.
  await snowflake.admin.execute('GRANT CREATE INTEGRATION ON ACCOUNT TO ROLE SYSADMIN');
  const setupMs = Date.now() - setupStarted;
  const configPath = await writeConfig(
    dir.path,
    `log: { level: warn }
redis: { onUnsafeEvictionPolicy: warn }
databricks:
  requestTimeoutMs: 30000
  retryBudgetMs: 60000
  maxRequestsPerSecond: ${options.databricks.maxRequestsPerSecond}
  maxConcurrentRequests: ${options.databricks.maxConcurrentRequests}
  sqlWarehouseId: bench-warehouse
snowflake: { poolMax: ${options.parallelTables}, statementTimeoutSeconds: 300 }
workers:
  mirror: { concurrency: ${options.parallelTables} }
mirror:
  catalogs: [{ name: ${CATALOG}, database: ${DATABASE} }]
  oauthClientId: ${OAUTH.id}
  maxParallelTables: ${options.parallelTables}
  applyConcurrency: ${options.applyConcurrency}
`,
  );
  const env = serviceEnv({
    D2S_CONFIG: configPath,
    REDIS_URL: options.redisUrl,
    D2S_QUEUE_PREFIX: prefix,
    DATABRICKS_HOST: databricks.url,
    DATABRICKS_TOKEN: BENCH_PAT,
    SNOWFLAKE_ACCOUNT: snowflake.account,
    SNOWFLAKE_USER: 'D2S_MIRROR',
    SNOWFLAKE_ACCESS_URL: snowflake.url,
    SNOWFLAKE_PRIVATE_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    D2S_MIRROR_OAUTH_CLIENT_SECRET: OAUTH.secret,
  });
  const config = loadConfig({ env });
  await configureSnowflakeDriver({ logLevel: 'OFF' });
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
  const queues = openQueues(redis, prefix);
  const databricksClient = createDatabricksClient(config.databricks);
  const snowflakeClient = createSnowflakeClient(config.snowflake);
  const mirror = new MirrorService({
    config,
    clients: { unityCatalog: databricksClient.unityCatalog, snowflake: snowflakeClient, sql: databricksClient.sql },
    queue: queues.mirror,
    redis,
  });
  let worker: ManagedProcess | undefined;
  try {
    snowflake.admin.setLatency(options.statementLatencyMs);
    const timed = async (scope?: { schemas: string[] }) => {
      const t = performance.now();
      const plan = await mirror.plan(scope ? { scope } : {});
      return { plan, ms: performance.now() - t };
    };
    const firstPlan = await timed();
    const plannedStatements = countStatements(firstPlan.plan, mirror);

    // d2s: one mirror run through the real mirror-worker process.
    worker = startService('mirror-worker', env);
    const { run } = await mirror.startRun({ origin: 'bench' });
    const runRequested = Date.parse(run.createdAt);
    await until(
      'the mirror run to finish',
      async () => {
        if (worker?.child.exitCode !== null)
          throw new Error(`the mirror worker exited: ${worker?.output().slice(-2000)}`);
        // The plan job's state, not the job: its return value lists every action, and parsing it twice a second
        // took CPU from the emulators this run measures.
        const planState = await queues.mirror.getJobState(run.id);
        if (planState !== 'completed' && planState !== 'failed') return false;
        const c = await queues.mirror.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return Object.values(c).every((n) => n === 0);
      },
      600_000,
      500,
    );
    const view = await mirror.requireRun(run.id);
    if (view.status !== 'succeeded')
      throw new Error(`the mirror run ended ${view.status}: ${JSON.stringify(view.error ?? view.counts)}`);
    // The run starts when the worker takes its plan job, not when it was asked for: the worker process was started
    // just before, and its boot (Node, modules, Redis) is neither applying nor paid by the baseline.
    const runStarted = (await queues.mirror.getJob(run.id))?.processedOn ?? runRequested;
    const runMs = Date.parse(view.finishedAt ?? '') - runStarted;
    const runPlanMs = view.stats?.totalMs ?? 0;
    await worker.stop('SIGTERM');
    worker = undefined;

    // Baseline: drop a sample of schemas (no latency for that), re-plan them, apply their statements one at a time.
    const sample = Array.from({ length: options.baselineSchemas }, (_, i) => `${CATALOG}.${schemaName(i)}`);
    snowflake.admin.setLatency(0);
    for (let i = 0; i < options.baselineSchemas; i++) {
      await snowflake.admin.execute(`DROP SCHEMA "${DATABASE}"."${schemaName(i).toUpperCase()}" CASCADE`);
    }
    snowflake.admin.setLatency(options.statementLatencyMs);
    const samplePlan = (await timed({ schemas: sample })).plan;
    const settings = mirror.settings();
    const ordered = [
      ...samplePlan.actions.filter((a) => !isTableAction(a)),
      ...samplePlan.actions.filter((a) => isTableAction(a)),
    ];
    const sampleTables = samplePlan.actions.filter((a) => isTableAction(a)).length;
    let sampleStatements = 0;
    const baselineStarted = performance.now();
    for (const action of ordered) {
      for (const statement of statementsFor(action, settings)) {
        await snowflakeClient.execute(statement);
        sampleStatements++;
      }
    }
    const baselineMs = performance.now() - baselineStarted;
    const baselinePerTableMs = baselineMs / sampleTables;

    // The no-op re-plan over everything (tags read in bulk, one statement per catalog on the warehouse), and the
    // same-run baseline: one Unity Catalog request per table's tags, without a warehouse, at the discovery
    // concurrency d2s used before it followed databricks.maxConcurrentRequests (8).
    const replan = await timed();
    const perTable = new MirrorService({
      config,
      clients: { unityCatalog: databricksClient.unityCatalog, snowflake: snowflakeClient },
      discovery: { concurrency: 8 },
    });
    const baselineReplanStarted = performance.now();
    const baselineReplan = await perTable.plan({});
    const baselineReplanMs = performance.now() - baselineReplanStarted;
    if (baselineReplan.actions.length !== 0) throw new Error('the baseline re-plan planned actions');
    const replanStats = replan.plan.stats;
    const applyMs = runMs - runPlanMs;
    const fullRunStatements = plannedStatements + (firstPlan.plan.stats?.snowflakeStatements ?? 0);

    return {
      id: 'mirror',
      title: `Mirror scale (${tables.toLocaleString('en-US')} tables)`,
      status: 'measured',
      baseline: `the same DDL statements (statementsFor, as the worker builds them) applied one at a time through one Snowflake client, timed over ${options.baselineSchemas} schemas (${sampleTables} tables) and projected to ${tables.toLocaleString('en-US')} tables; for the re-plan, the full run`,
      figures: [
        figure(
          'apply time, all tables (baseline projected)',
          'ms',
          applyMs,
          baselinePerTableMs * tables,
          'lower',
          round,
        ),
        figure('apply time per table', 'ms', applyMs / tables, baselinePerTableMs, 'lower', round),
        figure(
          'no-op re-plan time (vs one UC request per table, concurrency 8)',
          'ms',
          replan.ms,
          baselineReplanMs,
          'lower',
          round,
        ),
        figure('no-op re-plan time (vs the full run)', 'ms', replan.ms, runMs, 'lower', round),
        figure(
          'no-op re-plan Snowflake statements (vs the full run)',
          'statements',
          replanStats?.snowflakeStatements ?? Number.NaN,
          fullRunStatements,
          'lower',
          round,
        ),
      ],
      settings: {
        tables,
        schemas: options.schemas,
        statementLatencyMs: options.statementLatencyMs,
        'mirror.maxParallelTables': options.parallelTables,
        'mirror.applyConcurrency': options.applyConcurrency,
        'workers.mirror.concurrency': options.parallelTables,
        'snowflake.poolMax': options.parallelTables,
        'databricks.maxRequestsPerSecond': options.databricks.maxRequestsPerSecond,
        'databricks.maxConcurrentRequests': options.databricks.maxConcurrentRequests,
        baselineSample: `${options.baselineSchemas} schemas, ${sampleTables} tables`,
      },
      raw: {
        emulatorSetupMs: setupMs,
        firstPlan: { ms: round(firstPlan.ms), summary: firstPlan.plan.summary, stats: firstPlan.plan.stats },
        run: {
          id: run.id,
          status: view.status,
          counts: view.counts,
          totalMs: runMs,
          workerTookItAfterMs: runStarted - runRequested,
          planMs: runPlanMs,
          applyMs,
          planStats: view.stats,
        },
        plannedStatements,
        baseline: {
          tables: sampleTables,
          statements: sampleStatements,
          ms: round(baselineMs),
          perTableMs: round(baselinePerTableMs),
        },
        baselineReplan: { ms: round(baselineReplanMs), stats: baselineReplan.stats },
        replan: {
          ms: round(replan.ms),
          actions: replan.plan.actions.length,
          summary: replan.plan.summary,
          stats: replanStats,
        },
      },
      notes: [
        `Apply = the run's end (its last table job) minus its start (when the worker, started just before, took the plan job: ${((runStarted - runRequested) / 1000).toFixed(1)} s after the run was asked for), less the run's own planning (discovery + SHOW, ${(runPlanMs / 1000).toFixed(1)} s); the full run took ${(runMs / 1000).toFixed(1)} s. It covers the integration, ${options.schemas} schemas and ${tables.toLocaleString('en-US')} table jobs, at most ${options.applyConcurrency} at once (mirror.applyConcurrency; the worker's Snowflake pool holds as many).`,
        `The no-op re-plan planned ${replan.plan.actions.length} actions; it reads ${replanStats?.ucTablesSeen ?? '?'} tables' tags from Unity Catalog (${replanStats?.databricksRequests ?? '?'} Databricks requests, discovery ${replanStats?.discoveryMs ?? '?'} ms) and runs ${replanStats?.snowflakeStatements ?? '?'} SHOW statements (${replanStats?.snowflakeMs ?? '?'} ms). With the default databricks.maxRequestsPerSecond (20), its tag reads alone would take ~${Math.round((replanStats?.databricksRequests ?? 0) / 20)} s.`,
        `Every Snowflake statement waits ${options.statementLatencyMs} ms in the emulator (admin.setLatency), on top of its own work (CREATE ICEBERG TABLE calls the Databricks emulator's Iceberg REST catalog). The mirror worker is the real apps/mirror-worker process; both emulators run in the benchmark process.`,
      ],
      elapsedMs: Date.now() - started,
    };
  } finally {
    await worker?.stop('SIGTERM');
    await closeQueues(queues);
    await snowflakeClient.close();
    await databricksClient.close();
    await snowflake.close();
    await databricks.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await dir.remove();
  }
}

/** DDL statements a plan's actions run when applied (as the worker builds them). */
function countStatements(plan: MirrorPlan, mirror: MirrorService): number {
  const settings = mirror.settings();
  return plan.actions.reduce((sum, action) => sum + statementsFor(action, settings).length, 0);
}
