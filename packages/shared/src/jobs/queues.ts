import { Queue } from 'bullmq';
import type { RedisClient } from '../redis/connections.js';
import type { Logger } from 'pino';
import { ConfigError } from '../errors.js';
import { QUEUE_NAMES, type QueueName } from './catalog.js';

export type Queues = Record<QueueName, Queue>;

/**
 * The three d2s queues on one connection, under the configured (hash-tagged)
 * prefix. Their connection errors go to the logger as JSON lines: without a
 * listener BullMQ prints each reconnect failure as a raw stack trace.
 */
export function openQueues(connection: RedisClient, prefix: string, logger?: Pick<Logger, 'warn'>): Queues {
  // A `commands` connection auto-pipelines, which BullMQ must not share (see RedisProfile): refuse it here,
  // where a wrong argument would otherwise pass silently.
  if (connection.options.enableAutoPipelining) {
    throw new ConfigError('BullMQ queues need a connection without enableAutoPipelining (a producer connection).');
  }
  const entries = QUEUE_NAMES.map((name) => {
    const queue = new Queue(name, { connection, prefix });
    queue.on('error', (error) => logger?.warn({ queue: name, err: error }, 'queue connection error'));
    return [name, queue] as const;
  });
  return Object.fromEntries(entries) as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((queue) => queue.close()));
}
