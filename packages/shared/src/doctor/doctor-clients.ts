import type { RedisClient } from '../redis/connections.js';
import type { Logger } from 'pino';
import type { D2sConfig } from '../config/load-config.js';
import { createDatabricksClient } from '../databricks/client.js';
import { QUEUE_NAMES } from '../jobs/catalog.js';
import { closeQueues, openQueues } from '../jobs/queues.js';
import { createRedisConnection } from '../redis/connections.js';
import { createSnowflakeClient } from '../snowflake/client.js';
import type { DoctorDeps } from './run-doctor.js';

/**
 * A doctor answers in seconds, not after a worker's retry budget: one Databricks call gives up after 10 s of
 * retries, a Snowflake statement after two tries, and the driver's login retries once.
 */
const DOCTOR_DATABRICKS = { requestTimeoutMs: 10_000, retryBudgetMs: 10_000 } as const;

export interface DoctorClientOptions {
  config: D2sConfig;
  logger?: Logger;
  /** An open Redis connection to borrow (the API's); without it the doctor opens and closes its own. */
  redis?: RedisClient;
  pushDestinationId?: string;
}

/**
 * The doctor's clients for a configuration: real Databricks, Snowflake and Redis clients, tuned to fail fast.
 * The Snowflake driver must be configured first (configureSnowflakeDriver), as for any Snowflake client.
 */
export function doctorClients(options: DoctorClientOptions): DoctorDeps {
  const { config, logger } = options;
  return {
    config,
    ...(options.pushDestinationId === undefined ? {} : { pushDestinationId: options.pushDestinationId }),
    redis: () => {
      const borrowed = options.redis;
      const redis = borrowed ?? createRedisConnection(config.redis, 'producer', 'd2s-doctor');
      // A doctor run must not print ioredis' reconnect noise; the ping reports the failure.
      if (!borrowed) redis.on('error', () => undefined);
      const queues = openQueues(redis, config.redis.prefix);
      const byName = Object.fromEntries(QUEUE_NAMES.map((name) => [name, queues[name]]));
      return {
        redis,
        queues: byName,
        async close() {
          await closeQueues(queues).catch(() => undefined);
          if (!borrowed) redis.disconnect();
        },
      };
    },
    databricks: () => {
      const client = createDatabricksClient({ ...config.databricks, ...DOCTOR_DATABRICKS }, logger ? { logger } : {});
      return {
        currentUser: client.currentUser,
        jobs: client.jobs,
        notifications: client.notifications,
        unityCatalog: client.unityCatalog,
        close: () => client.close(),
      };
    },
    snowflake: () => {
      const client = createSnowflakeClient(
        { ...config.snowflake, poolMax: 1 },
        {
          ...(logger ? { logger } : {}),
          retry: { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 1_000 },
          driverSettings: { loginRetries: 1, requestTimeoutMs: 20_000 },
        },
      );
      return { execute: (sql) => client.execute(sql), close: () => client.close() };
    },
  };
}
