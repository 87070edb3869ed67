/**
 * The baseline of the runs-in-flight benchmark, as its own process: an export
 * worker that holds its slot while it polls (run-now, then getRun + sleep in a
 * loop inside the job), with the same poll delays (pollDelayMs over
 * workers.export), the same slots, the same Databricks client and settings as
 * d2s's export worker. Hands off to the import queue the same way.
 */
import { pollDelayMs } from '@d2s/export-worker';
import {
  addJob,
  closeQueues,
  connectServiceRedis,
  idempotencyTokenFor,
  openQueues,
  parseJobData,
  runService,
  sleep,
  startWorker,
} from '@d2s/shared';
import { classifyRunState, createDatabricksClient } from '@d2s/shared/databricks';
import type { Job } from 'bullmq';

await runService({
  name: 'bench-holding-worker',
  async start({ config, logger }) {
    const databricks = createDatabricksClient(config.databricks, { logger });
    const redis = await connectServiceRedis(config, 'worker', 'd2s-bench-holding', logger);
    const queues = openQueues(redis, config.redis.prefix);
    const processor = async (job: Job) => {
      const { request } = parseJobData('export', 'sync-export', job.data);
      const dataset = config.datasets[request.dataset];
      if (!dataset) throw new Error(`unknown dataset ${request.dataset}`);
      const { run_id: runId } = await databricks.jobs.runNow({
        job_id: dataset.databricks.jobId,
        job_parameters: { [dataset.databricks.outputParameter]: request.outputUrl },
        idempotency_token: idempotencyTokenFor(request.syncId),
      });
      for (let polls = 0; ; polls++) {
        await sleep(pollDelayMs(polls, config.workers.export, Math.random));
        const state = classifyRunState(await databricks.jobs.getRun(runId));
        if (state.phase === 'succeeded') break;
        if (state.phase === 'failed' || state.phase === 'canceled')
          throw new Error(`run ${runId} ended ${state.phase}`);
      }
      await addJob(
        queues.import,
        'import',
        'sync-import',
        { request, runId, exportedAt: new Date().toISOString() },
        { jobId: request.syncId, retentionSeconds: config.api.retentionSeconds },
      );
      return { runId };
    };
    const worker = startWorker('export', processor, {
      config,
      logger,
      concurrency: config.workers.export.concurrency,
    });
    return {
      async stop() {
        await worker.close(true);
        await closeQueues(queues);
        await databricks.close();
        redis.disconnect();
      },
    };
  },
});
