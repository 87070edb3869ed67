import { describe, expect, it } from 'vitest';
import { DatasetConfig } from '../config/schema.js';
import { runLocationFor } from './run-path.js';
import { datasetStagePrefix, requireRunPrefix, runOfStagedFile } from './run-prefix.js';

const make = (runPathTemplate?: string) =>
  DatasetConfig.parse({
    databricks: { jobId: 1 },
    export: { s3Prefix: 's3://bucket/exports/forecasts', ...(runPathTemplate ? { runPathTemplate } : {}) },
    snowflake: {
      stage: { database: 'D', schema: 'S', name: 'ST' },
      stageUrl: 's3://bucket/exports',
      table: { database: 'D', schema: 'S', name: 'T' },
    },
  });

const run12 = 'sync_0000000012';
const run123 = 'sync_00000000123';

describe('runOfStagedFile', () => {
  it('finds the run of a file written under the default template', () => {
    expect(datasetStagePrefix(make())).toBe('forecasts/');
    expect(runOfStagedFile(make(), 'forecasts', `forecasts/${run12}/part-0.parquet`)).toEqual({
      syncId: run12,
      stagePath: `forecasts/${run12}/`,
    });
    expect(runOfStagedFile(make(), 'forecasts', `forecasts/${run123}/_SUCCESS`)).toEqual({
      syncId: run123,
      stagePath: `forecasts/${run123}/`,
    });
  });

  it('reads templates with {dataset} and {date}, as runLocationFor writes them', () => {
    const dataset = make('{dataset}/{date}/{syncId}');
    const { stagePath } = runLocationFor(dataset, { syncId: run12, dataset: 'forecasts', now: new Date() });
    expect(runOfStagedFile(dataset, 'forecasts', `${stagePath}x/part-0.parquet`)).toEqual({ syncId: run12, stagePath });
  });

  it('ignores files that are no run’s: other prefixes, loose files, names that are not sync ids', () => {
    expect(runOfStagedFile(make(), 'forecasts', `forecasts_v2/${run12}/part-0.parquet`)).toBeUndefined();
    expect(runOfStagedFile(make(), 'forecasts', 'forecasts/readme.txt')).toBeUndefined();
    expect(runOfStagedFile(make(), 'forecasts', 'forecasts/manual/part-0.parquet')).toBeUndefined();
    expect(runOfStagedFile(make(), 'forecasts', `forecasts/${run12}`)).toBeUndefined();
  });
});

describe('requireRunPrefix', () => {
  it('accepts exactly the run’s own prefix', () => {
    expect(requireRunPrefix(make(), 'forecasts', `forecasts/${run12}/`, run12)).toEqual({
      syncId: run12,
      stagePath: `forecasts/${run12}/`,
    });
  });

  it.each([
    ['the prefix without its slash (would take run 123 too)', `forecasts/${run12}`],
    ['the dataset prefix', 'forecasts/'],
    ['the whole stage', ''],
    ['another sync’s prefix', `forecasts/${run123}/`],
    ['a folder inside the run', `forecasts/${run12}/part/`],
    ['a path escaping the dataset', `../forecasts/${run12}/`],
  ])('refuses %s', (_, path) => {
    expect(() => requireRunPrefix(make(), 'forecasts', path, run12)).toThrow(
      expect.objectContaining({ code: 'CLEANUP_OUTSIDE_RUN_PREFIX' }),
    );
  });
});
