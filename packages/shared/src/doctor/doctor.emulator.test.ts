import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningDatabricksEmulator, sandboxFixturePath, startDatabricksEmulator } from '@d2s/databricks-emulator';
import { SANDBOX, type SnowflakeSandbox, startSnowflakeSandbox } from '@d2s/snowflake-emulator';
import { deletePrefix, spawnRedisServer, startTestRedis, type TestRedis, uniquePrefix } from '@d2s/testkit';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { createDatabricksClient } from '../databricks/client.js';
import { Secret } from '../secret.js';
import { setUpWebhook } from '../sync/webhook-setup.js';
import { QUEUE_NAMES } from '../jobs/catalog.js';
import { configureSnowflakeDriver } from '../snowflake/driver.js';
import { type DoctorCheck, type DoctorReport, doctorExitCode } from './check.js';
import { doctorClients } from './doctor-clients.js';
import { runDoctor } from './run-doctor.js';

/**
 * `d2s doctor` against both emulators (sandbox fixtures) and real Redis: a healthy sandbox passes, and each
 * misconfiguration the issue names fails with its fix. The analyst principals are the sandbox's own:
 * `dapi-analyst-token` (analyst@example.com, CAN_VIEW on job 1001) and Snowflake's D2S_ANALYST (role ANALYST:
 * USAGE on the warehouse, database and schema only).
 */

let root: string;
let databricks: RunningDatabricksEmulator;
let snowflake: SnowflakeSandbox;
let redis: TestRedis;
let redisClient: Redis;
const prefix = uniquePrefix('doctor');
const workers: Worker[] = [];

const datasets = (extra = '') => `
datasets:
  shared_forecasts:
    databricks: { jobId: 1001, outputParameter: output_path }
    export: { s3Prefix: s3://d2s-sandbox/exports/shared_forecasts }
    snowflake:
      stage: { database: D2S_SANDBOX, schema: PUBLIC, name: SHARED_FORECASTS_STAGE }
      stageUrl: s3://d2s-sandbox/exports/
      table: { database: D2S_SANDBOX, schema: PUBLIC, name: DOCTOR_FORECASTS }
      createTable: true
    parameters:
      forecast_date: { type: date }
${extra}
mirror:
  catalogs: [{ name: weather, database: WEATHER_MIRROR }]
  oauthClientId: d2s-sandbox-client
`;

const SNOWFLAKE = 'snowflake: { database: D2S_SANDBOX, schema: PUBLIC, warehouse: D2S_WH, role: SYSADMIN }';

/**
 * Runs the doctor on a sandbox environment (OAuth M2M for Databricks, key pair for Snowflake); `overrides`
 * changes or removes variables, `file` the config file's snowflake line and extra datasets.
 */
