import { startWorker } from '@d2s/shared';
import type { Worker } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBackfillProcessor } from '../../export-worker/src/index.js';
import { API_TOKEN, type SyncStack, startSyncStack } from '../../../test/support/sync-stack.js';
import { runD2s } from '@d2s/testkit/run-cli';

const DATASET = `
datasets:
  forecasts_cli_backfill:
    databricks: { jobId: 1001, outputParameter: output_path }
    export: { s3Prefix: s3://d2s-sandbox/exports/forecasts_cli_backfill, maxRunDurationSeconds: 600 }
    snowflake:
      stage: { database: D2S_SANDBOX, schema: PUBLIC, name: SHARED_FORECASTS_STAGE }
      stageUrl: s3://d2s-sandbox/exports/
      createStage: true
      table: { database: D2S_SANDBOX, schema: PUBLIC, name: FORECASTS_CLI_BACKFILL }
      createTable: true
    parameters:
      forecast_date: { type: date, default: "2024-06-01" }
      region: { type: string, default: eu }
    singleActive: false
`;

/** `d2s backfill --wait` over the whole stack: progress on stderr, a table per date, a repeat adds nothing. */
describe('d2s backfill against the full stack', () => {
  let stack: SyncStack;
  let worker: Worker;
  const env = () => ({ D2S_API_URL: stack.api, D2S_API_TOKEN: API_TOKEN });

  beforeAll(async () => {
    stack = await startSyncStack({ redisUrl: inject('redisUrl'), datasetsYaml: DATASET, snowflake: true });
    const logger = pino({ level: 'silent' });
    worker = startWorker(
      'backfill',
      createBackfillProcessor({ backfills: stack.backfills, config: stack.config, logger }),
      {
        config: stack.config,
        logger,
        concurrency: 1,
      },
    );
  }, 60_000);
  afterAll(async () => {
    await worker?.close();
    await stack?.close();
  });

  const argv = [
    'backfill',
    'forecasts_cli_backfill',
    '--param',
    'forecast_date',
    '--from',
    '2024-08-01',
    '--to',
    '2024-08-04',
    '--max-concurrent',
    '2',
    '--set',
    'region=us',
  ];

  it('follows a backfill to its end with progress, then a repeat starts nothing', async () => {
    const result = await runD2s([...argv, '--wait'], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^Backfill backfill_[0-9a-f]{26} started: 4 dates\./);
    const progress = result.stderr.split('\n').filter((l) => l.startsWith('['));
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toMatch(/succeeded: 4\/4 ended \(4 succeeded\), 0 running, 0 pending$/);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^Backfill backfill_\w+ succeeded: forecasts_cli_backfill forecast_date 2024-08-01 → 2024-08-04 every 1d, at most 2 at once$/,
    );
    expect(lines.slice(4).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      '2024-08-01 succeeded',
      '2024-08-02 succeeded',
      '2024-08-03 succeeded',
      '2024-08-04 succeeded',
    ]);

    const again = await runD2s([...argv, '--json'], { env: env() });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('was requested before (succeeded); nothing new started');
    const body = JSON.parse(again.stdout) as { id: string; deduplicated: string; counts: Record<string, number> };
    expect(body).toMatchObject({ deduplicated: 'same-request', counts: { succeeded: 4 } });

    const got = await runD2s(['backfills', 'get', body.id], { env: env() });
    expect(got.code).toBe(0);
    expect(got.stdout).toContain('4/4 ended (4 succeeded)');
  }, 120_000);

  it('refuses a missing flag before sending anything, and reports the API refusing a range', async () => {
    const usage = await runD2s(['backfill', 'forecasts_cli_backfill', '--from', '2024-08-01'], { env: env() });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--param, --from and --to are required');
    const refused = await runD2s(
      ['backfill', 'forecasts_cli_backfill', '--param', 'forecast_date', '--from', '2024-08-05', '--to', '2024-08-01'],
      { env: env() },
    );
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('INVALID_BACKFILL');
  });
});
