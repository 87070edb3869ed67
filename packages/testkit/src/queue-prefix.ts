import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@d2s/shared';
import { Cluster, type Redis } from 'ioredis';

/** A hash-tagged prefix no other test uses, so tests sharing one Redis never see each other's jobs. */
export function uniquePrefix(label = 'test'): string {
  return `{d2s-${label}-${randomUUID().slice(0, 8)}}`;
}

/** Deletes every key under a prefix (SCAN, never KEYS, so a shared Redis is not blocked). */
export async function deletePrefix(redis: RedisClient, prefix: string): Promise<number> {
  // On a Cluster SCAN sees one node: ask every primary (a hash-tagged prefix lives on one of them).
  if (redis instanceof Cluster) {
    const counts = await Promise.all(redis.nodes('master').map((node) => deleteOnNode(node, prefix)));
    return counts.reduce((a, b) => a + b, 0);
  }
  return deleteOnNode(redis, prefix);
}

async function deleteOnNode(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
