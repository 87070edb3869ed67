import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { D2sConfig } from '../config/load-config.js';
import { RequestError } from '../errors.js';
import { type JobSnapshot, snapshotOf } from '../jobs/job-snapshot.js';
import { addJob } from '../jobs/typed-queue.js';
import { newSyncId, syncIdForKey } from '../sync/ids.js';
import { type DiscoveryOptions, discoverTables, type UnityCatalogReader } from './discovery.js';
import type { MirrorScope } from './mirror-action.js';
import { actionJobId, deriveMirrorRunView, type MirrorPlanJobResult, type MirrorRunView } from './mirror-run.js';
import { type MirrorSettings, resolveMirrorSettings } from './mirror-settings.js';
import { MirrorStateStore, type MirrorTableState } from './mirror-state-store.js';
import { type MirrorPlan, planMirror } from './plan.js';
import { readSnowflakeSide, type SnowflakeExecutor } from './snowflake-side.js';

/** The clients planning needs: Unity Catalog for discovery, Snowflake for SHOW. */
export interface MirrorClients {
  unityCatalog: UnityCatalogReader;
  snowflake: SnowflakeExecutor;
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
  redis?: Redis;
  logger?: Logger;
  discovery?: Omit<DiscoveryOptions, 'signal'>;
  now?: () => number;
}

export interface PlanRequest {
  scope?: MirrorScope | undefined;
  /** Refresh tables that are otherwise up to date. @defaultValue true when mirror.autoRefresh is off */
  includeRefresh?: boolean | undefined;
  /** QUERY_TAG of the SHOW statements. */
  queryTag?: string | undefined;
}

export interface StartRunRequest extends PlanRequest {
  origin?: string;
  /** The same key always names the same run. */
  idempotencyKey?: string | undefined;
}

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

  constructor(deps: MirrorServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.state = deps.redis ? new MirrorStateStore(deps.redis, deps.config.redis.prefix) : undefined;
  }

  /** The checked settings; throws MIRROR_NOT_CONFIGURED naming what is missing. */
  settings(): MirrorSettings {
    return resolveMirrorSettings(this.#deps.config);
  }

  /** The plan: what a run would do now. SQL is masked; nothing is changed. */
  async plan(request: PlanRequest = {}): Promise<MirrorPlan> {
    const settings = this.settings();
    const scope = this.#checkScope(request.scope ?? {}, settings);
    const clients = this.#resolveClients();
    const started = performance.now();
    const auth = this.#deps.config.databricks.auth;
    const discovered = await discoverTables(clients.unityCatalog, settings, scope, {
      ...this.#deps.discovery,
      ...(auth.kind === 'oauth-m2m' ? { principal: auth.clientId } : {}),
      integrationPrincipal: settings.oauthClientId,
    });
    const discoveryMs = performance.now() - started;

    const databases = new Set<string>(discovered.tables.map((t) => t.target.database));
    for (const catalog of settings.catalogs) {
      if (scope.catalogs === undefined || scope.catalogs.includes(catalog.name)) {
        databases.add(catalog.database ?? catalog.name.toUpperCase());
      }
    }
    // Where d2s put tables before, so a table whose target database changed is still found.
    for (const entry of (await this.state?.list()) ?? []) {
      if (entry.snowflake && entry.status !== 'dropped') databases.add(entry.snowflake.database);
    }
    const snowflakeStarted = performance.now();
    const snowflake = await readSnowflakeSide(clients.snowflake, {
      integrationPrefix: settings.integrationPrefix,
      databases: [...databases],
      ...(request.queryTag ? { queryTag: request.queryTag } : {}),
    });
    const snowflakeMs = performance.now() - snowflakeStarted;
    const plan = planMirror({
      discovered,
      snowflake,
      settings,
      scope,
      includeRefresh: request.includeRefresh ?? !settings.autoRefresh,
      now: new Date(this.#now()),
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
    return plan;
  }

  /** Starts a run: a `mirror-plan` job whose id is the run id. */
  async startRun(request: StartRunRequest = {}): Promise<MirrorRunView> {
    const queue = this.#requireQueue();
    const settings = this.settings();
    const scope = this.#checkScope(request.scope ?? {}, settings);
    const id = request.idempotencyKey
      ? syncIdForKey('mirror', request.idempotencyKey).replace(/^sync_/, 'mirror_')
      : newSyncId(this.#now()).replace(/^sync_/, 'mirror_');
    const existing = await queue.getJob(id);
    const job =
      existing ??
      (await addJob(
        queue,
        'mirror',
        'mirror-plan',
        {
          mirrorRunId: id,
          scope,
          origin: request.origin ?? 'api',
          ...(request.includeRefresh === undefined ? {} : { includeRefresh: request.includeRefresh }),
        },
        { jobId: id, retentionSeconds: this.#deps.config.api.retentionSeconds },
      ));
    return this.#view(id, job);
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

  #resolveClients(): MirrorClients {
    if (!this.#clients) {
      const clients = this.#deps.clients;
      this.#clients = typeof clients === 'function' ? clients() : clients;
    }
    return this.#clients;
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
