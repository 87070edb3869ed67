import type { Job, Queue } from 'bullmq';
import type { RedisClient } from '../redis/connections.js';
import type { D2sConfig } from '../config/load-config.js';
import type { DatasetConfig } from '../config/schema.js';
import { RequestError } from '../errors.js';
import { type JobSnapshot, snapshotOf } from '../jobs/job-snapshot.js';
import { addJob } from '../jobs/typed-queue.js';
import { MutexTimeoutError, RedisMutex } from '../redis/redis-mutex.js';
import { type BudgetCharge, BudgetExceededError, type BudgetVerdict, RequestBudget } from '../redis/request-budget.js';
import { DatasetTurns } from './dataset-turns.js';
import { IdempotencyKeyStore, type KeyBinding, requestFingerprint } from './idempotency-keys.js';
import { newSyncId, syncIdForKey } from './ids.js';
import { type ParameterValues, validateParameters } from './parameters.js';
import { runLocationFor } from './run-path.js';
import { SyncIndex } from './sync-index.js';
import { syncKeys } from './sync-keys.js';
import { deriveSyncView, type SyncState, type SyncView, TERMINAL_SYNC_STATES } from './sync-view.js';

export interface SyncServiceDeps {
  config: Pick<D2sConfig, 'datasets' | 'api' | 'redis'>;
  exportQueue: Queue;
  importQueue: Queue;
  /** A producer-profile connection for d2s's own keys (index, locks, cancel flags, idempotency keys). */
  redis: RedisClient;
  now?: () => number;
  /** Serialises the create-or-join decision per dataset (or per key); built on `redis` unless given. */
  mutex?: RedisMutex;
  /**
   * Called at each point of a creation, so a crash test can stop the process exactly there. Only set when
   * explicitly enabled (the API's D2S_TEST_PAUSE_AT); never in normal operation.
   */
  reachedCreationPoint?: (point: CreationPoint) => Promise<void>;
}

/** The points of a sync's creation a process may die between: key bound, index written, job added. */
export const CREATION_POINTS = ['after-bind', 'after-index', 'after-job'] as const;
export type CreationPoint = (typeof CREATION_POINTS)[number];

export interface CreateSyncInput {
  dataset: string;
  parameters?: Record<string, unknown> | undefined;
  idempotencyKey?: string | undefined;
  origin?: string;
  retryOf?: string;
  /**
   * Draw the request from a rate-limit budget (refused with BudgetExceededError past it, before anything is
   * written). A plain creation charges in the same script that lists the sync, so the limit costs no round
   * trip of its own; one with a key or on a single-active dataset charges first.
   */
  charge?: BudgetCharge;
  /**
   * Called with what the charge found once it has been counted (a refusal past the budget is counted too, then
   * throws BudgetExceededError): for the answer's rate-limit headers, whatever the creation's outcome, and so that
   * a caller whose request fails after that does not charge it a second time.
   */
  onCharged?: (verdict: BudgetVerdict) => void;
}

/** Why a request was answered with an existing sync instead of a new one. */
export type DeduplicationReason =
  /** The Idempotency-Key was used before: this is the sync it names. */
  | 'idempotency-key'
  /** An identical request (same dataset and parameters) is running on a single-active dataset. */
  | 'already-active'
  /** An identical request is waiting for its turn on a single-active, `onBusy: queue` dataset. */
  | 'already-queued'
  /** This failed sync was retried before: this is that retry. */
  | 'already-retried';

export type CreateSyncResult =
  | { sync: SyncView; created: true; reason?: undefined }
  | { sync: SyncView; created: false; reason: DeduplicationReason };

export interface ListSyncsInput {
  dataset?: string | undefined;
  status?: SyncState | undefined;
  cursor?: string | undefined;
  limit: number;
}

/**
 * An index entry with no job is a sync whose creation died between writing the entry and adding the job
 * (or one removed by retention). Younger than this, it may be a creation still in flight: skip, keep.
 */
