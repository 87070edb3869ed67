import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SnowflakeObjectName } from '../config/schema.js';

/**
 * The actions of a mirror plan. An action names things (Unity Catalog table,
 * integration, Snowflake names) and never holds SQL or a secret: whoever
 * applies it rebuilds the statements from its own configuration, so an action
 * can ride in job data. (This file imports nothing from the job catalog, which
 * imports it.)
 */

export const MirrorScope = z.strictObject({
  /** Only these Unity Catalog catalogs (of the configured ones). */
  catalogs: z.array(z.string().min(1)).optional(),
  /** Only these schemas: `schema` (in every catalog) or `catalog.schema`. */
  schemas: z.array(z.string().min(1)).optional(),
});
export type MirrorScope = z.infer<typeof MirrorScope>;

export const UcTableRef = z.strictObject({
  tableId: z.string().min(1),
  catalog: z.string().min(1),
  schema: z.string().min(1),
  name: z.string().min(1),
});
export type UcTableRef = z.infer<typeof UcTableRef>;

export const IntegrationRef = z.strictObject({
  name: z.string().min(1),
  /** The Unity Catalog catalog it reads. */
  catalog: z.string().min(1),
  /** Its CATALOG_NAMESPACE (per-schema integrations). */
  namespace: z.string().min(1).optional(),
});
export type IntegrationRef = z.infer<typeof IntegrationRef>;

export const ACTION_KINDS = [
  'create-integration',
  'update-integration',
  'create-schema',
  'drop-table',
  'rename-table',
  'create-table',
  'alter-table',
  'refresh-table',
] as const;
export type MirrorActionKind = (typeof ACTION_KINDS)[number];

export const ActionId = z
  .string()
  .regex(/^[a-z]+(-[a-z]+)*-[0-9a-f]{12}$/, 'an action id like create-table-0123456789ab');

const base = {
  id: ActionId,
  /** Why the plan has this action, in words. */
  reason: z.string(),
};

/** Where the Iceberg table reads from: the integration and the table's name in the remote catalog. */
const source = {
  table: UcTableRef,
  integration: z.string().min(1),
  catalogNamespace: z.string().min(1),
  catalogTableName: z.string().min(1),
};

/** Action ids this one waits for (its integration, its schema); it is skipped when one failed. */
const dependsOn = z.array(ActionId).default([]);

export const CreateIntegrationAction = z.strictObject({
  ...base,
  kind: z.literal('create-integration'),
  integration: IntegrationRef,
});

export const UpdateIntegrationAction = z.strictObject({
  ...base,
  kind: z.literal('update-integration'),
  integration: IntegrationRef,
  rotateSecret: z.boolean(),
  refreshIntervalSeconds: z.number().int().positive().optional(),
});

export const CreateSchemaAction = z.strictObject({
  ...base,
  kind: z.literal('create-schema'),
  database: z.string().min(1),
  schema: z.string().min(1),
  createDatabase: z.boolean(),
});

export const CreateTableAction = z.strictObject({
  ...base,
  kind: z.literal('create-table'),
  ...source,
  target: SnowflakeObjectName,
  /** Replace a d2s table of a Unity Catalog table that is gone, at the same name (CREATE OR REPLACE). */
  replaces: z.strictObject({ tableId: z.string().min(1), ucFullName: z.string().min(1) }).optional(),
  dependsOn,
});

export const RenameTableAction = z.strictObject({
  ...base,
  kind: z.literal('rename-table'),
  /**
   * `alter`: only the Snowflake name changes (ALTER ICEBERG TABLE … RENAME TO).
   * `recreate`: the remote name, namespace or integration changed, which an
   * Iceberg table cannot follow: create the new table, then drop the old one.
   */
  mode: z.enum(['alter', 'recreate']),
  ...source,
  from: SnowflakeObjectName,
  target: SnowflakeObjectName,
  /** The Unity Catalog name recorded in the old table's comment. */
  previousUcFullName: z.string().min(1),
  dependsOn,
});

export const RefreshTableAction = z.strictObject({
  ...base,
  kind: z.literal('refresh-table'),
  table: UcTableRef,
  target: SnowflakeObjectName,
  dependsOn,
});

