import { JobLockLostError, loadConfig } from '@d2s/shared';
import type { SnowflakeClient } from '@d2s/shared/snowflake';
import type { Job } from 'bullmq';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createImportProcessor } from './import-processor.js';

const YAML = `
datasets:
  forecasts:
    databricks: { jobId: 1001 }
    export: { s3Prefix: s3://bucket/exports/forecasts, cleanup: after-load }
    snowflake:
      stage: { database: D2S, schema: PUBLIC, name: EXPORTS }
      stageUrl: s3://bucket/exports/
      table: { database: D2S, schema: PUBLIC, name: FORECASTS }
`;

const config = loadConfig({ env: { D2S_CONFIG: '/etc/d2s.yaml' }, cwd: '/srv', readFile: () => YAML });

/** An attempt that finds a verified load saved by an earlier one: all it has left is the cleanup and the sync's end. */
function verifiedImportJob(): Job {
  const syncId = 'sync_01JLOCKLOST00000001';
  const stagePath = `forecasts/${syncId}/`;
  return {
    id: 'import-1',
    name: 'sync-import',
    attemptsMade: 1,
    attemptsStarted: 2,
    opts: { attempts: 5 },
    data: {
      request: {
        syncId,
        dataset: 'forecasts',
        parameters: {},
        attempt: 1,
        requestedAt: '2026-12-01T10:00:00.000Z',
        outputUrl: `s3://bucket/exports/${stagePath}`,
        stagePath,
        origin: 'api',
      },
      runId: 42,
      exportedAt: '2026-12-01T10:05:00.000Z',
      verifiedLoad: { mode: 'append', stagePath, files: [], rowsLoaded: 10, queryIds: [] },
    },
    updateData: vi.fn(async () => {}),
    updateProgress: vi.fn(async () => {}),
  } as unknown as Job;
}

describe('the import processor after a lost lock', () => {
  it('removes no files and records no end once BullMQ says another worker may hold the job', async () => {
    const execute = vi.fn();
    const releaseDataset = vi.fn();
    const processImport = createImportProcessor({
      config,
      snowflake: { execute, transaction: vi.fn() },
      syncs: { isCancelRequested: vi.fn(async () => false), releaseDataset, get: vi.fn() },
      logger: pino({ level: 'silent' }),
    });
    const lockLost = new AbortController();
    lockLost.abort();

    const outcome = processImport(verifiedImportJob(), 'token', lockLost.signal);

    await expect(outcome).rejects.toBeInstanceOf(JobLockLostError);
    await expect(outcome).rejects.toMatchObject({ code: 'JOB_LOCK_LOST', details: { step: 'clean-up' } });
    // No REMOVE of the run's files, and no sync end recorded (that releases the dataset first).
    expect(execute).not.toHaveBeenCalled();
    expect(releaseDataset).not.toHaveBeenCalled();
  });

  it('with its lock held, the same attempt removes the run’s files and reports the saved load', async () => {
    const execute = vi.fn(async () => ({
      queryId: 'q-1',
      rows: [{ name: 'f1' }, { name: 'f2' }],
      statementType: 'REMOVE',
    }));
    const processImport = createImportProcessor({
      config,
      // A REMOVE's answer: one row per file removed.
      snowflake: { execute: execute as unknown as SnowflakeClient['execute'], transaction: vi.fn() },
      syncs: {
        isCancelRequested: vi.fn(async () => false),
        releaseDataset: vi.fn(async () => {}),
        get: vi.fn(async () => undefined),
      },
      logger: pino({ level: 'silent' }),
    });

    const report = await processImport(verifiedImportJob(), 'token', new AbortController().signal);

    expect(execute).toHaveBeenCalledTimes(1);
    expect(String((execute.mock.calls[0] as unknown[])[0])).toMatch(/^REMOVE /);
    expect(report).toMatchObject({
      rowsLoaded: 10,
      cleanup: { policy: 'after-load', status: 'removed', filesRemoved: 2 },
    });
  });
});
