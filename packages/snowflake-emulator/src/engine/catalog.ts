import type { ColumnType } from './type-mapping.js';

/**
 * The emulator's own catalog: Snowflake's objects with their exact
 * (case-sensitive) names. DuckDB only stores table data, each table under a
 * generated physical name (`main.t_<id>`), so Snowflake's naming rules (quoted
 * names differing only by case, names with quotes, dots or semicolons) never
 * meet DuckDB's case-insensitive catalog, and a SWAP is a rename here only.
 */
export interface ColumnDef {
  name: string;
  type: ColumnType;
  nullable: boolean;
  comment: string | null;
}

export interface IcebergTableState {
  integration: string;
  catalogNamespace: string;
  catalogTableName: string;
  autoRefresh: boolean;
  /** `metadata.location` of the remote table (s3://...). */
  baseLocation: string;
  metadataLocation: string | null;
  tableUuid: string | null;
  lastRefreshedOn: Date;
  /** The snapshot taken in and the automated refresh's state (SYSTEM$AUTO_REFRESH_STATUS). */
  tracking?: AutoRefreshTracking;
}

/**
 * What the automated refresh of one externally managed Iceberg table has done, kept on the table. Snowflake polls
 * the catalog every REFRESH_INTERVAL_SECONDS of the table's catalog integration (default 30) and takes in each new
 * snapshot it finds.
 */
export interface AutoRefreshTracking {
  /** RUNNING, or STALLED after a poll failed ("encountered an error and is attempting to recover"). */
  executionState: 'RUNNING' | 'STALLED';
  invalidExecutionStateReason: string | null;
  /** When the catalog was last asked for the table's current metadata (ms since the epoch). */
  lastPolledAt: number;
  currentSnapshotId: string | null;
  currentSnapshotSummary: Record<string, string> | null;
  /** The current snapshot's `timestamp-ms`: when the external catalog made it. */
  lastSnapshotTime: number | null;
  /** When Snowflake took in the current snapshot. */
  lastUpdatedTime: number;
  currentSchemaId: number | null;
}

export interface TableEntry {
  id: number;
  /** DuckDB table: `main."t_<id>"`. */
  physical: string;
  name: string;
  kind: 'TABLE' | 'TEMPORARY' | 'TRANSIENT';
  columns: ColumnDef[];
  createdOn: Date;
  comment: string | null;
  owner: string;
  /** Session that owns a temporary table. */
  sessionId: number | null;
  iceberg: IcebergTableState | null;
}

export interface FileFormatSpec {
  /** PARQUET, CSV, JSON, ... */
  type: string;
  options: Record<string, string>;
}

export interface StageEntry {
  name: string;
  url: string;
  storageIntegration: string | null;
  fileFormat: FileFormatSpec | null;
  /** A named file format the stage refers to (`FILE_FORMAT = (FORMAT_NAME = 'x')`). */
  fileFormatName: string[] | null;
  createdOn: Date;
  comment: string | null;
  owner: string;
}

export interface FileFormatEntry {
  name: string;
  spec: FileFormatSpec;
  createdOn: Date;
  comment: string | null;
  owner: string;
}

export interface SchemaEntry {
  name: string;
  createdOn: Date;
  comment: string | null;
  owner: string;
  tables: Map<string, TableEntry>;
  stages: Map<string, StageEntry>;
  fileFormats: Map<string, FileFormatEntry>;
}

export interface DatabaseEntry {
  name: string;
  createdOn: Date;
  comment: string | null;
  owner: string;
  schemas: Map<string, SchemaEntry>;
}

export interface CatalogIntegrationEntry {
  name: string;
  catalogSource: string;
  tableFormat: string;
  catalogNamespace: string | null;
  catalogUri: string;
  catalogName: string | null;
  prefix: string | null;
  accessDelegationMode: string | null;
  authType: string;
  oauthTokenUri: string | null;
  oauthClientId: string | null;
  oauthClientSecret: string | null;
  oauthAllowedScopes: string[];
  bearerToken: string | null;
  enabled: boolean;
  refreshIntervalSeconds: number;
  comment: string | null;
  createdOn: Date;
}

export interface StorageIntegrationEntry {
  name: string;
  enabled: boolean;
  allowedLocations: string[];
  blockedLocations: string[];
  comment: string | null;
  createdOn: Date;
}

export class Catalog {
  readonly databases = new Map<string, DatabaseEntry>();
  readonly catalogIntegrations = new Map<string, CatalogIntegrationEntry>();
  readonly storageIntegrations = new Map<string, StorageIntegrationEntry>();
  private nextTableId = 1;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  now(): Date {
    return this.clock();
  }

  newDatabase(name: string, comment: string | null = null, owner = 'SYSADMIN'): DatabaseEntry {
    const db: DatabaseEntry = { name, createdOn: this.now(), comment, owner, schemas: new Map() };
    db.schemas.set('PUBLIC', this.newSchema('PUBLIC', null, owner));
    db.schemas.set(
      'INFORMATION_SCHEMA',
      this.newSchema('INFORMATION_SCHEMA', 'Views describing the contents of schemas in this database', ''),
    );
    return db;
  }

  newSchema(name: string, comment: string | null = null, owner = 'SYSADMIN'): SchemaEntry {
    return {
      name,
      createdOn: this.now(),
      comment,
      owner,
      tables: new Map(),
      stages: new Map(),
      fileFormats: new Map(),
    };
  }

  /**
   * A table entry (not yet in any schema). `id`: the id of an entry newTable made earlier that was never put in
   * the catalog, to adopt the physical table built for it (a CREATE ICEBERG TABLE builds before the lock).
   */
  newTable(
    name: string,
    columns: ColumnDef[],
    options: Partial<Pick<TableEntry, 'id' | 'kind' | 'comment' | 'owner' | 'sessionId' | 'iceberg'>> = {},
  ): TableEntry {
    const id = options.id ?? this.nextTableId++;
    return {
      id,
      physical: `main."t_${id}"`,
      name,
      kind: options.kind ?? 'TABLE',
      columns,
      createdOn: this.now(),
      comment: options.comment ?? null,
      owner: options.owner ?? 'SYSADMIN',
      sessionId: options.sessionId ?? null,
      iceberg: options.iceberg ?? null,
    };
  }

  /** Every table, with where it lives. */
  *allTables(): Generator<{ database: DatabaseEntry; schema: SchemaEntry; table: TableEntry }> {
    for (const database of this.databases.values())
      for (const schema of database.schemas.values())
        for (const table of schema.tables.values()) yield { database, schema, table };
  }

  /** The Snowflake name of a physical table (`t_<id>`), for error messages. */
  qualifiedNameOfPhysical(physicalName: string): string[] | undefined {
    for (const { database, schema, table } of this.allTables())
      if (table.physical === `main."${physicalName}"`) return [database.name, schema.name, table.name];
    return undefined;
  }
}
