import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { stableUuid } from '../data/stable-uuid.js';
import { databricksErrors } from '../errors.js';
import type { IcebergTableState } from '../iceberg/table-state.js';
import type { DeltaLogState } from './delta-log-state.js';
import type { CatalogFixture, ColumnFixture, GrantFixture, TableFixture, TableFormat } from '../fixture-types.js';

/** Who owns a securable and what was granted on it (the fixture's `owner` / `grants`). */
export interface SecurableAccess {
  /** Undefined: the workspace user (the fixture's default owner). */
  owner?: string | undefined;
  grants: GrantFixture[];
}

export interface CatalogEntry {
  name: string;
  access: SecurableAccess;
  id: string;
  comment: string;
  catalogType: string;
  storageRoot: string;
  tags: Map<string, string>;
  createdAt: number;
  schemas: Map<string, SchemaEntry>;
}

export interface SchemaEntry {
  name: string;
  access: SecurableAccess;
  catalogName: string;
  id: string;
  comment: string;
  tags: Map<string, string>;
  createdAt: number;
  tables: Map<string, TableEntry>;
}

export interface TableEntry {
  tableId: string;
  access: SecurableAccess;
  name: string;
  catalogName: string;
  schemaName: string;
  format: TableFormat;
  tableType: 'MANAGED' | 'EXTERNAL' | 'VIEW';
  columns: ColumnFixture[];
  rows: number;
  comment: string;
  /** Properties given in the fixture (format properties are added when rendering). */
  properties: Record<string, string>;
  tags: Map<string, string>;
  columnTags: Map<string, Map<string, string>>;
  storageLocation?: string;
  viewDefinition?: string;
  createdAt: number;
  updatedAt: number;
  /** The Iceberg table-uuid (equals table_id for managed Iceberg, differs for UniForm). */
  icebergUuid: string;
  /** Set once the table's data and Iceberg metadata are written. */
  iceberg?: IcebergTableState;
  /** A UniForm table's Delta log, once written. */
  deltaLog?: DeltaLogState;
}

/** Fixture tables get timestamps from here, so restarts render the same objects. */
const FIXTURE_EPOCH = Date.UTC(2024, 0, 15, 9, 0, 0);

const INFORMATION_SCHEMA_VIEWS = [
  'catalog_tags',
  'catalogs',
  'column_tags',
  'columns',
  'schema_tags',
  'schemata',
  'table_tags',
  'tables',
  'views',
];

/** Tables whose data the Iceberg REST catalog serves. */
export function isIcebergReadable(table: TableEntry): boolean {
  return table.format === 'uniform' || table.format === 'iceberg';
}

export function fullNameOf(table: Pick<TableEntry, 'catalogName' | 'schemaName' | 'name'>): string {
  return `${table.catalogName}.${table.schemaName}.${table.name}`;
}

/** The Unity Catalog metastore: catalogs, schemas, tables and tags, mutable at run time. */
export class CatalogStore {
  private catalogs = new Map<string, CatalogEntry>();

  constructor(
    private readonly fixture: CatalogFixture[],
    private readonly clock: Clock,
  ) {
    this.load();
  }

  /** Back to the fixture's contents. */
  load(): void {
    this.catalogs = new Map();
    let tick = 0;
    for (const c of this.fixture) {
      const catalog: CatalogEntry = {
        name: c.name,
        access: { owner: c.owner, grants: c.grants ?? [] },
        id: stableUuid(`catalog:${c.name}`),
        comment: c.comment ?? '',
        catalogType: c.catalog_type ?? 'MANAGED_CATALOG',
        storageRoot: (c.storage_root ?? `s3://d2s-unity-catalog/${c.name}`).replace(/\/+$/, ''),
        tags: new Map(Object.entries(c.tags ?? {})),
        createdAt: FIXTURE_EPOCH + tick++ * 1000,
        schemas: new Map(),
      };
      this.catalogs.set(c.name, catalog);
      for (const s of c.schemas) {
        const schema = this.addSchemaEntry(
          catalog,
          s.name,
          s.comment ?? '',
          s.tags ?? {},
          FIXTURE_EPOCH + tick++ * 1000,
          { owner: s.owner, grants: s.grants ?? [] },
        );
        for (const t of s.tables ?? []) this.insertTable(catalog, schema, t, FIXTURE_EPOCH + tick++ * 1000, true);
        const g = s.generated_tables;
        if (g) {
          const formats = g.formats && g.formats.length > 0 ? g.formats : (['uniform'] as TableFormat[]);
          for (let i = 0; i < g.count; i++) {
            const name = `${g.name_prefix}${String(i + 1).padStart(3, '0')}`;
            const format = formats[i % formats.length] ?? 'uniform';
            const table: TableFixture = {
              name,
              format,
              rows: g.rows ?? 5,
              columns: g.columns,
              tags: g.tags,
              grants: g.grants,
            };
            if (format === 'view') table.view_definition = `SELECT 1 AS ${g.columns[0]?.name ?? 'id'}`;
            this.insertTable(catalog, schema, table, FIXTURE_EPOCH + tick++ * 1000, true);
          }
        }
      }
      if (!catalog.schemas.has('information_schema')) this.addInformationSchema(catalog, FIXTURE_EPOCH);
    }
  }

