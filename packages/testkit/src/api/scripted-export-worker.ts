import { DelayedError, type Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * A stand-in export worker for API tests that need syncs to end: every export
 * job it takes waits (delayed, as the real worker's polls do) until the test
 * says how it ends, then fails with a coded reason. The real workers are
 * exercised by the end-to-end suites; here only the API's answers are under test.
 */
export interface ScriptedExportWorker {
  /** Ends the sync as failed (with `code`): wakes its job and resolves once the job has failed. */
  fail(syncId: string, code?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startScriptedExportWorker(
  redisUrl: string,
  prefix: string,
  exportQueue: Queue,
): Promise<ScriptedExportWorker> {
  const endings = new Map<string, string>();
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const worker = new Worker(
    'export',
    async (job, token) => {
      const code = endings.get(job.id as string);
      if (code) throw new UnrecoverableError(`${code}: ended by the test`);
      await job.moveToDelayed(Date.now() + 600_000, token);
      throw new DelayedError();
    },
    { connection, prefix, concurrency: 20 },
  );
  await worker.waitUntilReady();
  return {
    async fail(syncId, code = 'DATABRICKS_RUN_FAILED') {
      endings.set(syncId, code);
      for (;;) {
        const job = await exportQueue.getJob(syncId);
        if (!job) throw new Error(`no export job ${syncId}`);
        const state = await job.getState();
        if (state === 'failed') return;
        if (state === 'delayed') await job.promote().catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
