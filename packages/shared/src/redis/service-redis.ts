import type { RedisClient } from './connections.js';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../clock.js';
import type { D2sConfig } from '../config/load-config.js';
import { RedisPolicyError } from '../errors.js';
import { createRedisConnection, type RedisProfile, waitForRedis } from './connections.js';
import { checkEvictionPolicy } from './eviction-policy.js';

export interface ConnectServiceRedisOptions {
  /**
   * How long a worker keeps trying at start-up while Redis is away, restarting or failing over, before it gives
   * up and exits. A producer or commands connection (the API) does not wait: it fails fast, as it does for requests. @defaultValue 120000
   */
  workerStartupWaitMs?: number;
  /**
   * How long a producer or commands connection waits for Redis to be ready before start-up fails. A Cluster
   * connection is ready only after every node has answered and the slot table has been read, which on a starved
   * machine can take longer than one server's handshake. @defaultValue 10000
   */
  readyWaitMs?: number;
  clock?: Clock;
}

/**
 * The connection a service opens at start-up: connected, its errors logged,
 * and refused (or warned about) when Redis may evict jobs.
 *
 * A worker rides out a Redis that is not answering yet, as it does once
 * running: the first connection error, or a policy check that asked a
 * primary that has just died (a Redis Cluster failing over), is not the
 * answer. Only an unsafe policy, or no Redis for the whole wait, stops it.
 * Without this a worker process started during a failover exited at once,
 * leaving no worker of its kind (found by test/reliability/redis-cluster.test.ts).
 */
export async function connectServiceRedis(
  config: Pick<D2sConfig, 'redis'>,
  profile: RedisProfile,
  connectionName: string,
  logger: Logger,
  options: ConnectServiceRedisOptions = {},
): Promise<RedisClient> {
  const redis = createRedisConnection(config.redis, profile, connectionName);
  redis.on('error', (error) => logger.warn({ err: error }, 'Redis connection error'));
  const check = async (timeoutMs?: number) => {
    await waitForRedis(redis, timeoutMs);
    await checkEvictionPolicy(redis, config.redis.onUnsafeEvictionPolicy, logger);
  };
  if (profile !== 'worker') {
    await check(options.readyWaitMs);
    return redis;
  }
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + (options.workerStartupWaitMs ?? 120_000);
  for (let attempt = 1; ; attempt++) {
    try {
      await check(Math.max(1_000, Math.min(10_000, deadline - clock.now())));
      return redis;
    } catch (error) {
      if (isUnsafePolicy(error) || clock.now() >= deadline) {
        redis.disconnect();
        throw error;
      }
      logger.warn({ err: error, attempt }, 'Redis not usable yet at start-up; trying again');
      await clock.sleep(Math.min(250 * attempt, 2_000));
    }
  }
}

/** The policy was read and is unsafe: final. (Not being able to read it, or no primary, can pass with a failover.) */
function isUnsafePolicy(error: unknown): boolean {
  return error instanceof RedisPolicyError && typeof error.details.policy === 'string';
}
