import type { Job, Queue } from 'bullmq';
import type { RedisClient } from '../redis/connections.js';
import type { Logger } from 'pino';
import type { D2sConfig } from '../config/load-config.js';
import { RequestError } from '../errors.js';
import { type JobSnapshot, snapshotOf } from '../jobs/job-snapshot.js';
import { addJob } from '../jobs/typed-queue.js';
import { RedisMutex } from '../redis/redis-mutex.js';
import { IdempotencyKeyStore, requestFingerprint } from '../sync/idempotency-keys.js';
import { newSyncId, syncIdForKey } from '../sync/ids.js';
import { syncKeys } from '../sync/sync-keys.js';
import { type DiscoveryOptions, discoverTables, type UnityCatalogReader } from './discovery.js';
import {
  applyDiscoveryTags,
  type DiscoveryTagResult,
  planDiscoveryTags,
  type UnityCatalogTagWriter,
} from './discovery-tags.js';
import { MIRROR_PLAN_ID, type MirrorScope, type SavedMirrorPlan } from './mirror-action.js';
import { MirrorPlanNotFoundError, MirrorPlanStaleError } from './mirror-errors.js';
import { MirrorPlanStore, type ReviewedPlanRequest } from './mirror-plan-store.js';
import { type PlanStateChanges, type PlanStateDigest, planStateChanges, planStateDigest } from './plan-fingerprint.js';
import { actionJobId, deriveMirrorRunView, type MirrorPlanJobResult, type MirrorRunView } from './mirror-run.js';
import { type MirrorSettings, resolveMirrorSettings } from './mirror-settings.js';
import { MirrorStateStore, type MirrorTableState } from './mirror-state-store.js';
import { digestSettings, type MirrorPlan, type PlannedAction, planMirror } from './plan.js';
import { readSnowflakeDatabases, readSnowflakeSide, type SnowflakeExecutor } from './snowflake-side.js';
import { inventoryRowsAfterPlan } from './inventory/inventory-rows.js';
import { lookUpMetadataLocations, type MetadataLocationReader } from './inventory/metadata-locations.js';
import type { InventoryReport, MirrorInventory, StatementRunner } from './inventory/mirror-inventory.js';

/**
 * GET table requests an inventory refresh makes at most for metadata locations: at the default rate limit
 * (databricks.maxRequestsPerSecond 20) about 10 s; tables past it keep the location the inventory had.
 */
const METADATA_LOOKUPS_PER_REFRESH = 200;

/** The clients planning needs: Unity Catalog for discovery, Snowflake for SHOW. */
export interface MirrorClients {
  /** Discovery; writing discovery tags needs the tag writer's methods too (the real client has them). */
  unityCatalog: UnityCatalogReader & Partial<UnityCatalogTagWriter>;
  snowflake: SnowflakeExecutor;
  /** SQL on databricks.sqlWarehouseId, when configured: planning reads tags in bulk through it. */
  sql?: StatementRunner | undefined;
}

export interface MirrorServiceDeps {
  config: Pick<D2sConfig, 'mirror' | 'databricks' | 'snowflake' | 'redis' | 'api'>;
  /**
   * The clients, or a function that builds them on first use (so a process
   * whose Snowflake settings are missing still starts, and only mirror
   * requests fail).
   */
  clients: MirrorClients | (() => MirrorClients);
  /** The `mirror` queue; needed for runs. */
  queue?: Queue;
  /** A connection for the per-table state hash; needed for `listTables` (and improves planning). */
  redis?: RedisClient;
  logger?: Logger;
  discovery?: Omit<DiscoveryOptions, 'signal'>;
  now?: () => number;
  /** The inventory in Unity Catalog (mirror.inventory), refreshed after a run's plan. */
  inventory?: MirrorInventory;
}

export interface PlanRequest {
  scope?: MirrorScope | undefined;
  /** Refresh tables that are otherwise up to date. @defaultValue false */
  includeRefresh?: boolean | undefined;
  /** Allow dropping more than mirror.maxDropShare of the mirrored tables. @defaultValue false */
  force?: boolean | undefined;
  /** QUERY_TAG of the SHOW statements. */
  queryTag?: string | undefined;
}

