import { Cluster, type Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RedisPolicyError } from '../errors.js';
import type { RedisClient } from './connections.js';

/**
 * BullMQ keeps jobs as ordinary keys: any maxmemory policy but `noeviction`
 * lets Redis delete them under memory pressure, silently losing syncs.
 * Returns the policy found; throws or warns, as configured, when it is unsafe.
 */
export async function checkEvictionPolicy(
  redis: RedisClient,
  onUnsafe: 'refuse' | 'warn',
  logger?: Pick<Logger, 'warn'>,
): Promise<string> {
  // On a cluster every primary holds keys (and a replica promoted later inherits its own setting): check them all.
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  if (nodes.length === 0)
    throw new RedisPolicyError('Redis Cluster reports no primary nodes; cannot check maxmemory-policy.');
  let policy = 'noeviction';
  let node: string | undefined;
  for (const server of nodes) {
    policy = await readPolicy(server);
    if (policy === 'noeviction') continue;
    if (redis instanceof Cluster) node = `${server.options.host}:${server.options.port}`;
    break;
  }
  if (policy === 'noeviction') return policy;
  const message = `Redis maxmemory-policy is "${policy}"${node ? ` on ${node}` : ''}; d2s needs "noeviction" or Redis may delete queued jobs under memory pressure. Run: CONFIG SET maxmemory-policy noeviction (and set it in redis.conf${node ? ' of every primary' : ''}).`;
  if (onUnsafe === 'refuse') {
    throw new RedisPolicyError(`${message} To start anyway, set redis.onUnsafeEvictionPolicy: warn.`, {
      details: { policy, ...(node ? { node } : {}) },
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
