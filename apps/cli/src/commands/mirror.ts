import type { MirrorRequest } from '../api-client.js';
import { type MirrorRun, TERMINAL_MIRROR_STATES } from '../api-types.js';
import type { OptionSpec, ParsedArgs } from '../args.js';
import { ApiServerError, ApiUnreachableError, EXIT, type ExitCode, UsageError } from '../errors.js';
import { renderActionStatus, renderMirrorRunSummary, renderMirrorTables, renderMirrorTags } from '../render/mirror.js';
import { planSummaryLine, renderPlan, renderPlanSql } from '../render/plan.js';
import type { Command, CommandContext } from './command.js';

const SCOPE_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'catalog',
    type: 'string',
    multiple: true,
    value: 'name',
    description: 'Only this Unity Catalog catalog (repeatable; default: all configured)',
  },
  {
    name: 'schema',
    type: 'string',
    multiple: true,
    value: 'schema',
    description: 'Only this schema, as schema or catalog.schema (repeatable)',
  },
  { name: 'refresh', type: 'boolean', description: 'Also refresh tables that are up to date' },
  { name: 'no-refresh', type: 'boolean', description: 'Do not refresh up-to-date tables' },
  {
    name: 'force',
    type: 'boolean',
    description: 'Allow dropping more than mirror.maxDropShare of the mirrored tables',
  },
];

const WAIT: OptionSpec = {
  name: 'wait',
  type: 'boolean',
  short: 'w',
  description: "Poll the run to its end, printing each action's status as it changes; exit 1 if it fails",
};

/** Consecutive failed polls (API unreachable or 5xx) tolerated while waiting. */
const MAX_POLL_FAILURES = 5;

function mirrorRequest(args: ParsedArgs, help: string): MirrorRequest {
  const catalogs = args.strings('catalog');
  const schemas = args.strings('schema');
  if (args.boolean('refresh') && args.boolean('no-refresh')) {
    throw new UsageError('Give --refresh or --no-refresh, not both', help);
  }
  const includeRefresh = args.boolean('refresh') ? true : args.boolean('no-refresh') ? false : undefined;
  const scope = {
    ...(catalogs.length ? { catalogs } : {}),
    ...(schemas.length ? { schemas } : {}),
  };
  return {
    ...(Object.keys(scope).length ? { scope } : {}),
    ...(includeRefresh === undefined ? {} : { includeRefresh }),
    ...(args.boolean('force') ? { force: true } : {}),
  };
}

function onlyOf(args: ParsedArgs, help: string): 'integrations' | 'tables' | undefined {
  const only = args.string('only');
  if (only === undefined || only === 'integrations' || only === 'tables') return only;
  throw new UsageError(`--only takes integrations or tables, not "${only}"`, help);
}

const plan: Command = {
  path: ['mirror', 'plan'],
  usage:
    'd2s mirror plan [--out <file.sql>] [--only integrations|tables] [--offline] [--catalog <name> ...] [--schema <schema> ...] [--force] [--json]',
  summary: 'Show what a mirror run would do now (like terraform plan); changes nothing',
  description: [
    'Marks: + create, ~ update (or refresh), - drop, → rename; each action with its reason and its SQL.',
    "Secrets in the SQL are masked as '[redacted]'. --out also writes the SQL to a file for review.",
    'The plan is saved for review: apply exactly it with d2s mirror apply <plan-id> (refused if the state changed).',
    '--only shows one kind of DDL. --offline plans from Unity Catalog alone (no Snowflake connection) and writes',
    'runnable, idempotent DDL whose OAuth secret is the Snowflake CLI / SnowSQL variable &{d2s_oauth_client_secret}:',
    '  snow sql -f plan.sql -D "d2s_oauth_client_secret=<secret>"',
  ].join('\n'),
  options: [
    { name: 'out', type: 'string', short: 'o', value: 'file.sql', description: 'Write the plan as a .sql file' },
    {
      name: 'only',
      type: 'string',
      value: 'integrations|tables',
      description: 'Only the catalog integrations, or only the schemas and tables',
    },
    {
      name: 'offline',
      type: 'boolean',
      description: 'From Unity Catalog alone, without Snowflake: runnable DDL, the secret as a client-side variable',
    },
    ...SCOPE_OPTIONS,
  ],
  positionals: { min: 0, max: 0, names: '' },
  async run(args, ctx) {
    const help = 'd2s mirror plan --help';
    const request = mirrorRequest(args, help);
    const out = args.string('out');
    const only = onlyOf(args, help);
    const view = { ...(only ? { only } : {}), ...(args.boolean('offline') ? { offline: true } : {}) };
    if (view.offline) {
      // Rendered by the server, which alone knows the settings the DDL needs (never the secret: a variable).
      const sql = await ctx.api.mirrorPlanSql(request, view);
      if (out === undefined) {
        ctx.out.print(sql);
        return EXIT.ok;
      }
      await writeOrFail(ctx, out, sql, help);
      ctx.out.note(
        `Wrote ${out}: runnable DDL from Unity Catalog alone. Run it with: snow sql -f ${out} -D "d2s_oauth_client_secret=<secret>"`,
      );
      return EXIT.ok;
    }
    const result = await ctx.api.mirrorPlan(request, view);
    if (out !== undefined) {
      // Rendered from the plan printed below, so the file and the screen show the same plan.
      await writeOrFail(ctx, out, renderPlanSql(result), help);
      const statements = result.actions.reduce((n, a) => n + a.sql.length, 0);
      ctx.out.note(`Wrote ${out}: ${statements} statement(s), secrets masked.`);
    }
    if (args.boolean('json')) ctx.out.json(result);
    else ctx.out.print(renderPlan(result, { paint: (t, c) => ctx.out.paint(t, c) }));
    if (result.id && result.actions.length > 0 && !args.boolean('json')) {
      ctx.out.note(
        `Plan ${result.id} saved${result.expiresAt ? ` until ${result.expiresAt}` : ''}. Apply exactly this plan: d2s mirror apply ${result.id}`,
      );
    }
    return EXIT.ok;
  },
};

