import { describe, expect, it } from 'vitest';
import { DEFAULT_DATA_FILE_PATTERN, isValidPattern, runDataFilePattern } from './data-files.js';

// Snowflake anchors PATTERN (the whole path must match); its docs' examples use bracket escapes:
// https://docs.snowflake.com/en/sql-reference/sql/copy-into-table (PATTERN, and "Loading using pattern matching").
const anchored = (pattern: string) => new RegExp(`^(?:${pattern})$`);
const stagePath = 'shared_forecasts/sync_01JC2ZK4QY0N9X6W3BP7TQ5M8R/';
const pattern = anchored(runDataFilePattern(stagePath, DEFAULT_DATA_FILE_PATTERN));

describe('runDataFilePattern with the default data files', () => {
  it('takes Spark part files, also in partition sub-folders, whether or not the stage URL path is included', () => {
    for (const path of [
      `${stagePath}part-00000-3f1c9a2e-7b4d-4c1e-9d2a-1b2c3d4e5f60-c000.snappy.parquet`,
      `${stagePath}forecast_date=2026-11-23/part-00001-3f1c9a2e-c000.snappy.parquet`,
      `exports/${stagePath}part-00002.parquet`,
    ]) {
      expect(pattern.test(path), path).toBe(true);
    }
  });

  it('leaves out Spark commit files, temporary folders, dot files and other formats', () => {
    for (const path of [
      `${stagePath}_SUCCESS`,
      `${stagePath}_started_5218716133713553061`,
      `${stagePath}_committed_5218716133713553061`,
      `${stagePath}_temporary/0/part-00000.parquet`,
      `${stagePath}.part-00000.parquet.crc`,
      `${stagePath}forecast_date=2026-11-23/_SUCCESS`,
      `${stagePath}part-00000.json`,
    ]) {
      expect(pattern.test(path), path).toBe(false);
    }
  });

  it('never reaches another run’s files: the run path is literal, dots and plus signs included', () => {
    const dotted = anchored(runDataFilePattern('a.b+c/sync_1/', DEFAULT_DATA_FILE_PATTERN));
    expect(dotted.test('a.b+c/sync_1/part-0.parquet')).toBe(true);
    expect(dotted.test('aXbbc/sync_1/part-0.parquet')).toBe(false);
    expect(pattern.test('shared_forecasts/sync_OTHER/part-00000.parquet')).toBe(false);
  });

  it('takes a dataset’s own pattern for what lies below the run prefix', () => {
    const csvLike = anchored(runDataFilePattern(stagePath, 'data/.*[.]parquet'));
    expect(csvLike.test(`${stagePath}data/x.parquet`)).toBe(true);
    expect(csvLike.test(`${stagePath}x.parquet`)).toBe(false);
  });
});

describe('isValidPattern', () => {
  it('tells a regular expression from broken text', () => {
    expect(isValidPattern(DEFAULT_DATA_FILE_PATTERN)).toBe(true);
    expect(isValidPattern('part-(')).toBe(false);
  });
});
