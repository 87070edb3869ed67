import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { D2sConfig } from '../config/load-config.js';
import { RequestError } from '../errors.js';
import type { ExportJobData } from '../jobs/catalog.js';
import { snapshotOf } from '../jobs/job-snapshot.js';
import { addJob } from '../jobs/typed-queue.js';
import { newSyncId, syncIdForKey } from './ids.js';
import { validateParameters } from './parameters.js';
import { runLocationFor } from './run-path.js';
import { syncKeys } from './sync-keys.js';
import { deriveSyncView, type SyncState, type SyncView, TERMINAL_SYNC_STATES } from './sync-view.js';

export interface SyncServiceDeps {
  config: Pick<D2sConfig, 'datasets' | 'api' | 'redis'>;
  exportQueue: Queue;
  importQueue: Queue;
  /** A producer-profile connection for d2s's own keys (index, locks, cancel flags). */
  redis: Redis;
  now?: () => number;
}

export interface CreateSyncInput {
  dataset: string;
  parameters?: Record<string, unknown> | undefined;
  idempotencyKey?: string | undefined;
  origin?: string;
  retryOf?: string;
}

export interface CreateSyncResult {
  sync: SyncView;
  /** False when an existing sync was returned (same idempotency key, or one already active for the dataset). */
  created: boolean;
  reason?: 'idempotency-key' | 'already-active';
}

export interface ListSyncsInput {
  dataset?: string | undefined;
  status?: SyncState | undefined;
  cursor?: string | undefined;
  limit: number;
}

// Compare-and-delete: only release a dataset's active lock if it still names the sync we checked.
const RELEASE_IF_HELD = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Creating, reading, listing, canceling and retrying syncs. A sync's status is
 * derived from its export and import jobs each time it is read; the only other
 * keys are an index for listing, the per-dataset active lock and cancel flags.
 */
export class SyncService {
  readonly #deps: SyncServiceDeps;
  readonly #keys: ReturnType<typeof syncKeys>;
  readonly #now: () => number;

  constructor(deps: SyncServiceDeps) {
    this.#deps = deps;
    this.#keys = syncKeys(deps.config.redis.prefix);
    this.#now = deps.now ?? Date.now;
  }

