import { Redis, type RedisOptions } from 'ioredis';

/**
 * Two kinds of Redis connection, as BullMQ's production guide asks:
 * - `producer` (the API, schedulers): fail fast, so an HTTP request gets a 503
 *   instead of hanging while Redis is away;
 * - `worker` (BullMQ Workers, QueueEvents): retry forever; BullMQ requires
 *   `maxRetriesPerRequest: null` on blocking connections.
 */
export type RedisProfile = 'producer' | 'worker';

export function redisOptionsFor(profile: RedisProfile): RedisOptions {
  if (profile === 'producer') {
    return { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 5_000, lazyConnect: false };
  }
  return { maxRetriesPerRequest: null, enableReadyCheck: true, connectTimeout: 10_000 };
}

export function createRedisConnection(url: string, profile: RedisProfile, connectionName?: string): Redis {
  return new Redis(url, { ...redisOptionsFor(profile), ...(connectionName ? { connectionName } : {}) });
}

/** Resolves once the connection is ready, or rejects with the connection error. */
export async function waitForRedis(redis: Redis, timeoutMs = 10_000): Promise<void> {
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
