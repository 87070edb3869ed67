import type { SnowflakeObjectName } from '../../config/schema.js';
import type { SkipCode } from '../eligibility.js';
import type { TableMarker } from '../markers.js';
import {
  actionIdFor,
  type AlterTableAction,
  type CreateTableAction,
  type RefreshTableAction,
  type RenameTableAction,
} from '../mirror-action.js';
import { displayName, sameObjectName, ucFullName } from '../naming.js';
import type { IntegrationPlan } from './integrations.js';
import { deselectedReason, goneReason, type OrphanInput } from './orphans.js';
import type { DesiredTable, SkippedTable } from './sides.js';
import { type SnowflakeTables, tableKey } from './snowflake-tables.js';

/** What the decision about one table may look at besides the table itself. */
export interface TableContext {
  snowflake: SnowflakeTables;
  integrations: Pick<IntegrationPlan, 'owners' | 'blocked'>;
  /** Snowflake name (`tableKey`) → the Unity Catalog table earlier in this plan that lands there. */
  targetsTaken: ReadonlyMap<string, string>;
  /** Ids of the tables in the plan: a d2s table of one of these is never replaced by another. */
  desiredIds: ReadonlySet<string>;
  /** Tables discovery left out, by id: says why a replaced table is no longer selected. */
  skippedById: ReadonlyMap<string, SkippedTable>;
  /** The configured catalogs: a mirror outside them was deselected, not removed. */
  catalogs?: OrphanInput['catalogs'];
  dropRemoved: boolean;
  /** Refresh tables that are otherwise up to date. */
  includeRefresh: boolean;
  /** mirror.autoRefresh: a table whose AUTO_REFRESH differs is altered. */
  autoRefresh: boolean;
}

/** What to do about one desired table. */
export type TableDecision = (
  | { kind: 'unchanged'; refresh: RefreshTableAction | undefined; alter: AlterTableAction | undefined }
  | { kind: 'change'; action: CreateTableAction | RenameTableAction }
  | { kind: 'skip'; skipped: SkippedTable }
) & {
  /** Snowflake tables (`tableKey`) this table accounts for, skipped or not: never orphans. */
  claims: string[];
  /** Later tables of the plan may not land on this table's Snowflake name. */
  takesTarget: boolean;
};

/**
 * The decision for one desired table. Its d2s table is found by the Unity
 * Catalog table id in the marker, never by name, so a rename in either
 * catalog stays a rename. A name held by a table d2s did not create is never
 * taken; one held by the mirror of a table gone from Unity Catalog is taken
 * only with mirror.dropRemoved. Actions come without dependencies.
 */
