import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { DatasetParameterDeclaration } from './api-types.js';
import { UsageError } from './errors.js';

/** One flag of a command: how it parses and how `--help` describes it. */
export interface OptionSpec {
  name: string;
  type: 'string' | 'boolean';
  /** May be given more than once (values collected in order). */
  multiple?: boolean;
  short?: string;
  /** The placeholder shown in help: `--dataset <name>`. */
  value?: string;
  description: string;
}

/** Flags every command accepts, wherever they appear on the line. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'api',
    type: 'string',
    value: 'url',
    description: 'The API (default: $D2S_API_URL, else http://127.0.0.1:8080)',
  },
  { name: 'token', type: 'string', value: 'token', description: 'Bearer token (default: $D2S_API_TOKEN)' },
  { name: 'json', type: 'boolean', description: "Print the API's JSON answer instead of text" },
  { name: 'help', type: 'boolean', short: 'h', description: 'Show help' },
];

/** Global flags that take a value: the command finder must skip their values. */
const VALUED_GLOBALS = new Set(GLOBAL_OPTIONS.filter((o) => o.type === 'string').map((o) => `--${o.name}`));

/** A command line after parsing: typed access to flags, and the positionals. */
export class ParsedArgs {
  constructor(
    readonly values: Readonly<Record<string, string | boolean | Array<string | boolean> | undefined>>,
    readonly positionals: readonly string[],
  ) {}

  string(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === 'string' ? value : undefined;
  }

  boolean(name: string): boolean {
    return this.values[name] === true;
  }

  strings(name: string): string[] {
    const value = this.values[name];
    if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
    return typeof value === 'string' ? [value] : [];
  }
}

/**
 * The indexes of the first `count` positional words (the command and its
 * subcommand), skipping global flags and their values, so `d2s --api URL
 * syncs ls` and `d2s syncs ls --api URL` both work.
 */
export function findCommandWords(argv: readonly string[], count: number): number[] {
  const found: number[] = [];
  for (let i = 0; i < argv.length && found.length < count; i++) {
    const token = argv[i] ?? '';
    if (token === '--') break;
    if (token.startsWith('-')) {
      if (VALUED_GLOBALS.has(token)) i++;
      continue;
    }
    found.push(i);
  }
  return found;
}

/** Parses a command's flags (plus the global ones); a bad flag is a UsageError naming the help to read. */
export function parseCommandArgs(
  argv: readonly string[],
  options: readonly OptionSpec[],
  help: string,
  positionals: { min: number; max: number; names: string },
): ParsedArgs {
  const config: NonNullable<ParseArgsConfig['options']> = {};
  for (const option of [...GLOBAL_OPTIONS, ...options]) {
    config[option.name] = {
      type: option.type,
      ...(option.multiple ? { multiple: true } : {}),
      ...(option.short ? { short: option.short } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: config, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(cleanParseError(error), help);
  }
  const args = new ParsedArgs(parsed.values, parsed.positionals);
  if (args.boolean('help')) return args;
  for (const option of options) {
    const value = args.values[option.name];
    const values = Array.isArray(value) ? value : [value];
    if (option.type === 'string' && values.some((v) => v === '')) {
      throw new UsageError(`--${option.name} needs a value`, help);
    }
  }
  const count = parsed.positionals.length;
  if (count < positionals.min) throw new UsageError(`Missing ${positionals.names}`, help);
  if (count > positionals.max) {
    throw new UsageError(
      `Unexpected argument${count - positionals.max > 1 ? 's' : ''}: ${parsed.positionals.slice(positionals.max).join(' ')}`,
      help,
    );
  }
  return args;
}

/** node:util's messages name the internals ("To specify a positional argument starting with a '-'…"); keep the first sentence. */
function cleanParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `Unknown option ${unknown[1]}`;
  const missing = /Option '([^']+)' argument missing/.exec(message);
  if (missing) return `${missing[1]?.replace(/^-\w, /, '').replace(/ <value>$/, '')} needs a value`;
  const first = message.split(/\.\s/)[0] ?? message;
  return first.replace(/\.$/, '');
}

/** `--param k=v` flags as ordered pairs; `k=` is an empty string, a missing `=` is a usage error. */
export function parseParamPairs(items: readonly string[], help: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param takes name=value, got "${item}"`, help);
    pairs.push([item.slice(0, eq), item.slice(eq + 1)]);
  }
  return pairs;
}

/**
 * Types `--param` values by what the dataset declares: integers and numbers
 * become numbers and `true`/`false` booleans when the declaration says so;
 * everything else (strings, dates, undeclared names, values that do not
 * parse) stays a string, and the API's validation has the last word.
 */
export function typeParameters(
  pairs: ReadonlyArray<[string, string]>,
  declarations: Readonly<Record<string, DatasetParameterDeclaration>> | undefined,
): Record<string, string | number | boolean> {
  const typed: Record<string, string | number | boolean> = {};
  for (const [name, raw] of pairs) {
    const type = declarations && Object.hasOwn(declarations, name) ? declarations[name]?.type : undefined;
    typed[name] = typeValue(raw, type);
  }
  return typed;
}

function typeValue(raw: string, type: DatasetParameterDeclaration['type']): string | number | boolean {
  if (type === 'integer' && /^[-+]?\d+$/.test(raw.trim())) return Number(raw);
  if (type === 'number' && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  if (type === 'boolean') {
    if (/^(true|yes|1)$/i.test(raw)) return true;
    if (/^(false|no|0)$/i.test(raw)) return false;
  }
  return raw;
}
