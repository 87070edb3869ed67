import type { SnowflakeObjectName } from '../config/schema.js';
import type { SkipCode } from './eligibility.js';
import { parseIntegrationComment, parseTableComment, type TableMarker } from './markers.js';
import {
  ACTION_KINDS,
  actionIdFor,
  type CreateSchemaAction,
  type IntegrationRef,
  type MirrorAction,
  type MirrorActionKind,
  type MirrorScope,
  type TableAction,
  type UcTableRef,
} from './mirror-action.js';
import type { MirrorSettings } from './mirror-settings.js';
import { displayName, type IntegrationIdentity, sameObjectName, ucFullName } from './naming.js';
import { type StatementSettings, statementsFor } from './statements.js';

/** A Unity Catalog table discovery selected for mirroring, with where it should land. */
export interface DesiredTable {
  table: UcTableRef;
  format: 'ICEBERG' | 'UNIFORM';
  target: SnowflakeObjectName;
  integration: IntegrationIdentity;
}

/** A table the plan leaves alone, and why. */
export interface SkippedTable {
  fullName: string;
  tableId?: string | undefined;
  code: SkipCode;
  reason: string;
}

/** What Unity Catalog has (in scope). */
export interface DiscoveredTables {
  tables: DesiredTable[];
  skipped: SkippedTable[];
}

/** One row of SHOW CATALOG INTEGRATIONS. */
export interface SnowflakeIntegration {
  name: string;
  comment: string | null;
  enabled: boolean;
}

/** One row of SHOW ICEBERG TABLES. */
export interface SnowflakeIcebergTable extends SnowflakeObjectName {
  /** The integration (`catalog_name`). */
  catalogName: string | null;
  catalogNamespace: string | null;
  catalogTableName: string | null;
  comment: string | null;
}

export interface SnowflakeDatabase {
  name: string;
  exists: boolean;
  schemas: string[];
}

/** What Snowflake has, from SHOW output. */
export interface SnowflakeSide {
  integrations: SnowflakeIntegration[];
  databases: SnowflakeDatabase[];
  tables: SnowflakeIcebergTable[];
}

export interface Orphan {
  kind: 'table' | 'integration';
  /** `DB.SCHEMA.TABLE` or the integration name. */
  name: string;
  tableId?: string;
  ucFullName?: string;
  reason: string;
}

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
    'catalogs' | 'integrationPrefix' | 'refreshIntervalSeconds' | 'secretFingerprint' | 'dropRemoved'
  > &
    StatementSettings;
  scope?: MirrorScope;
  /** Add an ALTER ICEBERG TABLE … REFRESH for every table that is otherwise up to date. */
  includeRefresh?: boolean;
  now?: Date;
}

const KIND_ORDER = new Map<MirrorActionKind, number>(ACTION_KINDS.map((k, i) => [k, i]));

const keyOf = (n: SnowflakeObjectName) => `${n.database}\u0000${n.schema}\u0000${n.name}`;

/**
 * The diff between what Unity Catalog has (discovery) and what Snowflake has
 * (SHOW output), as ordered actions. Tables are matched by the Unity Catalog
 * table id in their comment marker, never by name, so a rename is a rename.
 * Nothing d2s did not create is ever replaced or dropped. Pure: same input,
 * same plan.
 */