async function doctor(
  overrides: Record<string, string | undefined> = {},
  file: { snowflake?: string; extraDatasets?: string } = {},
): Promise<DoctorReport> {
  const configPath = join(root, `d2s-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(configPath, `${file.snowflake ?? SNOWFLAKE}\n${datasets(file.extraDatasets)}`);
  const env: Record<string, string | undefined> = {
    D2S_CONFIG: configPath,
    HOME: root,
    REDIS_URL: redis.url,
    D2S_QUEUE_PREFIX: prefix,
    DATABRICKS_HOST: databricks.url,
    DATABRICKS_CLIENT_ID: 'd2s-sandbox-client',
    DATABRICKS_CLIENT_SECRET: 'd2s-sandbox-secret',
    D2S_MIRROR_OAUTH_CLIENT_SECRET: 'd2s-sandbox-secret',
    SNOWFLAKE_ACCESS_URL: snowflake.emulator.url,
    SNOWFLAKE_ACCOUNT: SANDBOX.account,
    SNOWFLAKE_USER: SANDBOX.keyPairUser,
    SNOWFLAKE_PRIVATE_KEY_PATH: snowflake.privateKeyPath,
    ...overrides,
  };
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
  return runDoctor(doctorClients({ config: loadConfig({ env: defined }) }));
}

function check(report: DoctorReport, id: string): DoctorCheck {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

const failures = (report: DoctorReport) => report.checks.filter((c) => c.status === 'fail');

beforeAll(async () => {
  await configureSnowflakeDriver({ logLevel: 'OFF' });
  root = await mkdtemp(join(tmpdir(), 'd2s-doctor-'));
  databricks = await startDatabricksEmulator({ port: 0, fixture: sandboxFixturePath, objectStoreRoot: root });
  snowflake = await startSnowflakeSandbox({ port: 0, objectStoreRoot: root, dataDir: join(root, 'sandbox') });
  // A consumer-like user with no default warehouse, for the 000606 case.
  snowflake.emulator.admin.addUser({ name: 'D2S_NO_WH', password: 'no-wh-password', defaultRole: 'SYSADMIN' });
  redis = await startTestRedis();
  redisClient = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  // One worker per queue, as a running deployment has.
  for (const name of QUEUE_NAMES) {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    workers.push(new Worker(name, async () => undefined, { connection, prefix }));
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  if (redisClient) {
    await deletePrefix(redisClient, prefix);
    redisClient.disconnect();
  }
  await redis?.stop();
  await snowflake?.emulator.close();
  await databricks?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('d2s doctor against the sandbox', () => {
  it('passes a healthy sandbox: every check ok (exit code 0, also with --strict)', async () => {
    const report = await doctor();
    expect(failures(report)).toEqual([]);
    expect(report.checks.filter((c) => c.status === 'warn')).toEqual([]);
    expect(report.status).toBe('ok');
    expect(doctorExitCode(report, true)).toBe(0);
    expect(check(report, 'databricks.auth').message).toContain('d2s-sandbox-client');
    expect(check(report, 'databricks.job.shared_forecasts.can-manage-run').message).toContain('CAN_MANAGE');
    expect(check(report, 'databricks.job.shared_forecasts.parameters').status).toBe('ok');
    expect(check(report, 'databricks.mirror.weather.forecasts.external-use').status).toBe('ok');
    expect(check(report, 'snowflake.warehouse').message).toContain('D2S_WH');
    expect(check(report, 'snowflake.dataset.shared_forecasts.stage').message).toContain('answers LIST');
    expect(check(report, 'redis.eviction-policy').message).toContain('noeviction');
    expect(check(report, 'redis.queue.export').message).toContain('1 worker connected');
    // Push is not configured yet: the webhook check skips instead of failing.
    expect(check(report, 'databricks.job.shared_forecasts.push-notification').status).toBe('skip');
  }, 120_000);

  it('fails a Databricks principal without CAN_MANAGE_RUN, naming the grant', async () => {
    const report = await doctor({
      DATABRICKS_CLIENT_ID: undefined,
      DATABRICKS_CLIENT_SECRET: undefined,
      DATABRICKS_TOKEN: 'dapi-analyst-token',
    });
    const run = check(report, 'databricks.job.shared_forecasts.can-manage-run');
    expect(run.status).toBe('fail');
    expect(run.message).toBe(
      'analyst@example.com holds only CAN_VIEW on job 1001: run-now would be refused (needs CAN_MANAGE_RUN)',
    );
    expect(run.hint).toContain('Grant CAN_MANAGE_RUN on job 1001 to analyst@example.com');
    // The analyst may browse weather but not list its tables' schemas everywhere.
    expect(report.status).toBe('fail');
    expect(doctorExitCode(report)).toBe(1);
  }, 120_000);

  it('fails a job that does not declare a parameter the dataset passes', async () => {
    const report = await doctor(
      {},
      {
        extraDatasets: `
  extra:
    databricks: { jobId: 1001 }
    export: { s3Prefix: s3://d2s-sandbox/exports/extra }
    snowflake:
      stage: { database: D2S_SANDBOX, schema: PUBLIC, name: SHARED_FORECASTS_STAGE }
      stageUrl: s3://d2s-sandbox/exports/
      table: { database: D2S_SANDBOX, schema: PUBLIC, name: EXTRA }
      createTable: true
    parameters:
      region: { type: string }`,
      },
    );
    const parameters = check(report, 'databricks.job.extra.parameters');
    expect(parameters.status).toBe('fail');
    expect(parameters.message).toBe('job 1001 does not declare "region", which dataset extra passes');
    expect(parameters.hint).toContain('Add job parameter region to job 1001');
    expect(check(report, 'databricks.job.shared_forecasts.parameters').status).toBe('ok');
  }, 120_000);

  it('fails a Snowflake role without the privileges, with the GRANT to run', async () => {
    const report = await doctor({
      SNOWFLAKE_USER: SANDBOX.analystUser,
      SNOWFLAKE_PRIVATE_KEY_PATH: undefined,
      SNOWFLAKE_AUTHENTICATOR: 'SNOWFLAKE',
      SNOWFLAKE_PASSWORD: SANDBOX.analystPassword,
      SNOWFLAKE_ROLE: SANDBOX.analystRole,
    });
    const stage = check(report, 'snowflake.dataset.shared_forecasts.stage');
    expect(stage.status).toBe('fail');
    // SHOW STAGES lists only stages the role holds a privilege on, as in Snowflake.
    expect(stage.message).toBe(
      'stage D2S_SANDBOX.PUBLIC.SHARED_FORECASTS_STAGE does not exist, or role ANALYST holds no privilege on it',
    );
    expect(stage.hint).toContain(
      'If it exists: GRANT USAGE ON STAGE "D2S_SANDBOX"."PUBLIC"."SHARED_FORECASTS_STAGE" TO ROLE "ANALYST";',
    );
    const table = check(report, 'snowflake.dataset.shared_forecasts.table');
    expect(table.status).toBe('fail');
    expect(table.hint).toBe('GRANT CREATE TABLE ON SCHEMA "D2S_SANDBOX"."PUBLIC" TO ROLE "ANALYST";');
    expect(check(report, 'snowflake.mirror.create-integration').status).toBe('fail');
  }, 120_000);

  it('fails a session without a warehouse (000606 on every COPY)', async () => {
    const report = await doctor(
      {
        SNOWFLAKE_USER: 'D2S_NO_WH',
        SNOWFLAKE_PRIVATE_KEY_PATH: undefined,
        SNOWFLAKE_AUTHENTICATOR: 'SNOWFLAKE',
        SNOWFLAKE_PASSWORD: 'no-wh-password',
      },
      { snowflake: 'snowflake: { database: D2S_SANDBOX, schema: PUBLIC, role: SYSADMIN }' },
    );
    const warehouse = check(report, 'snowflake.warehouse');
    expect(warehouse.status).toBe('fail');
    expect(warehouse.message).toContain('000606');
    expect(warehouse.hint).toContain('Set snowflake.warehouse (SNOWFLAKE_WAREHOUSE)');
    expect(warehouse.hint).toContain('ALTER USER D2S_NO_WH SET DEFAULT_WAREHOUSE');
  }, 120_000);

  it('fails a wrong Snowflake password with the login hint', async () => {
    const report = await doctor({
      SNOWFLAKE_USER: SANDBOX.passwordUser,
      SNOWFLAKE_PRIVATE_KEY_PATH: undefined,
      SNOWFLAKE_AUTHENTICATOR: 'SNOWFLAKE',
      SNOWFLAKE_PASSWORD: 'not-the-password',
    });
    const login = check(report, 'snowflake.login');
    expect(login.status).toBe('fail');
    expect(login.message).toContain('390100');
    expect(login.hint).toContain('SNOWFLAKE_PASSWORD');
    expect(JSON.stringify(report)).not.toContain('not-the-password');
  }, 120_000);

  it('fails Redis with an evicting maxmemory-policy', async () => {
    const lru = await spawnRedisServer(['--maxmemory-policy', 'allkeys-lru']);
    try {
      const report = await doctor({ REDIS_URL: lru.url });
      const policy = check(report, 'redis.eviction-policy');
      expect(policy.status).toBe('fail');
      expect(policy.message).toContain('allkeys-lru');
      expect(policy.hint).toContain('CONFIG SET maxmemory-policy noeviction');
      // No worker listens on that Redis: a warning, not a failure.
      expect(check(report, 'redis.queue.export').status).toBe('warn');
    } finally {
      await lru.stop();
    }
  }, 120_000);

  it('never prints a secret, whatever fails', async () => {
    const key = await readFile(snowflake.privateKeyPath, 'utf8');
    const reports = [
      await doctor(),
      await doctor({ DATABRICKS_CLIENT_SECRET: 'wrong-secret-value', SNOWFLAKE_PRIVATE_KEY_PATH: undefined }),
      await doctor({ REDIS_URL: 'redis://:redis-password-value@127.0.0.1:1' }),
    ];
    const text = JSON.stringify(reports);
    for (const secret of ['d2s-sandbox-secret', 'wrong-secret-value', 'redis-password-value', key.trim()]) {
      expect(text).not.toContain(secret);
    }
    expect(check(reports[1] as DoctorReport, 'databricks.auth').status).toBe('fail');
    expect(check(reports[2] as DoctorReport, 'redis.reachable').status).toBe('fail');
  }, 120_000);

  // Last: it attaches a destination to job 1001 in the shared emulator.
  it('with push configured: finds d2s setup webhook’s destination and checks each job notifies it', async () => {
    const push = {
      D2S_DATABRICKS_WEBHOOK_USERNAME: 'databricks-hook',
      D2S_DATABRICKS_WEBHOOK_PASSWORD: 'hook-pw-value',
    };
    const before = await doctor(push);
    expect(check(before, 'databricks.push-destination')).toMatchObject({ status: 'warn' });
    expect(check(before, 'databricks.push-destination').hint).toContain('d2s setup webhook');

    const client = createDatabricksClient(
      loadConfig({
        env: {
          DATABRICKS_HOST: databricks.url,
          DATABRICKS_CLIENT_ID: 'd2s-sandbox-client',
          DATABRICKS_CLIENT_SECRET: 'd2s-sandbox-secret',
        },
        cwd: root,
      }).databricks,
    );
    try {
      await setUpWebhook({
        api: client.notifications,
        url: 'https://d2s.example.com/v1/hooks/databricks',
        credentials: { username: 'databricks-hook', password: new Secret('hook-pw-value') },
        jobIds: [1001],
      });
    } finally {
      await client.close();
    }
    const after = await doctor(push);
    expect(check(after, 'databricks.push-destination').status).toBe('ok');
    expect(check(after, 'databricks.job.shared_forecasts.push-notification').status).toBe('ok');
    expect(JSON.stringify(after)).not.toContain('hook-pw-value');
  }, 120_000);
});
