import { parseParamPairs } from '../args.js';
import { EXIT, type ExitCode, UsageError } from '../errors.js';
import { formatClock } from '../render/format.js';
import { renderTable } from '../render/table.js';
import type { Command, CommandContext } from './command.js';
import { typedParameters } from './syncs.js';

/** A backfill as GET /v1/backfills/:id answers it. */
export interface Backfill {
  id: string;
  dataset: string;
  parameter: string;
  from: string;
  to: string;
  step: string;
  maxConcurrent: number;
  status: 'running' | 'canceling' | 'succeeded' | 'failed' | 'canceled';
  counts: Record<string, number>;
  items: { value: string; status: string; syncId?: string }[];
  deduplicated?: string;
}

const HELP = 'd2s backfill --help';
const ENDED = new Set(['succeeded', 'failed', 'canceled']);
const RUNNING = ['queued', 'exporting', 'importing', 'verifying'];

const path = (id: string) => `/v1/backfills/${encodeURIComponent(id)}`;

/** `4/10 ended (3 succeeded, 1 failed), 3 running, 3 pending`: one progress line. */
export function backfillProgress(backfill: Backfill): string {
  const count = (status: string) => backfill.counts[status] ?? 0;
  const ended = count('succeeded') + count('failed') + count('canceled');
  const endedParts = ['succeeded', 'failed', 'canceled'].filter((s) => count(s) > 0).map((s) => `${count(s)} ${s}`);
  const running = RUNNING.reduce((sum, s) => sum + count(s), 0);
  return (
    `${ended}/${backfill.items.length} ended${endedParts.length ? ` (${endedParts.join(', ')})` : ''}, ` +
    `${running} running, ${count('pending')} pending`
  );
}

function renderBackfill(backfill: Backfill): string {
  const head =
    `Backfill ${backfill.id} ${backfill.status}: ${backfill.dataset} ${backfill.parameter} ` +
    `${backfill.from} → ${backfill.to} every ${backfill.step}, at most ${backfill.maxConcurrent} at once`;
  const table = renderTable(
    [
      { header: 'value', value: (item: Backfill['items'][number]) => item.value },
      { header: 'status', value: (item) => item.status },
      { header: 'sync', value: (item) => item.syncId ?? '' },
    ],
    backfill.items,
  );
  return `${head}\n  ${backfillProgress(backfill)}\n\n${table}`;
}

/** Polls the backfill until it ends, printing a progress line (stderr) whenever it changes. */
async function follow(first: Backfill, ctx: CommandContext): Promise<Backfill> {
  const started = ctx.now();
  let backfill = first;
  let last = '';
  for (;;) {
    const line = `${backfill.status}: ${backfillProgress(backfill)}`;
    if (line !== last) ctx.out.note(`[${formatClock(ctx.now() - started).padStart(5)}] ${line}`);
    last = line;
    if (ENDED.has(backfill.status)) return backfill;
    await ctx.sleep(ctx.pollMs, ctx.signal);
    backfill = await ctx.api.json<Backfill>('GET', path(backfill.id));
  }
}

function finish(backfill: Backfill, json: boolean, ctx: CommandContext): ExitCode {
  if (json) ctx.out.json(backfill);
  else ctx.out.print(renderBackfill(backfill));
  if (!ENDED.has(backfill.status)) return EXIT.ok;
  return backfill.status === 'succeeded' ? EXIT.ok : EXIT.runFailed;
}

