import { sleep } from '@d2s/shared/clock';
import { ApiClient } from './api-client.js';
import { findCommandWords, parseCommandArgs } from './args.js';
import { backfillCommand, backfillsCommands } from './commands/backfill.js';
import type { Command, CommandContext } from './commands/command.js';
import { datasetsCommands } from './commands/datasets.js';
import { doctorCommand } from './commands/doctor.js';
import { mirrorCommands } from './commands/mirror.js';
import { schedulesCommands } from './commands/schedules.js';
import { setupCommands } from './commands/setup.js';
import { syncCommand, syncsCommands } from './commands/syncs.js';
import {
  ApiRejectedError,
  ApiServerError,
  ApiUnreachableError,
  AuthMissingError,
  CliError,
  EXIT,
  type ExitCode,
  InterruptedError,
  UsageError,
} from './errors.js';
import { type CommandGroup, commandHelp, groupHelp, mainHelp } from './help.js';
import { Output, type TextSink } from './output.js';

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

export const COMMAND_GROUPS: readonly CommandGroup[] = [
  { name: 'syncs', title: 'Syncs', commands: [syncCommand, ...syncsCommands] },
  { name: 'datasets', title: 'Datasets', commands: datasetsCommands },
  { name: 'mirror', title: 'Mirror (Unity Catalog → Snowflake Iceberg)', commands: mirrorCommands },
  { name: 'schedules', title: 'Schedules', commands: schedulesCommands },
  { name: 'doctor', title: 'Preflight', commands: [doctorCommand] },
  { name: 'backfills', title: 'Backfills', commands: [backfillCommand, ...backfillsCommands] },
  { name: 'setup', title: 'Setup', commands: setupCommands },
];

const ALL_COMMANDS: readonly Command[] = COMMAND_GROUPS.flatMap((g) => g.commands);

/** Everything the CLI touches, passed in: main.ts hands in the process's, tests their own. */
export interface CliDeps {
  stdout: TextSink;
  stderr: TextSink;
  /** Read for D2S_API_URL, D2S_API_TOKEN, NO_COLOR. @defaultValue {} */
  env?: Readonly<Record<string, string | undefined>>;
  /** Printed by --version. @defaultValue '0.0.0' */
  version?: string;
  fetch?: typeof fetch;
  /** @defaultValue Date.now */
  now?: () => number;
  /** @defaultValue abortableSleep */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** @defaultValue writes nothing: main.ts passes fs.writeFile */
  writeFile?: (path: string, text: string) => Promise<void>;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
  /** @defaultValue 1000 */
  pollMs?: number;
  /** Per-request timeout. @defaultValue 30_000 */
  timeoutMs?: number;
  /** `d2s doctor` without --remote: runs the checks in this process. @defaultValue unavailable */
  localDoctor?: CommandContext['localDoctor'];
}

/** Waits `ms`; the signal (Ctrl-C) cuts the wait short with an InterruptedError. */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, signal);
  } catch {
    throw new InterruptedError('Interrupted.');
  }
}

/** Finds the command the words name; undefined for a group word alone (`d2s syncs`). */
function resolveCommand(argv: readonly string[]): {
  command?: Command;
  group?: CommandGroup;
  rest: string[];
  unknown?: string;
} {
  const [first] = findCommandWords(argv, 1);
  if (first === undefined) return { rest: [...argv] };
  const word = argv[first] as string;
  const without = (indexes: number[]) => argv.filter((_, i) => !indexes.includes(i));
  const single = ALL_COMMANDS.find((c) => c.path.length === 1 && c.path[0] === word);
  if (single) return { command: single, rest: without([first]) };
  const group = COMMAND_GROUPS.find((g) => g.commands.some((c) => c.path[0] === word));
  if (!group) return { rest: without([first]), unknown: word };
  const [, second] = findCommandWords(argv, 2);
  const sub = second === undefined ? undefined : argv[second];
  const command = group.commands.find((c) => c.path[0] === word && c.path[1] === sub);
  if (command && second !== undefined) return { command, group, rest: without([first, second]) };
  return { group, rest: without([first]), ...(sub === undefined ? {} : { unknown: `${word} ${sub}` }) };
}

function apiUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--api must be a URL like ${DEFAULT_API_URL}, got "${raw}"`, 'd2s --help');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--api must be an http(s) URL, got "${raw}"`, 'd2s --help');
  }
  return raw.replace(/\/+$/, '');
}

