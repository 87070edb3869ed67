import type { ApiClient } from '../api-client.js';
import type { SyncState } from '../api-types.js';
import { type OptionSpec, parseParamPairs, typeParameters } from '../args.js';
import { EXIT, UsageError } from '../errors.js';
import { renderSyncDetail, renderSyncTable } from '../render/sync.js';
import type { Command } from './command.js';
import { waitAndReport } from './follow-sync.js';

const SYNC_STATES: readonly SyncState[] = [
  'queued',
  'exporting',
  'importing',
  'verifying',
  'succeeded',
  'failed',
  'canceled',
];

const WAIT: OptionSpec = {
  name: 'wait',
  type: 'boolean',
  short: 'w',
  description: 'Follow the sync to its end (live progress on stderr, then a summary); exit 1 if it fails',
};
const PARAM: OptionSpec = {
  name: 'param',
  type: 'string',
  multiple: true,
  short: 'p',
  value: 'name=value',
  description: 'A dataset parameter (repeatable); typed as the dataset declares it',
};

/**
 * `--param` values as the API wants them: numbers and booleans where the
 * dataset declares them (read from GET /v1/datasets, only when there are
 * parameters to type), strings otherwise.
 */
export async function typedParameters(
  api: ApiClient,
  dataset: string,
  pairs: ReadonlyArray<[string, string]>,
): Promise<Record<string, string | number | boolean> | undefined> {
  if (pairs.length === 0) return undefined;
  const declared = (await api.listDatasets()).find((d) => d.name === dataset);
  return typeParameters(pairs, declared?.parameters);
}

export const syncCommand: Command = {
  path: ['sync'],
  usage: 'd2s sync <dataset> [--param name=value ...] [--idempotency-key <key>] [--wait]',
  summary: 'Request a sync of a dataset (Databricks export, then COPY INTO Snowflake)',
  description: [
    'Prints the sync id (the new one, or the running/earlier one the API returned instead).',
    'With --wait, follows it to the end and exits 0 when it succeeded, 1 when it failed or was canceled.',
    '',
    'Examples:',
    '  d2s sync shared_forecasts --param forecast_date=2026-11-23 --wait',
    '  d2s sync shared_forecasts --idempotency-key nightly-2026-11-23',
  ].join('\n'),
  options: [
    PARAM,
    {
      name: 'idempotency-key',
      type: 'string',
      value: 'key',
      description: 'The same key returns the same sync instead of starting another',
    },
    WAIT,
  ],
  positionals: { min: 1, max: 1, names: 'the dataset name' },
  async run(args, ctx) {
    const dataset = args.positionals[0] as string;
    const pairs = parseParamPairs(args.strings('param'), 'd2s sync --help');
    const parameters = await typedParameters(ctx.api, dataset, pairs);
    const key = args.string('idempotency-key');
    const { sync, created } = await ctx.api.createSync({
      dataset,
      ...(parameters ? { parameters } : {}),
      ...(key ? { idempotencyKey: key } : {}),
    });
    const json = args.boolean('json');
    if (!args.boolean('wait')) {
      if (json) ctx.out.json(sync);
      else {
        const why = created ? '' : ` (${sync.deduplicated ? `existing sync: ${sync.deduplicated}` : 'existing sync'})`;
        ctx.out.print(sync.id);
        ctx.out.note(`Sync ${sync.id} ${sync.status}${why}. Follow it: d2s syncs get ${sync.id}`);
      }
      return EXIT.ok;
    }
    if (!json)
      ctx.out.note(
        `Sync ${sync.id} ${created ? 'requested' : 'already exists'}; following it (Ctrl-C stops watching, not the sync).`,
      );
    return waitAndReport(sync, ctx, json);
  },
};

