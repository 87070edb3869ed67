import type { Job, JobsOptions, Queue } from 'bullmq';
import { defaultJobOptions, type JobData, type JobName, parseJobData, type QueueName } from './catalog.js';

/**
 * Adds a job through the catalog: the data is validated before it reaches
 * Redis and the job gets its kind's default options.
 */
export async function addJob<Q extends QueueName, N extends JobName<Q>>(
  queue: Queue,
  queueName: Q,
  name: N,
  data: JobData<Q, N>,
  options: JobsOptions & { retentionSeconds: number },
): Promise<Job> {
  const { retentionSeconds, ...overrides } = options;
  const valid = parseJobData(queueName, name, data);
  return queue.add(name, valid, { ...defaultJobOptions(queueName, name, retentionSeconds), ...overrides });
}
