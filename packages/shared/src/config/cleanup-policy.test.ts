import { describe, expect, it } from 'vitest';
import { configErrorMessage, loadConfigFromFiles } from './test-support/config-files.js';

const datasetWith = (cleanup: string) => `
datasets:
  forecasts:
    databricks: { jobId: 1001 }
    export: { s3Prefix: s3://bucket/exports/forecasts${cleanup ? `, cleanup: ${cleanup}` : ''} }
    snowflake:
      stage: { database: D2S, schema: PUBLIC, name: EXPORTS }
      stageUrl: s3://bucket/exports/
      table: { database: D2S, schema: PUBLIC, name: FORECASTS }
`;

const load = (yaml: string) => loadConfigFromFiles(yaml);

describe('export.cleanup', () => {
  it('keeps files unless a dataset or the file-wide default says otherwise', () => {
    const config = load(datasetWith(''));
    expect(config.datasets.forecasts?.export.cleanup).toBe('keep');
    expect(config.cleanup).toEqual({ default: 'keep', sweepIntervalMinutes: 60 });
  });

  it('takes the file-wide default for datasets that set none, and a dataset’s own policy over it', () => {
    const withDefault = `cleanup: { default: { afterDays: 7 }, sweepIntervalMinutes: 15 }\n`;
    expect(load(withDefault + datasetWith('')).datasets.forecasts?.export.cleanup).toEqual({ afterDays: 7 });
    expect(load(withDefault + datasetWith('after-load')).datasets.forecasts?.export.cleanup).toBe('after-load');
    expect(load(withDefault + datasetWith('')).cleanup.sweepIntervalMinutes).toBe(15);
  });

  it('says what it expected for a policy it does not know', () => {
    expect(configErrorMessage(() => load(datasetWith('after_load')))).toMatch(
      /datasets\.forecasts\.export\.cleanup.*keep, after-load or \{ afterDays: N \}/s,
    );
    expect(configErrorMessage(() => load(datasetWith('{ afterDays: 0 }')))).toMatch(
      /datasets\.forecasts\.export\.cleanup/,
    );
    expect(configErrorMessage(() => load(datasetWith('{ afterDays: 2.5 }')))).toMatch(
      /datasets\.forecasts\.export\.cleanup/,
    );
    expect(configErrorMessage(() => load(datasetWith('{ after_days: 3 }')))).toMatch(
      /datasets\.forecasts\.export\.cleanup/,
    );
  });
});
