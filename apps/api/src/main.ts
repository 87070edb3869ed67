import {
  BackfillService,
  ConfigError,
  connectServiceRedis,
  doctorClients,
  closeQueues,
  createRedisConnection,
  D2sMetrics,
  MirrorService,
  openQueues,
  runDoctor,
  runService,
  RunWakeups,
  setUpWebhook,
  ScheduleService,
  SyncService,
} from '@d2s/shared';
import { createDatabricksClient } from '@d2s/shared/databricks';
import { configureSnowflakeDriver, createSnowflakeClient } from '@d2s/shared/snowflake';
import { creationPauseFrom } from './creation-pause.js';
import { buildServer } from './server.js';
import { SyncEventHub } from './sync-events.js';

await runService({
  name: 'api',
  async start({ config, logger }) {
    if (config.api.tokens.length === 0) {
      throw new ConfigError('No API tokens configured: set D2S_API_TOKENS (comma-separated) or D2S_API_TOKENS_FILE.');
    }
    const webhook = config.databricks.webhook;
    if (webhook && !webhook.password) {
      throw new ConfigError(
        'databricks.webhook is set but its password is not: set D2S_DATABRICKS_WEBHOOK_PASSWORD (or _FILE), the password of the Databricks notification destination.',
      );
    }
    // BullMQ's Queues get a plain producer connection; d2s's own keys (index, rate limit, locks, idempotency
    // keys, stream tokens) go through an auto-pipelining one, so concurrent requests share socket writes.
    // BullMQ must never get the auto-pipelining one (see RedisProfile).
    const redis = await connectServiceRedis(config, 'producer', 'd2s-api', logger);
    const commands = await connectServiceRedis(config, 'commands', 'd2s-api-commands', logger);

    const queues = openQueues(redis, config.redis.prefix, logger);
    const events = new SyncEventHub({
      prefix: config.redis.prefix,
      connect: () => createRedisConnection(config.redis, 'worker', 'd2s-api-events'),
    });
    const reachedCreationPoint = creationPauseFrom(process.env, logger);
    const syncs = new SyncService({
      config,
      exportQueue: queues.export,
      importQueue: queues.import,
      redis: commands,
      ...(reachedCreationPoint ? { reachedCreationPoint } : {}),
    });
    const backfills = new BackfillService({ config, backfillQueue: queues.backfill, syncs, redis: commands });
    const schedules = new ScheduleService({ config, queues: { sync: queues.export, mirror: queues.mirror } });
    const metrics = new D2sMetrics({ service: 'api' });
    metrics.trackQueues(Object.values(queues));

    // Dry-run mirror plans run here and need both vendors. The clients are made on first use, so an
    // API without Databricks or Snowflake settings still serves syncs and answers MIRROR_NOT_CONFIGURED.
    await configureSnowflakeDriver({ logger });
    const opened: { close(): Promise<void> }[] = [];
    const mirror = new MirrorService({
      config,
      clients: () => {
        const databricks = createDatabricksClient(config.databricks, { logger, onRequest: metrics.observeDatabricks });
        const snowflake = createSnowflakeClient(config.snowflake, { logger, onQuery: metrics.observeSnowflake });
        opened.push(databricks, snowflake);
        return { unityCatalog: databricks.unityCatalog, snowflake, sql: databricks.sql };
      },
      queue: queues.mirror,
      redis: commands,
      logger,
    });

    const databricksHook =
      webhook?.password &&
      ({
        credentials: { username: webhook.username, password: webhook.password },
        wakeups: new RunWakeups({
          redis: commands,
          prefix: config.redis.prefix,
          exportQueue: queues.export,
          ttlSeconds: config.api.retentionSeconds,
        }),
      } as const);
    // `d2s setup webhook`: needs the webhook credentials and Databricks; the client is made on first use.
    const webhookSetup =
      databricksHook &&
      (async (url: string) => {
        const databricks = createDatabricksClient(config.databricks, { logger, onRequest: metrics.observeDatabricks });
        opened.push(databricks);
        return setUpWebhook({
          api: databricks.notifications,
          url,
          credentials: databricksHook.credentials,
          jobIds: Object.values(config.datasets).map((d) => d.databricks.jobId),
        });
      });
    const app = await buildServer({
      ...(databricksHook ? { databricksHook } : {}),
      ...(webhookSetup ? { webhookSetup } : {}),
      config,
      logger,
      redis: commands,
      queues: Object.values(queues),
      syncs,
      schedules,
      events,
      metrics,
      mirror,
      // The doctor opens its own Databricks and Snowflake clients per run (closed after) and borrows Redis.
      doctor: () => runDoctor(doctorClients({ config, logger, redis })),
      backfills,
    });
    await app.listen({ host: config.api.host, port: config.api.port });

    return {
      async stop() {
        await app.close();
        await events.close();
        await closeQueues(queues);
        await Promise.all(opened.map((client) => client.close()));
        redis.disconnect();
        commands.disconnect();
      },
    };
  },
});
