import type { Job } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import { snapshotOf } from './job-snapshot.js';

const fakeJob = (state: string, fields: Partial<Job>): Job =>
  ({
    data: {},
    progress: 0,
    returnvalue: null,
    timestamp: 1,
    attemptsMade: 0,
    getState: async () => state,
    ...fields,
  }) as unknown as Job;

describe('snapshotOf', () => {
  it('re-reads a job that finished between reading its fields and its state', async () => {
    const stale = fakeJob('failed', { failedReason: undefined, finishedOn: undefined });
    const fresh = fakeJob('failed', { failedReason: 'LOAD_FAILED: boom', finishedOn: 9 });
    const reload = vi.fn(async () => fresh);
    const snapshot = await snapshotOf(stale, reload);
    expect(reload).toHaveBeenCalledOnce();
    expect(snapshot).toMatchObject({ state: 'failed', failedReason: 'LOAD_FAILED: boom', finishedOn: 9 });
  });

  it('does not re-read a job whose fields already match its state', async () => {
    const reload = vi.fn(async () => undefined);
    await snapshotOf(fakeJob('failed', { failedReason: 'X: y', finishedOn: 5 }), reload);
    await snapshotOf(fakeJob('active', {}), reload);
    expect(reload).not.toHaveBeenCalled();
  });
});
