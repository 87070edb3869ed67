import {
  ACTION_KINDS,
  type MirrorAction,
  type MirrorActionKind,
  type MirrorScope,
  type TableAction,
} from './mirror-action.js';
import { MirrorDropLimitError } from './mirror-errors.js';
import type { MirrorSettings } from './mirror-settings.js';
import { planStateDigest } from './plan-fingerprint.js';
import { displayName, ucFullName } from './naming.js';
import { type PlacedTable, planContainers } from './plan/containers.js';
import { type IntegrationPlan, planIntegrations, withClientIntegrations } from './plan/integrations.js';
import { markerInScope, type Orphan, planOrphans } from './plan/orphans.js';
import type { DesiredTable, DiscoveredTables, SkippedTable, SnowflakeSide } from './plan/sides.js';
import { indexSnowflakeTables } from './plan/snowflake-tables.js';
import { planTables } from './plan/tables.js';
import { type StatementSettings, statementsFor } from './statements.js';

export type { Orphan } from './plan/orphans.js';
export type {
  DesiredTable,
  DiscoveredTables,
  SkippedTable,
  SnowflakeDatabase,
  SnowflakeIcebergTable,
  SnowflakeIntegration,
  SnowflakeSide,
} from './plan/sides.js';

export type PlannedAction = MirrorAction & {
  /** The statements, secrets masked as '[redacted]'. */
  sql: string[];
};

export type MirrorPlanSummary = Record<MirrorActionKind, number> & {
  actions: number;
  unchanged: number;
  skipped: number;
  orphans: number;
};

export interface MirrorPlan {
  /** Set once the plan is saved for review (POST /v1/mirror/plan): apply exactly this plan by its id. */
  id?: string;
  /** When a saved plan can no longer be applied by its id. */
  expiresAt?: string;
  /** sha256 of the Unity Catalog and Snowflake state (and settings) the plan was computed from. */
  fingerprint: string;
  createdAt: string;
  scope: MirrorScope;
  includeRefresh: boolean;
  summary: MirrorPlanSummary;
  actions: PlannedAction[];
  skipped: SkippedTable[];
  orphans: Orphan[];
  /** How the plan was computed (requests, statements, timings); filled in by the service. */
  stats?: MirrorPlanStats;
}

export interface MirrorPlanStats {
  ucTablesSeen: number;
  databricksRequests?: number;
  snowflakeStatements: number;
  discoveryMs: number;
  snowflakeMs: number;
  totalMs: number;
}

export interface PlanInput {
  discovered: DiscoveredTables;
  snowflake: SnowflakeSide;
  settings: Pick<
    MirrorSettings,
    | 'catalogs'
    | 'integrationPrefix'
    | 'refreshIntervalSeconds'
    | 'secretFingerprint'
    | 'dropRemoved'
    | 'maxDropShare'
    | 'integrationPer'
  > &
    StatementSettings;
  scope?: MirrorScope;
  /** Add an ALTER ICEBERG TABLE … REFRESH for every table that is otherwise up to date. */
  includeRefresh?: boolean;
  /** Drop more than mirror.maxDropShare of the mirrored tables, when the listing is known to be right. */
  force?: boolean;
  now?: Date;
}

const KIND_ORDER = new Map<MirrorActionKind, number>(ACTION_KINDS.map((k, i) => [k, i]));

/**
 * The diff between what Unity Catalog has (discovery) and what Snowflake has
 * (SHOW output), as ordered actions, in four phases: the integrations the
 * tables read through, a decision per table, the d2s tables no table
 * claimed (orphans), and the databases and schemas the new names need.
 * Tables are matched by the Unity Catalog table id in their comment marker,
 * never by name, so a rename is a rename. Nothing d2s did not create is
 * ever replaced or dropped. Pure: same input, same plan.
 */
