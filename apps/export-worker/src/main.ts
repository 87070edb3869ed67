import {
  BackfillService,
  connectServiceRedis,
  closeQueues,
  closeWorker,
  createNotificationProcessor,
  syncReadsAsEnded,
  NotificationEmitter,
  metricsPortFrom,
  openQueues,
  runService,
  RunWakeups,
  SyncService,
  crashOnFetchStall,
  FetchStallWatch,
  startWorker,
  startWorkerMetrics,
  wakeBackfillsOnSyncEnd,
} from '@d2s/shared';
import { createDatabricksClient } from '@d2s/shared/databricks';
import { createBackfillProcessor } from './backfill-processor.js';
import { createExportProcessor } from './export-processor.js';

await runService({
  name: 'export-worker',
  async start({ config, logger, crash }) {
    // One watch for every worker of the process: one Redis connection of its own, and a stall crashes the process.
    const fetchStallWatch = new FetchStallWatch({ config, logger, onStall: crashOnFetchStall(crash) });
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
    const notifications = NotificationEmitter.forService(config, queues.notify, logger, telemetry.metrics);
    const processor = createExportProcessor({
      ...push,
      notifications,
      config,
      jobs: databricks.jobs,
      currentUser: databricks.currentUser,
      syncs,
      importQueue: queues.import,
      logger,
      metrics: telemetry.metrics,
    });
    const worker = startWorker('export', processor, {
      config,
      logger,
      concurrency: config.workers.export.concurrency,
      fetchStallWatch,
    });
    telemetry.metrics.trackWorker(worker, 'export');
    wakeBackfillsOnSyncEnd(worker, queues.backfill, logger);
    // Backfills only create syncs and look at them: a few slots carry any number (they park between looks).
    const backfills = new BackfillService({ config, backfillQueue: queues.backfill, syncs, redis });
    const backfillWorker = startWorker(
      'backfill',
      createBackfillProcessor({ backfills, config, logger, notifications, metrics: telemetry.metrics }),
      { config, logger, concurrency: 2, fetchStallWatch },
    );
    telemetry.metrics.trackWorker(backfillWorker, 'backfill');
    // Outgoing webhooks are delivered here: like backfills they are short HTTP calls with no vendor session
    // to hold, and a worker of their own (own connection, own slots) means a slow receiver never takes an
    // export slot. Every replica runs one; BullMQ's job locks make each delivery attempt one replica's.
    const notifyWorker = startWorker(
      'notify',
      createNotificationProcessor({
        settings: config.notifications,
        logger,
        metrics: telemetry.metrics,
        subjectEnded: (event) => syncReadsAsEnded(syncs, event),
      }),
      { config, logger, concurrency: config.notifications.concurrency, fetchStallWatch },
    );
    telemetry.metrics.trackWorker(notifyWorker, 'notify');
    telemetry.metrics.trackQueues([queues.export, queues.backfill, queues.notify]);
    logger.info(
      { concurrency: config.workers.export.concurrency, databricks: databricks.host, pushedRunEnds: !!webhook },
      'export worker started',
    );

    return {
      async stop() {
        // Finishes active steps (each is short: one API call), then releases the connection (bounded: closeWorker).
        await Promise.all([worker, backfillWorker, notifyWorker].map((w) => closeWorker(w, { logger })));
        await closeQueues(queues);
        await databricks.close();
        await telemetry.close();
        redis.disconnect();
      },
    };
  },
});
