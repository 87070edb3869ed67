import { createServer, type Server } from 'node:http';
import type { Queue, Worker } from 'bullmq';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];
const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

/**
 * Every d2s metric, on one registry per process. Labels are bounded sets
 * (queue, dataset, endpoint template, statement kind, outcome, error code),
 * never ids, so cardinality stays flat however many syncs run.
 */
export class D2sMetrics {
  readonly registry = new Registry();

  readonly queueJobs = new Gauge({
    name: 'd2s_queue_jobs',
    help: 'Jobs per queue and state, read from Redis at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'd2s_job_duration_seconds',
    help: 'Time a job spent in its last activation, by queue, job name and outcome',
    labelNames: ['queue', 'job', 'outcome'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });

  readonly syncOutcomes = new Counter({
    name: 'd2s_sync_outcomes_total',
    help: 'Syncs that ended, by dataset and outcome (succeeded, failed, canceled)',
    labelNames: ['dataset', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly runCleanups = new Counter({
    name: 'd2s_run_cleanups_total',
    help: 'Removals of run files, by dataset, trigger (after-load, sweep) and outcome (removed, failed)',
    labelNames: ['dataset', 'trigger', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly runFilesRemoved = new Counter({
    name: 'd2s_run_files_removed_total',
    help: 'Files of runs removed from the stage, by dataset and trigger (after-load, sweep)',
    labelNames: ['dataset', 'trigger'] as const,
    registers: [this.registry],
  });

  readonly databricksRequests = new Counter({
    name: 'd2s_databricks_requests_total',
    help: 'Databricks REST attempts by endpoint and HTTP status (or network-error)',
    labelNames: ['endpoint', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly databricksLatency = new Histogram({
    name: 'd2s_databricks_request_duration_seconds',
    help: 'Databricks REST attempt latency by endpoint',
    labelNames: ['endpoint'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });

  readonly snowflakeStatements = new Counter({
    name: 'd2s_snowflake_statements_total',
    help: 'Snowflake statement attempts by kind, outcome and error code',
    labelNames: ['kind', 'outcome', 'code'] as const,
    registers: [this.registry],
  });

  readonly snowflakeLatency = new Histogram({
    name: 'd2s_snowflake_statement_duration_seconds',
    help: 'Snowflake statement latency by kind',
    labelNames: ['kind'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });

  readonly mirrorActions = new Counter({
    name: 'd2s_mirror_actions_total',
    help: 'Mirror actions applied, by kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly databricksNotifications = new Counter({
    name: 'd2s_databricks_notifications_total',
    help: 'Job notifications Databricks pushed to POST /v1/hooks/databricks, by event type and what they did (woke, not-parked, duplicate, unknown-run, finished, not-an-end, task-event, unauthorized, bad-payload)',
    labelNames: ['event', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly notificationDeliveries = new Counter({
    name: 'd2s_notification_deliveries_total',
    help: 'Outgoing webhook attempts by endpoint, event type and outcome (delivered, retried: failed with attempts left, failed: gave up)',
    labelNames: ['endpoint', 'event', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly notificationEmits = new Counter({
    name: 'd2s_notification_emits_total',
    help: 'Outgoing webhooks queued for delivery by event type and outcome (queued, error: could not queue, logged)',
    labelNames: ['event', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly backfillLooks = new Counter({
    name: 'd2s_backfill_looks_total',
    help: 'Looks a backfill job took at its syncs, by what they decided (waiting, finished, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor(options: { service: string; defaultMetrics?: boolean }) {
    this.registry.setDefaultLabels({ service: options.service });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'd2s_' });
  }

  /** For the Databricks client's onRequest hook. */
  readonly observeDatabricks = (event: {
    endpoint: string;
    method: string;
    status: number | string;
    durationMs: number;
  }) => {
    this.databricksRequests.inc({ endpoint: event.endpoint, method: event.method, status: String(event.status) });
    this.databricksLatency.observe({ endpoint: event.endpoint }, event.durationMs / 1000);
  };

  /** For the Snowflake client's onQuery hook. */
  readonly observeSnowflake = (event: {
    kind: string;
    durationMs: number;
    outcome: string;
    errorCode?: string | undefined;
  }) => {
    this.snowflakeStatements.inc({ kind: event.kind, outcome: event.outcome, code: event.errorCode ?? '' });
    this.snowflakeLatency.observe({ kind: event.kind }, event.durationMs / 1000);
  };

  /** Reads queue depths from Redis whenever the registry is scraped. */
  trackQueues(queues: readonly Queue[]): void {
    const gauge = this.queueJobs;
    const collect = async () => {
      gauge.reset();
      for (const queue of queues) {
        const counts = await queue.getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) gauge.set({ queue: queue.name, state }, counts[state] ?? 0);
      }
    };
    // prom-client calls `collect` on scrape; a Gauge's collect may be async.
    (gauge as unknown as { collect: () => Promise<void> }).collect = collect;
  }

  /** Job durations from a worker's own completed/failed events. */
  trackWorker(worker: Worker, queue: string): void {
    const observe = (
      job: { name: string; processedOn?: number | undefined; finishedOn?: number | undefined } | undefined,
      outcome: string,
    ) => {
      if (!job?.processedOn) return;
      const end = job.finishedOn ?? Date.now();
      this.jobDuration.observe({ queue, job: job.name, outcome }, Math.max(0, end - job.processedOn) / 1000);
    };
    worker.on('completed', (job) => observe(job, 'completed'));
    worker.on('failed', (job) => observe(job, 'failed'));
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** A worker's /metrics endpoint (workers have no other HTTP server). */
export async function serveMetrics(metrics: D2sMetrics, options: { host: string; port: number }): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    metrics
      .text()
      .then(({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body))
      .catch((error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(error.message));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return server;
}
