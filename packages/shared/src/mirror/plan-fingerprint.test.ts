import { describe, expect, it } from 'vitest';
import { planStateChanges, planStateDigest } from './plan-fingerprint.js';
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
