import { sleep } from '@d2s/testkit';
import { describe, expect, it } from 'vitest';
import { ConnectionPool } from './pool.js';

interface Conn {
  id: number;
  up: boolean;
}

function factory(options: { fail?: () => Error | undefined } = {}) {
  let next = 0;
  const destroyed: number[] = [];
  return {
    destroyed,
    created: () => next,
    factory: {
      create: async (): Promise<Conn> => {
        const error = options.fail?.();
        if (error) throw error;
        next += 1;
        return { id: next, up: true };
      },
      destroy: async (conn: Conn) => {
        destroyed.push(conn.id);
      },
      isUsable: (conn: Conn) => conn.up,
    },
  };
}

describe('ConnectionPool', () => {
  it('reuses released connections and caps the number open', async () => {
    const f = factory();
    const pool = new ConnectionPool(f.factory, { max: 2 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    let third: Conn | undefined;
    const waiting = pool.acquire().then((c) => {
      third = c;
    });
    await sleep(5);
    expect(third).toBeUndefined();
    pool.release(a);
    await waiting;
    expect(third).toBe(a);
    expect(f.created()).toBe(2);
    pool.release(b);
    pool.release(a);
    expect(pool.idleCount).toBe(2);
  });

  it('rejects the waiting acquire with the login error, and frees the slot', async () => {
    let failures = 1;
    const f = factory({ fail: () => (failures-- > 0 ? new Error('login refused') : undefined) });
    const pool = new ConnectionPool(f.factory, { max: 1 });
    await expect(pool.acquire()).rejects.toThrow('login refused');
    expect(pool.size).toBe(0);
    await expect(pool.acquire()).resolves.toMatchObject({ id: 1 });
  });

  it('destroy forces a fresh connection', async () => {
    const f = factory();
    const pool = new ConnectionPool(f.factory, { max: 1 });
    const a = await pool.acquire();
    await pool.destroy(a);
    const b = await pool.acquire();
    expect(b.id).toBe(2);
    expect(f.destroyed).toEqual([1]);
  });

  it('skips idle connections that are down or stale', async () => {
    let now = 0;
    const f = factory();
    const pool = new ConnectionPool(f.factory, { max: 2, idleTimeoutMs: 100, now: () => now });
    const a = await pool.acquire();
    const b = await pool.acquire();
    pool.release(a);
    pool.release(b);
    b.up = false;
    expect((await pool.acquire()).id).toBe(3 - 2); // b is down: a (id 1) is used
    now = 1000;
    pool.release(a);
    now = 2000;
    expect((await pool.acquire()).id).toBe(3);
    expect(f.destroyed.sort()).toEqual([1, 2]);
  });

  it('an aborted acquire leaves the queue', async () => {
    const f = factory();
    const pool = new ConnectionPool(f.factory, { max: 1 });
    const a = await pool.acquire();
    const controller = new AbortController();
    const pending = pool.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    pool.release(a);
    expect(pool.idleCount).toBe(1);
  });

  it('close waits for connections in use, then closes everything', async () => {
    const f = factory();
    const pool = new ConnectionPool(f.factory, {
      max: 2,
      closedError: () => new Error('closed'),
    });
    const a = await pool.acquire();
    const b = await pool.acquire();
    pool.release(b);
    let closed = false;
    const closing = pool.close().then(() => {
      closed = true;
    });
    await expect(pool.acquire()).rejects.toThrow('closed');
    await sleep(5);
    expect(closed).toBe(false);
    pool.release(a);
    await closing;
    expect(f.destroyed.sort()).toEqual([1, 2]);
  });
});
