import { describe, expect, it } from 'vitest';
import { JobDataError } from '../errors.js';
import { defaultJobOptions, jobCatalog, parseJobData, QUEUE_NAMES } from './catalog.js';

const request = {
  syncId: 'sync_01JABCDEFGHJKMNPQRST',
  dataset: 'shared_forecasts',
  parameters: { region: 'us' },
  attempt: 1,
  requestedAt: '2026-11-23T09:00:00.000Z',
  outputUrl: 's3://bucket/exports/shared_forecasts/sync_01JABCDEFGHJKMNPQRST/',
  stagePath: 'shared_forecasts/sync_01JABCDEFGHJKMNPQRST/',
};

describe('job catalog', () => {
  it('names every queue once', () => {
    expect(QUEUE_NAMES).toEqual(['export', 'import', 'mirror', 'backfill', 'notify']);
  });

  it('fills defaults for a new export job', () => {
    const data = parseJobData('export', 'sync-export', { request });
    expect(data.progress).toEqual({ step: 'trigger', polls: 0 });
    expect(data.request.origin).toBe('api');
  });

  it('refuses unknown fields, so nothing unplanned (a secret, say) rides along in job data', () => {
    expect(() => parseJobData('export', 'sync-export', { request, token: 'x' })).toThrow(JobDataError);
  });

  it('names the bad field', () => {
    expect(() => parseJobData('import', 'sync-import', { request, runId: -1, exportedAt: 'now' })).toThrow(
      /runId: .*; exportedAt:/,
    );
  });

  it('refuses a job name the queue does not have', () => {
    // @ts-expect-error the type system refuses it too
    expect(() => parseJobData('export', 'sync-import', {})).toThrow(/has no job named/);
  });

  it('keeps finished jobs for the retention period', () => {
    const options = defaultJobOptions('export', 'sync-export', 3600);
    expect(options).toMatchObject({
      attempts: jobCatalog.export['sync-export'].options.attempts,
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 3600 },
    });
  });
});
