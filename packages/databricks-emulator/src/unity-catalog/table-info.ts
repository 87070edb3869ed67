import { COLUMN_TYPES } from '../data/column-types.js';
import type { CatalogEntry, SchemaEntry, TableEntry } from './catalog-store.js';

export interface RenderContext {
  metastoreId: string;
  owner: string;
}

/** CatalogInfo */
export function renderCatalog(c: CatalogEntry, ctx: RenderContext, browseOnly = false): Record<string, unknown> {
  const owner = c.access.owner ?? ctx.owner;
  return {
    name: c.name,
    full_name: c.name,
    id: c.id,
    comment: c.comment,
    owner,
    catalog_type: c.catalogType,
    isolation_mode: 'OPEN',
    securable_type: 'CATALOG',
    storage_root: c.storageRoot,
    storage_location: `${c.storageRoot}/__unitystorage/catalogs/${c.id}`,
    properties: {},
    metastore_id: ctx.metastoreId,
    created_at: c.createdAt,
    created_by: ctx.owner,
    updated_at: c.createdAt,
    updated_by: ctx.owner,
    browse_only: browseOnly,
  };
}

/** SchemaInfo */
export function renderSchema(
  s: SchemaEntry,
  catalogType: string,
  ctx: RenderContext,
  browseOnly = false,
): Record<string, unknown> {
  const owner = s.access.owner ?? ctx.owner;
  return {
    name: s.name,
    catalog_name: s.catalogName,
    full_name: `${s.catalogName}.${s.name}`,
    schema_id: s.id,
    comment: s.comment,
    owner,
    catalog_type: catalogType,
    securable_type: 'SCHEMA',
    properties: {},
    metastore_id: ctx.metastoreId,
    created_at: s.createdAt,
    created_by: ctx.owner,
    updated_at: s.createdAt,
    updated_by: ctx.owner,
    browse_only: browseOnly,
  };
}

/** The table properties Unity Catalog reports, including the format's own. */
export function tableProperties(t: TableEntry): Record<string, string> {
  switch (t.format) {
    case 'uniform':
      return {
        'delta.columnMapping.mode': 'name',
        'delta.columnMapping.maxColumnId': String(t.columns.length),
        'delta.enableIcebergCompatV2': 'true',
        'delta.universalFormat.enabledFormats': 'iceberg',
        'delta.minReaderVersion': '2',
        'delta.minWriterVersion': '7',
        ...t.properties,
      };
    case 'delta':
      return { 'delta.minReaderVersion': '1', 'delta.minWriterVersion': '2', ...t.properties };
    case 'iceberg':
      return { 'format-version': '2', ...t.properties };
    case 'view':
      return { ...t.properties };
  }
}

/** TableInfo; `detail` adds what only GET tables/{full_name} returns (delta_uniform_iceberg). */
export function renderTable(
  t: TableEntry,
  ctx: RenderContext,
  detail: boolean,
  browseOnly = false,
): Record<string, unknown> {
  const owner = t.access.owner ?? ctx.owner;
  const info: Record<string, unknown> = {
    name: t.name,
    catalog_name: t.catalogName,
    schema_name: t.schemaName,
    full_name: `${t.catalogName}.${t.schemaName}.${t.name}`,
    table_type: t.tableType,
    table_id: t.tableId,
    columns: t.columns.map((c, i) => {
      const type = COLUMN_TYPES[c.type];
      return {
        name: c.name,
        type_text: type.ucTypeText,
        type_name: type.ucTypeName,
        type_json: JSON.stringify({ name: c.name, type: type.sparkJsonType, nullable: true, metadata: {} }),
        position: i,
        nullable: true,
        ...(c.comment ? { comment: c.comment } : {}),
      };
    }),
    properties: tableProperties(t),
    owner,
    comment: t.comment,
    metastore_id: ctx.metastoreId,
    created_at: t.createdAt,
    created_by: ctx.owner,
    updated_at: t.updatedAt,
    updated_by: ctx.owner,
    browse_only: browseOnly,
  };
  if (t.format !== 'view') {
    info.data_source_format = t.format === 'iceberg' ? 'ICEBERG' : 'DELTA';
    info.storage_location = t.storageLocation;
  } else {
    info.view_definition = t.viewDefinition;
  }
  if (detail && t.format === 'uniform' && t.iceberg) {
    info.delta_uniform_iceberg = {
      metadata_location: t.iceberg.metadataLocation,
      // One Iceberg metadata version per converted Delta commit: version 0 is the table's creation.
      converted_delta_version: t.iceberg.version,
      converted_delta_timestamp: new Date(t.iceberg.metadata['last-updated-ms']).toISOString(),
    };
  }
  return info;
}