export function planMirror(input: PlanInput): MirrorPlan {
  const { discovered, snowflake, settings } = input;
  const scope = input.scope ?? {};
  const includeRefresh = input.includeRefresh ?? false;
  const actions: MirrorAction[] = [];
  const skipped: SkippedTable[] = [...discovered.skipped];
  const orphans: Orphan[] = [];
  let unchanged = 0;

  const desired = [...discovered.tables].sort((a, b) =>
    ucFullName(a.table) < ucFullName(b.table) ? -1 : ucFullName(a.table) > ucFullName(b.table) ? 1 : 0,
  );
  const desiredIds = new Set(desired.map((d) => d.table.tableId));
  const skippedById = new Map(discovered.skipped.filter((s) => s.tableId).map((s) => [s.tableId as string, s]));

  // ---- Integrations -------------------------------------------------------------------------
  const actualIntegrations = new Map(
    snowflake.integrations
      .filter((i) => i.name.toUpperCase().startsWith(settings.integrationPrefix.toUpperCase()))
      .map((i) => [i.name, i]),
  );
  /** Integration name → the action id tables must wait for (undefined: nothing to wait for). */
  const integrationDependency = new Map<string, string | undefined>();
  /** Integration name → why its tables cannot be mirrored. */
  const blockedIntegrations = new Map<string, string>();
  const desiredIntegrations = new Map<string, IntegrationIdentity>();
  for (const d of desired) {
    const seen = desiredIntegrations.get(d.integration.name);
    if (!seen) desiredIntegrations.set(d.integration.name, d.integration);
  }
  for (const [name, identity] of desiredIntegrations) {
    const ref: IntegrationRef = {
      name,
      catalog: identity.catalog,
      ...(identity.namespace === undefined ? {} : { namespace: identity.namespace }),
    };
    const actual = actualIntegrations.get(name);
    if (!actual) {
      const id = actionIdFor('create-integration', name);
      actions.push({
        id,
        kind: 'create-integration',
        reason: `no catalog integration for Unity Catalog catalog ${identity.catalog}${identity.namespace ? ` schema ${identity.namespace}` : ''} yet`,
        integration: ref,
      });
      integrationDependency.set(name, id);
      continue;
    }
    const marker = parseIntegrationComment(actual.comment);
    if (!marker || marker.catalog !== identity.catalog || marker.schema !== identity.namespace) {
      blockedIntegrations.set(
        name,
        `catalog integration ${name} exists but is not d2s's mirror of ${identity.catalog}${identity.namespace ? `.${identity.namespace}` : ''}; d2s never changes it (rename it, or choose another mirror.integrationPrefix)`,
      );
      continue;
    }
    if (!actual.enabled) {
      blockedIntegrations.set(
        name,
        `catalog integration ${name} is disabled (ALTER CATALOG INTEGRATION … SET ENABLED = TRUE)`,
      );
      continue;
    }
    const rotateSecret = marker.secretFingerprint !== settings.secretFingerprint;
    const newInterval = marker.refreshIntervalSeconds !== settings.refreshIntervalSeconds;
    if (rotateSecret || newInterval) {
      const id = actionIdFor('update-integration', name);
      const why = [
        rotateSecret ? 'the OAuth client secret (or client id) changed' : undefined,
        newInterval
          ? `the refresh interval changed from ${marker.refreshIntervalSeconds} s to ${settings.refreshIntervalSeconds} s`
          : undefined,
      ].filter(Boolean);
      actions.push({
        id,
        kind: 'update-integration',
        reason: why.join('; '),
        integration: ref,
        rotateSecret,
        ...(newInterval ? { refreshIntervalSeconds: settings.refreshIntervalSeconds } : {}),
      });
      integrationDependency.set(name, id);
    } else {
      integrationDependency.set(name, undefined);
    }
  }

  // ---- Tables ---------------------------------------------------------------------------------
  const managedById = new Map<string, Array<{ row: SnowflakeIcebergTable; marker: TableMarker }>>();
  const byName = new Map<string, { row: SnowflakeIcebergTable; marker: TableMarker | undefined }>();
  for (const row of snowflake.tables) {
    const marker = parseTableComment(row.comment);
    byName.set(keyOf(row), { row, marker });
    if (marker) {
      const list = managedById.get(marker.tableId) ?? [];
      list.push({ row, marker });
      managedById.set(marker.tableId, list);
    }
  }
  const claimed = new Set<string>();
  const claimedTargets = new Map<string, string>();
  const tableActions: TableAction[] = [];

  for (const d of desired) {
    const fullName = ucFullName(d.table);
    const candidates = managedById.get(d.table.tableId) ?? [];
    const match = candidates.find((c) => sameObjectName(c.row, d.target)) ?? candidates[0];
    if (match) claimed.add(keyOf(match.row));
    const skip = (code: SkipCode, reason: string) => skipped.push({ fullName, tableId: d.table.tableId, code, reason });

    const owner = desiredIntegrations.get(d.integration.name);
    if (owner && (owner.catalog !== d.integration.catalog || owner.namespace !== d.integration.namespace)) {
      skip(
        'INTEGRATION_CONFLICT',
        `integration name ${d.integration.name} is already used for ${owner.catalog}${owner.namespace ? `.${owner.namespace}` : ''} (names differing only in characters other than A-Z, 0-9, _ collide)`,
      );
      continue;
    }
    const blocked = blockedIntegrations.get(d.integration.name);
    if (blocked) {
      skip('INTEGRATION_CONFLICT', blocked);
      continue;
    }
    const targetKey = keyOf(d.target);
    const twin = claimedTargets.get(targetKey);
    if (twin) {
      skip('DUPLICATE_TARGET', `${displayName(d.target)} is already the target of ${twin} (check snowflake_* tags)`);
      continue;
    }
    claimedTargets.set(targetKey, fullName);

    const source = {
      table: d.table,
      integration: d.integration.name,
      catalogNamespace: d.table.schema,
      catalogTableName: d.table.name,
    };
    const occupant = byName.get(targetKey);
    const foreignOccupant = occupant && (!match || keyOf(match.row) !== targetKey) ? occupant : undefined;

    if (match) {
      const sameSource =
        (match.row.catalogName ?? '').toUpperCase() === d.integration.name.toUpperCase() &&
        match.row.catalogNamespace === d.table.schema &&
        match.row.catalogTableName === d.table.name;
      const sameName = sameObjectName(match.row, d.target);
      if (sameSource && sameName) {
        unchanged++;
        if (includeRefresh) {
          tableActions.push({
            id: actionIdFor('refresh-table', d.table.tableId),
            kind: 'refresh-table',
            reason: 'refresh requested: read the latest snapshot now',
            table: d.table,
            target: d.target,
            dependsOn: [],
          });
        }
        continue;
      }
      if (foreignOccupant) {
        skip('NAME_CONFLICT', occupiedReason(d.target, foreignOccupant.marker));
        continue;
      }
      const from: SnowflakeObjectName = {
        database: match.row.database,
        schema: match.row.schema,
        name: match.row.name,
      };
      const ucRenamed = match.marker.ucFullName !== fullName;
      tableActions.push({
        id: actionIdFor('rename-table', d.table.tableId),
        kind: 'rename-table',
        mode: sameSource ? 'alter' : 'recreate',
        reason: sameSource
          ? `Snowflake name changed (tags or config): ${displayName(from)} → ${displayName(d.target)}`
          : ucRenamed
            ? `renamed in Unity Catalog: ${match.marker.ucFullName} → ${fullName} (an Iceberg table cannot change its remote name: create the new table, drop the old one)`
            : `now read through ${d.integration.name} (was ${match.row.catalogName ?? 'unknown'}): create the new table, drop the old one`,
        ...source,
        from,
        target: d.target,
        previousUcFullName: match.marker.ucFullName,
        dependsOn: [],
      });
      continue;
    }

    if (foreignOccupant) {
      const marker = foreignOccupant.marker;
      if (marker && !desiredIds.has(marker.tableId) && settings.dropRemoved) {
        claimed.add(targetKey);
        tableActions.push({
          id: actionIdFor('create-table', d.table.tableId),
          kind: 'create-table',
          reason: `new in the mirror; replaces ${displayName(d.target)}, the mirror of ${marker.ucFullName} (uc_table_id=${marker.tableId}), which is ${goneReason(marker, skippedById)}`,
          ...source,
          target: d.target,
          replaces: { tableId: marker.tableId, ucFullName: marker.ucFullName },
          dependsOn: [],
        });
        continue;
      }
      skip('NAME_CONFLICT', occupiedReason(d.target, marker));
      continue;
    }
    tableActions.push({
      id: actionIdFor('create-table', d.table.tableId),
      kind: 'create-table',
      reason: `new in the mirror (${d.format === 'ICEBERG' ? 'Iceberg table' : 'UniForm Delta table'})`,
      ...source,
      target: d.target,
      dependsOn: [],
    });
  }

  // ---- Orphans: d2s tables whose Unity Catalog table is gone or no longer selected ------------
  for (const [, list] of managedById) {
    for (const { row, marker } of list) {
      if (claimed.has(keyOf(row)) || !markerInScope(marker, scope)) continue;
      const duplicate = desiredIds.has(marker.tableId);
      const reason = duplicate
        ? `a second mirror of ${marker.ucFullName} (uc_table_id=${marker.tableId})`
        : `the mirror of ${marker.ucFullName}, which is ${goneReason(marker, skippedById)}`;
      const target = { database: row.database, schema: row.schema, name: row.name };
      if (settings.dropRemoved) {
        tableActions.push({
          id: actionIdFor('drop-table', `${marker.tableId}\u0000${keyOf(row)}`),
          kind: 'drop-table',
          reason: `${reason} (mirror.dropRemoved is on)`,
          tableId: marker.tableId,
          ucFullName: marker.ucFullName,
          target,
          dependsOn: [],
        });
      } else {
        orphans.push({
          kind: 'table',
          name: displayName(target),
          tableId: marker.tableId,
          ucFullName: marker.ucFullName,
          reason: `${reason}; kept because mirror.dropRemoved is off`,
        });
      }
    }
  }
  for (const [name, integration] of actualIntegrations) {
    if (desiredIntegrations.has(name)) continue;
    const marker = parseIntegrationComment(integration.comment);
    if (!marker || !catalogInScope(marker.catalog, scope)) continue;
    orphans.push({
      kind: 'integration',
      name,
      reason: `no mirrored table uses it (catalog ${marker.catalog}${marker.schema ? ` schema ${marker.schema}` : ''}); d2s never drops integrations`,
    });
  }

  // ---- Containers: databases and schemas the new names need -----------------------------------
  const databases = new Map(snowflake.databases.map((db) => [db.name, db]));
  const schemaActions = new Map<string, CreateSchemaAction>();
  for (const action of tableActions) {
    if (action.kind !== 'create-table' && action.kind !== 'rename-table') continue;
    const { database, schema } = action.target;
    const db = databases.get(database);
    if (db?.exists && db.schemas.includes(schema)) continue;
    const key = `${database}\u0000${schema}`;
    let schemaAction = schemaActions.get(key);
    if (!schemaAction) {
      schemaAction = {
        id: actionIdFor('create-schema', key),
        kind: 'create-schema',
        reason: db?.exists
          ? `schema ${database}.${schema} does not exist yet`
          : `database ${database} does not exist yet`,
        database,
        schema,
        createDatabase: !db?.exists,
      };
      schemaActions.set(key, schemaAction);
    }
    action.dependsOn.push(schemaAction.id);
  }
  const integrationByTable = new Map(desired.map((d) => [d.table.tableId, d.integration.name]));
  for (const action of tableActions) {
    if (action.kind === 'drop-table') continue;
    const integration =
      action.kind === 'refresh-table' ? integrationByTable.get(action.table.tableId) : action.integration;
    const dependency = integration === undefined ? undefined : integrationDependency.get(integration);
    if (dependency) action.dependsOn.unshift(dependency);
  }
  actions.push(...schemaActions.values(), ...tableActions);

  actions.sort(
    (a, b) => (KIND_ORDER.get(a.kind) ?? 0) - (KIND_ORDER.get(b.kind) ?? 0) || sortKey(a).localeCompare(sortKey(b)),
  );
  const planned: PlannedAction[] = actions.map((action) => ({
    ...action,
    sql: statementsFor(action, settings).map((s) => s.masked),
  }));
  return {
    createdAt: (input.now ?? new Date()).toISOString(),
    scope,
    includeRefresh,
    summary: summarize(planned, unchanged, skipped.length, orphans.length),
    actions: planned,
    skipped,
    orphans,
  };
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

function occupiedReason(target: SnowflakeObjectName, marker: TableMarker | undefined): string {
  return marker
    ? `${displayName(target)} is taken by the mirror of ${marker.ucFullName} (uc_table_id=${marker.tableId}); enable mirror.dropRemoved to replace it, or drop it`
    : `${displayName(target)} exists and is not a d2s mirror; d2s never replaces it (drop or rename it, or map this table elsewhere with tags)`;
}

function goneReason(marker: TableMarker, skippedById: Map<string, SkippedTable>): string {
  const skip = skippedById.get(marker.tableId);
  return skip ? `no longer selected (${skip.reason})` : 'gone from Unity Catalog (dropped, or moved out of the mirror)';
}

function catalogInScope(catalog: string, scope: MirrorScope): boolean {
  return scope.catalogs === undefined || scope.catalogs.includes(catalog);
}

/** Whether a d2s table belongs to the part of Unity Catalog this plan looked at. */
function markerInScope(marker: TableMarker, scope: MirrorScope): boolean {
  const [catalog = '', schema = ''] = marker.ucFullName.split('.');
  if (!catalogInScope(catalog, scope)) return false;
  if (scope.schemas === undefined) return true;
  return scope.schemas.some((s) => s === schema || s === `${catalog}.${schema}`);
}

function summarize(actions: PlannedAction[], unchanged: number, skipped: number, orphans: number): MirrorPlanSummary {
  const counts = Object.fromEntries(ACTION_KINDS.map((k) => [k, 0])) as Record<MirrorActionKind, number>;
  for (const action of actions) counts[action.kind]++;
  return { ...counts, actions: actions.length, unchanged, skipped, orphans };
}
