import {
  connectServiceRedis,
  closeQueues,
  closeWorker,
  metricsPortFrom,
  NotificationEmitter,
  openQueues,
  runService,
  SyncService,
  crashOnFetchStall,
  FetchStallWatch,
  startWorker,
  startWorkerMetrics,
  wakeBackfillsOnSyncEnd,
} from '@d2s/shared';
import { configureSnowflakeDriver, createSnowflakeClient } from '@d2s/shared/snowflake';
import { createImportProcessor } from './import-processor.js';
import { scheduleCleanupSweep } from './sweep/schedule-sweep.js';

await runService({
  name: 'import-worker',
  async start({ config, logger, crash }) {
    // One watch for every worker of the process: one Redis connection of its own, and a stall crashes the process.
    const fetchStallWatch = new FetchStallWatch({ config, logger, onStall: crashOnFetchStall(crash) });
    await configureSnowflakeDriver();
    const telemetry = await startWorkerMetrics(
      'import-worker',
      { host: config.api.host, port: metricsPortFrom(process.env, 9102) },
      logger,
    );
    const snowflake = createSnowflakeClient(config.snowflake, { logger, onQuery: telemetry.metrics.observeSnowflake });
    const redis = await connectServiceRedis(config, 'worker', 'd2s-import-producer', logger);
    const queues = openQueues(redis, config.redis.prefix, logger);
    const syncs = new SyncService({ config, exportQueue: queues.export, importQueue: queues.import, redis });
    const notifications = NotificationEmitter.forService(config, queues.notify, logger, telemetry.metrics);
    const processor = createImportProcessor({
      config,
      snowflake,
      syncs,
      logger,
      metrics: telemetry.metrics,
      notifications,
    });
    const worker = startWorker('import', processor, {
      config,
      logger,
      concurrency: config.workers.import.concurrency,
      fetchStallWatch,
    });
    telemetry.metrics.trackWorker(worker, 'import');
    wakeBackfillsOnSyncEnd(worker, queues.backfill, logger);
    telemetry.metrics.trackQueues([queues.import]);
    const sweep = await scheduleCleanupSweep(queues.import, config);
    logger.info(
      {
        concurrency: config.workers.import.concurrency,
        cleanupSweep: sweep,
        everyMinutes: config.cleanup.sweepIntervalMinutes,
      },
      'import worker started',
    );

    return {
      async stop() {
        // A COPY in flight finishes (or the lock lapses and another worker retries it safely).
        await closeWorker(worker, { logger });
        await snowflake.close();
        await closeQueues(queues);
        await telemetry.close();
        redis.disconnect();
      },
    };
  },
});