/** A table in step but for a setting d2s can change in place (today: AUTO_REFRESH after mirror.autoRefresh changed). */
export const AlterTableAction = z.strictObject({
  ...base,
  kind: z.literal('alter-table'),
  table: UcTableRef,
  target: SnowflakeObjectName,
  autoRefresh: z.boolean(),
  dependsOn,
});

export const DropTableAction = z.strictObject({
  ...base,
  kind: z.literal('drop-table'),
  tableId: z.string().min(1),
  /** The Unity Catalog name recorded in the table's comment. */
  ucFullName: z.string().min(1),
  target: SnowflakeObjectName,
  dependsOn,
});

export const MirrorAction = z.discriminatedUnion('kind', [
  CreateIntegrationAction,
  UpdateIntegrationAction,
  CreateSchemaAction,
  CreateTableAction,
  RenameTableAction,
  AlterTableAction,
  RefreshTableAction,
  DropTableAction,
]);
export type MirrorAction = z.infer<typeof MirrorAction>;
export type CreateIntegrationAction = z.infer<typeof CreateIntegrationAction>;
export type UpdateIntegrationAction = z.infer<typeof UpdateIntegrationAction>;
export type CreateSchemaAction = z.infer<typeof CreateSchemaAction>;
export type CreateTableAction = z.infer<typeof CreateTableAction>;
export type RenameTableAction = z.infer<typeof RenameTableAction>;
export type RefreshTableAction = z.infer<typeof RefreshTableAction>;
export type AlterTableAction = z.infer<typeof AlterTableAction>;
export type DropTableAction = z.infer<typeof DropTableAction>;

/** Actions the plan job applies itself, before any table action starts. */
export type ContainerAction = CreateIntegrationAction | UpdateIntegrationAction | CreateSchemaAction;
/** Actions fanned out as one `mirror-action` job each. */
export type TableAction =
  CreateTableAction | RenameTableAction | AlterTableAction | RefreshTableAction | DropTableAction;

export function isTableAction(action: MirrorAction): action is TableAction {
  return (
    action.kind === 'create-table' ||
    action.kind === 'rename-table' ||
    action.kind === 'alter-table' ||
    action.kind === 'refresh-table' ||
    action.kind === 'drop-table'
  );
}

/** The Unity Catalog table id an action is about (table actions only). */
export function tableIdOf(action: TableAction): string {
  return action.kind === 'drop-table' ? action.tableId : action.table.tableId;
}

/** A stable id: the kind and 12 hex characters of a hash of what the action is about. */
export function actionIdFor(kind: MirrorActionKind, key: string): string {
  return `${kind}-${createHash('sha256').update(kind).update('\0').update(key).digest('hex').slice(0, 12)}`;
}

/** The table actions only: what a `mirror-action` job carries. */
export const TableActionSchema = z.discriminatedUnion('kind', [
  CreateTableAction,
  RenameTableAction,
  AlterTableAction,
  RefreshTableAction,
  DropTableAction,
]);

/**
 * A plan as a run applies it: its actions (names only, no SQL, no secret) and what it reported, saved into
 * the run's job before any action is applied, so a retried run applies the rest of the same plan instead
 * of planning again, and a reviewed plan is applied exactly as reviewed.
 */
export const SavedMirrorPlan = z.strictObject({
  /** The reviewed plan this run applies (POST /v1/mirror/runs {planId}); absent for plan-and-apply. */
  planId: z.string().min(1).optional(),
  fingerprint: z.string().min(1),
  createdAt: z.string(),
  actions: z.array(MirrorAction),
  summary: z.record(z.string(), z.number()),
  skipped: z.array(z.record(z.string(), z.unknown())),
  orphans: z.array(z.record(z.string(), z.unknown())),
  stats: z.record(z.string(), z.unknown()).optional(),
});
export type SavedMirrorPlan = z.infer<typeof SavedMirrorPlan>;

export const MIRROR_PLAN_ID = /^plan_[0-9A-Za-z]{10,40}$/;
