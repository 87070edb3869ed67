import { Queue } from 'bullmq';
import type { RedisClient } from '../redis/connections.js';
import type { Logger } from 'pino';
import { QUEUE_NAMES, type QueueName } from './catalog.js';

export type Queues = Record<QueueName, Queue>;

/**
 * The three d2s queues on one connection, under the configured (hash-tagged)
 * prefix. Their connection errors go to the logger as JSON lines: without a
 * listener BullMQ prints each reconnect failure as a raw stack trace.
 */
export function openQueues(connection: RedisClient, prefix: string, logger?: Pick<Logger, 'warn'>): Queues {
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
