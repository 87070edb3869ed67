import { createHash } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import type { RedisClient } from '../redis/connections.js';
import { z } from 'zod';
import type { D2sConfig } from '../config/load-config.js';
import { RequestError } from '../errors.js';
import { type BackfillJobData, parseJobData, ParameterValue } from '../jobs/catalog.js';
import { addJob } from '../jobs/typed-queue.js';
import { requestFingerprint } from '../sync/idempotency-keys.js';
import { validateParameters } from '../sync/parameters.js';
import { DatasetBusyError, type SyncService } from '../sync/sync-service.js';
import { type SyncState, TERMINAL_SYNC_STATES } from '../sync/sync-view.js';
import { backfillDates } from './backfill-values.js';

/** The body of POST /v1/backfills. */
export const BackfillSpec = z.strictObject({
  dataset: z.string().min(1),
  /** The dataset parameter each sync gets one value of; it must be declared with `type: date`. */
  parameter: z.string().min(1),
  /** First date, YYYY-MM-DD. */
  from: z.string(),
  /** Last date, YYYY-MM-DD, included. */
  to: z.string(),
  /** Every N days: `1d`, `7d`. @defaultValue 1d */
  step: z.string().default('1d'),
  /** At most this many of the backfill's syncs not ended at once. @defaultValue 1 */
  maxConcurrent: z.number().int().min(1).max(100).default(1),
  /** The dataset's other parameters, the same for every sync. A `null` value means "not given". */
  parameters: z.record(z.string(), z.union([ParameterValue, z.null()])).nullish(),
});
export type BackfillSpec = z.infer<typeof BackfillSpec>;

export type BackfillStatus = 'running' | 'canceling' | 'succeeded' | 'failed' | 'canceled';

export interface BackfillItem {
  value: string;
  /** `pending` until its sync is started. */
  status: SyncState | 'pending';
  syncId?: string;
}

export interface BackfillView {
  id: string;
  dataset: string;
  parameter: string;
  from: string;
  to: string;
  step: string;
  maxConcurrent: number;
  parameters: Record<string, unknown>;
  status: BackfillStatus;
  counts: Record<BackfillItem['status'], number>;
  items: BackfillItem[];
  createdAt: string;
  finishedAt?: string;
}

/** What the backfill job returns once every value has ended (or it was canceled). */
export interface BackfillResult {
  status: Exclude<BackfillStatus, 'running' | 'canceling'>;
  /** Its values by how their syncs ended (`pending`: never started, after a cancel). */
  counts?: Record<string, number>;
}

export interface BackfillServiceDeps {
  config: Pick<D2sConfig, 'datasets' | 'api' | 'redis'>;
  backfillQueue: Queue;
  syncs: Pick<SyncService, 'create' | 'get' | 'cancel'>;
  redis: RedisClient;
  now?: () => number;
}

/** What one look at a backfill decided: everything ended, or look again later. */
export type BackfillStep = { done: true; result: BackfillResult } | { done: false };

/**
 * Backfills: one sync per value of a date parameter over a range, at most
 * `maxConcurrent` of them not ended at once. The API creates the backfill job
 * (its id is derived from the request, so the same request names the same
 * backfill); the job, in the `backfill` queue, calls `advance` on every look.
 * Each value's sync is created with its own idempotency key, so a look
 * repeated after a crash starts nothing twice.
 */
export class BackfillService {
  readonly #deps: BackfillServiceDeps;
  readonly #now: () => number;
  readonly #base: string;

  constructor(deps: BackfillServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#base = `${deps.config.redis.prefix}:d2s:backfill`;
  }

