/**
 * `npm run demo`: the whole of d2s on this machine with no cloud account.
 * Starts what is missing (Redis, both emulators, the API, the three workers),
 * submits a sync of the sandbox dataset through the HTTP API, shows its
 * progress live, and prints the result. `--once` exits afterwards (0 on
 * success); otherwise everything stays up until Ctrl-C.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, MirrorInventory, sleep } from '@d2s/shared';
import { createDatabricksClient } from '@d2s/shared/databricks';
import { configureSnowflakeDriver, countRows, createSnowflakeClient, ROW_COUNT_COLUMN } from '@d2s/shared/snowflake';
import {
  ensureRedis,
  freePort,
  httpAnswers,
  type ManagedProcess,
  portIsFree,
  ROOT,
  type ServiceName,
  startProcess,
  startService,
  waitFor,
} from './local-stack.js';

const { values: args } = parseArgs({
  options: {
    once: { type: 'boolean', default: false },
    dataset: { type: 'string', default: 'shared_forecasts' },
    verbose: { type: 'boolean', default: false },
  },
});

const API_TOKEN = process.env.D2S_DEMO_API_TOKEN ?? 'd2s-demo-token';
const stateDir = resolve(ROOT, '.d2s');
const started: ManagedProcess[] = [];
const t0 = Date.now();
const say = (line: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}`);

async function pickPort(preferred: number): Promise<number> {
  return (await portIsFree(preferred)) ? preferred : freePort();
}

async function main(): Promise<number> {
  await mkdir(resolve(stateDir, 'redis'), { recursive: true });
  const redis = await ensureRedis(process.env, resolve(stateDir, 'redis'));
  if (redis.process) started.push(redis.process);
  say(`Redis: ${redis.url}${redis.process ? ' (started a private redis-server)' : ''}`);

  const databricksPort = await pickPort(8801);
  const snowflakePort = await pickPort(8802);
  const apiPort = await pickPort(8080);
  const emulators = startProcess('emulators', process.execPath, ['scripts/dist/emulators.js'], {
    env: {
      DATABRICKS_EMULATOR_PORT: String(databricksPort),
      SNOWFLAKE_EMULATOR_PORT: String(snowflakePort),
      D2S_OBJECT_STORE_DIR: resolve(stateDir, 'object-store'),
      D2S_EMULATOR_DATA_DIR: resolve(stateDir, 'sandbox'),
    },
    ...(args.verbose ? { echo: (l: string) => console.log(`  emulators | ${l}`) } : {}),
  });
  started.push(emulators);
  const databricksUrl = `http://127.0.0.1:${databricksPort}`;
  const snowflakeUrl = `http://127.0.0.1:${snowflakePort}`;
  await waitFor(
    'the Databricks emulator',
    () => httpAnswers(`${databricksUrl}/__emulator/health`),
    60_000,
    emulators.output,
  );
  await waitFor(
    'the Snowflake emulator',
    () => httpAnswers(`${snowflakeUrl}/__emulator/health`),
    60_000,
    emulators.output,
  );
  say(`emulators: Databricks ${databricksUrl}, Snowflake ${snowflakeUrl}`);

  const env: NodeJS.ProcessEnv = {
    D2S_CONFIG: resolve(ROOT, 'd2s.config.yaml'),
    REDIS_URL: redis.url,
    D2S_API_PORT: String(apiPort),
    D2S_API_TOKENS: API_TOKEN,
    DATABRICKS_HOST: databricksUrl,
    DATABRICKS_TOKEN: 'dapi-sandbox-token',
    D2S_MIRROR_OAUTH_CLIENT_SECRET: 'd2s-sandbox-secret',
    SNOWFLAKE_ACCESS_URL: snowflakeUrl,
    SNOWFLAKE_PRIVATE_KEY_PATH: resolve(stateDir, 'sandbox/keys/d2s_sandbox_rsa_key.p8'),
    LOG_FORMAT: 'json',
    NODE_ENV: 'production',
    LOG_LEVEL: args.verbose ? 'info' : 'warn',
  };
  for (const name of ['api', 'export-worker', 'import-worker', 'mirror-worker'] as ServiceName[]) {
    started.push(startService(name, env, args.verbose ? (l) => console.log(`  ${name} | ${l}`) : undefined));
  }
  const api = `http://127.0.0.1:${apiPort}`;
  const apiProcess = started.find((p) => p.name === 'api') as ManagedProcess;
  await waitFor('the API', () => httpAnswers(`${api}/readyz`), 60_000, apiProcess.output);
  say(`API: ${api} (token ${API_TOKEN}); Bull Board: ${api}/admin/queues`);

  const headers = { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' };
  const createdAt = Date.now();
  const created = await fetch(`${api}/v1/syncs`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ dataset: args.dataset }),
  });
  const sync = (await created.json()) as { id: string; status: string; error?: { message: string } };
  if (!created.ok) throw new Error(`POST /v1/syncs answered ${created.status}: ${JSON.stringify(sync)}`);
  say(`sync ${sync.id} requested (${created.status}), dataset ${args.dataset}`);

  const final = await followEvents(`${api}/v1/syncs/${sync.id}/events`, headers);
  const elapsed = Date.now() - createdAt;
  printResult(final, elapsed);
  if (final.status === 'succeeded') {
    await printCrossChecks(final, elapsed, { env, databricksUrl, snowflakeUrl });
  }
  const mirrored = await runMirror(api, headers);
  await printInventory(env);
  say(`Bull Board: ${api}/admin/queues (user any, password ${API_TOKEN}); API docs: ${api}/docs`);
  return final.status === 'succeeded' && mirrored ? 0 : 1;
}

interface PlannedAction {
  id: string;
  kind: string;
  reason: string;
  sql: string[];
  integration?: { name: string } | string;
  table?: { catalog: string; schema: string; name: string };
  target?: { database: string; schema: string; name: string };
  database?: string;
  schema?: string;
}

interface PlanView {
  summary: Record<string, number>;
  actions: PlannedAction[];
  skipped: { fullName?: string; reason: string }[];
}

/** One line per action: what it changes, and from which Unity Catalog table. */
function describeAction(action: PlannedAction): string {
  const integration = typeof action.integration === 'string' ? action.integration : action.integration?.name;
  if (action.kind.endsWith('-integration')) return `catalog integration ${integration}`;
  if (action.kind === 'create-schema') return `schema ${action.database}.${action.schema}`;
  const target = action.target ? `${action.target.database}.${action.target.schema}.${action.target.name}` : '';
  const source = action.table ? `${action.table.catalog}.${action.table.schema}.${action.table.name}` : '';
  return `${target}${source ? ` ← ${source}` : ''}`;
}

