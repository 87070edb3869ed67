import { closeQueues, openQueues } from '@d2s/shared';
import { deletePrefix, uniquePrefix } from '@d2s/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type SyncEvent, SyncEventHub } from './sync-events.js';

/** The hub over real BullMQ queue events in a real Redis. */
describe('SyncEventHub', () => {
  const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
  const prefix = uniquePrefix('sync-events');
  const queues = openQueues(redis, prefix);
  const opened: Redis[] = [];
  const hub = (idleCloseMs: number) =>
    new SyncEventHub({
      prefix,
      idleCloseMs,
      connect: () => {
        const connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
        opened.push(connection);
        return connection;
      },
    });

  afterAll(async () => {
    await closeQueues(queues);
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  const until = async (what: string, check: () => boolean, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('opens no connection while nobody listens', async () => {
    const events = hub(1_000);
    await queues.export.add('sync-export', {} as never, { jobId: 'nobody-listens' });
    expect(events.listening).toBe(false);
    expect(opened).toHaveLength(0);
    await events.close();
  });

  it('tells a subscriber when it starts listening, then passes on its sync’s queue events only', async () => {
    const events = hub(1_000);
    const seen: SyncEvent[] = [];
    const unsubscribe = events.subscribe('sync-a', (event) => seen.push(event));
    await until('the listening notice', () => seen.some((e) => e.event === 'listening'));
    expect(seen[0]).toEqual({ event: 'listening', jobId: 'sync-a' });
    await queues.export.add('sync-export', {} as never, { jobId: 'sync-b' });
    await queues.export.add('sync-export', {} as never, { jobId: 'sync-a' });
    await until('the added event', () => seen.some((e) => e.event === 'added'));
    expect(seen.filter((e) => e.event !== 'listening').every((e) => e.jobId === 'sync-a')).toBe(true);
    expect(seen.find((e) => e.event === 'added')).toMatchObject({ queue: 'export', jobId: 'sync-a' });
    unsubscribe();
    await events.close();
  });

  it('stops listening once the last subscriber has been gone for idleCloseMs, and starts again on demand', async () => {
    const events = hub(50);
    const first = events.subscribe('sync-c', () => {});
    const second = events.subscribe('sync-d', () => {});
    expect(events.listening).toBe(true);
    first();
    first();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(events.listening).toBe(true);
    second();
    const connections = opened.slice(-2);
    await until('the listeners to stop', () => !events.listening);
    await until('their connections to end', () => connections.every((c) => c.status === 'end'));

    const seen: SyncEvent[] = [];
    const again = events.subscribe('sync-e', (event) => seen.push(event));
    expect(events.listening).toBe(true);
    await until('the listening notice', () => seen.some((e) => e.event === 'listening'));
    await queues.export.add('sync-export', {} as never, { jobId: 'sync-e' });
    await until('the added event', () => seen.some((e) => e.event === 'added'));
    again();
    await events.close();
    await until('every connection the hub opened to end', () => opened.every((c) => c.status === 'end'));
  });
});
