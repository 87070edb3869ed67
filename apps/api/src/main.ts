import {
  ConfigError,
  checkEvictionPolicy,
  closeQueues,
  createRedisConnection,
  D2sMetrics,
  openQueues,
  runService,
  ScheduleService,
  SyncService,
  waitForRedis,
} from '@d2s/shared';
import { buildServer } from './server.js';
import { SyncEventHub } from './sync-events.js';

await runService({
  name: 'api',
  async start({ config, logger }) {
    if (config.api.tokens.length === 0) {
      throw new ConfigError('No API tokens configured: set D2S_API_TOKENS (comma-separated) or D2S_API_TOKENS_FILE.');
    }
    const redis = createRedisConnection(config.redis.url, 'producer', 'd2s-api');
    redis.on('error', (error) => logger.warn({ err: error }, 'Redis connection error'));
    await waitForRedis(redis);
    await checkEvictionPolicy(redis, config.redis.onUnsafeEvictionPolicy, logger);

    const queues = openQueues(redis, config.redis.prefix);
    const events = new SyncEventHub({
      prefix: config.redis.prefix,
      connect: () => createRedisConnection(config.redis.url, 'worker', 'd2s-api-events'),
    });
    const syncs = new SyncService({ config, exportQueue: queues.export, importQueue: queues.import, redis });
    const schedules = new ScheduleService({ config, queues: { sync: queues.export, mirror: queues.mirror } });
    const metrics = new D2sMetrics({ service: 'api' });
    metrics.trackQueues(Object.values(queues));
    const app = await buildServer({
      config,
      logger,
      redis,
      queues: Object.values(queues),
      syncs,
      schedules,
      events,
      metrics,
    });
    await app.listen({ host: config.api.host, port: config.api.port });

    return {
      async stop() {
        await app.close();
        await events.close();
        await closeQueues(queues);
        redis.disconnect();
      },
    };
  },
});