export function decideTable(desired: DesiredTable, context: TableContext): TableDecision {
  const fullName = ucFullName(desired.table);
  const integrationName = desired.integration.name;
  const candidates = context.snowflake.mirrorsById.get(desired.table.tableId) ?? [];
  const mirror = candidates.find((c) => sameObjectName(c.row, desired.target)) ?? candidates[0];
  const claims = mirror ? [tableKey(mirror.row)] : [];
  const skip = (code: SkipCode, reason: string, takesTarget: boolean): TableDecision => ({
    kind: 'skip',
    skipped: { fullName, tableId: desired.table.tableId, code, reason },
    claims,
    takesTarget,
  });

  const owner = context.integrations.owners.get(integrationName);
  if (owner && (owner.catalog !== desired.integration.catalog || owner.namespace !== desired.integration.namespace)) {
    return skip(
      'INTEGRATION_CONFLICT',
      `integration name ${integrationName} is already used for ${owner.catalog}${owner.namespace ? `.${owner.namespace}` : ''} (names differing only in characters other than A-Z, 0-9, _ collide)`,
      false,
    );
  }
  const blocked = context.integrations.blocked.get(integrationName);
  if (blocked) return skip('INTEGRATION_CONFLICT', blocked, false);
  const targetKey = tableKey(desired.target);
  const twin = context.targetsTaken.get(targetKey);
  if (twin) {
    return skip(
      'DUPLICATE_TARGET',
      `${displayName(desired.target)} is already the target of ${twin} (check snowflake_* tags)`,
      false,
    );
  }
  // From here on the table holds its Snowflake name, even when it is skipped below.

  const source = {
    table: desired.table,
    integration: integrationName,
    catalogNamespace: desired.table.schema,
    catalogTableName: desired.table.name,
  };
  const occupant = context.snowflake.byName.get(targetKey);
  const foreignOccupant = occupant && (!mirror || tableKey(mirror.row) !== targetKey) ? occupant : undefined;

  if (mirror) {
    const sameSource =
      (mirror.row.catalogName ?? '').toUpperCase() === integrationName.toUpperCase() &&
      mirror.row.catalogNamespace === desired.table.schema &&
      mirror.row.catalogTableName === desired.table.name;
    const sameName = sameObjectName(mirror.row, desired.target);
    if (sameSource && sameName) {
      const refresh: RefreshTableAction | undefined = context.includeRefresh
        ? {
            id: actionIdFor('refresh-table', desired.table.tableId),
            kind: 'refresh-table',
            reason: 'refresh requested: read the latest snapshot now',
            table: desired.table,
            target: desired.target,
            dependsOn: [],
          }
        : undefined;
      const alter: AlterTableAction | undefined =
        mirror.row.autoRefresh !== undefined && mirror.row.autoRefresh !== context.autoRefresh
          ? {
              id: actionIdFor('alter-table', desired.table.tableId),
              kind: 'alter-table',
              reason: `mirror.autoRefresh is ${context.autoRefresh ? 'on' : 'off'} but the table's AUTO_REFRESH is ${mirror.row.autoRefresh ? 'on' : 'off'}`,
              table: desired.table,
              target: desired.target,
              autoRefresh: context.autoRefresh,
              dependsOn: [],
            }
          : undefined;
      return { kind: 'unchanged', refresh, alter, claims, takesTarget: true };
    }
    if (foreignOccupant) return skip('NAME_CONFLICT', occupiedReason(desired.target, foreignOccupant.marker), true);
    const from: SnowflakeObjectName = {
      database: mirror.row.database,
      schema: mirror.row.schema,
      name: mirror.row.name,
    };
    const ucRenamed = mirror.marker.ucFullName !== fullName;
    // Only a Snowflake-side rename can be an ALTER. A Unity Catalog rename changes the remote name, and
    // CATALOG_TABLE_NAME is fixed at CREATE: ALTER ICEBERG TABLE can neither set it nor rename the table
    // (https://docs.snowflake.com/en/sql-reference/sql/alter-iceberg-table), so that one is re-created.
    const action: RenameTableAction = {
      id: actionIdFor('rename-table', desired.table.tableId),
      kind: 'rename-table',
      mode: sameSource ? 'alter' : 'recreate',
      reason: sameSource
        ? `Snowflake name changed (tags or config): ${displayName(from)} → ${displayName(desired.target)}`
        : ucRenamed
          ? `renamed in Unity Catalog: ${mirror.marker.ucFullName} → ${fullName} (an Iceberg table cannot change its remote name: create the new table, drop the old one)`
          : `now read through ${integrationName} (was ${mirror.row.catalogName ?? 'unknown'}): create the new table, drop the old one`,
      ...source,
      from,
      target: desired.target,
      previousUcFullName: mirror.marker.ucFullName,
      dependsOn: [],
    };
    return { kind: 'change', action, claims, takesTarget: true };
  }

  if (foreignOccupant) {
    const marker = foreignOccupant.marker;
    // The name belongs to the mirror of a table gone from Unity Catalog: with dropRemoved, replace it in place.
    // (A table only deselected is still there: its mirror is never replaced.)
    if (
      marker &&
      !context.desiredIds.has(marker.tableId) &&
      context.dropRemoved &&
      !deselectedReason(marker, context)
    ) {
      const action: CreateTableAction = {
        id: actionIdFor('create-table', desired.table.tableId),
        kind: 'create-table',
        reason: `new in the mirror; replaces ${displayName(desired.target)}, the mirror of ${marker.ucFullName} (uc_table_id=${marker.tableId}), which is ${goneReason(marker, context.skippedById)}`,
        ...source,
        target: desired.target,
        replaces: { tableId: marker.tableId, ucFullName: marker.ucFullName },
        dependsOn: [],
      };
      return { kind: 'change', action, claims: [...claims, targetKey], takesTarget: true };
    }
    return skip('NAME_CONFLICT', occupiedReason(desired.target, marker), true);
  }
  const action: CreateTableAction = {
    id: actionIdFor('create-table', desired.table.tableId),
    kind: 'create-table',
    reason: `new in the mirror (${desired.format === 'ICEBERG' ? 'Iceberg table' : 'UniForm Delta table'})`,
    ...source,
    target: desired.target,
    dependsOn: [],
  };
  return { kind: 'change', action, claims, takesTarget: true };
}

export interface TablePlan {
  /** Create, rename and refresh actions, in the order of the desired tables. */
  actions: Array<CreateTableAction | RenameTableAction | AlterTableAction | RefreshTableAction>;
  skipped: SkippedTable[];
  /** Tables already in step. */
  unchanged: number;
  /** Snowflake tables (`tableKey`) some desired table accounts for. */
  claimed: Set<string>;
}

/** `decideTable` for each desired table in turn; a table takes its Snowflake name from those after it. */
export function planTables(desired: readonly DesiredTable[], context: Omit<TableContext, 'targetsTaken'>): TablePlan {
  const plan: TablePlan = { actions: [], skipped: [], unchanged: 0, claimed: new Set() };
  const targetsTaken = new Map<string, string>();
  for (const table of desired) {
    const decision = decideTable(table, { ...context, targetsTaken });
    for (const key of decision.claims) plan.claimed.add(key);
    if (decision.takesTarget) targetsTaken.set(tableKey(table.target), ucFullName(table.table));
    if (decision.kind === 'skip') plan.skipped.push(decision.skipped);
    else if (decision.kind === 'change') plan.actions.push(decision.action);
    else {
      plan.unchanged++;
      if (decision.alter) plan.actions.push(decision.alter);
      if (decision.refresh) plan.actions.push(decision.refresh);
    }
  }
  return plan;
}

function occupiedReason(target: SnowflakeObjectName, marker: TableMarker | undefined): string {
  return marker
    ? `${displayName(target)} is taken by the mirror of ${marker.ucFullName} (uc_table_id=${marker.tableId}); enable mirror.dropRemoved to replace it, or drop it`
    : `${displayName(target)} exists and is not a d2s mirror; d2s never replaces it (drop or rename it, or map this table elsewhere with tags)`;
}
