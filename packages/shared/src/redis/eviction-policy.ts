import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RedisPolicyError } from '../errors.js';

/**
 * BullMQ keeps jobs as ordinary keys: any maxmemory policy but `noeviction`
 * lets Redis delete them under memory pressure, silently losing syncs.
 * Returns the policy found; throws or warns, as configured, when it is unsafe.
 */
export async function checkEvictionPolicy(
  redis: Redis,
  onUnsafe: 'refuse' | 'warn',
  logger?: Pick<Logger, 'warn'>,
): Promise<string> {
  const policy = await readPolicy(redis);
  if (policy === 'noeviction') return policy;
  const message = `Redis maxmemory-policy is "${policy}"; d2s needs "noeviction" or Redis may delete queued jobs under memory pressure. Run: CONFIG SET maxmemory-policy noeviction (and set it in redis.conf).`;
  if (onUnsafe === 'refuse') {
    throw new RedisPolicyError(`${message} To start anyway, set redis.onUnsafeEvictionPolicy: warn.`, {
      details: { policy },
    });
  }
  logger?.warn({ policy }, message);
  return policy;
}

async function readPolicy(redis: Redis): Promise<string> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    if (reply[1]) return reply[1];
  } catch {
    // Managed Redis services often disable CONFIG; INFO still reports the policy.
  }
  const info = await redis.info('memory');
  const match = /maxmemory_policy:(\S+)/.exec(info);
  if (!match?.[1])
    throw new RedisPolicyError('Cannot read Redis maxmemory-policy (neither CONFIG GET nor INFO memory answered).');
  return match[1];
}
