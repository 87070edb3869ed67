import { describe, expect, it } from 'vitest';
import { canonical, planStateChanges, planStateDigest } from './plan-fingerprint.js';
import { desired, emptySnowflake, mirroredRow } from '@d2s/testkit/mirror-fixtures';

const daily = desired('weather.forecasts.daily');
const hourly = desired('weather.forecasts.hourly');
const request = { settings: { dropRemoved: false }, scope: {}, includeRefresh: false };

describe('planStateDigest', () => {
  it('is the same for the same state whatever the order it was read in, and differs when anything changes', () => {
    const snowflake = { ...emptySnowflake(), tables: [mirroredRow(daily), mirroredRow(hourly)] };
    const a = planStateDigest({ tables: [daily, hourly], skipped: [] }, snowflake, request);
    const b = planStateDigest(
      { tables: [hourly, daily], skipped: [] },
      { ...snowflake, tables: [...snowflake.tables].reverse() },
      request,
    );
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);

    const renamed = planStateDigest(
      { tables: [daily, hourly], skipped: [] },
      { ...snowflake, tables: [mirroredRow(daily, { name: 'DAILY_V2' }), mirroredRow(hourly)] },
      request,
    );
    expect(renamed.fingerprint).not.toBe(a.fingerprint);
    expect(planStateChanges(a, renamed)).toEqual({
      unityCatalog: { added: [], removed: [], changed: [] },
      snowflake: {
        added: ['table:WEATHER.FORECASTS.DAILY_V2'],
        removed: ['table:WEATHER.FORECASTS.DAILY'],
        changed: [],
      },
      settingsChanged: false,
    });

    const fewer = planStateDigest({ tables: [daily], skipped: [] }, snowflake, { ...request, includeRefresh: true });
    expect(planStateChanges(a, fewer)).toMatchObject({
      unityCatalog: { removed: ['weather.forecasts.hourly'] },
      settingsChanged: true,
    });
  });
});

describe('canonical', () => {
  // The definition saved plans' fingerprints were made with: JSON.stringify, each object rebuilt with sorted keys.
  const byReplacer = (value: unknown) =>
    JSON.stringify(value, (_key, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
          )
        : v,
    );

  it('writes exactly what JSON.stringify with a key-sorting replacer writes', () => {
    const samples: unknown[] = [
      null,
      0,
      -0,
      1e21,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      'a "quoted" \u2028 line\n',
      true,
      [],
      {},
      [1, undefined, () => 1, Symbol('s'), null, [2, [3]]],
      // eslint-disable-next-line no-sparse-arrays -- a hole is one of the cases
      [, 1],
      { b: 1, a: { d: [{ z: 1, y: undefined, x: null }], c: 'x' }, f: () => 1 },
      { '10': 'ten', '2': 'two', b: 'b', '01': 'not an index', a: 'a', '-1': 'minus', '4294967295': 'too big' },
      { when: new Date(Date.UTC(2026, 11, 4)), tags: new Map([['k', 'v']]), set: new Set([1]) },
      { ä: 1, Z: 2, a: 3, é: [{ '': 0 }] },
      { nested: { toJSON: () => ({ b: 2, a: 1 }) } },
    ];
    for (const sample of samples) expect(canonical(sample)).toBe(byReplacer(sample));
  });
});
