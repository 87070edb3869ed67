import type { Job, Queue } from 'bullmq';
import type { RedisClient } from '../redis/connections.js';
import { syncKeys } from './sync-keys.js';

/** A job notification Databricks pushed, as d2s reads it (ids parsed to numbers). */
export interface RunNotification {
  eventType: string;
  workspaceId: string;
  runId: number;
  jobId: number;
  jobName: string;
  /** Set for a task's notification: `runId` is then the task run, `parentRunId` the job run. */
  taskKey?: string;
  parentRunId?: number;
}

/**
 * What a notification did. Only `woke` moved a sync along; every other outcome is harmless by design and
 * counted: the export still learns the truth from `runs/get`.
 */
export type NotificationOutcome =
  /** The parked export job was promoted: it polls now. */
  | 'woke'
  /** The export was not parked (busy polling, queued): it re-polls as soon as it parks. */
  | 'not-parked'
  /** Another notification of the same event for the same run already woke the export, which has not parked since. */
  | 'duplicate'
  /** No active sync started this run (another tool's run, a forged id, or the index expired). */
  | 'unknown-run'
  /** The sync's export has ended already (a late notification). */
  | 'finished'
  /** An event that says nothing about the run's end (start, duration warning): nothing to do. */
  | 'not-an-end'
  /** A task's own notification: the job run has not necessarily ended. */
  | 'task-event';

const MARK_NEW = 1;
const MARK_PENDING = 0;
const MARK_TAKEN = 2;
/**
 * The first notice of an event for a run sets the sync's wake mark in the same step (so two copies arriving
 * together cannot both count as first); a later one learns whether that wake is still pending. Both keys sit
 * under the queue prefix's hash tag, in one slot.
 * KEYS: notified, wake. ARGV: event type, ttl seconds. Returns MARK_NEW, MARK_PENDING or MARK_TAKEN.
 */
const MARK_ONCE = `
if redis.call('SET', KEYS[1], '1', 'EX', ARGV[2], 'NX') then
  redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
  return ${MARK_NEW}
end
if redis.call('EXISTS', KEYS[2]) == 1 then return ${MARK_PENDING} end
return ${MARK_TAKEN}
`;

/** Events after which a run has ended, as the Databricks job notifications docs list them. */
const END_EVENTS: ReadonlySet<string> = new Set(['jobs.on_success', 'jobs.on_failure']);

export interface RunWakeupsDeps {
  redis: RedisClient;
  /** The queue prefix: every key sits under its hash tag, in the queues' slot. */
  prefix: string;
  exportQueue: Queue;
  /** How long a run's index entry and a wake mark last. */
  ttlSeconds: number;
}

/**
 * Turns pushed job notifications into a poll now. The export worker indexes each run it starts
 * (run id → sync id); a notification that a run ended sets a wake mark for its sync and promotes the export
 * job out of `delayed`. The mark closes the race with a worker that is polling at that moment: the worker
 * takes the mark before it reads the run, and looks for one again after it parks, so a notification that
 * arrives in between is never lost (see `wakeIfMarked`).
 */
export class RunWakeups {
  readonly #deps: RunWakeupsDeps;
  readonly #keys: ReturnType<typeof syncKeys>;

  constructor(deps: RunWakeupsDeps) {
    this.#deps = deps;
    this.#keys = syncKeys(deps.prefix);
  }

  /** Remembers which sync a run belongs to (the export worker, right after run-now). */
  async indexRun(runId: number, syncId: string): Promise<void> {
    await this.#deps.redis.set(this.#keys.run(runId), syncId, 'EX', this.#deps.ttlSeconds);
  }

  /** Acts on one authenticated, well-formed notification. */
  async receive(notification: RunNotification): Promise<NotificationOutcome> {
    if (notification.taskKey !== undefined) return 'task-event';
    if (!END_EVENTS.has(notification.eventType)) return 'not-an-end';
    const { redis, ttlSeconds } = this.#deps;
    const syncId = await redis.get(this.#keys.run(notification.runId));
    if (syncId === null) return 'unknown-run';
    const notified = this.#keys.notified(notification.runId, notification.eventType);
    const wake = this.#keys.wake(syncId);
    const seen = Number(await redis.eval(MARK_ONCE, 2, notified, wake, notification.eventType, String(ttlSeconds)));
    // A wake for this run is pending (a poll has not taken it yet): that poll answers this notice too.
    if (seen === MARK_PENDING) return 'duplicate';
    const job = await this.#deps.exportQueue.getJob(syncId);
    if (!job) return seen === MARK_TAKEN ? 'duplicate' : 'finished';
    // The usual case first, in one round trip: the export is parked and this is the first notice.
    if (seen === MARK_NEW && (await promoted(job))) return 'woke';
    const state = await job.getState();
    const ended = state === 'completed' || state === 'failed' || state === 'unknown';
    if (ended) return seen === MARK_TAKEN ? 'duplicate' : 'finished';
    // A repeat whose wake a poll already took, while the export still runs: that poll may have read the run
    // before it ended (the first notice was early, or forged by a holder of the credentials), so this one
    // wakes it again. One more runs/get at most.
    if (seen === MARK_TAKEN) await redis.set(wake, notification.eventType, 'EX', ttlSeconds);
    if (state !== 'delayed') return 'not-parked';
    return (await promoted(job)) ? 'woke' : 'not-parked';
  }

  /** Takes the sync's wake mark before a poll reads the run: that read answers the notification. */
  async takeWakeMark(syncId: string): Promise<string | null> {
    return this.#deps.redis.getdel(this.#keys.wake(syncId));
  }

  /** After the export parked: a mark set while it was polling promotes it at once. */
  async wakeIfMarked(job: Pick<Job, 'promote'>, syncId: string): Promise<boolean> {
    if ((await this.#deps.redis.exists(this.#keys.wake(syncId))) === 0) return false;
    return promoted(job);
  }
}

/** Promotes a delayed job; false when it was not delayed any more (a worker took it meanwhile). */
async function promoted(job: Pick<Job, 'promote'>): Promise<boolean> {
  try {
    await job.promote();
    return true;
  } catch {
    return false;
  }
}