  async create(spec: BackfillSpec): Promise<{ backfill: BackfillView; created: boolean }> {
    const { config } = this.#deps;
    const dataset = Object.hasOwn(config.datasets, spec.dataset) ? config.datasets[spec.dataset] : undefined;
    if (!dataset) {
      throw new RequestError('UNKNOWN_DATASET', 400, `Unknown dataset "${spec.dataset}"`, {
        details: { dataset: spec.dataset, known: Object.keys(config.datasets) },
      });
    }
    const declared = Object.hasOwn(dataset.parameters, spec.parameter) ? dataset.parameters[spec.parameter] : undefined;
    if (declared?.type !== 'date') {
      throw new RequestError(
        'INVALID_BACKFILL',
        400,
        `A backfill runs over a date parameter; dataset "${spec.dataset}" has no parameter "${spec.parameter}" of type date.`,
        {
          details: {
            field: 'parameter',
            dateParameters: Object.entries(dataset.parameters)
              .filter(([, p]) => p.type === 'date')
              .map(([name]) => name),
          },
        },
      );
    }
    const values = backfillDates(spec.from, spec.to, spec.step);
    const parameters = Object.fromEntries(
      Object.entries(spec.parameters ?? {}).filter(
        (entry): entry is [string, string | number | boolean] => entry[1] !== null,
      ),
    );
    if (Object.hasOwn(parameters, spec.parameter)) {
      throw new RequestError(
        'INVALID_BACKFILL',
        400,
        `"${spec.parameter}" is what the backfill varies; leave it out of parameters.`,
        {
          details: { field: 'parameters' },
        },
      );
    }
    // Every sync would be accepted: checked now, not one by one as the backfill runs.
    for (const value of [values[0], values.at(-1)] as string[]) {
      const checked = validateParameters(dataset, { ...parameters, [spec.parameter]: value });
      if (!checked.ok) {
        throw new RequestError(
          'INVALID_PARAMETERS',
          400,
          `Invalid parameters for dataset "${spec.dataset}": ${checked.issues.map((i) => `${i.parameter} ${i.message}`).join('; ')}`,
          { details: { issues: checked.issues } },
        );
      }
    }

    const id = backfillIdFor({ ...spec, parameters });
    const retention = config.api.retentionSeconds;
    // The first request for this backfill creates it; the same request again (or concurrently) names it.
    const first = (await this.#deps.redis.set(`${this.#base}:created:${id}`, '1', 'EX', retention, 'NX')) === 'OK';
    const data: BackfillJobData = parseJobData('backfill', 'backfill-run', {
      backfillId: id,
      dataset: spec.dataset,
      parameter: spec.parameter,
      from: spec.from,
      to: spec.to,
      step: spec.step,
      values,
      parameters,
      maxConcurrent: spec.maxConcurrent,
      requestedAt: new Date(this.#now()).toISOString(),
    });
    // Added with the backfill id as job id: BullMQ adds nothing when that job exists.
    if (!(await this.#deps.backfillQueue.getJob(id))) {
      await addJob(this.#deps.backfillQueue, 'backfill', 'backfill-run', data, {
        jobId: id,
        retentionSeconds: retention,
      });
    }
    return { backfill: await this.require(id), created: first };
  }

  async get(id: string): Promise<BackfillView | undefined> {
    const job = await this.#deps.backfillQueue.getJob(id);
    return job ? this.#view(job) : undefined;
  }

  async require(id: string): Promise<BackfillView> {
    const view = await this.get(id);
    if (!view)
      throw new RequestError('BACKFILL_NOT_FOUND', 404, `No backfill with id "${id}"`, { details: { backfillId: id } });
    return view;
  }

  /** Cancels what is left: values not started never start, and started syncs that have not ended are canceled. */
  async cancel(id: string): Promise<BackfillView> {
    const view = await this.require(id);
    if (view.status !== 'running' && view.status !== 'canceling') {
      throw new RequestError('BACKFILL_ALREADY_FINISHED', 409, `Backfill ${id} already ended (${view.status}).`, {
        details: { backfillId: id, status: view.status },
      });
    }
    await this.#deps.redis.set(this.#cancelKey(id), String(this.#now()), 'EX', this.#deps.config.api.retentionSeconds);
    const job = await this.#deps.backfillQueue.getJob(id);
    if (job && (await job.getState()) === 'delayed') await job.promote().catch(() => {});
    return this.require(id);
  }

  async isCancelRequested(id: string): Promise<boolean> {
    return (await this.#deps.redis.exists(this.#cancelKey(id))) === 1;
  }

  /**
   * One look at a backfill (called by its job): on cancel, cancel the started syncs that have not ended and
   * finish; else start the next values while fewer than maxConcurrent run, saving each before the next.
   * `save` writes the job's data; a crash after a create and before its save is healed by the key.
   */
  async advance(data: BackfillJobData, save: (data: BackfillJobData) => Promise<void>): Promise<BackfillStep> {
    const started = { ...data.started };
    const states = new Map<string, SyncState>();
    for (const [value, syncId] of Object.entries(started)) {
      const sync = await this.#deps.syncs.get(syncId);
      // A started sync removed by retention has ended long ago; count it as ended, not running.
      states.set(value, sync?.status ?? 'failed');
    }
    const running = () => [...states.values()].filter((s) => !TERMINAL_SYNC_STATES.has(s)).length;

    if (await this.isCancelRequested(data.backfillId)) {
      for (const [value, state] of states) {
        if (TERMINAL_SYNC_STATES.has(state)) continue;
        await this.#deps.syncs.cancel(started[value] as string).catch((error: unknown) => {
          if (!(error instanceof RequestError && error.code === 'SYNC_ALREADY_FINISHED')) throw error;
        });
      }
      return { done: true, result: { status: 'canceled', counts: countsOf(data.values, states) } };
    }

    for (const value of data.values) {
      if (running() >= data.maxConcurrent) break;
      if (Object.hasOwn(started, value)) continue;
      let created;
      try {
        created = await this.#deps.syncs.create({
          dataset: data.dataset,
          parameters: { ...data.parameters, [data.parameter]: value },
          idempotencyKey: `backfill:${data.backfillId}:${value}`,
          origin: `backfill:${data.backfillId}`,
        });
      } catch (error) {
        // A single-active dataset (onBusy: reject) busy with another request: try again at the next look.
        if (error instanceof DatasetBusyError) break;
        throw error;
      }
      started[value] = created.sync.id;
      states.set(value, created.sync.status);
      await save({ ...data, started });
    }