export const backfillCommand: Command = {
  path: ['backfill'],
  usage:
    'd2s backfill <dataset> --param <date parameter> --from <YYYY-MM-DD> --to <YYYY-MM-DD> [--step 1d] ' +
    '[--max-concurrent N] [--set name=value ...] [--wait]',
  summary: 'Backfill a date range: one sync per date, at most N at once',
  description: [
    'The same request names the same backfill: asking again prints it and starts nothing new.',
    'With --wait, prints progress until it ends; exits 0 when every date succeeded, 1 otherwise.',
    '',
    'Examples:',
    '  d2s backfill shared_forecasts --param forecast_date --from 2026-11-01 --to 2026-11-10 --max-concurrent 3 --wait',
    '  d2s backfills get <id>     d2s backfills cancel <id>',
  ].join('\n'),
  options: [
    { name: 'param', type: 'string', value: 'name', description: 'The date parameter each sync gets one value of' },
    { name: 'from', type: 'string', value: 'date', description: 'First date (YYYY-MM-DD)' },
    { name: 'to', type: 'string', value: 'date', description: 'Last date, included (YYYY-MM-DD)' },
    { name: 'step', type: 'string', value: 'Nd', description: 'Every N days (default 1d)' },
    { name: 'max-concurrent', type: 'string', value: 'N', description: 'Syncs at once (default 1)' },
    {
      name: 'set',
      type: 'string',
      multiple: true,
      value: 'name=value',
      description: 'Another dataset parameter, the same for every sync (repeatable)',
    },
    { name: 'wait', type: 'boolean', short: 'w', description: 'Follow the backfill to its end with progress' },
  ],
  positionals: { min: 1, max: 1, names: 'the dataset name' },
  async run(args, ctx) {
    const dataset = args.positionals[0] as string;
    const parameter = args.string('param');
    const from = args.string('from');
    const to = args.string('to');
    if (!parameter || !from || !to) throw new UsageError('--param, --from and --to are required', HELP);
    const maxText = args.string('max-concurrent');
    const maxConcurrent = maxText === undefined ? undefined : Number(maxText);
    if (maxConcurrent !== undefined && !(Number.isInteger(maxConcurrent) && maxConcurrent >= 1)) {
      throw new UsageError(`--max-concurrent takes a whole number of at least 1, got "${maxText}"`, HELP);
    }
    const parameters = await typedParameters(ctx.api, dataset, parseParamPairs(args.strings('set'), HELP));
    const step = args.string('step');
    const response = await ctx.api.send('POST', '/v1/backfills', {
      body: {
        dataset,
        parameter,
        from,
        to,
        ...(step ? { step } : {}),
        ...(maxConcurrent ? { maxConcurrent } : {}),
        ...(parameters ? { parameters } : {}),
      },
    });
    const backfill = (await response.json()) as Backfill;
    ctx.out.note(
      response.status === 202
        ? `Backfill ${backfill.id} started: ${backfill.items.length} dates.`
        : `Backfill ${backfill.id} was requested before (${backfill.status}); nothing new started.`,
    );
    const json = args.boolean('json');
    return finish(args.boolean('wait') ? await follow(backfill, ctx) : backfill, json, ctx);
  },
};

const get: Command = {
  path: ['backfills', 'get'],
  usage: 'd2s backfills get <id> [--wait]',
  summary: 'A backfill: its status and each date’s sync',
  options: [{ name: 'wait', type: 'boolean', short: 'w', description: 'Follow it to its end with progress' }],
  positionals: { min: 1, max: 1, names: 'the backfill id' },
  async run(args, ctx) {
    const backfill = await ctx.api.json<Backfill>('GET', path(args.positionals[0] as string));
    return finish(args.boolean('wait') ? await follow(backfill, ctx) : backfill, args.boolean('json'), ctx);
  },
};

const cancel: Command = {
  path: ['backfills', 'cancel'],
  usage: 'd2s backfills cancel <id>',
  summary: 'Cancel the rest of a backfill: dates not started never start, running syncs are canceled',
  options: [],
  positionals: { min: 1, max: 1, names: 'the backfill id' },
  async run(args, ctx) {
    const backfill = await ctx.api.json<Backfill>('POST', `${path(args.positionals[0] as string)}/cancel`);
    if (args.boolean('json')) ctx.out.json(backfill);
    else ctx.out.print(`Backfill ${backfill.id} ${backfill.status}: ${backfillProgress(backfill)}`);
    return EXIT.ok;
  },
};

export const backfillsCommands: readonly Command[] = [get, cancel];
