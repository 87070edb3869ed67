import {
  connectServiceRedis,
  closeQueues,
  closeWorker,
  MirrorInventory,
  MirrorService,
  MirrorStateStore,
  metricsPortFrom,
  NotificationEmitter,
  mirrorApplyConcurrency,
  mirrorSnowflakePoolSize,
  openQueues,
  runService,
  crashOnFetchStall,
  FetchStallWatch,
  startWorker,
  startWorkerMetrics,
} from '@d2s/shared';
import { createDatabricksClient } from '@d2s/shared/databricks';
import { configureSnowflakeDriver, createSnowflakeClient } from '@d2s/shared/snowflake';
import { createMirrorProcessor } from './mirror-processor.js';
import { MirrorRunEnds } from './mirror-run-ends.js';

await runService({
  name: 'mirror-worker',
  async start({ config, logger, crash }) {
    // One watch for every worker of the process: one Redis connection of its own, and a stall crashes the process.
    const fetchStallWatch = new FetchStallWatch({ config, logger, onStall: crashOnFetchStall(crash) });
    await configureSnowflakeDriver({ logger });
    const telemetry = await startWorkerMetrics(
      'mirror-worker',
      { host: config.api.host, port: metricsPortFrom(process.env, 9103) },
      logger,
    );
    const { metrics } = telemetry;
    const databricks = createDatabricksClient(config.databricks, { logger, onRequest: metrics.observeDatabricks });
    // Statements in flight at once (containers in the plan job, then table jobs), each holding a connection.
    const concurrency = mirrorApplyConcurrency(config);
    const snowflake = createSnowflakeClient(
      { ...config.snowflake, poolMax: mirrorSnowflakePoolSize(config.snowflake.poolMax, concurrency) },
      { logger, onQuery: metrics.observeSnowflake },
    );
    const redis = await connectServiceRedis(config, 'worker', 'd2s-mirror-producer', logger);
    const queues = openQueues(redis, config.redis.prefix, logger);
    const inventoryAt = config.mirror.inventory;
    const mirror = new MirrorService({
      config,
      clients: { unityCatalog: databricks.unityCatalog, snowflake, sql: databricks.sql },
      queue: queues.mirror,
      redis,
      logger,
      ...(inventoryAt && databricks.sql ? { inventory: new MirrorInventory(databricks.sql, inventoryAt) } : {}),
    });
    const processor = createMirrorProcessor({
      config,
      mirror,
      snowflake,
      queue: queues.mirror,
      state: new MirrorStateStore(redis, config.redis.prefix),
      logger,
      metrics,
      runEnds: new MirrorRunEnds(redis, config.redis.prefix, config.api.retentionSeconds),
      ...(config.notifications.endpoints.length > 0
        ? {
            notifications: {
              emitter: NotificationEmitter.forService(config, queues.notify, logger, metrics),
            },
          }
        : {}),
      ...(inventoryAt ? { refreshInventory: () => mirror.refreshInventory() } : {}),
      integrationConcurrency: concurrency,
    });
    const worker = startWorker('mirror', processor, { config, logger, concurrency, fetchStallWatch });
    metrics.trackWorker(worker, 'mirror');
    metrics.trackQueues([queues.mirror]);
    logger.info({ concurrency, catalogs: config.mirror.catalogs.map((c) => c.name) }, 'mirror worker started');

    return {
      async stop() {
        // Each action is a few short DDL statements; an interrupted one is retried safely (IF [NOT] EXISTS).
        await closeWorker(worker, { logger });
        await snowflake.close();
        await databricks.close();
        await closeQueues(queues);
        await telemetry.close();
        redis.disconnect();
      },
    };
  },
});