  listCatalogs(): CatalogEntry[] {
    return sortByName([...this.catalogs.values()]);
  }

  getCatalog(name: string): CatalogEntry {
    const catalog = this.catalogs.get(name);
    if (!catalog) throw databricksErrors.catalogDoesNotExist(name);
    return catalog;
  }

  listSchemas(catalogName: string): SchemaEntry[] {
    return sortByName([...this.getCatalog(catalogName).schemas.values()]);
  }

  getSchema(fullName: string): SchemaEntry {
    const [catalogName = '', schemaName = '', ...rest] = fullName.split('.');
    if (rest.length > 0 || !schemaName) throw databricksErrors.schemaDoesNotExist(fullName);
    const catalog = this.catalogs.get(catalogName);
    const schema = catalog?.schemas.get(schemaName);
    if (!schema) throw databricksErrors.schemaDoesNotExist(fullName);
    return schema;
  }

  listTables(catalogName: string, schemaName: string): TableEntry[] {
    this.getCatalog(catalogName);
    return sortByName([...this.getSchema(`${catalogName}.${schemaName}`).tables.values()]);
  }

  findTable(fullName: string): TableEntry | undefined {
    const [catalogName = '', schemaName = '', tableName = '', ...rest] = fullName.split('.');
    if (rest.length > 0) return undefined;
    return this.catalogs.get(catalogName)?.schemas.get(schemaName)?.tables.get(tableName);
  }

  getTable(fullName: string): TableEntry {
    const table = this.findTable(fullName);
    if (!table) throw databricksErrors.tableDoesNotExist(fullName);
    return table;
  }

  allTables(): TableEntry[] {
    return [...this.catalogs.values()].flatMap((c) => [...c.schemas.values()].flatMap((s) => [...s.tables.values()]));
  }

  /** Adds a table at run time (admin API). */
  addTable(catalogName: string, schemaName: string, spec: TableFixture): TableEntry {
    const catalog = this.getCatalog(catalogName);
    const schema = this.getSchema(`${catalogName}.${schemaName}`);
    if (schema.tables.has(spec.name))
      throw databricksErrors.tableAlreadyExists(`${catalogName}.${schemaName}.${spec.name}`);
    return this.insertTable(catalog, schema, spec, this.clock.now(), false);
  }

  dropTable(fullName: string): TableEntry {
    const table = this.getTable(fullName);
    this.getSchema(`${table.catalogName}.${table.schemaName}`).tables.delete(table.name);
    return table;
  }

  /** Renames (and optionally moves to another schema of the same catalog); table_id and storage stay. */
  renameTable(fullName: string, newName: string): TableEntry {
    const table = this.getTable(fullName);
    const parts = newName.split('.');
    const [targetSchemaName, targetName] =
      parts.length === 1
        ? [table.schemaName, parts[0] ?? '']
        : parts.length === 3
          ? [parts[1] ?? '', parts[2] ?? '']
          : ['', ''];
    if (parts.length === 3 && parts[0] !== table.catalogName) {
      throw databricksErrors.invalidParameter('A table cannot be renamed into another catalog.');
    }
    if (!/^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(targetName))
      throw databricksErrors.invalidParameter(`Invalid table name '${newName}'.`);
    const target = this.getSchema(`${table.catalogName}.${targetSchemaName}`);
    const targetFull = `${table.catalogName}.${targetSchemaName}.${targetName}`;
    if (target.tables.has(targetName)) throw databricksErrors.tableAlreadyExists(targetFull);
    this.getSchema(`${table.catalogName}.${table.schemaName}`).tables.delete(table.name);
    table.name = targetName;
    table.schemaName = targetSchemaName;
    table.updatedAt = this.clock.now();
    target.tables.set(targetName, table);
    return table;
  }

