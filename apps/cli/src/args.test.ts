import { describe, expect, it } from 'vitest';
import { findCommandWords, type OptionSpec, parseCommandArgs, parseParamPairs, typeParameters } from './args.js';
import { UsageError } from './errors.js';

const OPTIONS: OptionSpec[] = [
  { name: 'param', type: 'string', multiple: true, short: 'p', description: '' },
  { name: 'wait', type: 'boolean', description: '' },
  { name: 'limit', type: 'string', description: '' },
];
const ONE = { min: 1, max: 1, names: 'the dataset name' };

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('findCommandWords', () => {
  it('finds the command and subcommand wherever the global flags are', () => {
    expect(findCommandWords(['syncs', 'ls'], 2)).toEqual([0, 1]);
    expect(findCommandWords(['--api', 'http://x', 'syncs', '--token', 't', 'ls', '--json'], 2)).toEqual([2, 5]);
    expect(findCommandWords(['--api=http://x', 'syncs', 'ls'], 2)).toEqual([1, 2]);
    expect(findCommandWords(['--help'], 1)).toEqual([]);
    expect(findCommandWords(['--', 'syncs'], 1)).toEqual([]);
  });
});

describe('parseCommandArgs', () => {
  it('parses command flags, repeated flags, global flags and positionals', () => {
    const args = parseCommandArgs(
      ['forecasts', '-p', 'a=1', '--param', 'b=x', '--wait', '--api', 'http://h:1', '--json'],
      OPTIONS,
      'help',
      ONE,
    );
    expect(args.positionals).toEqual(['forecasts']);
    expect(args.strings('param')).toEqual(['a=1', 'b=x']);
    expect(args.boolean('wait')).toBe(true);
    expect(args.boolean('json')).toBe(true);
    expect(args.string('api')).toBe('http://h:1');
    expect(args.string('limit')).toBeUndefined();
  });

  it('refuses unknown flags, missing values and wrong argument counts with a usage error', () => {
    expect(usageError(() => parseCommandArgs(['x', '--bogus'], OPTIONS, 'd2s sync --help', ONE))).toMatchObject({
      message: 'Unknown option --bogus',
      hint: 'd2s sync --help',
    });
    expect(usageError(() => parseCommandArgs(['x', '--limit'], OPTIONS, 'h', ONE)).message).toBe(
      '--limit needs a value',
    );
    expect(usageError(() => parseCommandArgs(['x', '--limit='], OPTIONS, 'h', ONE)).message).toBe(
      '--limit needs a value',
    );
    expect(usageError(() => parseCommandArgs([], OPTIONS, 'h', ONE)).message).toBe('Missing the dataset name');
    expect(usageError(() => parseCommandArgs(['a', 'b', 'c'], OPTIONS, 'h', ONE)).message).toBe(
      'Unexpected arguments: b c',
    );
    expect(usageError(() => parseCommandArgs(['x', '--wait=yes'], OPTIONS, 'h', ONE)).message).toMatch(/wait/);
  });

  it('lets --help through without checking arguments', () => {
    expect(parseCommandArgs(['--help'], OPTIONS, 'h', ONE).boolean('help')).toBe(true);
    expect(parseCommandArgs(['-h'], OPTIONS, 'h', ONE).boolean('help')).toBe(true);
  });
});

describe('--param', () => {
  it('splits name=value at the first =, keeping empty values and = in values', () => {
    expect(parseParamPairs(['a=1', 'b=', 'q=x=y'], 'h')).toEqual([
      ['a', '1'],
      ['b', ''],
      ['q', 'x=y'],
    ]);
    expect(usageError(() => parseParamPairs(['novalue'], 'h')).message).toBe('--param takes name=value, got "novalue"');
    expect(usageError(() => parseParamPairs(['=x'], 'h')).message).toMatch(/name=value/);
  });

  it('types values as the dataset declares them, strings otherwise', () => {
    const declared = {
      days: { type: 'integer' as const },
      ratio: { type: 'number' as const },
      full: { type: 'boolean' as const },
      day: { type: 'date' as const },
      region: { type: 'string' as const },
      code: {},
    };
    expect(
      typeParameters(
        [
          ['days', '7'],
          ['ratio', '0.5'],
          ['full', 'true'],
          ['day', '2026-11-23'],
          ['region', '42'],
          ['code', '007'],
          ['undeclared', '3'],
        ],
        declared,
      ),
    ).toEqual({ days: 7, ratio: 0.5, full: true, day: '2026-11-23', region: '42', code: '007', undeclared: '3' });
    // Values that do not parse stay strings: the API names the bad field.
    expect(
      typeParameters(
        [
          ['days', '7.5'],
          ['full', 'maybe'],
          ['ratio', ''],
        ],
        declared,
      ),
    ).toEqual({ days: '7.5', full: 'maybe', ratio: '' });
    expect(typeParameters([['full', 'no']], declared)).toEqual({ full: false });
    expect(typeParameters([['days', '7']], undefined)).toEqual({ days: '7' });
  });
});
