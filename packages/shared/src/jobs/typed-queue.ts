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

/**
 * Adds many jobs of one kind through the catalog, `chunkSize` per round trip (BullMQ's addBulk, one MULTI):
 * a mirror run fans out thousands of table jobs, and one `add` each cost a round trip and a script call apiece.
 * A job id that exists already is kept as it is, as `add` does.
 */
export async function addJobs<Q extends QueueName, N extends JobName<Q>>(
  queue: Queue,
  queueName: Q,
  name: N,
  jobs: ReadonlyArray<{ data: JobData<Q, N>; options?: JobsOptions }>,
  settings: { retentionSeconds: number; chunkSize?: number },
): Promise<void> {
  const defaults = defaultJobOptions(queueName, name, settings.retentionSeconds);
  // Every job is validated before the first is added: bad data adds nothing.
  const valid = jobs.map((job) => ({
    name,
    data: parseJobData(queueName, name, job.data),
    opts: { ...defaults, ...job.options },
  }));
  const chunkSize = settings.chunkSize ?? 500;
  for (let start = 0; start < valid.length; start += chunkSize) {
    await queue.addBulk(valid.slice(start, start + chunkSize));
  }
}