  /** The tag map of an entity; entity_type is catalogs | schemas | tables | columns. */
  tagsOf(entityType: string, entityName: string): Map<string, string> {
    switch (entityType) {
      case 'catalogs':
        return this.getCatalog(entityName).tags;
      case 'schemas':
        return this.getSchema(entityName).tags;
      case 'tables':
        return this.getTable(entityName).tags;
      case 'columns': {
        const cut = entityName.lastIndexOf('.');
        const table = this.getTable(entityName.slice(0, Math.max(cut, 0)));
        const column = entityName.slice(cut + 1);
        if (!table.columns.some((c) => c.name === column)) {
          throw databricksErrors.invalidParameter(`Column '${entityName}' does not exist.`);
        }
        let tags = table.columnTags.get(column);
        if (!tags) {
          tags = new Map();
          table.columnTags.set(column, tags);
        }
        return tags;
      }
      default:
        throw databricksErrors.invalidParameter(
          `Invalid entity_type '${entityType}'. Expected one of: catalogs, schemas, tables, columns, volumes.`,
        );
    }
  }

  private addSchemaEntry(
    catalog: CatalogEntry,
    name: string,
    comment: string,
    tags: Record<string, string>,
    createdAt: number,
    access: SecurableAccess = { grants: [] },
  ): SchemaEntry {
    const schema: SchemaEntry = {
      name,
      access,
      catalogName: catalog.name,
      id: stableUuid(`schema:${catalog.name}.${name}`),
      comment,
      tags: new Map(Object.entries(tags)),
      createdAt,
      tables: new Map(),
    };
    catalog.schemas.set(name, schema);
    return schema;
  }

  private addInformationSchema(catalog: CatalogEntry, createdAt: number): void {
    const schema = this.addSchemaEntry(
      catalog,
      'information_schema',
      'Information schema (auto-created)',
      {},
      createdAt,
    );
    for (const view of INFORMATION_SCHEMA_VIEWS) {
      this.insertTable(
        catalog,
        schema,
        {
          name: view,
          format: 'view',
          columns: [
            { name: 'catalog_name', type: 'STRING' },
            { name: 'name', type: 'STRING' },
          ],
          view_definition: `SELECT * FROM system.information_schema.${view} WHERE catalog_name = '${catalog.name}'`,
        },
        createdAt,
        true,
      );
    }
  }

  private insertTable(
    catalog: CatalogEntry,
    schema: SchemaEntry,
    spec: TableFixture,
    createdAt: number,
    fromFixture: boolean,
  ): TableEntry {
    const full = `${catalog.name}.${schema.name}.${spec.name}`;
    const tableId = spec.table_id ?? (fromFixture ? stableUuid(`table:${full}`) : randomUUID());
    const isView = spec.format === 'view';
    const tableType = isView ? 'VIEW' : (spec.table_type ?? 'MANAGED');
    const table: TableEntry = {
      tableId,
      access: { owner: spec.owner, grants: spec.grants ?? [] },
      name: spec.name,
      catalogName: catalog.name,
      schemaName: schema.name,
      format: spec.format,
      tableType,
      columns: spec.columns,
      rows: spec.rows ?? 10,
      comment: spec.comment ?? '',
      properties: { ...(spec.properties ?? {}) },
      tags: new Map(Object.entries(spec.tags ?? {})),
      columnTags: new Map(),
      storageLocation: isView
        ? undefined
        : (spec.storage_location?.replace(/\/+$/, '') ??
          `${catalog.storageRoot}/__unitystorage/catalogs/${catalog.id}/tables/${tableId}`),
      viewDefinition: isView ? (spec.view_definition ?? `SELECT 1 AS ${spec.columns[0]?.name ?? 'id'}`) : undefined,
      createdAt,
      updatedAt: createdAt,
      icebergUuid: spec.format === 'uniform' ? stableUuid(`iceberg:${tableId}`) : tableId,
    };
    schema.tables.set(spec.name, table);
    return table;
  }
}

function sortByName<T extends { name: string }>(items: T[]): T[] {
  return items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
