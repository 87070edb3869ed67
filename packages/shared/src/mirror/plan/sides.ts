import type { SnowflakeObjectName } from '../../config/schema.js';
import type { SkipCode } from '../eligibility.js';
import type { UcTableRef } from '../mirror-action.js';
import type { IntegrationIdentity } from '../naming.js';

/**
 * The two sides a mirror plan compares: what Unity Catalog has (from
 * discovery) and what Snowflake has (from SHOW output).
 */

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
  /**
   * Catalogs (`cat`) and schemas (`cat.sch`) discovery could not list for lack of a privilege: what is inside
   * them is unknown, so no mirror under them is treated as gone.
   */
  unreadable?: string[];
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
  /** AUTO_REFRESH as SHOW reports it (`auto_refresh_status`); undefined when unknown. */
  autoRefresh?: boolean | undefined;
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