/** A mirror plan (printed like `terraform plan`), then a run that applies it, followed to the end. */
async function runMirror(api: string, headers: Record<string, string>): Promise<boolean> {
  console.log('');
  say('mirror: planning Unity Catalog → Snowflake Iceberg tables');
  const planned = await fetch(`${api}/v1/mirror/plan`, { method: 'POST', headers, body: '{}' });
  const plan = (await planned.json()) as PlanView & { error?: { code: string; message: string } };
  if (!planned.ok) {
    console.log(`  mirror plan failed: ${plan.error?.code}: ${plan.error?.message}`);
    return false;
  }
  const symbol: Record<string, string> = {
    'drop-table': '-',
    'update-integration': '~',
    'rename-table': '→',
    'refresh-table': '↻',
  };
  const shown = plan.actions.slice(0, 12);
  for (const action of shown)
    console.log(`  ${symbol[action.kind] ?? '+'} ${action.kind.padEnd(18)} ${describeAction(action)}`);
  if (plan.actions.length > shown.length) console.log(`  … and ${plan.actions.length - shown.length} more`);
  console.log(`  (${plan.skipped.length} tables skipped with a reason, e.g. views and plain Delta tables)`);
  console.log(`  Plan: ${plan.actions.length} actions. SQL with secrets masked: POST ${api}/v1/mirror/plan?format=sql`);

  const started = await fetch(`${api}/v1/mirror/runs`, { method: 'POST', headers, body: '{}' });
  const run = (await started.json()) as { id: string };
  const t = Date.now();
  let view: { status: string; counts: Record<string, number>; error: { message: string } | null } | undefined;
  while (Date.now() - t < 180_000) {
    view = (await (await fetch(`${api}/v1/mirror/runs/${run.id}`, { headers })).json()) as typeof view;
    if (view && (view.status === 'succeeded' || view.status === 'failed')) break;
    await sleep(250);
  }
  say(
    `mirror run ${run.id}: ${view?.status} in ${((Date.now() - t) / 1000).toFixed(1)} s ${JSON.stringify(view?.counts ?? {})}`,
  );
  const again = (await (
    await fetch(`${api}/v1/mirror/plan`, { method: 'POST', headers, body: '{}' })
  ).json()) as PlanView;
  say(`mirror re-plan: ${again.actions.length} actions (an unchanged catalog plans nothing)`);
  return view?.status === 'succeeded' && again.actions.length === 0;
}

