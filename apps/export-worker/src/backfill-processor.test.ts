import { type BackfillStep, D2sMetrics, type NotificationEvent } from '@d2s/shared';
import { DelayedError, type Job } from 'bullmq';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createBackfillProcessor } from './backfill-processor.js';

/** The backfill processor's own bookkeeping: its looks counted, backfill.finished told once it ends. */
describe('backfill processor', () => {
  const data = {
    backfillId: `backfill_${'0'.repeat(26)}`,
    dataset: 'forecasts',
    parameter: 'day',
    from: '2026-11-01',
    to: '2026-11-02',
    step: '1d',
    values: ['2026-11-01', '2026-11-02'],
    parameters: {},
    maxConcurrent: 1,
    requestedAt: '2026-11-30T00:00:00.000Z',
    started: {},
  };

  function setUp(steps: BackfillStep[]) {
    const metrics = new D2sMetrics({ service: 'test', defaultMetrics: false });
    const events: NotificationEvent[] = [];
    const moved: number[] = [];
    const job = {
      id: data.backfillId,
      data,
      attemptsMade: 0,
      opts: { attempts: 3 },
      updateData: async () => undefined,
      moveToDelayed: async (at: number) => void moved.push(at),
    } as unknown as Job;
    const processor = createBackfillProcessor({
      backfills: { advance: async () => steps.shift() as BackfillStep },
      config: { workers: { export: { pollInitialMs: 1_000 } } } as never,
      logger: pino({ level: 'silent' }),
      metrics,
      notifications: { emit: async (event) => void events.push(event) },
      now: () => Date.parse('2026-12-01T00:00:00Z'),
    });
    const looks = async (outcome: string) =>
      (await metrics.backfillLooks.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
    return { processor, job, events, moved, looks };
  }

  it('counts a look that parks, then the look that finishes, and tells backfill.finished with the counts', async () => {
    const { processor, job, events, moved, looks } = setUp([
      { done: false },
      { done: true, result: { status: 'failed', counts: { succeeded: 1, failed: 1 } } },
    ]);
    await expect(processor(job, 'token')).rejects.toBeInstanceOf(DelayedError);
    expect(moved).toHaveLength(1);
    expect(await looks('waiting')).toBe(1);
    expect(events).toEqual([]);

    expect(await processor(job, 'token')).toEqual({ status: 'failed', counts: { succeeded: 1, failed: 1 } });
    expect(await looks('finished')).toBe(1);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'backfill.finished',
        timestamp: '2026-12-01T00:00:00.000Z',
        data: {
          backfillId: data.backfillId,
          dataset: 'forecasts',
          parameter: 'day',
          from: '2026-11-01',
          to: '2026-11-02',
          status: 'failed',
          counts: { succeeded: 1, failed: 1 },
        },
      }),
    ]);
  });
});
