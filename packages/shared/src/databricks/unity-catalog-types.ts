/**
 * Unity Catalog 2.1 models: the fields d2s reads, named as the REST reference names them. Enumerations are open.
 */
import type { OpenEnum } from './jobs-types.js';

export interface CatalogInfo {
  name: string;
  full_name?: string;
  catalog_type?: string;
  comment?: string;
  owner?: string;
  metastore_id?: string;
  storage_root?: string;
  properties?: Record<string, string>;
  isolation_mode?: string;
  browse_only?: boolean;
  /** Epoch milliseconds. */
  created_at?: number;
  /** Epoch milliseconds. */
  updated_at?: number;
}

export interface SchemaInfo {
  name: string;
  catalog_name: string;
  full_name?: string;
  schema_id?: string;
  comment?: string;
  owner?: string;
  properties?: Record<string, string>;
  storage_root?: string;
  browse_only?: boolean;
  created_at?: number;
  updated_at?: number;
}

export type TableType = OpenEnum<
  | 'MANAGED'
  | 'EXTERNAL'
  | 'VIEW'
  | 'MATERIALIZED_VIEW'
  | 'STREAMING_TABLE'
  | 'FOREIGN'
  | 'METRIC_VIEW'
  | 'MANAGED_SHALLOW_CLONE'
  | 'EXTERNAL_SHALLOW_CLONE'
>;

export type DataSourceFormat = OpenEnum<
  | 'DELTA'
  | 'ICEBERG'
  | 'DELTA_UNIFORM_ICEBERG'
  | 'DELTA_UNIFORM_HUDI'
  | 'PARQUET'
  | 'CSV'
  | 'JSON'
  | 'AVRO'
  | 'ORC'
  | 'TEXT'
  | 'DELTASHARING'
  | 'UNITY_CATALOG'
  | 'HIVE'
  | 'DATABRICKS_FORMAT'
>;

export interface ColumnInfo {
  name: string;
  type_text?: string;
  type_name?: string;
  type_json?: string;
  type_precision?: number;
  type_scale?: number;
  position?: number;
  nullable?: boolean;
  partition_index?: number;
  comment?: string;
}

/**
 * Where the Iceberg metadata of a UniForm (or managed Iceberg) table lives. Returned by GET table but not
 * modelled in the official SDKs' TableInfo; kept exactly as received.
 */
export interface DeltaUniformIceberg {
  metadata_location?: string;
  converted_delta_version?: number;
  converted_delta_timestamp?: string;
  [field: string]: unknown;
}

export interface TableInfo {
  name: string;
  catalog_name: string;
  schema_name: string;
  /** `catalog.schema.table`. */
  full_name: string;
  /** Stable across renames: d2s keys mirrored tables by it. */
  table_id?: string;
  table_type?: TableType;
  data_source_format?: DataSourceFormat;
  storage_location?: string;
  /** Table properties, e.g. `delta.universalFormat.enabledFormats`. */
  properties?: Record<string, string>;
  columns?: ColumnInfo[];
  comment?: string;
  owner?: string;
  metastore_id?: string;
  browse_only?: boolean;
  /** Epoch milliseconds. */
  created_at?: number;
  created_by?: string;
  /** Epoch milliseconds. */
  updated_at?: number;
  updated_by?: string;
  deleted_at?: number;
  view_definition?: string;
  securable_kind_manifest?: unknown;
  /** Present (from GET table) for tables readable as Iceberg; the raw object. */
  delta_uniform_iceberg?: DeltaUniformIceberg;
}

export type TaggableEntityType = 'catalogs' | 'schemas' | 'tables' | 'columns' | 'volumes';

/** One tag on a Unity Catalog securable (entity-tag-assignments API). */
export interface TagAssignment {
  entity_type?: string;
  entity_name?: string;
  tag_key: string;
  /** Absent for a key-only tag. */
  tag_value?: string;
  inherited?: boolean;
  source_type?: string;
  update_time?: string;
  updated_by?: string;
}

/** One privilege a principal holds on a securable (effective-permissions API). */
export interface EffectivePrivilege {
  /** `USE_CATALOG`, `SELECT`, `EXTERNAL_USE_SCHEMA`, … */
  privilege: string;
  /** Set when the privilege was granted on a parent: its type (`CATALOG`, `SCHEMA`) and name. */
  inherited_from_type?: string;
  inherited_from_name?: string;
}

/** `GET /api/2.1/unity-catalog/effective-permissions/{securable_type}/{full_name}` */
export interface EffectivePermissionsList {
  privilege_assignments?: Array<{ principal: string; privileges?: EffectivePrivilege[] }>;
  next_page_token?: string;
}
