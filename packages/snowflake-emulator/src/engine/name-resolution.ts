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

/** The qualified name for error messages, filled in from the session where it can be. */
export function qualifyForMessage(session: SessionState, parts: readonly string[]): string[] {
  if (parts.length >= 3) return [...parts];
  if (parts.length === 2) return session.database ? [session.database, ...parts] : [...parts];
  const prefix = [session.database, session.schema].filter((p): p is string => p !== null);
  return [...prefix, ...parts];
}

/** Finds an existing table, or fails with Snowflake's 002003. */
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
    if ((err as { code?: string }).code === '002003') throw sqlErrors.objectMissing(qualifyForMessage(session, parts));
    throw err;
  }
  const table = ref.schema.tables.get(ref.name);
  if (!table) throw sqlErrors.objectMissing(ref.qualified);
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