const INDEX_ORPHAN_GRACE_MS = 5 * 60_000;

/** A sync's request as keys and active syncs are compared: the same dataset and parameters (defaults filled). */
interface SyncRequestShape {
  dataset: string;
  parameters: Record<string, unknown>;
  retryOf?: string | undefined;
}

/**
 * Creating, reading, listing, canceling and retrying syncs. A sync's status is
 * derived from its export and import jobs each time it is read; the only other
 * keys are an index for listing, the per-dataset active lock, cancel flags and
 * idempotency-key bindings.
 *
 * Creation is one decision made under a short Redis lock (per dataset for a
 * single-active dataset, per key otherwise): is the key bound? is the dataset
 * busy, and with the same request? Then bind, claim, index, add the job, in
 * that order, so a process killed at any point leaves nothing a reader can
 * see half-made: an index entry with no job is skipped, and a bound key whose
 * job is missing is completed by the next request with that key.
 */
export class SyncService {
  readonly #deps: SyncServiceDeps;
  readonly #keys: ReturnType<typeof syncKeys>;
  readonly #now: () => number;
  readonly #mutex: RedisMutex;
  readonly #idempotency: IdempotencyKeyStore;
  readonly #turns: DatasetTurns;
  readonly #index: SyncIndex;
  readonly #budget: RequestBudget;

