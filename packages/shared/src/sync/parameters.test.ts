import { describe, expect, it } from 'vitest';
import { DatasetConfig } from '../config/schema.js';
import { validateParameters } from './parameters.js';

const dataset = DatasetConfig.parse({
  databricks: { jobId: 1 },
  export: { s3Prefix: 's3://b/p' },
  snowflake: {
    stage: { database: 'D', schema: 'S', name: 'ST' },
    stageUrl: 's3://b/',
    table: { database: 'D', schema: 'S', name: 'T' },
  },
  parameters: {
    region: { type: 'string', enum: ['us', 'eu'], default: 'us' },
    day: { type: 'date' },
    limit: { type: 'integer', required: true },
    code: { type: 'string', pattern: '[A-Z]{3}' },
    full: { type: 'boolean' },
  },
});

describe('validateParameters', () => {
  it('fills defaults and keeps valid values', () => {
    expect(validateParameters(dataset, { limit: 5, day: '2026-02-28', full: true })).toEqual({
      ok: true,
      values: { region: 'us', limit: 5, day: '2026-02-28', full: true },
    });
  });

  it.each([
    [{ limit: 1, nope: 1 }, 'nope', /not a parameter of this dataset \(allowed: region, day, limit, code, full\)/],
    [{}, 'limit', /is required/],
    [{ limit: 1.5 }, 'limit', /expected an integer/],
    [{ limit: '5' }, 'limit', /expected an integer, got string "5"/],
    [{ limit: 1, region: 'mars' }, 'region', /must be one of "us", "eu"/],
    [{ limit: 1, day: '2026-02-30' }, 'day', /YYYY-MM-DD/],
    [{ limit: 1, code: 'ABCD' }, 'code', /must match/],
    [{ limit: 1, full: 'yes' }, 'full', /true or false/],
    [{ limit: 1, region: ['us'] }, 'region', /got an array/],
  ])('refuses %j', (input, parameter, message) => {
    const result = validateParameters(dataset, input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toContainEqual({ parameter, message: expect.stringMatching(message) });
  });

  it('does not treat inherited object keys as declared parameters', () => {
    const result = validateParameters(dataset, { limit: 1, constructor: 'x', __proto__: 'y' } as Record<
      string,
      unknown
    >);
    expect(result.ok).toBe(false);
  });
});
