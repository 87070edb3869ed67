import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { closeQueues, openQueues } from '../jobs/queues.js';
import { clusterOptionsFor, createRedisConnection, redisOptionsFor, waitForRedis } from './connections.js';

describe('connection profiles', () => {
  it('a commands connection fails fast like a producer and auto-pipelines; the others do not', () => {
    const { enableAutoPipelining, ...commands } = redisOptionsFor('commands');
    expect(enableAutoPipelining).toBe(true);
    expect(commands).toEqual(redisOptionsFor('producer'));
    expect(redisOptionsFor('producer').enableAutoPipelining).toBeUndefined();
    expect(redisOptionsFor('worker').enableAutoPipelining).toBeUndefined();
  });

  it('on a Cluster the option goes to the cluster client, which batches per node', () => {
    const options = clusterOptionsFor('commands');
    expect(options.enableAutoPipelining).toBe(true);
    expect(options.redisOptions?.enableAutoPipelining).toBeUndefined();
    expect(options.enableOfflineQueue).toBe(false);
    expect(clusterOptionsFor('producer').enableAutoPipelining).toBeUndefined();
  });
});

describe('a commands connection against a real Redis', () => {
  const commands = createRedisConnection(inject('redisUrl'), 'commands', 'd2s-test-commands');
  afterAll(() => commands.disconnect());

  it('sends the commands issued in one event-loop tick as one batch', async () => {
    await waitForRedis(commands);
    // ioredis queues auto-pipelined commands until the tick ends (https://github.com/redis/ioredis#autopipelining).
    const replies = Promise.all([commands.ping(), commands.ping('a'), commands.echo('b')]);
    expect(commands.autoPipelineQueueSize).toBe(3);
    expect(await replies).toEqual(['PONG', 'a', 'b']);
    expect(commands.autoPipelineQueueSize).toBe(0);
  });

  it('is refused for BullMQ queues, which must not auto-pipeline (taskforcesh/bullmq#457)', async () => {
    expect(() => openQueues(commands, 'never-used')).toThrow(ConfigError);
    const plain = new Redis(inject('redisUrl'));
    try {
      await closeQueues(openQueues(plain, 'never-used'));
    } finally {
      plain.disconnect();
    }
  });
});