export interface StartRunRequest extends PlanRequest {
  origin?: string;
  /** The same key always names the same run; the key with another request is refused (422). */
  idempotencyKey?: string | undefined;
  /** The run's id, for a Job Scheduler firing (one id per firing, so a retried firing finds its run). */
  runId?: string | undefined;
  /** Apply exactly this reviewed plan (from `reviewPlan`), or refuse with PLAN_STALE. */
  planId?: string | undefined;
}

export interface DiscoveryTagRequest {
  scope?: MirrorScope | undefined;
  /** Only say what would be written. @defaultValue false */
  dryRun?: boolean | undefined;
}

export type StartRunResult =
  | { run: MirrorRunView; created: true; reason?: undefined }
  | { run: MirrorRunView; created: false; reason: 'idempotency-key' | 'same-run' };

/** Another mirror run is planning or applying: two applies never run at once. */
export class MirrorRunActiveError extends RequestError {
  readonly active: MirrorRunView;

  constructor(active: MirrorRunView) {
    super(
      'MIRROR_RUN_ACTIVE',
      409,
      `Mirror run ${active.id} is ${active.status}; two mirror runs never apply at once. Try again once it has ended.`,
      {
        retryable: true,
        details: {
          activeRunId: active.id,
          activeStatus: active.status,
          links: { activeRun: `/v1/mirror/runs/${active.id}` },
        },
      },
    );
    this.active = active;
  }
}

// Jobs not yet finished; a run with any of them is still planning or applying.
const UNFINISHED_STATES = ['active', 'waiting', 'delayed', 'prioritized', 'waiting-children'] as const;

export const MIRROR_RUN_ID = /^[A-Za-z0-9_.-]{1,200}$/;

/**
 * Plans mirror runs (discovery + SHOW + diff), starts them on the `mirror`
 * queue, derives their status from their jobs, and lists per-table state.
 * Used by the API (dry-run plans, runs, status) and the mirror worker (the plan job).
 */
export class MirrorService {
  readonly #deps: MirrorServiceDeps;
  readonly #now: () => number;
  #clients: MirrorClients | undefined;
  readonly state: MirrorStateStore | undefined;
  readonly #keys: ReturnType<typeof syncKeys>;
  readonly #plans: MirrorPlanStore | undefined;

  constructor(deps: MirrorServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.state = deps.redis ? new MirrorStateStore(deps.redis, deps.config.redis.prefix) : undefined;
    this.#plans = deps.redis ? new MirrorPlanStore(deps.redis, deps.config.redis.prefix) : undefined;
    this.#keys = syncKeys(deps.config.redis.prefix);
  }

