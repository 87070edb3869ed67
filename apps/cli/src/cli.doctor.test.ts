import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type RunningDatabricksEmulator, sandboxFixturePath, startDatabricksEmulator } from '@d2s/databricks-emulator';
import type { DoctorReport } from '@d2s/shared';
import { SANDBOX, type SnowflakeSandbox, startSnowflakeSandbox } from '@d2s/snowflake-emulator';
import { uniquePrefix } from '@d2s/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiHarness, startApi, TEST_DATASETS_YAML } from '@d2s/testkit/api-harness';
import { runLocalDoctor } from './local-doctor.js';
import { noNetwork, runD2s } from '@d2s/testkit/run-cli';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../../..');

function reportOf(checks: DoctorReport['checks']): DoctorReport {
  const summary = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of checks) summary[c.status] += 1;
  return { status: summary.fail ? 'fail' : summary.warn ? 'warn' : 'ok', summary, checks };
}

describe('d2s doctor: output and exit codes', () => {
  const warned = reportOf([
    { id: 'redis.reachable', status: 'ok', message: 'Redis at redis://127.0.0.1:6379 answers' },
    { id: 'redis.queue.export', status: 'warn', message: 'queue export: 0 waiting', hint: 'Start the export worker' },
    { id: 'databricks.job.x.push-notification', status: 'skip', message: 'push notifications are not configured' },
  ]);
  const failed = reportOf([
    ...warned.checks,
    {
      id: 'databricks.job.x.can-manage-run',
      status: 'fail',
      message: 'analyst@example.com holds only CAN_VIEW on job 1001',
      hint: 'Grant CAN_MANAGE_RUN on job 1001 to analyst@example.com.',
    },
  ]);

  it('prints one line per check, the fix under each problem, and the counts; exits 1 on a failure', async () => {
    const result = await runD2s(['doctor'], { localDoctor: async () => failed, fetch: noNetwork });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      [
        'ok    redis.reachable                     Redis at redis://127.0.0.1:6379 answers',
        'WARN  redis.queue.export                  queue export: 0 waiting',
        '                                          fix: Start the export worker',
        'skip  databricks.job.x.push-notification  push notifications are not configured',
        'FAIL  databricks.job.x.can-manage-run     analyst@example.com holds only CAN_VIEW on job 1001',
        '                                          fix: Grant CAN_MANAGE_RUN on job 1001 to analyst@example.com.',
        '',
        'Problems found: 1 ok, 1 warning, 1 failed, 1 skipped.',
        '',
      ].join('\n'),
    );
  });

  it('exits 0 with warnings, 1 with --strict; --json prints the report', async () => {
    expect((await runD2s(['doctor'], { localDoctor: async () => warned })).code).toBe(0);
    expect((await runD2s(['doctor', '--strict'], { localDoctor: async () => warned })).code).toBe(1);
    const json = await runD2s(['doctor', '--json'], { localDoctor: async () => failed });
    expect(JSON.parse(json.stdout)).toEqual(failed);
    expect(json.code).toBe(1);
  });

  it('passes --config to the local checks', async () => {
    const seen: Array<{ configPath?: string }> = [];
    const localDoctor = async (options: { configPath?: string }) => {
      seen.push(options);
      return warned;
    };
    await runD2s(['doctor', '--config', '/etc/d2s/prod.yaml'], { localDoctor });
    expect(seen).toEqual([{ configPath: '/etc/d2s/prod.yaml' }]);
  });

  it('reports a configuration that does not load as a failing check', async () => {
    const report = await runLocalDoctor({ env: {}, cwd: root }, { configPath: '/nonexistent/d2s.yaml' });
    expect(report.status).toBe('fail');
    expect(report.checks).toEqual([
      expect.objectContaining({
        id: 'config',
        status: 'fail',
        message: expect.stringContaining('Cannot read config file /nonexistent/d2s.yaml'),
      }),
    ]);
  });
});

