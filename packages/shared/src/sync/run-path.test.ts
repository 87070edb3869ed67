import { describe, expect, it } from 'vitest';
import { DatasetConfig } from '../config/schema.js';
import { runLocationFor } from './run-path.js';

const make = (s3Prefix: string, stageUrl: string, runPathTemplate?: string) =>
  DatasetConfig.parse({
    databricks: { jobId: 1 },
    export: { s3Prefix, ...(runPathTemplate ? { runPathTemplate } : {}) },
    snowflake: {
      stage: { database: 'D', schema: 'S', name: 'ST' },
      stageUrl,
      table: { database: 'D', schema: 'S', name: 'T' },
    },
  });

describe('runLocationFor', () => {
  const vars = { syncId: 'sync_ABC', dataset: 'forecasts', now: new Date('2026-11-23T10:00:00Z') };

  it('gives each sync its own prefix, relative to the stage for COPY', () => {
    expect(runLocationFor(make('s3://bucket/exports/forecasts', 's3://bucket/exports'), vars)).toEqual({
      outputUrl: 's3://bucket/exports/forecasts/sync_ABC/',
      stagePath: 'forecasts/sync_ABC/',
    });
  });

  it('expands {date} and {dataset}', () => {
    const location = runLocationFor(make('s3://bucket/x/', 's3://bucket/', '{dataset}/{date}/{syncId}'), vars);
    expect(location).toEqual({
      outputUrl: 's3://bucket/x/forecasts/2026-11-23/sync_ABC/',
      stagePath: 'x/forecasts/2026-11-23/sync_ABC/',
    });
  });
});
