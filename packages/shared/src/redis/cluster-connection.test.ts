import { sleep, startRedisCluster, type TestRedisCluster } from '@d2s/testkit';
import { RedisConnection } from 'bullmq';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterConnection } from './cluster-connection.js';

/** Resolves to what happened first: the promise settling, or `timed out` after `ms`. */
function settledWithin(promise: Promise<unknown>, ms: number): Promise<string> {
  return Promise.race([
    promise.then(
      () => 'settled',
      (error: Error) => `rejected: ${error.message}`,
    ),
    sleep(ms).then(() => 'timed out'),
  ]);
}

/**
 * ClusterConnection against a real local Redis Cluster. Each case states what ioredis' own Cluster (5.11) does
 * instead, seen on this machine with the same steps; the source is ioredis' lib/cluster/index.ts (the pool's
 * `drain` listener sets `close` every time) and lib/cluster/ConnectionPool.ts (a removed node's `end` reports
 * `drain` whenever the pool is empty), and BullMQ's src/classes/redis-connection.ts (`reconnect()` and
 * `disconnect()` wait for `ready` / `end` events).
 */
describe('ClusterConnection', () => {
  let cluster: TestRedisCluster;
  const seeds = () => cluster.nodes.map((node) => ({ host: '127.0.0.1', port: Number(node.split(':')[1]) }));

  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('stays ended after a disconnect (ioredis: flips back to "close" as each node ends, with no event to follow)', async () => {
    const client = new ClusterConnection(seeds());
    client.on('error', () => {});
    await new Promise((resolve) => client.once('ready', resolve));
    const events: string[] = [];
    for (const event of ['close', 'end', 'reconnecting', 'ready']) client.on(event, () => events.push(event));

    client.disconnect();
    await new Promise((resolve) => client.once('end', resolve));
    await sleep(300); // every node's late `end` has arrived by now
    expect(client.status).toBe('end');
    expect(events).toEqual(['close', 'end']);
  });

  it('ends at once when disconnected between reconnect attempts (ioredis: stays "disconnecting" for good)', async () => {
    // Nothing listens on port 1: the cluster cycles through `reconnecting` with no node connected, as it does
    // while a failover leaves it nothing to connect to.
    const client = new ClusterConnection([{ host: '127.0.0.1', port: 1 }], { clusterRetryStrategy: () => 200 });
    client.on('error', () => {});
    await new Promise((resolve) => client.once('reconnecting', resolve));
    const ended = new Promise((resolve) => client.once('end', resolve));
    client.disconnect();
    expect(await settledWithin(ended, 2_000)).toBe('settled');
    expect(client.status).toBe('end');
  });

  it("lets BullMQ's blocking connection disconnect and reconnect (ioredis: reconnect and a second disconnect hang)", async () => {
    // The path BullMQ takes when its blocking fetch's watchdog fires or a worker pauses or closes: disconnect,
    // then reconnect (or disconnect again). With ioredis' Cluster both of the last two never settle.
    const client = new ClusterConnection(seeds(), { redisOptions: { maxRetriesPerRequest: null } });
    const connection = new RedisConnection(client, { shared: false, blocking: true });
    connection.on('error', () => {});
    await connection.client;
    try {
      expect(await settledWithin(connection.disconnect(true), 5_000)).toBe('settled');
      await sleep(300);
      expect(await settledWithin(connection.reconnect(), 5_000)).toBe('settled');
      await client.set('{d2s-cluster-connection}:probe', 'ok');
      expect(await client.get('{d2s-cluster-connection}:probe')).toBe('ok');
      expect(await settledWithin(connection.disconnect(true), 5_000)).toBe('settled');
    } finally {
      client.disconnect();
    }
  }, 30_000);

  it('duplicates as itself, as BullMQ does for a worker’s blocking connection', () => {
    const client = new ClusterConnection(seeds(), { lazyConnect: true });
    const copy = client.duplicate([], { redisOptions: { connectionName: 'copy' } });
    expect(copy).toBeInstanceOf(ClusterConnection);
    expect(copy).toBeInstanceOf(Cluster);
    expect(copy.options.redisOptions?.connectionName).toBe('copy');
    copy.disconnect();
    client.disconnect();
  });
});
