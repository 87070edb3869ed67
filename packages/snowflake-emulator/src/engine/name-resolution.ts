import { sqlErrors } from '../errors.js';
import type { Catalog, DatabaseEntry, SchemaEntry, TableEntry } from './catalog.js';
import type { SessionState } from './session-state.js';

/** A schema-level object name resolved against the session: `[db, schema, name]`. */
export interface ObjectRef {
  database: DatabaseEntry;
  schema: SchemaEntry;
  name: string;
  qualified: [string, string, string];
}

/** Resolves `db.schema` / `schema` to existing entries. */
export function resolveSchema(
  catalog: Catalog,
  session: SessionState,
  parts: readonly string[],
  action = 'this operation',
): { database: DatabaseEntry; schema: SchemaEntry } {
  let dbName: string | null;
  let schemaName: string | null;
  if (parts.length >= 2) [dbName, schemaName] = [parts[0] as string, parts[1] as string];
  else if (parts.length === 1) [dbName, schemaName] = [session.database, parts[0] as string];
  else [dbName, schemaName] = [session.database, session.schema];
  if (dbName === null) throw sqlErrors.noCurrentDatabase(action);
  const database = catalog.databases.get(dbName);
  if (!database) throw sqlErrors.databaseMissing(dbName);
  if (schemaName === null) throw sqlErrors.noCurrentSchema(action);
  const schema = database.schemas.get(schemaName);
  if (!schema) throw sqlErrors.schemaMissing([dbName, schemaName]);
  return { database, schema };
}

/**
 * Resolves a 1- to 3-part object name to its database and schema (which must
 * exist); the object itself may or may not exist.
 */
export function resolveObjectRef(
  catalog: Catalog,
  session: SessionState,
  parts: readonly string[],
  action = 'this operation',
): ObjectRef {
  const name = parts[parts.length - 1] as string;
  const { database, schema } = resolveSchema(catalog, session, parts.slice(0, -1), action);
  return { database, schema, name, qualified: [database.name, schema.name, name] };
}

/** Finds an existing table, or fails with Snowflake's 002003 naming it as written. */
export function resolveTable(
  catalog: Catalog,
  session: SessionState,
  parts: readonly string[],
  action = 'SELECT',
): { ref: ObjectRef; table: TableEntry } {
  let ref: ObjectRef;
  try {
    ref = resolveObjectRef(catalog, session, parts, action);
  } catch (err) {
    if ((err as { code?: string }).code === '002003') throw sqlErrors.objectMissing(parts);
    throw err;
  }
  const table = ref.schema.tables.get(ref.name);
  // Snowflake names the object as the statement wrote it (`Object 'T'`,
  // `Object 'DB.SCH.T'`), not qualified from the session: mindsdb/mindshub
  // issue #9432 and iqea-ai/duckdb-snowflake issue #38 quote real messages.
  if (!table) throw sqlErrors.objectMissing(parts);
  return { ref, table };
}

/** Snowflake's LIKE for SHOW: case-insensitive, `%` and `_` wildcards. */
export function likeMatcher(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined) return () => true;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '\\' && i + 1 < pattern.length)
      source += (pattern[++i] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (ch === '%') source += '.*';
    else if (ch === '_') source += '.';
    else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  const re = new RegExp(`^${source}$`, 'is');
  return (name) => re.test(name);
}
