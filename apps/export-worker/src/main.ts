import {
  BackfillService,
  connectServiceRedis,
  closeQueues,
  metricsPortFrom,
  openQueues,
  runService,
  RunWakeups,
  SyncService,
  startWorker,
  startWorkerMetrics,
} from '@d2s/shared';
import { createDatabricksClient } from '@d2s/shared/databricks';
import { createBackfillProcessor } from './backfill-processor.js';
import { createExportProcessor } from './export-processor.js';

await runService({
  name: 'export-worker',
  async start({ config, logger }) {
    const telemetry = await startWorkerMetrics(
      'export-worker',
      { host: config.api.host, port: metricsPortFrom(process.env, 9101) },
      logger,
    );
    const databricks = createDatabricksClient(config.databricks, {
      logger,
      onRequest: telemetry.metrics.observeDatabricks,
    });
    const redis = await connectServiceRedis(config, 'worker', 'd2s-export-producer', logger);
    const queues = openQueues(redis, config.redis.prefix, logger);
    const syncs = new SyncService({ config, exportQueue: queues.export, importQueue: queues.import, redis });
    // With databricks.webhook set, Databricks pushes run ends to the API, which wakes the export; polls are
    // then only the safety net and run on the webhook's longer schedule.
    const webhook = config.databricks.webhook;
    const push = webhook
      ? {
          wakeups: new RunWakeups({
            redis,
            prefix: config.redis.prefix,
            exportQueue: queues.export,
            ttlSeconds: config.api.retentionSeconds,
          }),
          pushPolling: { pollInitialMs: webhook.pollInitialMs, pollMaxMs: webhook.pollMaxMs },
        }
      : {};
    const processor = createExportProcessor({
      ...push,
      config,
      jobs: databricks.jobs,
      currentUser: databricks.currentUser,
      syncs,
      importQueue: queues.import,
      logger,
      metrics: telemetry.metrics,
    });
    const worker = startWorker('export', processor, { config, logger, concurrency: config.workers.export.concurrency });
    telemetry.metrics.trackWorker(worker, 'export');
    // Backfills only create syncs and look at them: a few slots carry any number (they park between looks).
    const backfills = new BackfillService({ config, backfillQueue: queues.backfill, syncs, redis });
    const backfillWorker = startWorker('backfill', createBackfillProcessor({ backfills, config, logger }), {
      config,
      logger,
      concurrency: 2,
    });
    telemetry.metrics.trackQueues([queues.export]);
    logger.info(
      { concurrency: config.workers.export.concurrency, databricks: databricks.host, pushedRunEnds: !!webhook },
      'export worker started',
    );

    return {
      async stop() {
        // Finishes active steps (each is short: one API call), then releases the connection.
        await Promise.all([worker.close(), backfillWorker.close()]);
        await closeQueues(queues);
        await databricks.close();
        await telemetry.close();
        redis.disconnect();
      },
    };
  },
});