  /** The checked settings; throws MIRROR_NOT_CONFIGURED naming what is missing. */
  settings(): MirrorSettings {
    return resolveMirrorSettings(this.#deps.config);
  }

  /** The plan: what a run would do now. SQL is masked; nothing is changed. */
  async plan(request: PlanRequest = {}): Promise<MirrorPlan> {
    return (await this.#compute(request)).plan;
  }

  /**
   * The plan a run applies, and the inventory refreshed from it (when mirror.inventory is set): one row per
   * table considered, with the action planned or what d2s last did. An inventory failure is reported, not thrown.
   */
  async planForRun(request: PlanRequest = {}): Promise<{ plan: MirrorPlan; inventory?: InventoryReport }> {
    const { plan, discovered } = await this.#compute(request);
    const inventory = this.#deps.inventory;
    if (!inventory) return { plan };
    const states = new Map((await this.state?.list())?.map((s) => [s.tableId, s]) ?? []);
    const rows = inventoryRowsAfterPlan(
      { tables: discovered.tables, skipped: plan.skipped, actions: plan.actions },
      states,
    );
    const uc = this.#resolveClients().unityCatalog;
    if (uc.getTable) {
      const lookups = await lookUpMetadataLocations(rows, plan.actions, uc as MetadataLocationReader, {
        limit: METADATA_LOOKUPS_PER_REFRESH,
        concurrency: this.#discoveryOptions().concurrency,
      });
      if (lookups.failed > 0 || lookups.deferred > 0)
        this.#deps.logger?.info({ lookups }, 'mirror inventory: some metadata locations not looked up this time');
    }
    const report = await inventory.refresh(rows);
    if (report.status === 'failed')
      this.#deps.logger?.warn({ inventory: report }, 'mirror inventory not refreshed; the run goes on');
    return { plan, inventory: report };
  }

  /**
   * Once a run has finished: the inventory refreshed from a fresh look at both sides, so its rows say what
   * the run did (mirrored, failed) rather than what was planned. Undefined without mirror.inventory.
   */
  async refreshInventory(): Promise<InventoryReport | undefined> {
    if (!this.#deps.inventory) return undefined;
    return (await this.planForRun()).inventory;
  }

  /**
   * The plan, saved for review under a new id for mirror.planTtlSeconds: `startRun({ planId })` applies
   * exactly its actions, or refuses with PLAN_STALE when the state it was computed from changed.
   */
  async reviewPlan(request: PlanRequest = {}): Promise<MirrorPlan & { id: string; expiresAt: string }> {
    const store = this.#requirePlans();
    const { plan, digest, request: asked } = await this.#compute(request);
    const ttl = this.#deps.config.mirror.planTtlSeconds;
    const id = newSyncId(this.#now()).replace(/^sync_/, 'plan_');
    const reviewed = { ...plan, id, expiresAt: new Date(this.#now() + ttl * 1000).toISOString() };
    await store.save({ plan: reviewed, digest, request: asked }, ttl);
    return reviewed;
  }

  /**
   * Writes the discovery tag (mirror.tags.sync = 'true') onto every eligible Unity Catalog table in scope and
   * removes it where a table is no longer eligible; a user's opt-out is never overwritten. A dry run reads only.
   */
  async writeDiscoveryTags(request: DiscoveryTagRequest = {}): Promise<DiscoveryTagResult> {
    const settings = this.settings();
    const scope = this.#checkScope(request.scope ?? {}, settings);
    const uc = this.#resolveClients().unityCatalog;
    const auth = this.#deps.config.databricks.auth;
    const principal = auth.kind === 'oauth-m2m' ? { principal: auth.clientId } : {};
    const plan = await planDiscoveryTags(uc, settings, scope, { ...this.#discoveryOptions(), ...principal });
    if (request.dryRun) return plan;
    const { createTagAssignment, updateTagAssignment, deleteTagAssignment } = uc;
    if (!createTagAssignment || !updateTagAssignment || !deleteTagAssignment) {
      throw new Error('MirrorService was built with a Unity Catalog client that cannot write tags');
    }
    const written = await applyDiscoveryTags(
      {
        listTableTags: (fullName) => uc.listTableTags(fullName),
        createTagAssignment: createTagAssignment.bind(uc),
        updateTagAssignment: updateTagAssignment.bind(uc),
        deleteTagAssignment: deleteTagAssignment.bind(uc),
      },
      plan,
      { concurrency: this.#discoveryOptions().concurrency, ...principal },
    );
    this.#deps.logger?.info(
      { summary: written.summary, stats: written.stats, scope },
      `mirror discovery tags: ${written.summary.add} added, ${written.summary.update} updated, ${written.summary.remove} removed, ${written.summary.failed} failed`,
    );
    return written;
  }

  /**
   * The plan from Unity Catalog alone, as if Snowflake had nothing yet (no Snowflake connection): every
   * integration, schema and table to create, for runnable idempotent DDL (`offlinePlanSql`).
   */
  async offlinePlan(request: PlanRequest = {}): Promise<MirrorPlan> {
    return (await this.#compute(request, { offline: true })).plan;
  }

  async #compute(
    request: PlanRequest,
    mode: { offline?: boolean } = {},
  ): Promise<{
    plan: MirrorPlan;
    digest: PlanStateDigest;
    request: ReviewedPlanRequest;
    discovered: Awaited<ReturnType<typeof discoverTables>>;
  }> {
    const settings = this.settings();
    const scope = this.#checkScope(request.scope ?? {}, settings);
    const clients = this.#resolveClients();
    const started = performance.now();
    const auth = this.#deps.config.databricks.auth;
    const tag = request.queryTag ? { queryTag: request.queryTag } : {};
    // Snowflake is read while Unity Catalog is listed: the integrations, and the databases known before
    // discovery (the catalogs' defaults, where d2s put tables before). Only a database that a table's tag
    // names, and no one read yet, waits for discovery. Same statements as one read after discovery.
    const early = mode.offline
      ? undefined
      : this.#knownDatabases(settings, scope).then((databases) =>
          readSnowflakeSide(clients.snowflake, {
            integrationPrefix: settings.integrationPrefix,
            databases,
            ...tag,
          }).then((side) => ({ side, databases: new Set(databases), at: performance.now() })),
        );
    early?.catch(() => undefined); // awaited below; a discovery failure must not leave it unhandled
    const discovered = await discoverTables(clients.unityCatalog, settings, scope, {
      ...this.#discoveryOptions(),
      ...(auth.kind === 'oauth-m2m' ? { principal: auth.clientId } : {}),
      integrationPrincipal: settings.oauthClientId,
      ...(clients.sql ? { sql: clients.sql } : {}),
    });
    const discoveryMs = performance.now() - started;

    const snowflakeStarted = performance.now();
    let snowflake: Awaited<ReturnType<typeof readSnowflakeSide>> = {
      integrations: [],
      databases: [],
      tables: [],
      statements: 0,
    };
    let snowflakeMs = 0;
    if (early) {
      const read = await early;
      const late = [...new Set(discovered.tables.map((t) => t.target.database))].filter((d) => !read.databases.has(d));
      const more =
        late.length > 0 ? await readSnowflakeDatabases(clients.snowflake, { databases: late, ...tag }) : undefined;
      snowflake = more
        ? {
            integrations: read.side.integrations,
            // In database order, as one read of all of them lists them.
            databases: [...read.side.databases, ...more.databases].sort((a, b) => byName(a.name, b.name)),
            tables: [...read.side.tables, ...more.tables].sort((a, b) => byName(a.database, b.database)),
            statements: read.side.statements + more.statements,
          }
        : read.side;
      // Time Snowflake kept the plan waiting: what the early read took past discovery, plus the late read.
      snowflakeMs =
        Math.max(0, read.at - snowflakeStarted) + (more ? performance.now() - Math.max(read.at, snowflakeStarted) : 0);
    }
    const includeRefresh = request.includeRefresh ?? false;
    const force = request.force ?? false;
    const plan = planMirror({
      discovered,
      snowflake,
      settings,
      scope,
      includeRefresh,
      force,
      now: new Date(this.#now()),
    });
    const digest = planStateDigest(discovered, snowflake, {
      settings: digestSettings(settings),
      scope,
      includeRefresh,
    });
    plan.stats = {
      ucTablesSeen: discovered.tablesSeen,
      databricksRequests: discovered.calls,
      snowflakeStatements: snowflake.statements,
      discoveryMs: Math.round(discoveryMs),
      snowflakeMs: Math.round(snowflakeMs),
      totalMs: Math.round(performance.now() - started),
    };
    this.#deps.logger?.info(
      { summary: plan.summary, stats: plan.stats, scope },
      `mirror plan: ${plan.summary.actions} action(s), ${plan.summary.unchanged} unchanged`,
    );
    return { plan, digest, request: { scope, includeRefresh, force }, discovered };
  }

  /**
   * The databases SHOW looks in before discovery: the catalogs' defaults and where d2s put tables before;
   * the plan's targets (tags may name others) are added after discovery.
   */
  async #knownDatabases(settings: MirrorSettings, scope: MirrorScope): Promise<string[]> {
    const databases = new Set<string>();
    for (const catalog of settings.catalogs) {
      if (scope.catalogs === undefined || scope.catalogs.includes(catalog.name)) {
        databases.add(catalog.database ?? catalog.name.toUpperCase());
      }
    }
    // Where d2s put tables before, so a table whose target database changed is still found.
    for (const entry of (await this.state?.list()) ?? []) {
      if (entry.snowflake && entry.status !== 'dropped') databases.add(entry.snowflake.database);
    }
    return [...databases];
  }

  /**
   * Starts a run: a `mirror-plan` job whose id is the run id. Runs one at a time: while another run plans
   * or applies, this throws MirrorRunActiveError. The check and the add happen under one Redis lock, so
   * two requests at once cannot both start. An Idempotency-Key is bound to its run as a sync's key is.
   */
  async startRun(request: StartRunRequest = {}): Promise<StartRunResult> {
    const queue = this.#requireQueue();
    const redis = this.#requireRedis();
    const settings = this.settings();
    const reviewed = request.planId === undefined ? undefined : await this.#checkReviewed(request.planId);
    if (reviewed?.existing)
      return { run: await this.#view(reviewed.runId, reviewed.existing), created: false, reason: 'same-run' };
    const scope = reviewed ? reviewed.request.scope : this.#checkScope(request.scope ?? {}, settings);
    const includeRefresh = reviewed ? reviewed.request.includeRefresh : request.includeRefresh;
    const force = reviewed ? reviewed.request.force : request.force;
    const fingerprint = requestFingerprint({
      scope,
      includeRefresh: includeRefresh ?? null,
      ...(force ? { force } : {}),
      ...(request.planId ? { planId: request.planId } : {}),
    });
    const keys = new IdempotencyKeyStore(
      redis,
      this.#keys.idempotencyKey,
      this.#deps.config.api.retentionSeconds + 86_400,
    );
    const mutex = new RedisMutex(redis);
    return mutex.withLock(this.#keys.creationLock('mirror', 'runs'), async () => {
      let id = request.runId;
      if (request.idempotencyKey) {
        const bound = await keys.get('mirror', request.idempotencyKey);
        if (bound) {
          if (bound.fingerprint !== fingerprint) {
            throw new RequestError(
              'IDEMPOTENCY_KEY_REUSED',
              422,
              'This Idempotency-Key was already used for a different mirror run (another scope, includeRefresh, force or planId).',
              { details: { runId: bound.id } },
            );
          }
          const job = await queue.getJob(bound.id);
          if (job) return { run: await this.#view(bound.id, job), created: false, reason: 'idempotency-key' };
          id = bound.id; // bound, but the process died before adding the job: start that run now
        }
      }
      id ??= reviewed?.runId;
      id ??= request.idempotencyKey
        ? syncIdForKey('mirror', request.idempotencyKey).replace(/^sync_/, 'mirror_')
        : newSyncId(this.#now()).replace(/^sync_/, 'mirror_');
      const existing = await queue.getJob(id);
      if (existing) {
        return {
          run: await this.#view(id, existing),
          created: false,
          reason: request.idempotencyKey ? 'idempotency-key' : 'same-run',
        };
      }
      const active = await this.activeRun();
      if (active) throw new MirrorRunActiveError(active);
      if (request.idempotencyKey) await keys.bind('mirror', request.idempotencyKey, { id, fingerprint });
      const job = await addJob(
        queue,
        'mirror',
        'mirror-plan',
        {
          mirrorRunId: id,
          scope,
          origin: request.origin ?? 'api',
          ...(includeRefresh === undefined ? {} : { includeRefresh }),
          ...(force ? { force } : {}),
          ...(reviewed ? { plan: reviewed.saved } : {}),
        },
        { jobId: id, retentionSeconds: this.#deps.config.api.retentionSeconds },
      );
      return { run: await this.#view(id, job), created: true };
    });
  }

  /**
   * A reviewed plan checked against the state now: its saved form for the run job, or the run that
   * already applies it. Throws PLAN_NOT_FOUND / PLAN_EXPIRED, or PLAN_STALE with what changed.
   */
  async #checkReviewed(planId: string): Promise<{
    runId: string;
    existing?: Job;
    saved: SavedMirrorPlan;
    request: ReviewedPlanRequest;
  }> {
    if (!MIRROR_PLAN_ID.test(planId)) throw new MirrorPlanNotFoundError(planId, false);
    const reviewed = await this.#requirePlans().load(planId);
    // One plan, one run: applying it again answers with that run (by then the state has changed anyway).
    const runId = `mirror_${planId.slice('plan_'.length)}`;
    const existing = await this.#requireQueue().getJob(runId);
    if (existing) return { runId, existing, saved: savedPlanOf(reviewed.plan), request: reviewed.request };
    await this.#requireUnchanged(planId, reviewed);
    return { runId, saved: savedPlanOf(reviewed.plan), request: reviewed.request };
  }

  /**
   * Throws PLAN_STALE when the state a reviewed plan was computed from changed since. The API checks when a
   * run is asked for; the worker checks again before the first action, since the run may have waited in the
   * queue meanwhile.
   */
  async recheckReviewedPlan(planId: string): Promise<void> {
    if (!MIRROR_PLAN_ID.test(planId)) throw new MirrorPlanNotFoundError(planId, false);
    await this.#requireUnchanged(planId, await this.#requirePlans().load(planId));
  }

  async #requireUnchanged(planId: string, reviewed: Awaited<ReturnType<MirrorPlanStore['load']>>): Promise<void> {
    const now = await this.#compute(reviewed.request);
    if (now.plan.fingerprint !== reviewed.plan.fingerprint) {
      const changes = planStateChanges(reviewed.digest, now.digest);
      const reviewedIds = new Set(reviewed.plan.actions.map((a) => a.id));
      const nowIds = new Set(now.plan.actions.map((a) => a.id));
      throw new MirrorPlanStaleError(planId, {
        reviewedFingerprint: reviewed.plan.fingerprint,
        currentFingerprint: now.plan.fingerprint,
        changes: truncateChanges(changes),
        actions: {
          added: now.plan.actions
            .filter((a) => !reviewedIds.has(a.id))
            .slice(0, 50)
            .map(describeAction),
          removed: reviewed.plan.actions
            .filter((a) => !nowIds.has(a.id))
            .slice(0, 50)
            .map(describeAction),
        },
      });
    }
  }

  /**
   * The run still planning or applying, if any: a run job (or one of its action jobs) not yet finished.
   * A Job Scheduler's next firing waits in the queue too, but its id is not a run id: it is not a run.
   */
  async activeRun(): Promise<MirrorRunView | undefined> {
    const jobs = await this.#requireQueue().getJobs([...UNFINISHED_STATES], 0, 99);
    for (const job of jobs) {
      if (!job) continue;
      const runId = (job.data as { mirrorRunId?: unknown }).mirrorRunId;
      if (typeof runId !== 'string') continue;
      if (job.name === 'mirror-plan' && job.id !== runId) continue;
      const run = await this.getRun(runId);
      if (run && run.status !== 'succeeded' && run.status !== 'failed') return run;
    }
    return undefined;
  }

  async getRun(id: string): Promise<MirrorRunView | undefined> {
    if (!MIRROR_RUN_ID.test(id)) return undefined;
    const job = await this.#requireQueue().getJob(id);
    if (job?.name !== 'mirror-plan') return undefined;
    return this.#view(id, job);
  }

  async requireRun(id: string): Promise<MirrorRunView> {
    const view = await this.getRun(id);
    if (!view)
      throw new RequestError('MIRROR_RUN_NOT_FOUND', 404, `No mirror run with id "${id}"`, { details: { id } });
    return view;
  }

  /** The mirror state of every table d2s has acted on. */
  async listTables(): Promise<MirrorTableState[]> {
    if (!this.state) throw new Error('MirrorService was built without a Redis connection');
    return this.state.list();
  }

  #checkScope(scope: MirrorScope, settings: MirrorSettings): MirrorScope {
    const configured = new Set(settings.catalogs.map((c) => c.name));
    const unknown = (scope.catalogs ?? []).filter((c) => !configured.has(c));
    if (unknown.length > 0) {
      throw new RequestError(
        'UNKNOWN_MIRROR_CATALOG',
        400,
        `Not a configured mirror catalog: ${unknown.join(', ')} (configured: ${[...configured].join(', ')})`,
        { details: { unknown, configured: [...configured] } },
      );
    }
    return scope;
  }

  /**
   * Unity Catalog requests in flight (8 unless the service was built with its own). Following
   * databricks.maxConcurrentRequests (16) measured no faster on the loaded benchmark machine: the client's
   * rate limit, not concurrency, bounds one-request-per-table tag reads.
   */
  #discoveryOptions(): Omit<DiscoveryOptions, 'signal'> & { concurrency: number } {
    const discovery = this.#deps.discovery ?? {};
    return { ...discovery, concurrency: discovery.concurrency ?? 8 };
  }

  #resolveClients(): MirrorClients {
    if (!this.#clients) {
      const clients = this.#deps.clients;
      this.#clients = typeof clients === 'function' ? clients() : clients;
    }
    return this.#clients;
  }

  #requireRedis(): RedisClient {
    if (!this.#deps.redis) throw new Error('MirrorService was built without a Redis connection');
    return this.#deps.redis;
  }

  #requirePlans(): MirrorPlanStore {
    if (!this.#plans) throw new Error('MirrorService was built without a Redis connection');
    return this.#plans;
  }

  #requireQueue(): Queue {
    if (!this.#deps.queue) throw new Error('MirrorService was built without the mirror queue');
    return this.#deps.queue;
  }

  async #view(id: string, job: Job): Promise<MirrorRunView> {
    const queue = this.#requireQueue();
    const plan = await snapshotOf(job, () => queue.getJob(id));
    const actionJobs = new Map<string, JobSnapshot | undefined>();
    const result = plan.state === 'completed' ? (plan.returnvalue as MirrorPlanJobResult | null) : null;
    if (result?.actions) {
      const pending = result.actions.filter((a) => a.status === undefined);
      const jobs = await Promise.all(pending.map((a) => queue.getJob(actionJobId(id, a.id))));
      const snapshots = await Promise.all(
        jobs.map((j, i) => (j ? snapshotOf(j, () => queue.getJob(actionJobId(id, pending[i]?.id ?? ''))) : undefined)),
      );
      pending.forEach((a, i) => {
        actionJobs.set(a.id, snapshots[i]);
      });
    }
    return deriveMirrorRunView(id, plan, actionJobs);
  }
}

/** The plan as a run job carries it: actions without their SQL (rebuilt by the worker from its config). */
export function savedPlanOf(plan: MirrorPlan): SavedMirrorPlan {
  return {
    ...(plan.id === undefined ? {} : { planId: plan.id }),
    fingerprint: plan.fingerprint,
    createdAt: plan.createdAt,
    actions: plan.actions.map(({ sql: _sql, ...action }) => action),
    summary: { ...plan.summary },
    skipped: plan.skipped.map((s) => ({ ...s })),
    orphans: plan.orphans.map((o) => ({ ...o })),
    ...(plan.stats ? { stats: { ...plan.stats } } : {}),
  };
}

function describeAction(action: PlannedAction): { id: string; kind: string; reason: string } {
  return { id: action.id, kind: action.kind, reason: action.reason };
}

/** At most 50 names per list, with the full counts, so a PLAN_STALE answer stays small at 5,000 tables. */
function truncateChanges(changes: PlanStateChanges): Record<string, unknown> {
  const cut = (list: string[]) => ({ count: list.length, items: list.slice(0, 50) });
  const side = (c: PlanStateChanges['snowflake']) => ({
    added: cut(c.added),
    removed: cut(c.removed),
    changed: cut(c.changed),
  });
  return {
    unityCatalog: side(changes.unityCatalog),
    snowflake: side(changes.snowflake),
    settingsChanged: changes.settingsChanged,
  };
}

/**
 * The plan as a .sql file a team can review. Secrets are masked as
 * '[redacted]': whoever runs it by hand fills in the OAuth client secret.
 */
export function planToSql(plan: MirrorPlan): string {
  const lines = [
    `-- d2s mirror plan, ${plan.createdAt}`,
    `-- ${plan.summary.actions} action(s), ${plan.summary.unchanged} table(s) unchanged, ${plan.summary.skipped} skipped, ${plan.summary.orphans} orphan(s).`,
    "-- Secrets are masked as '[redacted]': fill in the OAuth client secret by hand before running this file.",
    '',
  ];
  for (const action of plan.actions) {
    lines.push(`-- ${action.kind} ${action.id}: ${action.reason.replaceAll('\n', ' ')}`);
    for (const sql of action.sql) lines.push(`${sql};`);
    lines.push('');
  }
  if (plan.orphans.length > 0) {
    lines.push('-- Orphans (left alone):');
    for (const orphan of plan.orphans) lines.push(`--   ${orphan.kind} ${orphan.name}: ${orphan.reason}`);
    lines.push('');
  }
  if (plan.skipped.length > 0) {
    lines.push('-- Skipped Unity Catalog tables:');
    for (const skip of plan.skipped) lines.push(`--   ${skip.fullName} [${skip.code}]: ${skip.reason}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Code-unit order, as `[...names].sort()` orders them. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