  async create(input: CreateSyncInput): Promise<CreateSyncResult> {
    const { config, exportQueue } = this.#deps;
    const dataset = config.datasets[input.dataset];
    if (!dataset) {
      throw new RequestError('UNKNOWN_DATASET', 400, `Unknown dataset "${input.dataset}"`, {
        details: { dataset: input.dataset, known: Object.keys(config.datasets) },
      });
    }
    const parameters = validateParameters(dataset, input.parameters);
    if (!parameters.ok) {
      throw new RequestError(
        'INVALID_PARAMETERS',
        400,
        `Invalid parameters for dataset "${input.dataset}": ${parameters.issues.map((i) => `${i.parameter} ${i.message}`).join('; ')}`,
        { details: { issues: parameters.issues } },
      );
    }

    const syncId = input.idempotencyKey ? syncIdForKey('sync', input.idempotencyKey) : newSyncId(this.#now());
    if (input.idempotencyKey) {
      const existing = await exportQueue.getJob(syncId);
      if (existing) {
        const request = (existing.data as ExportJobData).request;
        if (request.dataset !== input.dataset || !sameValues(request.parameters, parameters.values)) {
          throw new RequestError(
            'IDEMPOTENCY_KEY_REUSED',
            422,
            'This Idempotency-Key was already used for a different request (another dataset or other parameters).',
            { details: { syncId } },
          );
        }
        return { sync: await this.#view(existing), created: false, reason: 'idempotency-key' };
      }
    }

    if (dataset.singleActive) {
      const active = await this.#claimDataset(input.dataset, syncId, dataset.export.maxRunDurationSeconds);
      if (active) return { sync: active, created: false, reason: 'already-active' };
    }

    const now = this.#now();
    const location = runLocationFor(dataset, { syncId, dataset: input.dataset, now: new Date(now) });
    const job = await addJob(
      exportQueue,
      'export',
      'sync-export',
      {
        request: {
          syncId,
          dataset: input.dataset,
          parameters: parameters.values,
          attempt: 1,
          requestedAt: new Date(now).toISOString(),
          outputUrl: location.outputUrl,
          stagePath: location.stagePath,
          origin: input.origin ?? 'api',
          ...(input.retryOf ? { retryOf: input.retryOf } : {}),
        },
        progress: { step: 'trigger', polls: 0 },
      },
      { jobId: syncId, retentionSeconds: config.api.retentionSeconds },
    );
    await this.#deps.redis
      .multi()
      .zadd(this.#keys.index, now, syncId)
      .zadd(this.#keys.datasetIndex(input.dataset), now, syncId)
      .zremrangebyscore(this.#keys.index, '-inf', now - config.api.retentionSeconds * 1000)
      .exec();
    return { sync: await this.#view(job), created: true };
  }

  async get(syncId: string): Promise<SyncView | undefined> {
    const job = await this.#deps.exportQueue.getJob(syncId);
    return job ? this.#view(job) : undefined;
  }

  async require(syncId: string): Promise<SyncView> {
    const view = await this.get(syncId);
    if (!view) throw new RequestError('SYNC_NOT_FOUND', 404, `No sync with id "${syncId}"`, { details: { syncId } });
    return view;
  }

  async list(input: ListSyncsInput): Promise<{ items: SyncView[]; nextCursor: string | null }> {
    const key = input.dataset ? this.#keys.datasetIndex(input.dataset) : this.#keys.index;
    let cursor = decodeCursor(input.cursor);
    const items: SyncView[] = [];
    // Bounded scan: a status filter may skip many syncs, but one request never reads the whole index.
    let budget = Math.max(200, input.limit * 10);
    while (items.length < input.limit && budget > 0) {
      const max = cursor ? String(cursor.score) : '+inf';
      const batch = await this.#deps.redis.zrevrangebyscore(key, max, '-inf', 'WITHSCORES', 'LIMIT', 0, 100);
      if (batch.length === 0) return { items, nextCursor: null };
      let advanced = false;
      for (let i = 0; i < batch.length; i += 2) {
        const id = batch[i] as string;
        const score = Number(batch[i + 1]);
        if (cursor && score === cursor.score && id >= cursor.id) continue;
        advanced = true;
        cursor = { score, id };
        budget--;
        const view = await this.get(id);
        if (!view) {
          await this.#deps.redis.zrem(key, id); // removed by retention
          continue;
        }
        if (!input.status || view.status === input.status) items.push(view);
        if (items.length >= input.limit || budget <= 0) break;
      }
      if (!advanced) return { items, nextCursor: null };
    }
    return { items, nextCursor: cursor && items.length >= input.limit ? encodeCursor(cursor) : null };
  }

  async cancel(syncId: string): Promise<SyncView> {
    const view = await this.require(syncId);
    if (TERMINAL_SYNC_STATES.has(view.status)) {
      throw new RequestError(
        'SYNC_ALREADY_FINISHED',
        409,
        `Sync ${syncId} already ended (${view.status}); nothing to cancel.`,
        {
          details: { syncId, status: view.status },
        },
      );
    }
    await this.#deps.redis.set(
      this.#keys.cancel(syncId),
      String(this.#now()),
      'EX',
      this.#deps.config.api.retentionSeconds,
    );
    // A job waiting out a poll delay would otherwise notice the cancel only at its next poll.
    for (const queue of [this.#deps.exportQueue, this.#deps.importQueue]) {
      const job = await queue.getJob(syncId);
      if (job && (await job.getState()) === 'delayed') await job.promote().catch(() => {});
    }
    return this.require(syncId);
  }

  async retry(syncId: string): Promise<CreateSyncResult> {
    const view = await this.require(syncId);
    if (view.status !== 'failed' && view.status !== 'canceled') {
      throw new RequestError(
        'SYNC_NOT_RETRYABLE',
        409,
        `Only a failed or canceled sync can be retried; ${syncId} is ${view.status}.`,
        {
          details: { syncId, status: view.status },
        },
      );
    }
    return this.create({ dataset: view.dataset, parameters: view.parameters, origin: 'retry', retryOf: syncId });
  }

  async isCancelRequested(syncId: string): Promise<boolean> {
    return (await this.#deps.redis.exists(this.#keys.cancel(syncId))) === 1;
  }

  /** Frees the dataset for the next sync once this one has ended (best effort; readers also heal stale locks). */
  async releaseDataset(dataset: string, syncId: string): Promise<void> {
    await this.#deps.redis.eval(RELEASE_IF_HELD, 1, this.#keys.active(dataset), syncId);
  }

  /** Takes the dataset's active lock, or returns the sync that holds it while that sync is still running. */
  async #claimDataset(dataset: string, syncId: string, maxRunSeconds: number): Promise<SyncView | undefined> {
    const key = this.#keys.active(dataset);
    // Outlives any real sync; if a holder dies without releasing, readers find it ended and free the lock.
    const ttlMs = (maxRunSeconds * 2 + 86_400) * 1000;
    for (let attempt = 0; attempt < 5; attempt++) {
      if ((await this.#deps.redis.set(key, syncId, 'PX', ttlMs, 'NX')) === 'OK') return undefined;
      const holder = await this.#deps.redis.get(key);
      if (holder === null) continue;
      if (holder === syncId) return undefined;
      const view = await this.get(holder);
      if (view && !TERMINAL_SYNC_STATES.has(view.status)) return view;
      await this.#deps.redis.eval(RELEASE_IF_HELD, 1, key, holder);
    }
    throw new RequestError('DATASET_BUSY', 409, `Dataset "${dataset}" is contended; try again.`, { retryable: true });
  }

  async #view(exportJob: Job): Promise<SyncView> {
    const id = exportJob.id as string;
    const [exportSnapshot, importJob, cancel] = await Promise.all([
      snapshotOf(exportJob, () => this.#deps.exportQueue.getJob(id)),
      this.#deps.importQueue.getJob(id),
      this.isCancelRequested(id),
    ]);
    const importSnapshot = importJob ? await snapshotOf(importJob, () => this.#deps.importQueue.getJob(id)) : undefined;
    return deriveSyncView(exportSnapshot, importSnapshot, cancel);
  }
}

function sameValues(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}

function encodeCursor(cursor: { score: number; id: string }): string {
  return Buffer.from(`${cursor.score}:${cursor.id}`).toString('base64url');
}

function decodeCursor(text: string | undefined): { score: number; id: string } | undefined {
  if (!text) return undefined;
  const decoded = Buffer.from(text, 'base64url').toString();
  const match = /^(\d+):(sync_[0-9A-Za-z]+)$/.exec(decoded);
  if (!match) throw new RequestError('INVALID_CURSOR', 400, 'The cursor is not one this API returned.');
  return { score: Number(match[1]), id: match[2] as string };
}
