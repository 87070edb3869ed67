import { describe, expect, it } from 'vitest';
import { sleep } from './clock.js';

describe('sleep', () => {
  it('resolves after the wait; a negative wait is no wait', async () => {
    const started = performance.now();
    await sleep(20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    await expect(sleep(-5)).resolves.toBeUndefined();
  });

  it("rejects with the signal's own reason when it aborts during the wait", async () => {
    const controller = new AbortController();
    const reason = new Error('shutting down');
    const waiting = sleep(60_000, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });

  it('rejects at once when the signal has already aborted', async () => {
    const reason = new Error('already gone');
    await expect(sleep(60_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });
});
