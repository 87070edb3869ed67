import type { ScheduleSpec } from '../api-types.js';
import { parseParamPairs } from '../args.js';
import { parseDuration } from '../duration.js';
import { EXIT, UsageError } from '../errors.js';
import { formatTime } from '../render/format.js';
import { renderScheduleTable, scheduleWhat, scheduleWhen } from '../render/schedules.js';
import type { Command } from './command.js';
import { typedParameters } from './syncs.js';

const ls: Command = {
  path: ['schedules', 'ls'],
  usage: 'd2s schedules ls',
  summary: 'List schedules: what each starts, when, and when it fires next',
  options: [],
  positionals: { min: 0, max: 0, names: '' },
  async run(args, ctx) {
    const schedules = await ctx.api.listSchedules();
    if (args.boolean('json')) ctx.out.json({ items: schedules });
    else if (schedules.length === 0) ctx.out.note('No schedules.');
    else ctx.out.print(renderScheduleTable(schedules));
    return EXIT.ok;
  },
};

const SET_HELP = 'd2s schedules set --help';

const set: Command = {
  path: ['schedules', 'set'],
  usage:
    'd2s schedules set <id> (--sync <dataset> [--param name=value ...] | --mirror) (--cron "<expr>" [--tz <zone>] | --every <duration>)',
  summary: 'Create or replace a schedule that starts a sync or a mirror run',
  description: [
    'Durations: 30s, 15m, 1h, 1h30m, 1d (at least 1s). Cron: 5 or 6 fields, in --tz (default UTC).',
    '',
    'Examples:',
    '  d2s schedules set nightly --sync shared_forecasts --cron "0 3 * * *" --tz Europe/Paris',
    '  d2s schedules set mirror-hourly --mirror --every 1h',
  ].join('\n'),
  options: [
    { name: 'sync', type: 'string', value: 'dataset', description: 'Start a sync of this dataset' },
    {
      name: 'param',
      type: 'string',
      multiple: true,
      short: 'p',
      value: 'name=value',
      description: 'A parameter of the scheduled sync (repeatable)',
    },
    { name: 'mirror', type: 'boolean', description: 'Start a mirror run (plan and apply)' },
    { name: 'cron', type: 'string', value: 'expr', description: 'A cron pattern' },
    { name: 'tz', type: 'string', value: 'zone', description: 'IANA time zone of the cron pattern (default UTC)' },
    { name: 'every', type: 'string', value: 'duration', description: 'A fixed interval instead of cron' },
  ],
  positionals: { min: 1, max: 1, names: 'the schedule id' },
  async run(args, ctx) {
    const id = args.positionals[0] as string;
    const dataset = args.string('sync');
    const mirror = args.boolean('mirror');
    if ((dataset === undefined) === !mirror)
      throw new UsageError('Give exactly one of --sync <dataset> or --mirror', SET_HELP);
    const params = args.strings('param');
    if (mirror && params.length > 0) throw new UsageError('--param goes with --sync, not --mirror', SET_HELP);
    const cron = args.string('cron');
    const everyText = args.string('every');
    if ((cron === undefined) === (everyText === undefined)) {
      throw new UsageError('Give exactly one of --cron "<expr>" or --every <duration>', SET_HELP);
    }
    let every: number | undefined;
    if (everyText !== undefined) {
      every = parseDuration(everyText);
      if (every === undefined)
        throw new UsageError(`--every takes a duration like 30s, 15m, 1h or 1h30m, got "${everyText}"`, SET_HELP);
      if (every < 1_000) throw new UsageError('--every must be at least 1s', SET_HELP);
    }
    const pairs = parseParamPairs(params, SET_HELP);
    const tz = args.string('tz');
    const parameters = dataset === undefined ? undefined : await typedParameters(ctx.api, dataset, pairs);
    const spec: ScheduleSpec = {
      kind: mirror ? 'mirror' : 'sync',
      ...(dataset === undefined ? {} : { dataset }),
      ...(parameters ? { parameters } : {}),
      ...(cron === undefined ? {} : { cron }),
      ...(every === undefined ? {} : { every }),
      ...(tz === undefined ? {} : { tz }),
    };
    const saved = await ctx.api.putSchedule(id, spec);
    if (args.boolean('json')) ctx.out.json(saved);
    else {
      ctx.out.print(
        `Schedule ${saved.id} saved: ${scheduleWhat(saved)}, ${scheduleWhen(saved)}${saved.next ? `; next ${formatTime(saved.next)}` : ''}.`,
      );
    }
    return EXIT.ok;
  },
};

const rm: Command = {
  path: ['schedules', 'rm'],
  usage: 'd2s schedules rm <id>',
  summary: 'Remove a schedule (runs it started are not touched)',
  description: 'Exits 3 with SCHEDULE_NOT_FOUND when there is no such schedule.',
  options: [],
  positionals: { min: 1, max: 1, names: 'the schedule id' },
  async run(args, ctx) {
    const id = args.positionals[0] as string;
    await ctx.api.deleteSchedule(id);
    if (args.boolean('json')) ctx.out.json({ id, removed: true });
    else ctx.out.print(`Schedule ${id} removed.`);
    return EXIT.ok;
  },
};

export const schedulesCommands: readonly Command[] = [ls, set, rm];