/** The mirror inventory's readable view in Unity Catalog, read through the SQL warehouse as anyone would. */
async function printInventory(env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig({ env: { ...process.env, ...env } });
  const at = config.mirror.inventory;
  if (!at) return;
  const databricks = createDatabricksClient(config.databricks);
  try {
    if (!databricks.sql) return;
    const view = await new MirrorInventory(databricks.sql, at).readView();
    say(`mirror inventory: ${view.rows.length} rows in ${at.catalog}.${at.schema}.${at.table}_vw`);
    const shown = ['Table', 'Format', 'Eligible', 'Status', 'Last action', 'Snowflake table', 'Why not eligible'];
    const index = shown.map((name) => view.columns.indexOf(name));
    const cells = view.rows.map((row) => index.map((i) => String(row[i] ?? '').slice(0, 48)));
    const widths = shown.map((name, c) => Math.max(name.length, ...cells.map((r) => (r[c] ?? '').length)));
    const line = (values: string[]) => `  ${values.map((v, c) => v.padEnd(widths[c] ?? 0)).join('  ')}`.trimEnd();
    console.log(line(shown));
    for (const row of cells) console.log(line(row));
  } catch (error) {
    console.log(`  mirror inventory not readable: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await databricks.close();
  }
}

/**
 * Reads the result back independently of d2s: the row count straight from
 * Snowflake, and the time d2s added on top of the Databricks run and the COPY.
 */
async function printCrossChecks(
  sync: StatusEvent,
  elapsedMs: number,
  where: { env: NodeJS.ProcessEnv; databricksUrl: string; snowflakeUrl: string },
): Promise<void> {
  const config = loadConfig({ env: { ...process.env, ...where.env } });
  const dataset = config.datasets[args.dataset];
  if (!dataset) return;
  await configureSnowflakeDriver();
  const snowflake = createSnowflakeClient(config.snowflake);
  try {
    const counted = await snowflake.execute(countRows(dataset.snowflake.table));
    console.log(
      `  read back:        ${counted.rows[0]?.[ROW_COUNT_COLUMN]} rows in ${Object.values(dataset.snowflake.table).join('.')}`,
    );
  } finally {
    await snowflake.close();
  }
  const run = (await (
    await fetch(`${where.databricksUrl}/api/2.2/jobs/runs/get?run_id=${sync.databricks.runId}`, {
      headers: { authorization: 'Bearer dapi-sandbox-token' },
    })
  ).json()) as { start_time?: number; end_time?: number };
  const runMs = (run.end_time ?? 0) - (run.start_time ?? 0);
  const queries = (await (await fetch(`${where.snowflakeUrl}/__emulator/queries`)).json()) as {
    queries: { sql: string; queryTag: string; startedAt: string; endedAt: string | null }[];
  };
  const copyMs = queries.queries
    .filter((q) => q.queryTag === `d2s:sync:${sync.id}` && /^\s*COPY/i.test(q.sql) && q.endedAt)
    .reduce((sum, q) => sum + (Date.parse(q.endedAt as string) - Date.parse(q.startedAt)), 0);
  const overhead = elapsedMs - runMs - copyMs;
  console.log(
    `  overhead:         ${(overhead / 1000).toFixed(2)} s of d2s's own (end to end ${(elapsedMs / 1000).toFixed(2)} s − Databricks run ${(runMs / 1000).toFixed(2)} s − COPY ${(copyMs / 1000).toFixed(2)} s)`,
  );
}

interface StatusEvent {
  id: string;
  status: string;
  databricks: { runId?: number; runPageUrl?: string; lifeCycleState?: string };
  load: {
    files?: { file: string; status: string; rowsLoaded: number }[];
    rowsLoaded?: number;
    targetRowCount?: number;
    queryIds?: string[];
  } | null;
  timings: { durationsMs: Record<string, number> };
  error: { code: string; message: string } | null;
}

/** Reads the SSE stream until the sync ends, printing each change. */
async function followEvents(url: string, headers: Record<string, string>): Promise<StatusEvent> {
  const response = await fetch(url, {
    headers: { authorization: headers.authorization as string, accept: 'text/event-stream' },
  });
  if (!response.ok || !response.body) throw new Error(`GET ${url} answered ${response.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  let last: StatusEvent | undefined;
  let lastLine = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      const lines = block.split('\n');
      const data = lines.find((l) => l.startsWith('data: '));
      if (!data || !lines.includes('event: status')) continue;
      last = JSON.parse(data.slice(6)) as StatusEvent;
      const line = `${last.status}${last.databricks.lifeCycleState && last.status === 'exporting' ? ` (Databricks ${last.databricks.lifeCycleState})` : ''}`;
      if (line !== lastLine) say(`  → ${line}`);
      lastLine = line;
    }
  }
  if (!last) throw new Error('the event stream ended without a status');
  return last;
}

function printResult(sync: StatusEvent, elapsedMs: number): void {
  console.log('');
  if (sync.status === 'succeeded') {
    console.log(`Sync complete: ${sync.id}`);
  } else {
    console.log(`Sync ${sync.status}: ${sync.id}`);
    if (sync.error) console.log(`  error: ${sync.error.code}: ${sync.error.message}`);
  }
  const files = sync.load?.files ?? [];
  console.log(`  files loaded:     ${files.filter((f) => f.status === 'LOADED').length} of ${files.length}`);
  console.log(`  rows loaded:      ${sync.load?.rowsLoaded ?? 0}`);
  console.log(
    `  rows in target:   ${sync.load?.targetRowCount ?? 'n/a'} (counted by the import worker after the load)`,
  );
  console.log(`  Databricks run:   ${sync.databricks.runId ?? '-'} ${sync.databricks.runPageUrl ?? ''}`);
  console.log(`  Snowflake queries: ${(sync.load?.queryIds ?? []).length}`);
  const d = sync.timings.durationsMs;
  console.log(
    `  time:             ${(elapsedMs / 1000).toFixed(2)} s end to end (queued ${d.queued ?? 0} ms, export ${d.export ?? 0} ms, import ${d.import ?? 0} ms)`,
  );
}

async function stopAll(): Promise<void> {
  for (const p of [...started].reverse()) await p.stop('SIGTERM');
}

let code: number;
try {
  code = await main();
} catch (error) {
  console.error(`demo failed: ${(error as Error).message}`);
  code = 1;
}
if (args.once || code !== 0) {
  await stopAll();
  process.exit(code);
}
say('Everything stays up; Ctrl-C to stop.');
process.once('SIGINT', () => void stopAll().then(() => process.exit(0)));
process.once('SIGTERM', () => void stopAll().then(() => process.exit(0)));
