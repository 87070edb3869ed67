import type { MirrorCatalogConfig, SnowflakeObjectName } from '../config/schema.js';
import type { MirrorSettings } from './mirror-settings.js';

/** A Unity Catalog table by name and id. */
export interface UcTableName {
  catalog: string;
  schema: string;
  name: string;
}

export function ucFullName(table: UcTableName): string {
  return `${table.catalog}.${table.schema}.${table.name}`;
}

function tagValue(tags: Readonly<Record<string, string>>, key: string): string | undefined {
  const value = tags[key]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Where a Unity Catalog table lands in Snowflake:
 * database = tag ?? the catalog's `database` ?? CATALOG;
 * schema = tag ?? `schemaMap[schema]` ?? SCHEMA; table = tag ?? NAME.
 * Names are used exactly (quoted in SQL); the defaults are upper case so
 * unquoted queries in Snowflake find them.
 */
export function snowflakeTargetFor(
  table: UcTableName,
  tags: Readonly<Record<string, string>>,
  catalog: MirrorCatalogConfig | undefined,
  settings: Pick<MirrorSettings, 'tags'>,
): SnowflakeObjectName {
  return {
    database: tagValue(tags, settings.tags.database) ?? catalog?.database ?? table.catalog.toUpperCase(),
    schema: tagValue(tags, settings.tags.schema) ?? catalog?.schemaMap[table.schema] ?? table.schema.toUpperCase(),
    name: tagValue(tags, settings.tags.table) ?? table.name.toUpperCase(),
  };
}

/** The integration that serves a table: one per catalog, or one per catalog and schema. */
export interface IntegrationIdentity {
  name: string;
  /** The Unity Catalog catalog (`CATALOG_NAME`). */
  catalog: string;
  /** The integration's `CATALOG_NAMESPACE` (per-schema integrations only). */
  namespace?: string | undefined;
  /** The integration of another OAuth client that this one takes over from (see withClientIntegrations). */
  supersedes?: string | undefined;
}

const NOT_IDENTIFIER_CHARS = /[^A-Z0-9_]/g;

/** `D2S_UC_` + CATALOG, or `D2S_UC_` + CATALOG_SCHEMA; anything but A-Z, 0-9 and _ becomes _. */
export function integrationFor(
  table: Pick<UcTableName, 'catalog' | 'schema'>,
  settings: Pick<MirrorSettings, 'integrationPer' | 'integrationPrefix'>,
): IntegrationIdentity {
  const part = (s: string) => s.toUpperCase().replace(NOT_IDENTIFIER_CHARS, '_');
  if (settings.integrationPer === 'schema') {
    return {
      name: `${settings.integrationPrefix}${part(table.catalog)}_${part(table.schema)}`,
      catalog: table.catalog,
      namespace: table.schema,
    };
  }
  return { name: `${settings.integrationPrefix}${part(table.catalog)}`, catalog: table.catalog };
}

/** `"DB"."SCHEMA"."TABLE"` without quotes, for messages and state: `DB.SCHEMA.TABLE`. */
export function displayName(name: SnowflakeObjectName): string {
  return `${name.database}.${name.schema}.${name.name}`;
}

export function sameObjectName(a: SnowflakeObjectName, b: SnowflakeObjectName): boolean {
  return a.database === b.database && a.schema === b.schema && a.name === b.name;
}

/**
 * A link to the table: its qualified name, and a Snowsight URL when the
 * account identifier has the `org-account` form.
 */
export function snowflakeLink(
  account: string | undefined,
  name: SnowflakeObjectName,
): { qualifiedName: string; url?: string } {
  const qualifiedName = displayName(name);
  const match = account === undefined ? null : /^([A-Za-z0-9]+)-([A-Za-z0-9_]+)$/.exec(account);
  if (!match) return { qualifiedName };
  const [, org, acct] = match as unknown as [string, string, string];
  const e = encodeURIComponent;
  return {
    qualifiedName,
    url: `https://app.snowflake.com/${org.toLowerCase()}/${acct.toLowerCase()}/#/data/databases/${e(name.database)}/schemas/${e(name.schema)}/table/${e(name.name)}`,
  };
}