export function planMirror(input: PlanInput): MirrorPlan {
  const { discovered, snowflake, settings } = input;
  const scope = input.scope ?? {};
  const includeRefresh = input.includeRefresh ?? false;
  // Sorted, so that which of two colliding tables wins does not depend on discovery order.
  const desired = withClientIntegrations(
    [...discovered.tables].sort((a, b) =>
      ucFullName(a.table) < ucFullName(b.table) ? -1 : ucFullName(a.table) > ucFullName(b.table) ? 1 : 0,
    ),
    snowflake.integrations,
    settings,
  );
  const desiredIds = new Set(desired.map((d) => d.table.tableId));
  const skippedById = new Map(discovered.skipped.filter((s) => s.tableId).map((s) => [s.tableId as string, s]));
  const snowflakeTables = indexSnowflakeTables(snowflake.tables);

  const integrations = planIntegrations(desired, snowflake.integrations, settings);
  const tables = planTables(desired, {
    snowflake: snowflakeTables,
    integrations,
    desiredIds,
    skippedById,
    dropRemoved: settings.dropRemoved,
    includeRefresh,
    autoRefresh: settings.autoRefresh,
    catalogs: settings.catalogs,
  });
  const { drops, orphans } = planOrphans({
    snowflake: snowflakeTables,
    claimed: tables.claimed,
    integrations,
    desiredIds,
    skippedById,
    scope,
    dropRemoved: settings.dropRemoved,
    catalogs: settings.catalogs,
    ...(discovered.unreadable === undefined ? {} : { unreadable: discovered.unreadable }),
  });
  guardDrops(drops.length, mirroredInScope(snowflakeTables, scope), settings.maxDropShare, input.force ?? false, drops);
  const placed = tables.actions.filter((a) => a.kind === 'create-table' || a.kind === 'rename-table');
  const containers = planContainers(placed, snowflake.databases);

  const waitFor = dependencies(integrations, containers.waitFor, desired);
  const tableActions: TableAction[] = [...tables.actions, ...drops].map((action) => ({
    ...action,
    dependsOn: waitFor(action),
  }));
  const actions: MirrorAction[] = [...integrations.actions, ...containers.actions, ...tableActions];
  actions.sort(
    (a, b) => (KIND_ORDER.get(a.kind) ?? 0) - (KIND_ORDER.get(b.kind) ?? 0) || sortKey(a).localeCompare(sortKey(b)),
  );
  const planned: PlannedAction[] = actions.map((action) => ({
    ...action,
    sql: statementsFor(action, settings).map((s) => s.masked),
  }));
  const skipped = [...discovered.skipped, ...tables.skipped];
  const digest = planStateDigest(discovered, snowflake, {
    settings: digestSettings(settings),
    scope,
    includeRefresh,
  });
  return {
    fingerprint: digest.fingerprint,
    createdAt: (input.now ?? new Date()).toISOString(),
    scope,
    includeRefresh,
    summary: summarize(planned, tables.unchanged, skipped.length, orphans.length),
    actions: planned,
    skipped,
    orphans,
  };
}

/**
 * What a table action waits for, first to last: the action that creates or
 * updates its integration, then the one that creates its schema. A drop
 * waits for nothing.
 */
function dependencies(
  integrations: IntegrationPlan,
  schemaFor: ReadonlyMap<PlacedTable, string>,
  desired: readonly DesiredTable[],
): (action: TableAction) => string[] {
  const integrationOf = new Map(desired.map((d) => [d.table.tableId, d.integration.name]));
  return (action) => {
    if (action.kind === 'drop-table') return [];
    const integration =
      action.kind === 'refresh-table' || action.kind === 'alter-table'
        ? integrationOf.get(action.table.tableId)
        : action.integration;
    const onIntegration = integration === undefined ? undefined : integrations.waitFor.get(integration);
    const onSchema = schemaFor.get(action);
    return [onIntegration, onSchema].filter((id): id is string => id !== undefined);
  };
}

/** The plan's view of the settings: what changes a plan, never the secret (its fingerprint stands for it). */
export function digestSettings(settings: PlanInput['settings']): Record<string, unknown> {
  return {
    catalogs: settings.catalogs,
    integrationPrefix: settings.integrationPrefix,
    integrationPer: settings.integrationPer,
    refreshIntervalSeconds: settings.refreshIntervalSeconds,
    autoRefresh: settings.autoRefresh,
    secretFingerprint: settings.secretFingerprint,
    oauthClientId: settings.oauthClientId,
    workspaceUrl: settings.workspaceUrl,
    dropRemoved: settings.dropRemoved,
  };
}

/** d2s's tables (by their marker) inside the plan's scope: what a drop share is measured against. */
function mirroredInScope(tables: ReturnType<typeof indexSnowflakeTables>, scope: MirrorScope): number {
  let count = 0;
  for (const list of tables.mirrorsById.values())
    for (const { marker } of list) if (markerInScope(marker, scope)) count++;
  return count;
}

/**
 * Refuses a plan that drops more than `maxShare` of the mirrored tables unless forced: a listing that came
 * back partial or empty (an outage, a lost grant) must never empty a Snowflake database.
 */
function guardDrops(
  drops: number,
  mirrored: number,
  maxShare: number,
  force: boolean,
  dropped: readonly { target: { database: string; schema: string; name: string } }[],
): void {
  if (drops === 0 || force || mirrored === 0) return;
  const share = drops / mirrored;
  if (share <= maxShare) return;
  throw new MirrorDropLimitError(
    `The plan would drop ${drops} of the ${mirrored} mirrored table(s) (${Math.round(share * 100)}%), more than mirror.maxDropShare (${Math.round(maxShare * 100)}%). If Unity Catalog really lost these tables, plan again with force (--force / "force": true).`,
    {
      details: {
        drops,
        mirrored,
        share: Math.round(share * 1000) / 1000,
        maxDropShare: maxShare,
        tables: dropped.slice(0, 50).map((d) => displayName(d.target)),
      },
    },
  );
}

function sortKey(action: MirrorAction): string {
  switch (action.kind) {
    case 'create-integration':
    case 'update-integration':
      return action.integration.name;
    case 'create-schema':
      return `${action.database}.${action.schema}`;
    default:
      return displayName(action.target);
  }
}

function summarize(actions: PlannedAction[], unchanged: number, skipped: number, orphans: number): MirrorPlanSummary {
  const counts = Object.fromEntries(ACTION_KINDS.map((k) => [k, 0])) as Record<MirrorActionKind, number>;
  for (const action of actions) counts[action.kind]++;
  return { ...counts, actions: actions.length, unchanged, skipped, orphans };
}