const ls: Command = {
  path: ['syncs', 'ls'],
  usage: 'd2s syncs ls [--dataset <name>] [--status <state>] [--limit <n>] [--cursor <c>]',
  summary: 'List syncs, newest first',
  description: `States: ${SYNC_STATES.join(', ')}. When there are more, the next page's --cursor is printed on stderr.`,
  options: [
    { name: 'dataset', type: 'string', value: 'name', description: "Only this dataset's syncs" },
    { name: 'status', type: 'string', value: 'state', description: 'Only syncs in this state' },
    { name: 'limit', type: 'string', value: 'n', description: 'At most n syncs, 1-200 (default 50)' },
    { name: 'cursor', type: 'string', value: 'c', description: 'The next page, from an earlier listing' },
  ],
  positionals: { min: 0, max: 0, names: '' },
  async run(args, ctx) {
    const help = 'd2s syncs ls --help';
    const status = args.string('status');
    if (status !== undefined && !SYNC_STATES.includes(status as SyncState)) {
      throw new UsageError(`--status must be one of ${SYNC_STATES.join(', ')}`, help);
    }
    const limitText = args.string('limit');
    let limit: number | undefined;
    if (limitText !== undefined) {
      limit = Number(limitText);
      if (!/^\d+$/.test(limitText) || limit < 1 || limit > 200) {
        throw new UsageError('--limit must be a whole number from 1 to 200', help);
      }
    }
    const dataset = args.string('dataset');
    const cursor = args.string('cursor');
    const page = await ctx.api.listSyncs({
      ...(dataset ? { dataset } : {}),
      ...(status ? { status } : {}),
      ...(limit ? { limit } : {}),
      ...(cursor ? { cursor } : {}),
    });
    if (args.boolean('json')) {
      ctx.out.json(page);
      return EXIT.ok;
    }
    if (page.items.length === 0) ctx.out.note('No syncs.');
    else ctx.out.print(renderSyncTable(page.items, ctx.now()));
    if (page.nextCursor) ctx.out.note(`More: d2s syncs ls --cursor ${page.nextCursor}`);
    return EXIT.ok;
  },
};

const get: Command = {
  path: ['syncs', 'get'],
  usage: 'd2s syncs get <id>',
  summary: 'Show a sync: status, Databricks run, per-file results, timings, error',
  options: [],
  positionals: { min: 1, max: 1, names: 'the sync id' },
  async run(args, ctx) {
    const sync = await ctx.api.getSync(args.positionals[0] as string);
    if (args.boolean('json')) ctx.out.json(sync);
    else ctx.out.print(renderSyncDetail(sync, { now: ctx.now(), paint: (t, c) => ctx.out.paint(t, c) }));
    return EXIT.ok;
  },
};

const cancel: Command = {
  path: ['syncs', 'cancel'],
  usage: 'd2s syncs cancel <id>',
  summary: 'Cancel a sync (its Databricks run, or its COPY)',
  description: 'Exits 3 with SYNC_ALREADY_FINISHED when the sync has ended.',
  options: [],
  positionals: { min: 1, max: 1, names: 'the sync id' },
  async run(args, ctx) {
    const sync = await ctx.api.cancelSync(args.positionals[0] as string);
    if (args.boolean('json')) ctx.out.json(sync);
    else ctx.out.print(`Cancel requested for sync ${sync.id} (status: ${sync.status}).`);
    return EXIT.ok;
  },
};

const retry: Command = {
  path: ['syncs', 'retry'],
  usage: 'd2s syncs retry <id> [--idempotency-key <key>] [--wait]',
  summary: 'Retry a failed or canceled sync, as a new sync',
  description: 'Retrying the same sync again returns its first retry; a key makes a re-run of this command safe too.',
  options: [
    {
      name: 'idempotency-key',
      type: 'string',
      value: 'key',
      description: 'The same key returns the same retry instead of starting another',
    },
    WAIT,
  ],
  positionals: { min: 1, max: 1, names: 'the sync id' },
  async run(args, ctx) {
    const id = args.positionals[0] as string;
    const key = args.string('idempotency-key');
    const { sync, created } = await ctx.api.retrySync(id, key);
    const json = args.boolean('json');
    if (!args.boolean('wait')) {
      if (json) ctx.out.json(sync);
      else {
        ctx.out.print(sync.id);
        ctx.out.note(`${created ? 'Retry' : 'Existing retry'} of ${id}: sync ${sync.id} ${sync.status}.`);
      }
      return EXIT.ok;
    }
    if (!json) ctx.out.note(`Retry of ${id}: sync ${sync.id}; following it.`);
    return waitAndReport(sync, ctx, json);
  },
};

export const syncsCommands: readonly Command[] = [ls, get, cancel, retry];