    const allStarted = data.values.every((value) => Object.hasOwn(started, value));
    if (!allStarted || running() > 0) return { done: false };
    const failed = [...states.values()].some((s) => s !== 'succeeded');
    return { done: true, result: { status: failed ? 'failed' : 'succeeded', counts: countsOf(data.values, states) } };
  }

  #cancelKey(id: string): string {
    return `${this.#base}:cancel:${id}`;
  }

  async #view(job: Job): Promise<BackfillView> {
    const data = parseJobData('backfill', 'backfill-run', job.data);
    const items: BackfillItem[] = [];
    for (const value of data.values) {
      const syncId = data.started[value];
      const sync = syncId ? await this.#deps.syncs.get(syncId) : undefined;
      items.push(syncId ? { value, syncId, status: sync?.status ?? 'failed' } : { value, status: 'pending' });
    }
    const counts = Object.fromEntries(
      ['pending', 'queued', 'exporting', 'importing', 'verifying', 'succeeded', 'failed', 'canceled'].map((s) => [
        s,
        0,
      ]),
    ) as BackfillView['counts'];
    for (const item of items) counts[item.status] += 1;
    const state = await job.getState();
    const result = (job.returnvalue ?? undefined) as BackfillResult | undefined;
    let status: BackfillStatus;
    if (state === 'completed' && result) status = result.status;
    else if (state === 'failed') status = 'failed';
    else status = (await this.isCancelRequested(data.backfillId)) ? 'canceling' : 'running';
    const view: BackfillView = {
      id: data.backfillId,
      dataset: data.dataset,
      parameter: data.parameter,
      from: data.from,
      to: data.to,
      step: data.step,
      maxConcurrent: data.maxConcurrent,
      parameters: data.parameters,
      status,
      counts,
      items,
      createdAt: new Date(job.timestamp).toISOString(),
    };
    if (job.finishedOn && (state === 'completed' || state === 'failed'))
      view.finishedAt = new Date(job.finishedOn).toISOString();
    return view;
  }
}

/** Values by their sync's state at the end; a value never started (canceled backfill) counts as pending. */
function countsOf(values: readonly string[], states: ReadonlyMap<string, SyncState>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) {
    const state = states.get(value) ?? 'pending';
    counts[state] = (counts[state] ?? 0) + 1;
  }
  return counts;
}

/** The same backfill request names the same backfill: its id is a digest of what was asked (maxConcurrent aside). */
export function backfillIdFor(
  spec: Omit<BackfillSpec, 'maxConcurrent' | 'parameters'> & { parameters: Record<string, unknown> },
): string {
  const fingerprint = requestFingerprint({
    dataset: spec.dataset,
    parameter: spec.parameter,
    from: spec.from,
    to: spec.to,
    step: spec.step,
    parameters: spec.parameters,
  });
  return `backfill_${createHash('sha256').update(fingerprint).digest('hex').slice(0, 26)}`;
}
