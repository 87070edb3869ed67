import { deletePrefix, uniquePrefix } from '@d2s/testkit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { D2sMetrics, serveMetrics } from './metrics.js';

describe('D2sMetrics', () => {
  const prefix = uniquePrefix('metrics');
  const redis = new Redis(inject('redisUrl'));
  const queue = new Queue('export', { connection: redis, prefix });
  afterAll(async () => {
    await queue.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('reports queue depths read from Redis at scrape time', async () => {
    const metrics = new D2sMetrics({ service: 'test', defaultMetrics: false });
    metrics.trackQueues([queue]);
    await queue.add('x', {});
    await queue.add('y', {}, { delay: 60_000 });
    const { body } = await metrics.text();
    expect(body).toContain('d2s_queue_jobs{queue="export",state="waiting",service="test"} 1');
    expect(body).toContain('d2s_queue_jobs{queue="export",state="delayed",service="test"} 1');
  });

  it('counts Databricks calls and Snowflake statements with bounded labels', async () => {
    const metrics = new D2sMetrics({ service: 'test', defaultMetrics: false });
    metrics.observeDatabricks({ endpoint: 'jobs/runs/get', method: 'GET', status: 429, durationMs: 12 });
    metrics.observeDatabricks({ endpoint: 'jobs/runs/get', method: 'GET', status: 200, durationMs: 8 });
    metrics.observeSnowflake({ kind: 'COPY', durationMs: 1500, outcome: 'error', errorCode: '100038' });
    metrics.syncOutcomes.inc({ dataset: 'forecasts', outcome: 'succeeded' });
    metrics.mirrorActions.inc({ kind: 'create-table', outcome: 'succeeded' });
    const { body } = await metrics.text();
    expect(body).toContain(
      'd2s_databricks_requests_total{endpoint="jobs/runs/get",method="GET",status="429",service="test"} 1',
    );
    expect(body).toContain('d2s_databricks_request_duration_seconds_count{service="test",endpoint="jobs/runs/get"} 2');
    expect(body).toContain(
      'd2s_snowflake_statements_total{kind="COPY",outcome="error",code="100038",service="test"} 1',
    );
    expect(body).toContain('d2s_sync_outcomes_total{dataset="forecasts",outcome="succeeded",service="test"} 1');
    expect(body).toContain('d2s_mirror_actions_total{kind="create-table",outcome="succeeded",service="test"} 1');
  });

  it('serves /metrics over HTTP with process metrics', async () => {
    const metrics = new D2sMetrics({ service: 'worker' });
    const server = await serveMetrics(metrics, { host: '127.0.0.1', port: 0 });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toContain('d2s_process_cpu_seconds_total');
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    server.close();
  });
});
