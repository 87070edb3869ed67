import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiHarness, startApi, TEST_TOKEN } from '@d2s/testkit/api-harness';
import { type CliResult, noNetwork, runD2s } from '@d2s/testkit/run-cli';

/** The CLI's main function against the real API (Fastify + Redis) on a loopback port. */
describe('d2s against the real API', () => {
  let api: ApiHarness;
  const outputs: CliResult[] = [];

  const d2s = async (...argv: string[]) => {
    const result = await runD2s(argv, { env: { D2S_API_URL: api.url, D2S_API_TOKEN: TEST_TOKEN } });
    outputs.push(result);
    return result;
  };

  beforeAll(async () => {
    api = await startApi(inject('redisUrl'));
  });
  afterAll(async () => {
    await api?.close();
  });

  it('datasets ls: a table of datasets with their parameters; --json is the API answer', async () => {
    const result = await d2s('datasets', 'ls');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+LOAD\s+TARGET\s+PARAMETERS\s+DESCRIPTION$/);
    expect(lines[1]).toMatch(
      /^forecasts\s+append\s+D2S\.PUBLIC\.FORECASTS\s+region:string=us \(us\|eu\), days:integer\s+Daily forecasts$/,
    );
    expect(lines[2]).toMatch(/^parallel_ok\s+append\s+D2S\.PUBLIC\.P$/);

    const json = await d2s('datasets', 'ls', '--json');
    expect(JSON.parse(json.stdout).items.map((d: { name: string }) => d.name)).toEqual(['forecasts', 'parallel_ok']);
  });

  it('sync (202): prints the id on stdout, types --param values as the dataset declares them', async () => {
    const result = await d2s('sync', 'forecasts', '--param', 'days=7', '-p', 'region=eu');
    expect(result.code).toBe(0);
    const id = result.stdout.trim();
    expect(id).toMatch(/^sync_[0-9A-Z]+$/);
    expect(result.stderr).toContain(`Sync ${id} queued. Follow it: d2s syncs get ${id}`);
    const sync = await api.syncs.get(id);
    expect(sync?.parameters).toEqual({ days: 7, region: 'eu' });

    // The dataset is single-active: the same request again joins the running sync (200) and says so …
    const again = await d2s('sync', 'forecasts', '--param', 'days=7', '-p', 'region=eu', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ id, status: 'queued', deduplicated: 'already-active' });
    // … and another request is refused: exit 3 with the API's code, naming the running sync.
    const other = await d2s('sync', 'forecasts');
    expect(other.code).toBe(3);
    expect(other.stderr).toContain('DATASET_BUSY');
    expect(other.stderr).toContain(id);
  });

  it('sync --idempotency-key returns the same sync for the same key', async () => {
    const first = await d2s('sync', 'parallel_ok', '--idempotency-key', 'cli-test-key-1');
    const second = await d2s('sync', 'parallel_ok', '--idempotency-key', 'cli-test-key-1');
    expect(first.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toContain('existing sync');
  });

  it('syncs ls: a table with id, dataset, status, created, duration, rows; filters; --json; paging', async () => {
    const created = (await d2s('sync', 'parallel_ok')).stdout.trim();
    const list = await d2s('syncs', 'ls', '--dataset', 'parallel_ok');
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+DATASET\s+STATUS\s+CREATED \(UTC\)\s+DURATION\s+ROWS$/);
    expect(lines[1]).toMatch(
      new RegExp(`^${created}\\s+parallel_ok\\s+queued\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\s+\\d+(ms|s)$`),
    );
    expect(lines.slice(1).every((l) => l.includes('parallel_ok'))).toBe(true);

    const json = JSON.parse((await d2s('syncs', 'ls', '--status', 'queued', '--json')).stdout);
    expect(json.items.length).toBeGreaterThanOrEqual(3);
    expect(json.items.every((s: { status: string }) => s.status === 'queued')).toBe(true);

    const page = await d2s('syncs', 'ls', '--limit', '1');
    expect(page.stdout.trimEnd().split('\n')).toHaveLength(2);
    const cursor = /--cursor (\S+)/.exec(page.stderr)?.[1];
    expect(cursor).toBeDefined();
    const next = await d2s('syncs', 'ls', '--limit', '1', '--cursor', cursor as string);
    expect(next.code).toBe(0);
    expect(next.stdout.split('\n')[1]).not.toBe(page.stdout.split('\n')[1]);
  });

  it('syncs get: the status in words, or as JSON', async () => {
    const id = (await d2s('sync', 'parallel_ok', '-p', 'x=1')).stdout.trim();
    // parallel_ok declares no parameters: the API refuses x, and the CLI says which.
    expect(id).toBe('');
    const made = (await d2s('sync', 'parallel_ok')).stdout.trim();
    const detail = await d2s('syncs', 'get', made);
    expect(detail.code).toBe(0);
    expect(detail.stdout).toContain(`Sync ${made}\n  status    queued\n  dataset   parallel_ok\n  origin    api\n`);
    const json = JSON.parse((await d2s('syncs', 'get', made, '--json')).stdout);
    expect(json).toMatchObject({ id: made, status: 'queued', links: { self: `/v1/syncs/${made}` } });
  });

  it('syncs cancel: asks the API to cancel; a sync that ended cannot be', async () => {
    const id = (await d2s('sync', 'parallel_ok')).stdout.trim();
    const result = await d2s('syncs', 'cancel', id);
    expect(result).toMatchObject({ code: 0, stdout: `Cancel requested for sync ${id} (status: queued).\n` });
    expect((await d2s('syncs', 'get', id)).stdout).toContain('queued (cancel requested)');
  });

  it('syncs retry of a sync that did not fail: exit 3 with the API code', async () => {
    const id = (await d2s('sync', 'parallel_ok')).stdout.trim();
    const result = await d2s('syncs', 'retry', id);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('d2s: error: SYNC_NOT_RETRYABLE: Only a failed or canceled sync can be retried');
    expect(result.stdout).toBe('');
  });

  it('4xx: exit 3 with the code and message (and the bad fields)', async () => {
    const unknown = await d2s('sync', 'no_such_dataset');
    expect(unknown).toMatchObject({ code: 3, stdout: '' });
    expect(unknown.stderr).toBe('d2s: error: UNKNOWN_DATASET: Unknown dataset "no_such_dataset" (HTTP 400)\n');

    const badParam = await d2s('sync', 'forecasts', '--param', 'days=soon', '--param', 'region=mars');
    expect(badParam.code).toBe(3);
    expect(badParam.stderr).toContain('d2s: error: INVALID_PARAMETERS');
    expect(badParam.stderr).toMatch(/ {2}- days: expected an integer/);
    expect(badParam.stderr).toContain('  - region: must be one of "us", "eu"\n');

    const missing = await d2s('syncs', 'get', 'sync_00000000000000000000000000');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^d2s: error: SYNC_NOT_FOUND: No sync with id "sync_0+" \(HTTP 404\)\n$/);

    const badToken = await runD2s(['datasets', 'ls'], { env: { D2S_API_URL: api.url, D2S_API_TOKEN: 'wrong-token' } });
    expect(badToken.code).toBe(3);
    expect(badToken.stderr).toContain('d2s: error: INVALID_TOKEN: The bearer token is not valid. (HTTP 401)');
    expect(badToken.stderr + badToken.stdout).not.toContain('wrong-token');
  });

  it('unreachable API: exit 4', async () => {
    const port = await closedPort();
    const result = await runD2s(['syncs', 'ls', '--api', `http://127.0.0.1:${port}`, '--token', TEST_TOKEN]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`d2s: Cannot reach the API at http://127.0.0.1:${port}: connect ECONNREFUSED`);
    expect(result.stderr).toContain('Point --api or D2S_API_URL at it.');
    expect(result.stderr).not.toContain(TEST_TOKEN);
  });

  it('missing token: exit 4 before anything is sent', async () => {
    const result = await runD2s(['datasets', 'ls'], { env: { D2S_API_URL: api.url }, fetch: noNetwork });
    expect(result).toMatchObject({
      code: 4,
      stdout: '',
      stderr: 'd2s: No API token: pass --token <token> or set D2S_API_TOKEN.\n',
    });
    // An empty variable is no token either.
    expect((await runD2s(['datasets', 'ls'], { env: { D2S_API_TOKEN: '' }, fetch: noNetwork })).code).toBe(4);
  });

  it('usage errors: exit 2, nothing sent', async () => {
    const env = { D2S_API_URL: api.url, D2S_API_TOKEN: TEST_TOKEN };
    const cases: Array<[string[], RegExp]> = [
      [['sync'], /^d2s: Missing the dataset name\nRun 'd2s sync --help' for usage\.\n$/],
      [['sync', 'forecasts', '--param', 'days'], /--param takes name=value, got "days"/],
      [['syncs', 'ls', '--status', 'bogus'], /--status must be one of queued, exporting/],
      [['syncs', 'ls', '--limit', '500'], /--limit must be a whole number from 1 to 200/],
      [['syncs', 'get'], /Missing the sync id/],
      [['syncs', 'frobnicate'], /Unknown command "syncs frobnicate"\nRun 'd2s syncs --help'/],
      [['frobnicate'], /Unknown command "frobnicate"/],
      [['datasets', 'ls', '--wait'], /Unknown option --wait/],
      [['schedules', 'set', 'x', '--every', '15m'], /exactly one of --sync <dataset> or --mirror/],
      [['schedules', 'set', 'x', '--mirror'], /exactly one of --cron "<expr>" or --every <duration>/],
      [['schedules', 'set', 'x', '--mirror', '--cron', '* * * * *', '--every', '1m'], /exactly one of --cron/],
      [['schedules', 'set', 'x', '--mirror', '--every', 'fortnightly'], /--every takes a duration like 30s/],
      [['schedules', 'set', 'x', '--mirror', '--every', '500ms'], /at least 1s/],
      [['schedules', 'set', 'x', '--mirror', '--every', '1h', '--param', 'a=1'], /--param goes with --sync/],
      [['mirror', 'plan', '--refresh', '--no-refresh'], /--refresh or --no-refresh, not both/],
      [['datasets', 'ls', '--api', 'not a url'], /--api must be a URL/],
      [['datasets', 'ls', '--api', 'ftp://x'], /--api must be an http\(s\) URL/],
      [['--bogus'], /Unknown option --bogus/],
    ];
    for (const [argv, message] of cases) {
      const result = await runD2s(argv, { env, fetch: noNetwork });
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stdout, argv.join(' ')).toBe('');
      expect(result.stderr, argv.join(' ')).toMatch(message);
    }
  });

  it('schedules set / ls / rm', async () => {
    const nightly = await d2s(
      'schedules',
      'set',
      'nightly',
      '--sync',
      'forecasts',
      '--param',
      'days=3',
      '--cron',
      '0 3 * * *',
      '--tz',
      'Europe/Paris',
    );
    expect(nightly.code).toBe(0);
    expect(nightly.stdout).toMatch(
      /^Schedule nightly saved: sync forecasts \(days=3\), cron 0 3 \* \* \* Europe\/Paris; next \d{4}-\d\d-\d\d \d\d:00:00Z\.\n$/,
    );
    const mirror = await d2s('schedules', 'set', 'mirror-often', '--mirror', '--every', '15m');
    expect(mirror.stdout).toMatch(/^Schedule mirror-often saved: mirror, every 15m/);

    const list = await d2s('schedules', 'ls');
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STARTS\s+WHEN\s+NEXT \(UTC\)\s+FIRED$/);
    expect(lines[1]).toMatch(/^mirror-often\s+mirror\s+every 15m\s+\d{4}-/);
    expect(lines[2]).toMatch(/^nightly\s+sync forecasts \(days=3\)\s+cron 0 3 \* \* \* Europe\/Paris\s+\d{4}-/);

    const json = JSON.parse((await d2s('schedules', 'ls', '--json')).stdout);
    expect(json.items.find((s: { id: string }) => s.id === 'nightly')).toMatchObject({
      kind: 'sync',
      dataset: 'forecasts',
      parameters: { days: 3 },
      cron: '0 3 * * *',
      tz: 'Europe/Paris',
    });

    // The API validates what the CLI cannot: a bad time zone is a 4xx.
    const badTz = await d2s('schedules', 'set', 'x', '--mirror', '--cron', '0 3 * * *', '--tz', 'Mars/Olympus');
    expect(badTz.code).toBe(3);
    expect(badTz.stderr).toContain('INVALID_REQUEST');

    expect(await d2s('schedules', 'rm', 'nightly')).toMatchObject({ code: 0, stdout: 'Schedule nightly removed.\n' });
    expect(await d2s('schedules', 'rm', 'mirror-often')).toMatchObject({ code: 0 });
    const again = await d2s('schedules', 'rm', 'nightly');
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('SCHEDULE_NOT_FOUND');
    expect((await d2s('schedules', 'ls')).stderr).toBe('No schedules.\n');
  });

  it('never prints the token', () => {
    expect(outputs.length).toBeGreaterThan(20);
    for (const { stdout, stderr } of outputs) expect(stdout + stderr).not.toContain(TEST_TOKEN);
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
