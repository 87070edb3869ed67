import type { NotificationEvent } from '@d2s/shared';
import { sleep } from '@d2s/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type MirrorStack, startMirrorStack } from './support/mirror-stack.js';

/**
 * mirror.run.finished (#15): told once a run's last table action has ended, whichever job ends last, with
 * the actions counted; through the mirror routes and worker over both emulators.
 */
describe('mirror.run.finished', () => {
  let stack: MirrorStack;
  const events: NotificationEvent[] = [];

  beforeAll(async () => {
    stack = await startMirrorStack({
      redisUrl: inject('redisUrl'),
      mirrorYaml: 'mirror:\n  catalogs:\n    - { name: weather }\n',
      notifications: { emit: async (event) => void events.push(event) },
    });
  }, 60_000);
  afterAll(() => stack?.close());

  it('is emitted when the run has applied all its actions, once, with the counts the run shows', async () => {
    const started = await stack.request('POST', '/v1/mirror/runs', {});
    expect(started.status).toBe(202);
    const runId = started.body.id as string;
    const run = await stack.waitForRun(runId);
    expect(run.status).toBe('succeeded');
    // The event is queued by the job that ended last, just before its own completion is recorded.
    const deadline = Date.now() + 5_000;
    while (!events.some((e) => e.data.mirrorRunId === runId) && Date.now() < deadline) await sleep(20);
    const finished = events.filter((e) => e.data.mirrorRunId === runId);
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({
      type: 'mirror.run.finished',
      data: { mirrorRunId: runId, status: 'succeeded', counts: { succeeded: run.counts.succeeded, failed: 0 } },
    });
    expect(run.counts.succeeded).toBeGreaterThan(1);

    // Run again over the unchanged catalog: nothing to do, finished at once, a new event.
    const again = await stack.request('POST', '/v1/mirror/runs', {});
    await stack.waitForRun(again.body.id as string);
    while (!events.some((e) => e.data.mirrorRunId === again.body.id) && Date.now() < deadline + 5_000) await sleep(20);
    expect(events.find((e) => e.data.mirrorRunId === again.body.id)).toMatchObject({
      data: { status: 'succeeded', counts: { succeeded: 0, failed: 0, skipped: 0 } },
    });
  }, 120_000);
});
