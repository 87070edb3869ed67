import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadConfig } from './load-config.js';

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

function load(yaml: string) {
  return loadConfig({
    env: { D2S_CONFIG: '/etc/d2s.yaml' },
    cwd: '/srv',
    readFile: (path) => {
      if (path !== '/etc/d2s.yaml') throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return yaml;
    },
  });
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

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
    expect(messageOf(() => load(datasetWith('after_load')))).toMatch(
      /datasets\.forecasts\.export\.cleanup.*keep, after-load or \{ afterDays: N \}/s,
    );
    expect(messageOf(() => load(datasetWith('{ afterDays: 0 }')))).toMatch(/datasets\.forecasts\.export\.cleanup/);
    expect(messageOf(() => load(datasetWith('{ afterDays: 2.5 }')))).toMatch(/datasets\.forecasts\.export\.cleanup/);
    expect(messageOf(() => load(datasetWith('{ after_days: 3 }')))).toMatch(/datasets\.forecasts\.export\.cleanup/);
  });
});
