import type { Job, Queue } from 'bullmq';
import { parseJobData } from '../jobs/catalog.js';
import { decodeFailure } from '../sync/job-failure.js';
import type { DeliveryResult } from './deliver-notification.js';

export type DeliveryStatus = 'pending' | 'delivering' | 'retrying' | 'delivered' | 'failed';

/** One notification for one endpoint, as GET /v1/notifications/deliveries shows it. */
export interface DeliveryView {
  id: string;
  endpoint: string;
  event: { id: string; type: string; timestamp: string };
  status: DeliveryStatus;
  /** Attempts made so far. */
  attempts: number;
  maxAttempts: number;
  /** The receiver's last HTTP status, when it answered 2xx (delivered). */
  httpStatus?: number;
  lastError?: { code: string; message: string };
  queuedAt: string;
  deliveredAt?: string;
  failedAt?: string;
  /** retrying: when the next attempt is due. */
  nextAttemptAt?: string;
}

const STATES = ['active', 'waiting', 'delayed', 'prioritized', 'completed', 'failed'] as const;

/** The newest deliveries first, at most `limit`, optionally of one status. */
export async function listDeliveries(
  queue: Queue,
  options: { limit: number; status?: DeliveryStatus | undefined },
): Promise<DeliveryView[]> {
  const states = options.status ? statesOf(options.status) : [...STATES];
  // Each state's newest `limit` (BullMQ lists newest first), merged: the overall newest are among them.
  const jobs = (await queue.getJobs(states, 0, options.limit - 1, false)).filter((job): job is Job => !!job);
  const views = await Promise.all(jobs.map(viewOf));
  return views
    .filter((view): view is DeliveryView => !!view && (!options.status || view.status === options.status))
    .sort((a, b) => b.queuedAt.localeCompare(a.queuedAt) || b.id.localeCompare(a.id))
    .slice(0, options.limit);
}

function statesOf(status: DeliveryStatus): Array<(typeof STATES)[number]> {
  switch (status) {
    case 'pending':
      return ['waiting', 'prioritized', 'delayed'];
    case 'retrying':
      return ['delayed', 'waiting'];
    case 'delivering':
      return ['active'];
    case 'delivered':
      return ['completed'];
    case 'failed':
      return ['failed'];
  }
}

async function viewOf(job: Job): Promise<DeliveryView | undefined> {
  let data;
  try {
    data = parseJobData('notify', 'notification-deliver', job.data);
  } catch {
    return undefined;
  }
  const state = await job.getState();
  const result = job.returnvalue as DeliveryResult | null | undefined;
  const status: DeliveryStatus =
    state === 'completed'
      ? 'delivered'
      : state === 'failed'
        ? 'failed'
        : state === 'active'
          ? 'delivering'
          : job.attemptsMade > 0
            ? 'retrying'
            : 'pending';
  const view: DeliveryView = {
    id: String(job.id),
    endpoint: data.endpoint,
    event: { id: data.event.id, type: data.event.type, timestamp: data.event.timestamp },
    status,
    attempts: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    queuedAt: new Date(job.timestamp).toISOString(),
  };
  if (status === 'delivered' && result) {
    view.httpStatus = result.status;
    view.deliveredAt = result.deliveredAt;
  }
  if (job.failedReason && status !== 'delivered') view.lastError = decodeFailure(job.failedReason);
  if (status === 'failed' && job.finishedOn) view.failedAt = new Date(job.finishedOn).toISOString();
  if (status === 'retrying' && state === 'delayed' && job.delay > 0)
    view.nextAttemptAt = new Date((job.processedOn ?? job.timestamp) + job.delay).toISOString();
  return view;
}
