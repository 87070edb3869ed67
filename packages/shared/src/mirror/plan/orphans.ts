import type { MirrorCatalogConfig } from '../../config/schema.js';
import { PERMISSION_SKIPS } from '../eligibility.js';
import { parseIntegrationComment, type TableMarker } from '../markers.js';
import { actionIdFor, type DropTableAction, type MirrorScope } from '../mirror-action.js';
import { displayName } from '../naming.js';
import type { IntegrationPlan } from './integrations.js';
import type { SkippedTable } from './sides.js';
import { type SnowflakeTables, tableKey } from './snowflake-tables.js';

/** A d2s object in Snowflake that no mirrored table accounts for, kept rather than dropped. */
export interface Orphan {
  kind: 'table' | 'integration';
  /** `DB.SCHEMA.TABLE` or the integration name. */
  name: string;
  tableId?: string;
  ucFullName?: string;
  reason: string;
}

export interface OrphanInput {
  snowflake: SnowflakeTables;
  /** Keys (`tableKey`) of the Snowflake tables the table decisions account for. */
  claimed: ReadonlySet<string>;
  /** The integrations Snowflake has under d2s's prefix, and the ones the desired tables use. */
  integrations: Pick<IntegrationPlan, 'existing' | 'owners'>;
  /** Ids of the tables in the plan. */
  desiredIds: ReadonlySet<string>;
  /** Tables discovery left out, by id. */
  skippedById: ReadonlyMap<string, SkippedTable>;
  scope: MirrorScope;
  dropRemoved: boolean;
  /** Catalogs / schemas discovery could not list (missing privilege): their mirrors are never dropped. */
  unreadable?: readonly string[];
  /** The configured catalogs (and their schema lists): a mirror outside them was deselected, not removed. */
  catalogs?: readonly MirrorCatalogConfig[];
}

export interface OrphanPlan {
  /** With mirror.dropRemoved on: one drop per unclaimed d2s table. */
  drops: DropTableAction[];
  /** Unclaimed d2s tables (with mirror.dropRemoved off) and unused d2s integrations. */
  orphans: Orphan[];
}

/**
 * d2s's tables that no desired table claimed: their Unity Catalog table is
 * gone, no longer selected, or they are a second copy. Only tables inside
 * the plan's scope count, so a plan of one catalog never touches another's.
 * Dropped with mirror.dropRemoved, else listed. Integrations are only ever
 * listed: d2s never drops one.
 */
export function planOrphans(input: OrphanInput): OrphanPlan {
  const plan: OrphanPlan = { drops: [], orphans: [] };
  for (const list of input.snowflake.mirrorsById.values()) {
    for (const { row, marker } of list) {
      if (input.claimed.has(tableKey(row)) || !markerInScope(marker, input.scope)) continue;
      const reason = input.desiredIds.has(marker.tableId)
        ? `a second mirror of ${marker.ucFullName} (uc_table_id=${marker.tableId})`
        : `the mirror of ${marker.ucFullName}, which is ${goneReason(marker, input.skippedById)}`;
      const target = { database: row.database, schema: row.schema, name: row.name };
      const hidden = hiddenReason(marker, input);
      if (hidden) {
        // Unity Catalog refused d2s a look, which says nothing about whether the table still exists.
        plan.orphans.push({
          kind: 'table',
          name: displayName(target),
          tableId: marker.tableId,
          ucFullName: marker.ucFullName,
          reason: `the mirror of ${marker.ucFullName}, which d2s cannot see now (${hidden}); kept, never dropped for a missing privilege`,
        });
        continue;
      }
      const deselected = input.desiredIds.has(marker.tableId) ? undefined : deselectedReason(marker, input);
      if (input.dropRemoved && !deselected) {
        plan.drops.push({
          id: actionIdFor('drop-table', `${marker.tableId}\u0000${tableKey(row)}`),
          kind: 'drop-table',
          reason: `${reason} (mirror.dropRemoved is on)`,
          tableId: marker.tableId,
          ucFullName: marker.ucFullName,
          target,
          dependsOn: [],
        });
      } else {
        plan.orphans.push({
          kind: 'table',
          name: displayName(target),
          tableId: marker.tableId,
          ucFullName: marker.ucFullName,
          reason: input.dropRemoved
            ? `the mirror of ${marker.ucFullName}, which is ${deselected}; kept: mirror.dropRemoved drops only tables gone from Unity Catalog`
            : `${reason}; kept because mirror.dropRemoved is off`,
        });
      }
    }
  }
  for (const [name, integration] of input.integrations.existing) {
    if (input.integrations.owners.has(name)) continue;
    const marker = parseIntegrationComment(integration.comment);
    if (!marker || !catalogInScope(marker.catalog, input.scope)) continue;
    plan.orphans.push({
      kind: 'integration',
      name,
      reason: `no mirrored table uses it (catalog ${marker.catalog}${marker.schema ? ` schema ${marker.schema}` : ''}); d2s never drops integrations`,
    });
  }
  return plan;
}

/** Why a mirrored table is out of d2s's sight for lack of a privilege, if it is. */
function hiddenReason(marker: TableMarker, input: OrphanInput): string | undefined {
  const skip = input.skippedById.get(marker.tableId);
  if (skip && PERMISSION_SKIPS.has(skip.code)) return skip.reason;
  const [catalog = '', schema = ''] = marker.ucFullName.split('.');
  const scope = (input.unreadable ?? []).find((s) => s === catalog || s === `${catalog}.${schema}`);
  return scope === undefined ? undefined : `cannot list ${scope}`;
}

/**
 * Why the Unity Catalog table of a d2s table is still there but no longer selected (an include/exclude
 * rule, a tag, its format, a catalog or schema no longer configured), or undefined when it is gone.
 * Only a gone table's mirror is ever dropped.
 */
export function deselectedReason(
  marker: TableMarker,
  input: Pick<OrphanInput, 'skippedById' | 'catalogs'>,
): string | undefined {
  const skip = input.skippedById.get(marker.tableId);
  if (skip) return `no longer selected (${skip.reason})`;
  if (input.catalogs === undefined) return undefined;
  const [catalog = '', schema = ''] = marker.ucFullName.split('.');
  const configured = input.catalogs.find((c) => c.name === catalog);
  if (!configured) return `in catalog ${catalog}, which is no longer in mirror.catalogs`;
  if (configured.schemas && !configured.schemas.includes(schema)) {
    return `in schema ${catalog}.${schema}, which is no longer in the catalog's mirror.catalogs[].schemas`;
  }
  return undefined;
}

/** Why the Unity Catalog table of a d2s table is no longer mirrored: deselected (and how) or gone. */
export function goneReason(marker: TableMarker, skippedById: ReadonlyMap<string, SkippedTable>): string {
  const skip = skippedById.get(marker.tableId);
  return skip ? `no longer selected (${skip.reason})` : 'gone from Unity Catalog (dropped, or moved out of the mirror)';
}

function catalogInScope(catalog: string, scope: MirrorScope): boolean {
  return scope.catalogs === undefined || scope.catalogs.includes(catalog);
}

/** Whether a d2s table belongs to the part of Unity Catalog this plan looked at. */
export function markerInScope(marker: TableMarker, scope: MirrorScope): boolean {
  const [catalog = '', schema = ''] = marker.ucFullName.split('.');
  if (!catalogInScope(catalog, scope)) return false;
  if (scope.schemas === undefined) return true;
  return scope.schemas.some((s) => s === schema || s === `${catalog}.${schema}`);
}
