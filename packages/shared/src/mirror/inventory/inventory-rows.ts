import type { PlannedAction } from '../plan.js';
import type { DesiredTable, SkippedTable } from '../plan/sides.js';
import type { MirrorTableState } from '../mirror-state-store.js';
import { isTableAction, tableIdOf } from '../mirror-action.js';

/** One row of the inventory table: one Unity Catalog table d2s considered, keyed by its table id. */
export interface InventoryRow {
  tableId: string;
  catalog: string;
  schema: string;
  name: string;
  /** MANAGED_ICEBERG or UNIFORM; null for a table that is not Iceberg-readable. */
  format: string | null;
  metadataLocation: string | null;
  eligible: boolean;
  /** Why the table is not mirrored (`CODE: reason`); null when eligible. */
  ineligibleReason: string | null;
  snowflakeIntegration: string | null;
  snowflakeDatabase: string | null;
  snowflakeSchema: string | null;
  snowflakeTable: string | null;
  lastAction: string | null;
  /** planned, mirrored, failed, skipped, dropped, unchanged or ineligible. */
  status: string;
  error: string | null;
  lastAppliedAt: string | null;
}

export interface PlanOutcome {
  tables: readonly DesiredTable[];
  skipped: readonly SkippedTable[];
  actions: readonly PlannedAction[];
}

/**
 * The rows after a plan: every eligible table with its Snowflake target and the action planned for it (or what
 * d2s last did to it, from the per-table state), every skipped table that has an id with the reason, and every
 * table planned for a drop. One row per table id.
 */
export function inventoryRowsAfterPlan(
  plan: PlanOutcome,
  states: ReadonlyMap<string, MirrorTableState>,
): InventoryRow[] {
  const planned = new Map<string, PlannedAction>();
  for (const action of plan.actions) if (isTableAction(action)) planned.set(tableIdOf(action), action);
  const rows = new Map<string, InventoryRow>();
  for (const desired of plan.tables) {
    const id = desired.table.tableId;
    const action = planned.get(id);
    const state = states.get(id);
    rows.set(id, {
      tableId: id,
      catalog: desired.table.catalog,
      schema: desired.table.schema,
      name: desired.table.name,
      format: desired.format === 'ICEBERG' ? 'MANAGED_ICEBERG' : 'UNIFORM',
      metadataLocation: null,
      eligible: true,
      ineligibleReason: null,
      snowflakeIntegration: desired.integration.name,
      snowflakeDatabase: desired.target.database,
      snowflakeSchema: desired.target.schema,
      snowflakeTable: desired.target.name,
      lastAction: action?.kind ?? state?.lastAction.kind ?? null,
      status: action ? 'planned' : (state?.status ?? 'unchanged'),
      error: action ? null : (state?.lastError?.message ?? null),
      lastAppliedAt: state?.lastAction.at ?? null,
    });
  }
  for (const skip of plan.skipped) {
    if (!skip.tableId || rows.has(skip.tableId)) continue;
    const [catalog = '', schema = '', ...rest] = skip.fullName.split('.');
    const state = states.get(skip.tableId);
    rows.set(skip.tableId, {
      ...emptyRow(skip.tableId, catalog, schema, rest.join('.')),
      ineligibleReason: `${skip.code}: ${skip.reason}`,
      status: 'ineligible',
      lastAction: state?.lastAction.kind ?? null,
      lastAppliedAt: state?.lastAction.at ?? null,
    });
  }
  for (const action of plan.actions) {
    if (action.kind !== 'drop-table' || rows.has(action.tableId)) continue;
    const [catalog = '', schema = '', ...rest] = action.ucFullName.split('.');
    rows.set(action.tableId, {
      ...emptyRow(action.tableId, catalog, schema, rest.join('.')),
      ineligibleReason: 'GONE: no longer in Unity Catalog',
      snowflakeDatabase: action.target.database,
      snowflakeSchema: action.target.schema,
      snowflakeTable: action.target.name,
      lastAction: 'drop-table',
      status: 'planned',
    });
  }
  return [...rows.values()];
}

function emptyRow(tableId: string, catalog: string, schema: string, name: string): InventoryRow {
  return {
    tableId,
    catalog,
    schema,
    name,
    format: null,
    metadataLocation: null,
    eligible: false,
    ineligibleReason: null,
    snowflakeIntegration: null,
    snowflakeDatabase: null,
    snowflakeSchema: null,
    snowflakeTable: null,
    lastAction: null,
    status: 'ineligible',
    error: null,
    lastAppliedAt: null,
  };
}
