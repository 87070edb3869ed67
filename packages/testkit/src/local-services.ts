import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';

/**
 * What tests and the local stack (scripts/: demo, benchmarks) both need to
 * find their way on this machine. The one part of the testkit that is built
 * (tsconfig.json), because scripts/ run from dist.
 */

/** The repository's root, from src/ or dist/ alike. */
export const ROOT = resolve(import.meta.dirname, '../../..');

/** A loopback port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Whether a Redis answers PING at `url`, within a second and without retrying. */
export async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
