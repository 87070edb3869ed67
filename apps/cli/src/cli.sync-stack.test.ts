import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { API_TOKEN, LOAD_DATASETS, type SyncStack, startSyncStack } from '../../../test/support/sync-stack.js';
import { runD2s } from '@d2s/testkit/run-cli';

/** `d2s sync --wait` over the whole stack: API, export and import workers, both emulators. */
describe('d2s sync --wait against the full stack', () => {
  let stack: SyncStack;
  const env = () => ({ D2S_API_URL: stack.api, D2S_API_TOKEN: API_TOKEN });

  beforeAll(async () => {
    stack = await startSyncStack({ redisUrl: inject('redisUrl'), datasetsYaml: LOAD_DATASETS, snowflake: true });
  }, 60_000);
  afterAll(() => stack?.close());

  it('follows a sync to success: progress on stderr, summary with files, rows and run link; exit 0', async () => {
    const result = await runD2s(['sync', 'forecasts_append', '--param', 'forecast_date=2024-06-03', '--wait'], {
      env: env(),
    });
    expect(result.code, result.stderr).toBe(0);
    const [head, ...rest] = result.stdout.trimEnd().split('\n');
    expect(head).toMatch(/^Sync sync_\w+ succeeded in \d/);
    expect(rest).toEqual([
      '  dataset      forecasts_append',
      '  parameters   forecast_date=2024-06-03',
      '  files        4 files, 4 loaded',
      '  rows loaded  10,000',
      expect.stringMatching(/^ {2}target rows {2}[\d,]+$/),
      expect.stringMatching(/^ {2}Databricks {3}run \d+ \(TERMINATED\/SUCCESS\) https?:\/\/\S+$/),
    ]);
    const stages = result.stderr
      .split('\n')
      .filter((l) => l.startsWith('['))
      .map((l) => l.replace(/^\[[ \d:]+\] /, '').replace(/ \(.*\)$/, ''));
    expect(stages[0]).toBe('queued');
    expect(stages).toContain('exporting');
    expect(stages.at(-1)).toBe('succeeded');
  }, 90_000);

  it('exits 1 with the error code and message when the sync fails', async () => {
    const result = await runD2s(['sync', 'forecasts_nowhere', '--wait'], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^Sync sync_\w+ failed in /);
    expect(result.stdout).toMatch(/\n {2}error {8}[A-Z_]+: .+/);
    expect(result.stderr).toMatch(/d2s: sync sync_\w+ failed: [A-Z_]+: /);
  }, 90_000);
});
