import { describe, expect, it } from 'vitest';
import { RequestLimiter } from './request-limiter.js';
import { FakeClock } from '@d2s/testkit/fake-clock';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('RequestLimiter', () => {
  it('never runs more than maxConcurrent tasks at once, and serves waiters in order', async () => {
    const limiter = new RequestLimiter({ maxConcurrent: 2, requestsPerSecond: 1000 }, new FakeClock());
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    let running = 0;
    let peak = 0;
    const runs = gates.map((gate, index) =>
      limiter.run(async () => {
        started.push(index);
        running++;
        peak = Math.max(peak, running);
        await gate.promise;
        running--;
        return index;
      }),
    );
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    expect(limiter.waiting).toBe(2);
    gates[1]?.resolve();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    for (const gate of gates) gate.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(peak).toBe(2);
    expect(limiter.active).toBe(0);
  });

  it('releases the slot when a task throws', async () => {
    const limiter = new RequestLimiter({ maxConcurrent: 1, requestsPerSecond: 1000 }, new FakeClock());
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'ok')).toBe('ok');
    expect(limiter.active).toBe(0);
  });

  it('lets a burst of one second through, then paces requests at the configured rate', async () => {
    const clock = new FakeClock();
    const limiter = new RequestLimiter({ maxConcurrent: 100, requestsPerSecond: 5 }, clock);
    const startedAt: number[] = [];
    const start = clock.now();
    for (let i = 0; i < 15; i++) {
      await limiter.run(async () => {
        startedAt.push(clock.now() - start);
      });
    }
    // 5 immediately, then one every 200 ms.
    expect(startedAt.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(startedAt.slice(5)).toEqual([200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000]);
  });

  it('refills tokens while idle, up to one second of burst', async () => {
    const clock = new FakeClock();
    const limiter = new RequestLimiter({ maxConcurrent: 10, requestsPerSecond: 2 }, clock);
    for (let i = 0; i < 2; i++) await limiter.run(async () => undefined);
    clock.advance(60_000);
    for (let i = 0; i < 2; i++) await limiter.run(async () => undefined);
    expect(clock.sleeps).toEqual([]);
    await limiter.run(async () => undefined);
    expect(clock.sleeps).toEqual([500]);
  });

  it('gives up a queued slot when the caller aborts', async () => {
    const limiter = new RequestLimiter({ maxConcurrent: 1, requestsPerSecond: 1000 }, new FakeClock());
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    const controller = new AbortController();
    const second = limiter.run(async () => 'never', controller.signal);
    controller.abort(new Error('stop'));
    await expect(second).rejects.toThrow('stop');
    expect(limiter.waiting).toBe(0);
    gate.resolve();
    await first;
    expect(limiter.active).toBe(0);
  });

  it('rejects nonsense limits', () => {
    expect(() => new RequestLimiter({ maxConcurrent: 0, requestsPerSecond: 1 }, new FakeClock())).toThrow(RangeError);
    expect(() => new RequestLimiter({ maxConcurrent: 1, requestsPerSecond: 0 }, new FakeClock())).toThrow(RangeError);
  });
});
