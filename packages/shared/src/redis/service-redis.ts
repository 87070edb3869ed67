import type { RedisClient } from './connections.js';
import type { Logger } from 'pino';
import type { D2sConfig } from '../config/load-config.js';
import { createRedisConnection, type RedisProfile, waitForRedis } from './connections.js';
import { checkEvictionPolicy } from './eviction-policy.js';

/**
 * The connection a service opens at start-up: connected, its errors logged,
 * and refused (or warned about) when Redis may evict jobs.
 */
export async function connectServiceRedis(
  config: Pick<D2sConfig, 'redis'>,
  profile: RedisProfile,
  connectionName: string,
  logger: Logger,
): Promise<RedisClient> {
  const redis = createRedisConnection(config.redis, profile, connectionName);
  redis.on('error', (error) => logger.warn({ err: error }, 'Redis connection error'));
  await waitForRedis(redis);
  await checkEvictionPolicy(redis, config.redis.onUnsafeEvictionPolicy, logger);
  return redis;
}