async function writeOrFail(ctx: CommandContext, path: string, text: string, help: string): Promise<void> {
  try {
    await ctx.writeFile(path, text);
  } catch (error) {
    throw new UsageError(`Cannot write ${path}: ${(error as Error).message}`, help);
  }
}

/** Polls a run to its end, printing each action whose status changed; the final view. */
async function pollRun(first: MirrorRun, ctx: CommandContext, quiet: boolean): Promise<MirrorRun> {
  const paint = (t: string, c: Parameters<typeof ctx.out.paint>[1]) => ctx.out.paint(t, c);
  const seen = new Map<string, string>();
  let lastStatus = '';
  let failures = 0;
  let run = first;
  for (;;) {
    if (!quiet) {
      if (run.status !== lastStatus) {
        lastStatus = run.status;
        const planned =
          run.status === 'applying' || (TERMINAL_MIRROR_STATES.has(run.status) && run.actions.length > 0)
            ? ` (${planSummaryLine({ actions: run.actions })
                .replace(/^Plan: /, '')
                .replace(/\.$/, '')})`
            : '';
        ctx.out.print(`Mirror run ${run.id}: ${run.status}${planned}`);
      }
      for (const action of run.actions) {
        const key = `${action.status}|${action.error?.code ?? ''}|${action.attempts ?? ''}`;
        if (seen.get(action.id) === key) continue;
        const before = seen.get(action.id);
        seen.set(action.id, key);
        if (before === undefined && action.status === 'pending') continue;
        ctx.out.print(renderActionStatus(action, paint));
      }
    }
    if (TERMINAL_MIRROR_STATES.has(run.status)) return run;
    await ctx.sleep(ctx.pollMs, ctx.signal);
    try {
      run = await ctx.api.getMirrorRun(run.id);
      failures = 0;
    } catch (error) {
      const transient = error instanceof ApiUnreachableError || error instanceof ApiServerError;
      if (!transient || ++failures > MAX_POLL_FAILURES) throw error;
    }
  }
}

async function waitForRun(run: MirrorRun, ctx: CommandContext, json: boolean): Promise<ExitCode> {
  const final = await pollRun(run, ctx, json);
  if (json) ctx.out.json(final);
  else ctx.out.print(renderMirrorRunSummary(final, (t, c) => ctx.out.paint(t, c)));
  if (final.status === 'succeeded') return EXIT.ok;
  ctx.out.note(
    `d2s: mirror run ${final.id} failed${final.error ? `: ${final.error.code}: ${final.error.message}` : ''}`,
  );
  return EXIT.runFailed;
}