  constructor(deps: SyncServiceDeps) {
    this.#deps = deps;
    this.#keys = syncKeys(deps.config.redis.prefix);
    this.#now = deps.now ?? Date.now;
    this.#mutex = deps.mutex ?? new RedisMutex(deps.redis);
    this.#budget = new RequestBudget(deps.redis);
    this.#turns = new DatasetTurns(deps.redis, (dataset) => ({
      active: this.#keys.active(dataset),
      waiting: this.#keys.waiting(dataset),
    }));
    this.#index = new SyncIndex(deps.redis, (dataset) => ({
      all: this.#keys.index,
      dataset: this.#keys.datasetIndex(dataset),
    }));
    const longestRunSeconds = Math.max(
      0,
      ...Object.values(deps.config.datasets).map((d) => d.export.maxRunDurationSeconds),
    );
    // A key outlives its sync: the sync is kept for the retention period after it ends, so the key must
    // be kept at least as long after it was bound (plus the longest a sync may run).
    this.#idempotency = new IdempotencyKeyStore(
      deps.redis,
      this.#keys.idempotencyKey,
      deps.config.api.retentionSeconds + longestRunSeconds * 2 + 3600,
    );
  }

  async create(input: CreateSyncInput): Promise<CreateSyncResult> {
    const { config } = this.#deps;
    const dataset = Object.hasOwn(config.datasets, input.dataset) ? config.datasets[input.dataset] : undefined;
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
    const request: SyncRequestShape = { dataset: input.dataset, parameters: parameters.values, retryOf: input.retryOf };
    // A retry is keyed by the sync it retries, so retrying one failed sync twice gives the first retry.
    const identity = input.retryOf
      ? { scope: 'retry', key: input.retryOf }
      : input.idempotencyKey
        ? { scope: 'sync', key: input.idempotencyKey }
        : undefined;
    const lock = dataset.singleActive
      ? this.#keys.creationLock('dataset', input.dataset)
      : identity
        ? this.#keys.creationLock(identity.scope, identity.key)
        : undefined;
    // Folded into the listing script only on the plain path, where that script is the first write.
    const chargedFirst = input.charge !== undefined && (lock !== undefined || identity !== undefined);
    if (input.charge && chargedFirst) this.#counted(input, input.charge, await this.#budget.charge(input.charge));
    const foldedCharge = chargedFirst ? undefined : input.charge;
    const decide = () => this.#createOrJoin(input, request, dataset, parameters.values, identity, foldedCharge);
    if (!lock) return decide();
    try {
      return await this.#mutex.withLock(lock, decide);
    } catch (error) {
      if (error instanceof MutexTimeoutError) {
        throw new RequestError(
          'SYNC_CREATION_CONTENDED',
          503,
          `Too many requests for dataset "${input.dataset}" at once; try again shortly.`,
          { retryable: true, cause: error },
        );
      }
      throw error;
    }
  }

  /** A counted charge: told to the caller, then refused past the budget. */
  #counted(input: CreateSyncInput, charge: BudgetCharge, verdict: BudgetVerdict): void {
    input.onCharged?.(verdict);
    if (!verdict.allowed) throw new BudgetExceededError(charge, verdict);
  }

  /** The decision, run while holding the dataset's (or the key's) creation lock. */
  async #createOrJoin(
    input: CreateSyncInput,
    request: SyncRequestShape,
    dataset: DatasetConfig,
    parameterValues: ParameterValues,
    identity: { scope: string; key: string } | undefined,
    charge: BudgetCharge | undefined,
  ): Promise<CreateSyncResult> {
    // Only a key's binding compares fingerprints; a plain creation has none to compare.
    const fingerprint = identity ? requestFingerprint({ ...request }) : '';
    let syncId: string | undefined;
    if (identity) {
      const bound = await this.#idempotency.get(identity.scope, identity.key);
      if (bound) {
        const existing = await this.#existingFor(identity.scope, bound, fingerprint);
        if (existing) return existing;
        // Bound, but its job was never added (the process died in between): finish creating that sync.
        syncId = bound.id;
      }
    }

    let queued = false;
    if (dataset.singleActive) {
      const active = await this.#activeSync(input.dataset);
      if (active && active.id !== syncId && sameRequest(active, request)) {
        if (identity) await this.#idempotency.bind(identity.scope, identity.key, { id: active.id, fingerprint });
        return { sync: active, created: false, reason: 'already-active' };
      }
      if (dataset.onBusy === 'queue') {
        const waiting = await this.#waitingSyncs(input.dataset, syncId);
        const twin = waiting.find((sync) => sameRequest(sync, request));
        if (twin) {
          if (identity) await this.#idempotency.bind(identity.scope, identity.key, { id: twin.id, fingerprint });
          return { sync: twin, created: false, reason: 'already-queued' };
        }
        // Busy, or free with syncs still waiting for their turn (between one ending and the next claiming):
        // either way this one goes to the back of the line, so nobody overtakes.
        queued = (active !== undefined && active.id !== syncId) || waiting.length > 0;
      } else if (active && active.id !== syncId) {
        throw new DatasetBusyError(input.dataset, active);
      }
    }

    syncId ??= identity ? syncIdForKey(identity.scope, identity.key) : newSyncId(this.#now());
    if (identity) {
      const bound = await this.#idempotency.bind(identity.scope, identity.key, { id: syncId, fingerprint });
      if (bound.id !== syncId) {
        // The same key, bound meanwhile by a request for another dataset (whose creation lock we do not hold).
        const existing = await this.#existingFor(identity.scope, bound, fingerprint);
        if (existing) return existing;
        syncId = bound.id;
      }
      await this.#deps.reachedCreationPoint?.('after-bind');
      // The key's id may exist from before its binding expired: that sync is the answer, not a new one.
      const job = await this.#deps.exportQueue.getJob(syncId);
      if (job) return { sync: await this.#indexed(job), created: false, reason: reasonFor(identity.scope) };
    }
    if (dataset.singleActive && !queued) {
      await this.#deps.redis.set(this.#keys.active(input.dataset), syncId, 'PX', datasetLeaseMs(dataset));
    }
    const fresh = identity === undefined;
    const job = await this.#addExportJob(syncId, input, dataset, parameterValues, queued, charge);
    await this.#deps.reachedCreationPoint?.('after-job');
    const sync = fresh ? await this.#createdView(job, queued) : await this.#view(job);
    return { sync, created: true };
  }

  /** The sync a bound key names, if it exists; throws when the key was bound to another request. */
  async #existingFor(scope: string, bound: KeyBinding, fingerprint: string): Promise<CreateSyncResult | undefined> {
    if (bound.fingerprint !== fingerprint) {
      throw new RequestError(
        'IDEMPOTENCY_KEY_REUSED',
        422,
        'This Idempotency-Key was already used for a different request (another dataset or other parameters).',
        { details: { syncId: bound.id } },
      );
    }
    const job = await this.#deps.exportQueue.getJob(bound.id);
    if (!job) return undefined;
    return { sync: await this.#indexed(job), created: false, reason: reasonFor(scope) };
  }

  /** Index entries first, then the job: a sync that exists is always listed (see INDEX_ORPHAN_GRACE_MS). */
  async #addExportJob(
    syncId: string,
    input: CreateSyncInput,
    dataset: DatasetConfig,
    parameterValues: ParameterValues,
    queued: boolean,
    charge: BudgetCharge | undefined,
  ): Promise<Job> {
    const { config, exportQueue } = this.#deps;
    const now = this.#now();
    const location = runLocationFor(dataset, { syncId, dataset: input.dataset, now: new Date(now) });
    if (charge) {
      this.#counted(
        input,
        charge,
        await this.#index.chargeAndAdd(charge, syncId, input.dataset, now, this.#retentionCutoff()),
      );
    } else {
      await this.#addToIndex(syncId, input.dataset, now);
    }
    // Queued before its job exists: the job's first step finds its place. A creation that dies here leaves
    // a waiter without a job, which `takeTurn` drops once it is older than INDEX_ORPHAN_GRACE_MS.
    if (queued) await this.#turns.enqueue(input.dataset, syncId);
    await this.#deps.reachedCreationPoint?.('after-index');
    const job = await addJob(
      exportQueue,
      'export',
      'sync-export',
      {
        request: {
          syncId,
          dataset: input.dataset,
          parameters: parameterValues,
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
    return job;
  }

  async #addToIndex(syncId: string, dataset: string, at: number): Promise<void> {
    await this.#index.add(syncId, dataset, at, this.#retentionCutoff());
  }

  /** Index entries created before this (epoch ms) are past retention. */
  #retentionCutoff(): number {
    return this.#now() - this.#deps.config.api.retentionSeconds * 1000;
  }

  /** The view of an existing sync, its index entries repaired first (NX: an existing entry keeps its place). */
  async #indexed(job: Job): Promise<SyncView> {
    const view = await this.#view(job);
    await this.#addToIndex(view.id, view.dataset, job.timestamp);
    return view;
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
          // Removed by retention, or a creation that died before adding its job; a young entry may be in flight.
          if (score < this.#now() - INDEX_ORPHAN_GRACE_MS) await this.#deps.redis.zrem(key, id);
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

  /**
   * A failed or canceled sync, as a new attempt. Retrying the same sync again gives the first retry;
   * an Idempotency-Key names the retry it started, like a key on a new sync.
   */
  async retry(syncId: string, options: { idempotencyKey?: string | undefined } = {}): Promise<CreateSyncResult> {
    const fingerprint = requestFingerprint({ retryOf: syncId });
    if (options.idempotencyKey) {
      const bound = await this.#idempotency.get('sync', options.idempotencyKey);
      if (bound) {
        if (bound.fingerprint !== fingerprint) {
          throw new RequestError(
            'IDEMPOTENCY_KEY_REUSED',
            422,
            'This Idempotency-Key was already used for a different request.',
            { details: { syncId: bound.id } },
          );
        }
        const sync = await this.get(bound.id);
        if (sync) return { sync, created: false, reason: 'idempotency-key' };
      }
    }
    const view = await this.require(syncId);
    const earlier = await this.#idempotency.get('retry', syncId);
    if (!earlier && view.status !== 'failed' && view.status !== 'canceled') {
      throw new RequestError(
        'SYNC_NOT_RETRYABLE',
        409,
        `Only a failed or canceled sync can be retried; ${syncId} is ${view.status}.`,
        { details: { syncId, status: view.status } },
      );
    }
    const result = await this.create({
      dataset: view.dataset,
      parameters: view.parameters,
      origin: 'retry',
      retryOf: syncId,
    });
    if (options.idempotencyKey) {
      const bound = await this.#idempotency.bind('sync', options.idempotencyKey, { id: result.sync.id, fingerprint });
      if (bound.id !== result.sync.id) {
        const sync = await this.get(bound.id);
        if (sync) return { sync, created: false, reason: 'idempotency-key' };
      }
    }
    return result;
  }

  async isCancelRequested(syncId: string): Promise<boolean> {
    return (await this.#deps.redis.exists(this.#keys.cancel(syncId))) === 1;
  }

  /**
   * Frees the dataset for the next sync once this one has ended, and takes it out of the queue if it never
   * got its turn (a canceled waiter). The next in line is woken at once rather than at its next re-check.
   * Best effort: readers and `takeTurn` also heal a holder or waiter that ended without leaving.
   */
  async releaseDataset(dataset: string, syncId: string): Promise<void> {
    const next = await this.#turns.leave(dataset, syncId);
    if (next) await this.#wake(next);
  }

  /**
   * Whether it is this sync's turn on its single-active dataset: it holds the dataset (already, or now,
   * because nobody holds it and nobody waits before it). Called by the export worker before it starts a
   * Databricks run, so two syncs of one dataset never run at once. A holder or waiter that ended without
   * leaving (its worker died at the wrong moment) is removed here, so the line never stalls behind it.
   */
  async takeTurn(datasetName: string, syncId: string): Promise<{ turn: true } | { turn: false; blockedBy: string }> {
    const dataset = Object.hasOwn(this.#deps.config.datasets, datasetName)
      ? this.#deps.config.datasets[datasetName]
      : undefined;
    if (!dataset?.singleActive) return { turn: true };
    // Each pass removes one dead sync; a bound keeps one call short even behind a long line of them.
    for (let pass = 0; pass < 20; pass++) {
      const answer = await this.#turns.claim(datasetName, syncId, datasetLeaseMs(dataset));
      if (answer.held) return { turn: true };
      if (await this.#stillWaitingOrRunning(answer.blockedBy)) return { turn: false, blockedBy: answer.blockedBy };
      await this.#turns.leave(datasetName, answer.blockedBy);
    }
    const holder = await this.#turns.holder(datasetName);
    return { turn: false, blockedBy: holder ?? 'unknown' };
  }

  /** A sync that has not ended; a young id without a job may be a creation in flight, so it counts too. */
  async #stillWaitingOrRunning(syncId: string): Promise<boolean> {
    const job = await this.#deps.exportQueue.getJob(syncId);
    if (job) return !TERMINAL_SYNC_STATES.has((await this.#view(job)).status);
    const createdAt = await this.#deps.redis.zscore(this.#keys.index, syncId);
    return createdAt !== null && Number(createdAt) > this.#now() - INDEX_ORPHAN_GRACE_MS;
  }

  /** A waiting sync re-checks its turn from `delayed`; promoting it makes that re-check now. */
  async #wake(syncId: string): Promise<void> {
    const job = await this.#deps.exportQueue.getJob(syncId);
    if (job && (await job.getState()) === 'delayed') await job.promote().catch(() => {});
  }

  /** The syncs of a dataset waiting for their turn that have not ended (but this one, being created). */
  async #waitingSyncs(dataset: string, except: string | undefined): Promise<SyncView[]> {
    const views: SyncView[] = [];
    for (const id of await this.#turns.waiting(dataset)) {
      if (id === except) continue;
      const view = await this.get(id);
      if (view && !TERMINAL_SYNC_STATES.has(view.status)) views.push(view);
      else if (!(await this.#stillWaitingOrRunning(id))) await this.#turns.leave(dataset, id);
    }
    return views;
  }

  /** The sync holding the dataset's active lock while it still runs; a lock left by an ended sync is freed. */
  async #activeSync(dataset: string): Promise<SyncView | undefined> {
    const holder = await this.#turns.holder(dataset);
    if (holder === undefined) return undefined;
    const view = await this.get(holder);
    if (view && !TERMINAL_SYNC_STATES.has(view.status)) return view;
    // Called under the dataset's creation lock, so a holder without a job is a creation that died.
    await this.releaseDataset(dataset, holder);
    return undefined;
  }

  /**
   * The view of a sync this request has just added under a new random id: nothing else can have touched that
   * id yet (no import job, no cancel), so the view follows from the job as added, without the reads that
   * would only confirm it. (A key-derived id may predate this request, so those keep the full #view.)
   */
  async #createdView(exportJob: Job, behindOthers: boolean): Promise<SyncView> {
    const snapshot: JobSnapshot = {
      state: exportJob.opts.delay ? 'delayed' : exportJob.opts.priority ? 'prioritized' : 'waiting',
      data: exportJob.data as Record<string, unknown>,
      progress: exportJob.progress,
      returnvalue: undefined,
      failedReason: undefined,
      timestamp: exportJob.timestamp,
      processedOn: undefined,
      finishedOn: undefined,
      attemptsMade: 0,
    };
    const view = deriveSyncView(snapshot, undefined, false);
    // Only a sync that joined its dataset's line has a place in it (a waiting job is `queued` too).
    return behindOthers ? this.#withQueuePlace(view) : view;
  }

  async #view(exportJob: Job): Promise<SyncView> {
    const id = exportJob.id as string;
    const [exportSnapshot, importJob, cancel] = await Promise.all([
      snapshotOf(exportJob, () => this.#deps.exportQueue.getJob(id)),
      this.#deps.importQueue.getJob(id),
      this.isCancelRequested(id),
    ]);
    const importSnapshot = importJob ? await snapshotOf(importJob, () => this.#deps.importQueue.getJob(id)) : undefined;
    return this.#withQueuePlace(deriveSyncView(exportSnapshot, importSnapshot, cancel));
  }

  async #withQueuePlace(view: SyncView): Promise<SyncView> {
    if (view.status === 'queued') {
      const place = await this.#turns.placeOf(view.dataset, view.id);
      if (place) view.queue = { behind: place.behind, ahead: place.ahead };
    }
    return view;
  }
}

/** Only an identical request (same dataset, same parameters once defaults are filled) may join a running sync. */
function sameRequest(active: SyncView, request: SyncRequestShape): boolean {
  return (
    active.dataset === request.dataset &&
    requestFingerprint(active.parameters) === requestFingerprint(request.parameters)
  );
}

/** How long a sync may hold its dataset if it dies without releasing it: past any run it could still have. */
function datasetLeaseMs(dataset: DatasetConfig): number {
  return (dataset.export.maxRunDurationSeconds * 2 + 86_400) * 1000;
}

function reasonFor(scope: string): DeduplicationReason {
  return scope === 'retry' ? 'already-retried' : 'idempotency-key';
}

/** The dataset runs a sync of another request: answering with it would tell the client its request was served. */
export class DatasetBusyError extends RequestError {
  readonly active: SyncView;

  constructor(dataset: string, active: SyncView) {
    super(
      'DATASET_BUSY',
      409,
      `Dataset "${dataset}" is busy with sync ${active.id} (${active.status}), requested with other parameters; ` +
        'try again once it has ended.',
      {
        retryable: true,
        details: {
          dataset,
          activeSyncId: active.id,
          activeStatus: active.status,
          activeParameters: active.parameters,
          links: { activeSync: `/v1/syncs/${active.id}` },
        },
      },
    );
    this.active = active;
  }
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
