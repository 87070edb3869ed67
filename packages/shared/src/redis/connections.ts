import { readFileSync } from 'node:fs';
import { type Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { D2sConfig } from '../config/load-config.js';
import { ClusterConnection } from './cluster-connection.js';

/** A connection to one Redis server or to a Redis Cluster: d2s uses only what both offer. */
export type RedisClient = Redis | Cluster;

/** The part of the config that says where Redis is and how to log in. */
export type RedisSettings = Pick<D2sConfig['redis'], 'url' | 'cluster' | 'tls' | 'username' | 'password'>;

/**
 * Three kinds of Redis connection:
 * - `producer` (BullMQ Queues in the API and schedulers): fail fast, so an HTTP
 *   request gets a 503 instead of hanging while Redis is away, as BullMQ's
 *   production guide asks;
 * - `worker` (BullMQ Workers, QueueEvents): retry forever; BullMQ requires
 *   `maxRetriesPerRequest: null` on blocking connections;
 * - `commands` (d2s's own keys only: the sync index, rate-limit counters,
 *   locks, idempotency keys): a producer that also auto-pipelines, so the
 *   commands many concurrent requests issue in one event-loop tick leave in
 *   one socket write (https://github.com/redis/ioredis#autopipelining). Never
 *   hand it to BullMQ: its Workers and QueueEvents block (BZPOPMIN, XREAD
 *   BLOCK), and a blocked command holds up every command batched with it;
 *   and auto-pipelined BullMQ connections were reported to fail jobs with
 *   "Job is not in the active list" (taskforcesh/bullmq#457).
 */
export type RedisProfile = 'producer' | 'worker' | 'commands';

export function redisOptionsFor(profile: RedisProfile): RedisOptions {
  if (profile === 'worker') return { maxRetriesPerRequest: null, enableReadyCheck: true, connectTimeout: 10_000 };
  const producer: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    lazyConnect: false,
  };
  return profile === 'commands' ? { ...producer, enableAutoPipelining: true } : producer;
}

/** Opens a connection: a URL string (tests, tools) or the config's settings, which may name a Cluster. */
export function createRedisConnection(url: string, profile: RedisProfile, connectionName?: string): Redis;
export function createRedisConnection(
  settings: RedisSettings,
  profile: RedisProfile,
  connectionName?: string,
): RedisClient;
export function createRedisConnection(
  target: string | RedisSettings,
  profile: RedisProfile,
  connectionName?: string,
): RedisClient {
  const named = connectionName ? { connectionName } : {};
  if (typeof target === 'string') return new Redis(target, { ...redisOptionsFor(profile), ...named });
  const login: RedisOptions = {
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password.reveal() } : {}),
    ...tlsOptions(target.tls),
  };
  if (!target.cluster) return new Redis(target.url, { ...redisOptionsFor(profile), ...named, ...login });
  return new ClusterConnection(target.cluster.nodes.map(seedNode), clusterOptionsFor(profile, { ...named, ...login }));
}

/**
 * Cluster connections: the profile's per-node options, and the cluster's own
 * offline queue set the same way (a producer fails fast while the cluster is
 * down or failing over; a worker waits). Slots are re-read quickly so a
 * promoted replica takes over within a second or two of the cluster noticing.
 */
export function clusterOptionsFor(profile: RedisProfile, redisOptions: RedisOptions = {}): ClusterOptions {
  const { enableOfflineQueue: _perNode, enableAutoPipelining, ...perNode } = redisOptionsFor(profile);
  return {
    redisOptions: { ...perNode, ...redisOptions },
    enableOfflineQueue: profile === 'worker',
    // The Cluster client batches per node (commands grouped by their slot's node); its node connections need not.
    ...(enableAutoPipelining ? { enableAutoPipelining } : {}),
    enableReadyCheck: true,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 100,
    // Until the cluster notices a dead primary (cluster-node-timeout, then the election) its slots still point
    // there, and each retry costs one redirection. 16 (ioredis' default) is spent in about 3 s, so a worker's
    // start-up write (the cleanup sweep's scheduler) failed mid-failover and the process exited (seen in
    // test/reliability/redis-cluster.test.ts). A worker waits: about 30 s of redirections at 200 ms each.
    maxRedirections: profile === 'worker' ? 150 : 16,
    retryDelayOnMoved: profile === 'worker' ? 100 : 0,
    slotsRefreshTimeout: 2_000,
    clusterRetryStrategy: (times) => Math.min(100 * times, 2_000),
  };
}

function seedNode(node: string): { host: string; port: number } {
  const at = node.lastIndexOf(':');
  return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
}

function tlsOptions(tls: RedisSettings['tls']): RedisOptions {
  if (tls === undefined || tls === false) return {};
  if (tls === true || tls.caFile === undefined) return { tls: {} };
  return { tls: { ca: readFileSync(tls.caFile) } };
}

/** Resolves once the connection is ready, or rejects with the connection error. */
export async function waitForRedis(redis: RedisClient, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`Redis not ready after ${timeoutMs} ms`)), timeoutMs);
    const onReady = () => done();
    const onError = (error: Error) => {
      // A producer connection reports each failed attempt; the first one is the answer.
      done(error);
    };
    function done(error?: Error) {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      if (error) reject(error);
      else resolve();
    }
    redis.once('ready', onReady);
    redis.once('error', onError);
  });
}
