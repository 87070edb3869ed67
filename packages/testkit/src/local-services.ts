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

/**
 * Polls until `check` resolves true (a rejection counts as not yet), or fails naming `what`, with whatever
 * `explain` gives (process output, cluster state) to say why.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
  explain?: () => string | Promise<string>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 100));
  }
  const why = explain ? `\n--- output ---\n${(await explain()).slice(-4_000)}` : '';
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${why}`);
}