const apply: Command = {
  path: ['mirror', 'apply'],
  usage:
    'd2s mirror apply [<plan-id>] [--wait] [--catalog <name> ...] [--schema <schema> ...] [--force] [--idempotency-key <key>]',
  summary: 'Start a mirror run: apply a reviewed plan by its id, or plan again and apply',
  description: [
    'With a plan id (from d2s mirror plan), applies exactly that plan, or refuses with PLAN_STALE when Unity',
    'Catalog, Snowflake or the settings changed since (plan again and review). Without one, plans and applies.',
    'Without --wait, prints the run id; follow it with d2s mirror get <id> --wait.',
  ].join('\n'),
  options: [
    WAIT,
    ...SCOPE_OPTIONS,
    {
      name: 'idempotency-key',
      type: 'string',
      value: 'key',
      description: 'The same key names the same run',
    },
  ],
  positionals: { min: 0, max: 1, names: 'the plan id' },
  async run(args, ctx) {
    const help = 'd2s mirror apply --help';
    const request = mirrorRequest(args, help);
    const planId = args.positionals[0];
    if (planId !== undefined && Object.keys(request).length > 0) {
      throw new UsageError(
        'A plan id applies the reviewed plan as it is: give no --catalog, --schema, --refresh or --force with it',
        help,
      );
    }
    const run = await ctx.api.startMirrorRun(
      planId === undefined ? request : { planId },
      args.string('idempotency-key'),
    );
    const json = args.boolean('json');
    if (args.boolean('wait')) return waitForRun(run, ctx, json);
    if (json) ctx.out.json(run);
    else {
      ctx.out.print(run.id);
      ctx.out.note(`Mirror run ${run.id} ${run.status}. Follow it: d2s mirror get ${run.id} --wait`);
    }
    return EXIT.ok;
  },
};

const get: Command = {
  path: ['mirror', 'get'],
  usage: 'd2s mirror get <run-id> [--wait]',
  summary: 'Show a mirror run and its actions',
  options: [WAIT],
  positionals: { min: 1, max: 1, names: 'the mirror run id' },
  async run(args, ctx) {
    const run = await ctx.api.getMirrorRun(args.positionals[0] as string);
    const json = args.boolean('json');
    if (args.boolean('wait')) return waitForRun(run, ctx, json);
    if (json) {
      ctx.out.json(run);
      return EXIT.ok;
    }
    const paint = (t: string, c: Parameters<typeof ctx.out.paint>[1]) => ctx.out.paint(t, c);
    ctx.out.print(renderMirrorRunSummary(run, paint), ...run.actions.map((a) => renderActionStatus(a, paint)));
    return EXIT.ok;
  },
};

const tables: Command = {
  path: ['mirror', 'tables'],
  usage: 'd2s mirror tables',
  summary: 'List the mirror state of every table d2s has acted on',
  options: [],
  positionals: { min: 0, max: 0, names: '' },
  async run(args, ctx) {
    const items = await ctx.api.listMirrorTables();
    if (args.boolean('json')) ctx.out.json({ items });
    else if (items.length === 0) ctx.out.note('No mirrored tables yet.');
    else ctx.out.print(renderMirrorTables(items));
    return EXIT.ok;
  },
};

const tag: Command = {
  path: ['mirror', 'tag'],
  usage: 'd2s mirror tag [--catalog <name> ...] [--schema <schema> ...] [--dry-run] [--json]',
  summary:
    'Write the discovery tag onto every eligible Unity Catalog table (and remove it where one is no longer eligible)',
  description: [
    "Sets mirror.tags.sync (default snowflake_uniform_sync) = 'true' on every table d2s would mirror, updates a",
    'different value, and removes the tag from tables that are no longer eligible (not Iceberg-readable, excluded).',
    "A user's opt-out ('false' or 'no') is never overwritten. Marks: + add, ~ update, - remove, ! opted out.",
    'Needs APPLY TAG on the tables (or ownership) for d2s; a table it may not tag is reported and the rest written.',
    'Exits 1 when a write failed.',
  ].join('\n'),
  options: [
    { name: 'dry-run', type: 'boolean', description: 'Only show what would be written; change nothing' },
    ...SCOPE_OPTIONS.filter((o) => o.name === 'catalog' || o.name === 'schema'),
  ],
  positionals: { min: 0, max: 0, names: '' },
  async run(args, ctx) {
    const { scope } = mirrorRequest(args, 'd2s mirror tag --help');
    const result = await ctx.api.writeMirrorTags({
      ...(scope ? { scope } : {}),
      ...(args.boolean('dry-run') ? { dryRun: true } : {}),
    });
    if (args.boolean('json')) ctx.out.json(result);
    else ctx.out.print(renderMirrorTags(result, (t, c) => ctx.out.paint(t, c)));
    return result.summary.failed > 0 ? EXIT.runFailed : EXIT.ok;
  },
};

export const mirrorCommands: readonly Command[] = [plan, apply, get, tables, tag];
