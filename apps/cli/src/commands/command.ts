import type { DoctorReport } from '@d2s/shared';
import type { ApiClient } from '../api-client.js';
import type { OptionSpec, ParsedArgs } from '../args.js';
import type { ExitCode } from '../errors.js';
import type { Output } from '../output.js';

/** What a command gets: the API, the output, and the world (time, sleep, files) as parameters. */
export interface CommandContext {
  api: ApiClient;
  out: Output;
  now: () => number;
  /** Resolves after `ms`, or rejects when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  writeFile: (path: string, text: string) => Promise<void>;
  /** Aborted on Ctrl-C: waits stop, the run goes on. */
  signal?: AbortSignal | undefined;
  /** How often `mirror apply --wait` polls. @defaultValue 1000 */
  pollMs: number;
  /** Runs `d2s doctor`'s checks in this process (main.ts wires the real one). */
  localDoctor?: ((options: { configPath?: string }) => Promise<DoctorReport>) | undefined;
}

/** One command (`d2s sync`, `d2s syncs ls`): its flags, its help and what it does. */
export interface Command {
  /** The words that name it: ['sync'], ['syncs', 'ls']. */
  path: readonly string[];
  /** `d2s syncs ls [--dataset <name>] …` */
  usage: string;
  /** One line, for the command list. */
  summary: string;
  /** More words for `--help`, printed after the usage. */
  description?: string;
  options: readonly OptionSpec[];
  positionals: { min: number; max: number; names: string };
  /** Read commands print the API's JSON with --json. */
  run(args: ParsedArgs, ctx: CommandContext): Promise<ExitCode>;
}
