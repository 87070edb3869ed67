import type { RedisClient } from '../redis/connections.js';
import { waitForRedis } from '../redis/connections.js';
import { checkEvictionPolicy } from '../redis/eviction-policy.js';
import { type DoctorCheck, errorText, fail, ok, warn } from './check.js';

/** What the queue checks read of a BullMQ Queue. */
export interface QueueProbe {
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  getWorkersCount(): Promise<number>;
}

export interface RedisCheckDeps {
  redis: RedisClient;
  /** The d2s queues by name (export, import, mirror). */
  queues: Record<string, QueueProbe>;
  /** Where Redis is, for messages: the URL without credentials. */
  where: string;
}

/** BullMQ refuses Redis below 5.0.0 and recommends 6.2.0 or newer (bullmq RedisConnection.minimumVersion). */
const MINIMUM_VERSION = [5, 0, 0];
const RECOMMENDED_VERSION = [6, 2, 0];

/**
 * Redis as d2s needs it: reachable, a version BullMQ supports, `noeviction`, and per queue what waits and
 * which workers listen (the details /readyz keeps to itself).
 */
export async function redisChecks(deps: RedisCheckDeps): Promise<DoctorCheck[]> {
  try {
    // A fail-fast connection refuses commands until it is ready: give it a moment to connect first.
    await waitForRedis(deps.redis, 5_000);
    await deps.redis.ping();
  } catch (error) {
    return [
      fail(
        'redis.reachable',
        `Redis at ${deps.where} does not answer: ${errorText(error)}`,
        'Start Redis or point redis.url / REDIS_URL at it; every d2s service needs it.',
      ),
    ];
  }
  const checks: DoctorCheck[] = [ok('redis.reachable', `Redis at ${deps.where} answers`)];
  checks.push(await versionCheck(deps.redis));
  checks.push(await evictionCheck(deps.redis));
  for (const [name, queue] of Object.entries(deps.queues)) checks.push(await queueCheck(name, queue));
  return checks;
}

async function versionCheck(redis: RedisClient): Promise<DoctorCheck> {
  const id = 'redis.version';
  try {
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1];
    if (version === undefined) {
      return warn(id, 'Redis did not report its version (INFO server)', 'Make sure Redis is 6.2 or newer.');
    }
    const parts = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
    if (lower(parts, MINIMUM_VERSION)) {
      return fail(id, `Redis ${version} is older than 5.0.0, which BullMQ needs`, 'Upgrade Redis to 6.2 or newer.');
    }
    if (lower(parts, RECOMMENDED_VERSION)) {
      return warn(id, `Redis ${version} works, but BullMQ recommends 6.2.0 or newer`, 'Upgrade Redis to 6.2 or newer.');
    }
    return ok(id, `Redis ${version}`);
  } catch (error) {
    return warn(id, `Cannot read the Redis version: ${errorText(error)}`, 'Make sure Redis is 6.2 or newer.');
  }
}

function lower(version: number[], than: number[]): boolean {
  for (let i = 0; i < than.length; i++) {
    const a = version[i] ?? 0;
    const b = than[i] ?? 0;
    if (a !== b) return a < b;
  }
  return false;
}

async function evictionCheck(redis: RedisClient): Promise<DoctorCheck> {
  const id = 'redis.eviction-policy';
  try {
    const policy = await checkEvictionPolicy(redis, 'refuse');
    return ok(id, `maxmemory-policy is ${policy}`);
  } catch (error) {
    const policy = (error as { details?: { policy?: unknown } }).details?.policy;
    if (typeof policy === 'string') {
      return fail(
        id,
        `maxmemory-policy is ${policy}: RedisClient may delete queued jobs under memory pressure, and d2s's services refuse to start`,
        'Run CONFIG SET maxmemory-policy noeviction and set it in redis.conf (managed Redis: its parameter group).',
      );
    }
    return warn(
      id,
      `Cannot read maxmemory-policy: ${errorText(error)}`,
      'Make sure Redis runs with maxmemory-policy noeviction.',
    );
  }
}

async function queueCheck(name: string, queue: QueueProbe): Promise<DoctorCheck> {
  const id = `redis.queue.${name}`;
  let counts: Record<string, number>;
  try {
    counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children');
  } catch (error) {
    return warn(id, `Cannot read queue ${name}: ${errorText(error)}`, 'Check that redis.prefix matches the services.');
  }
  const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
  const depth = `${waiting} waiting, ${counts.active ?? 0} active, ${counts.delayed ?? 0} delayed, ${counts.failed ?? 0} failed`;
  let workers: number;
  try {
    workers = await queue.getWorkersCount();
  } catch (error) {
    // Managed Redis services may disable CLIENT LIST, which BullMQ reads workers from.
    return warn(
      id,
      `queue ${name}: ${depth}; workers unknown (${errorText(error)})`,
      'Allow CLIENT LIST for d2s, or check the workers another way.',
    );
  }
  const message = `queue ${name}: ${depth}; ${workers} worker${workers === 1 ? '' : 's'} connected`;
  if (workers === 0) {
    return warn(id, message, `Start the ${name} worker (apps/${name}-worker): without one its jobs wait for ever.`);
  }
  return ok(id, message);
}
