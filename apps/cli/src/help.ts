import { GLOBAL_OPTIONS, type OptionSpec } from './args.js';
import type { Command } from './commands/command.js';

export interface CommandGroup {
  /** The first word: `syncs`; a group whose only command has the same path is a plain command (`sync`). */
  name: string;
  title: string;
  commands: readonly Command[];
}

export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0    success',
  '  1    the sync or mirror run waited for (--wait) finished failed or canceled',
  '  2    usage error: bad command, flags or arguments (nothing was sent)',
  '  3    the API refused the request (4xx): its error code and message are printed',
  '  4    the API cannot be reached, answered 5xx, or no token was given',
  '  130  interrupted (Ctrl-C) while waiting; the sync or run itself goes on',
].join('\n');

function optionLines(options: readonly OptionSpec[]): string[] {
  const label = (o: OptionSpec) =>
    `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` <${o.value}>` : ''}${o.multiple ? ' ...' : ''}`;
  const width = Math.max(...options.map((o) => label(o).length));
  return options.map((o) => `  ${label(o).padEnd(width)}  ${o.description}`);
}

/** `syncs get <id>`: the usage without `d2s` and without the options. */
function shortUsage(command: Command): string {
  const words = command.usage.replace(/^d2s /, '');
  const cut = words.search(/ [[(]-/);
  return cut === -1 ? words : words.slice(0, cut);
}

/** `d2s --help`: every command, the global options, the environment and the exit codes. */
export function mainHelp(groups: readonly CommandGroup[]): string {
  const rows = groups.flatMap((g) => g.commands.map((c) => ({ group: g.title, usage: shortUsage(c), command: c })));
  const width = Math.max(...rows.map((r) => r.usage.length));
  const lines = [
    'd2s: keep Snowflake in step with Databricks, from the command line (talks to the d2s API).',
    '',
    'Usage: d2s <command> [arguments] [options]',
  ];
  for (const group of groups) {
    lines.push('', `${group.title}:`);
    for (const row of rows.filter((r) => r.group === group.title)) {
      lines.push(`  ${row.usage.padEnd(width)}  ${row.command.summary}`);
    }
  }
  lines.push(
    '',
    'Global options (any command):',
    ...optionLines(GLOBAL_OPTIONS),
    '      --version        Print the version',
    '',
    'Environment:',
    '  D2S_API_URL    the API (default http://127.0.0.1:8080)',
    "  D2S_API_TOKEN  the bearer token (one of the API's D2S_API_TOKENS); never printed",
    '  NO_COLOR       no colours even on a terminal',
    '',
    'Results go to stdout; errors, notes and live progress to stderr.',
    '',
    EXIT_CODES_HELP,
    '',
    "Run 'd2s <command> --help' for a command's arguments and options.",
  );
  return lines.join('\n');
}

/** `d2s syncs --help`: the group's commands. */
export function groupHelp(group: CommandGroup): string {
  const width = Math.max(...group.commands.map((c) => c.usage.length));
  return [
    `${group.title}:`,
    ...group.commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    `Run 'd2s ${group.name} <command> --help' for one command's options.`,
  ].join('\n');
}

/** `d2s syncs ls --help`. */
export function commandHelp(command: Command): string {
  const lines = [`Usage: ${command.usage}`, '', command.summary + '.'];
  if (command.description) lines.push('', command.description);
  if (command.options.length > 0) lines.push('', 'Options:', ...optionLines(command.options));
  lines.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS), '', EXIT_CODES_HELP);
  return lines.join('\n');
}
