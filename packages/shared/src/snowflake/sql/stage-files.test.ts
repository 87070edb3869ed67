import { describe, expect, it } from 'vitest';
import { copyHistory, listStage, removeRunFiles } from './stage-files.js';

const stage = { database: 'D2S', schema: 'PUBLIC', name: 'Exports stage' };

describe('listStage', () => {
  it('lists one run’s prefix', () => {
    expect(listStage(stage, 'forecasts/sync_1/').text()).toBe('LIST @"D2S"."PUBLIC"."Exports stage"/forecasts/sync_1/');
  });
  it('lists only the files a pattern matches', () => {
    expect(listStage(stage, 'forecasts/sync_1/', { pattern: ".*sync_1/[^_]*[.]parquet's" }).text()).toBe(
      `LIST @"D2S"."PUBLIC"."Exports stage"/forecasts/sync_1/ PATTERN = '.*sync_1/[^_]*[.]parquet''s'`,
    );
  });
  it('refuses a path that would need quoting', () => {
    expect(() => listStage(stage, "x'; DROP TABLE t; --")).toThrow(/stage path/);
  });
});

describe('copyHistory', () => {
  it('reads the table’s load history for the window', () => {
    expect(copyHistory({ database: 'D2S', schema: 'PUBLIC', name: 'forecasts' }, 336).text()).toBe(
      [
        'SELECT FILE_NAME, ROW_COUNT, STATUS',
        '  FROM TABLE("D2S".INFORMATION_SCHEMA.COPY_HISTORY(',
        `    TABLE_NAME => '"D2S"."PUBLIC"."forecasts"', START_TIME => DATEADD(HOUR, -336, CURRENT_TIMESTAMP())))`,
      ].join('\n'),
    );
  });
  it('bounds the window', () => {
    expect(() => copyHistory({ database: 'D', schema: 'S', name: 'T' }, 0)).toThrow();
  });
});

describe('removeRunFiles', () => {
  it('removes one run’s folder, its PATTERN anchored at the run path', () => {
    expect(removeRunFiles(stage, 'forecasts/sync_0000000012/').text()).toBe(
      `REMOVE @"D2S"."PUBLIC"."Exports stage"/forecasts/sync_0000000012/ PATTERN = '.*forecasts/sync_0000000012/(?:.*)'`,
    );
  });
  it('refuses a path that is not a folder: REMOVE would take every path it prefixes', () => {
    expect(() => removeRunFiles(stage, 'forecasts/sync_0000000012')).toThrow(/end in \//);
    expect(() => removeRunFiles(stage, '/')).toThrow(/end in \//);
    expect(() => removeRunFiles(stage, '')).toThrow(/end in \//);
  });
});
