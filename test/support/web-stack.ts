import { buildServer, SyncEventHub } from '@d2s/api';
import { type MirrorService, ScheduleService } from '@d2s/shared';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { type StackOptions, type SyncStack, startSyncStack } from './sync-stack.js';

export interface WebStack {
  /** The sync stack (emulators, workers, Redis); its own API is not the one the page uses. */
  stack: SyncStack;
  /** The API with the web page registered, over the same queues and Redis. */
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * startSyncStack, plus a second API server built over the same config, Redis
 * and queues with the web page plugin registered (the stack's own server has
 * already listened, so no plugin can be added to it), the stack's backfills
 * and, optionally, a mirror service for /v1/mirror.
 */
export async function startWebStack(
  options: StackOptions & { mirror?: Pick<MirrorService, 'listTables'> },
): Promise<WebStack> {
  const stack = await startSyncStack(options);
  let app: FastifyInstance | undefined;
  let events: SyncEventHub | undefined;
  try {
    events = new SyncEventHub({
      prefix: stack.prefix,
      connect: () => new Redis(options.redisUrl, { maxRetriesPerRequest: null }),
    });
    const { queues, config } = stack;
    app = await buildServer({
      config,
      logger: pino({ level: process.env.D2S_TEST_LOG ?? 'silent' }),
      redis: stack.redis,
      queues: Object.values(queues),
      syncs: stack.syncs,
      schedules: new ScheduleService({ config, queues: { sync: queues.export, mirror: queues.mirror } }),
      events,
      sseRefreshMs: 200,
      backfills: stack.backfills,
      ...(options.mirror ? { mirror: options.mirror as MirrorService } : {}),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    await app?.close();
    await events?.close();
    await stack.close();
    throw error;
  }
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const server = app;
  const hub = events;
  return {
    stack,
    url,
    app: server,
    async close() {
      await server.close();
      await hub.close();
      await stack.close();
    },
  };
}