/**
 * Runs one command line and returns the exit code; prints results on
 * `stdout`, errors on `stderr`. Never throws and never exits the process.
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<ExitCode> {
  const env = deps.env ?? {};
  const colorWanted = deps.stdout.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  const out = new Output(deps.stdout, deps.stderr, { color: colorWanted });
  try {
    const { command, group, rest, unknown } = resolveCommand(argv);
    const wantsHelp = rest.includes('--help') || rest.includes('-h');
    if (!command) {
      if (unknown === 'help') {
        out.print(mainHelp(COMMAND_GROUPS));
        return EXIT.ok;
      }
      if (unknown !== undefined) {
        throw new UsageError(`Unknown command "${unknown}"`, group ? `d2s ${group.name} --help` : 'd2s --help');
      }
      if (group) {
        if (wantsHelp) {
          out.print(groupHelp(group));
          return EXIT.ok;
        }
        out.note(groupHelp(group));
        return EXIT.usage;
      }
      if (rest.includes('--version') || rest.includes('-V')) {
        out.print(deps.version ?? '0.0.0');
        return EXIT.ok;
      }
      if (wantsHelp) {
        out.print(mainHelp(COMMAND_GROUPS));
        return EXIT.ok;
      }
      const stray = rest.find((a) => a.startsWith('-'));
      if (stray) throw new UsageError(`Unknown option ${stray}`, 'd2s --help');
      out.note(mainHelp(COMMAND_GROUPS));
      return EXIT.usage;
    }

    const help = `d2s ${command.path.join(' ')} --help`;
    const args = parseCommandArgs(rest, command.options, help, command.positionals);
    if (args.boolean('help')) {
      out.print(commandHelp(command));
      return EXIT.ok;
    }
    const api = new ApiClient({
      baseUrl: apiUrl(args.string('api') ?? env.D2S_API_URL ?? DEFAULT_API_URL),
      token: args.string('token') ?? (env.D2S_API_TOKEN || undefined),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    const ctx: CommandContext = {
      api,
      out,
      now: deps.now ?? Date.now,
      sleep: deps.sleep ?? abortableSleep,
      writeFile:
        deps.writeFile ??
        (async () => {
          throw new Error('writing files is not available here');
        }),
      signal: deps.signal,
      pollMs: deps.pollMs ?? 1_000,
      localDoctor: deps.localDoctor,
    };
    return await command.run(args, ctx);
  } catch (error) {
    return reportError(error, out);
  }
}

/** One error, on stderr, as a person and a script can read it; returns its exit code. */
export function reportError(error: unknown, out: Output): ExitCode {
  if (error instanceof UsageError) {
    out.note(`d2s: ${error.message}`);
    if (error.hint) out.note(`Run '${error.hint}' for usage.`);
    return error.exitCode;
  }
  if (error instanceof ApiRejectedError) {
    out.note(`d2s: error: ${error.code}: ${error.message} (HTTP ${error.status})`);
    for (const line of detailLines(error.details)) out.note(`  - ${line}`);
    return error.exitCode;
  }
  if (error instanceof ApiServerError) {
    out.note(`d2s: the API failed: ${error.code}: ${error.message} (HTTP ${error.status})`);
    return error.exitCode;
  }
  if (error instanceof ApiUnreachableError) {
    out.note(`d2s: ${error.message}`, 'Is the API running? Point --api or D2S_API_URL at it.');
    return error.exitCode;
  }
  if (error instanceof InterruptedError) {
    out.note('d2s: Interrupted. A sync or mirror run already requested goes on (d2s syncs cancel <id> stops a sync).');
    return error.exitCode;
  }
  if (error instanceof AuthMissingError) {
    out.note(`d2s: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof CliError) {
    out.note(`d2s: ${error.message}`);
    return error.exitCode;
  }
  // A bug, or an answer the CLI does not understand (a proxy, another server).
  out.note(`d2s: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT.unavailable;
}

/** The zod issues of a 400 (`body.parameters.days: expected number`), or the parameter issues of a 400. */
function detailLines(details: unknown): string[] {
  if (!details || typeof details !== 'object') return [];
  const issues = (details as { issues?: unknown }).issues;
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((issue) => {
    if (!issue || typeof issue !== 'object') return [];
    const i = issue as { path?: unknown; parameter?: unknown; message?: unknown };
    const where = typeof i.path === 'string' ? i.path : typeof i.parameter === 'string' ? i.parameter : undefined;
    return [`${where ? `${where}: ` : ''}${String(i.message ?? '')}`];
  });
}