describe('d2s doctor --remote asks the running API', () => {
  let api: ApiHarness;
  const OPS = 'ops-token-0123456789';

  beforeAll(async () => {
    api = await startApi(inject('redisUrl'), TEST_DATASETS_YAML, {
      tokens: `ops:admin+read:${OPS},reader:read:reader-token-0123`,
    });
  });
  afterAll(() => api?.close());

  it("prints the API's report (its config has no Databricks or Snowflake settings) and exits 1", async () => {
    const result = await runD2s(['doctor', '--remote', '--api', api.url, '--token', OPS]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^ok {4}redis\.reachable/m);
    expect(result.stdout).toMatch(/^FAIL {2}databricks\.config {2,}Databricks host is not configured/m);
  });

  it('needs an admin token: a read token is refused (exit 3)', async () => {
    const result = await runD2s(['doctor', '--api', api.url, '--token', 'reader-token-0123']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('INSUFFICIENT_SCOPE');
  });
});

describe('d2s doctor from the built command, against the emulators', () => {
  let dir: string;
  let databricks: RunningDatabricksEmulator;
  let snowflake: SnowflakeSandbox;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'd2s-cli-doctor-'));
    databricks = await startDatabricksEmulator({ port: 0, fixture: sandboxFixturePath, objectStoreRoot: dir });
    snowflake = await startSnowflakeSandbox({ port: 0, objectStoreRoot: dir, dataDir: join(dir, 'sandbox') });
  }, 120_000);

  afterAll(async () => {
    await snowflake?.emulator.close();
    await databricks?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('checks the sandbox and exits 0 (workers missing are warnings), 1 with --strict; no secret printed', async () => {
    const config = join(dir, 'd2s.yaml');
    await writeFile(
      config,
      `snowflake: { database: D2S_SANDBOX, schema: PUBLIC, warehouse: D2S_WH, role: SYSADMIN }
datasets:
  shared_forecasts:
    databricks: { jobId: 1001 }
    export: { s3Prefix: s3://d2s-sandbox/exports/shared_forecasts }
    snowflake:
      stage: { database: D2S_SANDBOX, schema: PUBLIC, name: SHARED_FORECASTS_STAGE }
      stageUrl: s3://d2s-sandbox/exports/
      table: { database: D2S_SANDBOX, schema: PUBLIC, name: CLI_DOCTOR }
      createTable: true
`,
    );
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      REDIS_URL: inject('redisUrl'),
      D2S_QUEUE_PREFIX: uniquePrefix('cli-doctor'),
      DATABRICKS_HOST: databricks.url,
      DATABRICKS_CLIENT_ID: 'd2s-sandbox-client',
      DATABRICKS_CLIENT_SECRET: 'd2s-sandbox-secret',
      SNOWFLAKE_ACCESS_URL: snowflake.emulator.url,
      SNOWFLAKE_ACCOUNT: SANDBOX.account,
      SNOWFLAKE_USER: SANDBOX.keyPairUser,
      SNOWFLAKE_PRIVATE_KEY_PATH: snowflake.privateKeyPath,
    };
    const bin = join(root, 'apps/cli/dist/main.js');
    const healthy = await run(process.execPath, [bin, 'doctor', '--config', config], { env, timeout: 60_000 });
    expect(healthy.stdout).toMatch(/^ok {4}databricks\.job\.shared_forecasts\.can-manage-run/m);
    expect(healthy.stdout).toMatch(/^ok {4}snowflake\.warehouse +warehouse D2S_WH in use/m);
    expect(healthy.stdout).toMatch(/^WARN {2}redis\.queue\.export/m);
    expect(healthy.stdout).not.toContain('d2s-sandbox-secret');
    const strict = await run(process.execPath, [bin, 'doctor', '--config', config, '--strict', '--json'], {
      env,
      timeout: 60_000,
    }).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(strict.code).toBe(1);
    const report = JSON.parse(strict.stdout) as DoctorReport;
    expect(report.summary.fail).toBe(0);
    expect(report.status).toBe('warn');
  }, 150_000);
});
