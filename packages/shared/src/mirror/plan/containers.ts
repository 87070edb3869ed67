import type { SnowflakeObjectName } from '../../config/schema.js';
import { actionIdFor, type CreateSchemaAction } from '../mirror-action.js';
import type { SnowflakeDatabase } from './sides.js';

/** A table action that puts a table at a (possibly new) Snowflake name. */
export interface PlacedTable {
  target: SnowflakeObjectName;
}

export interface ContainerPlan {
  /** One create-schema (with its database when that is missing too) per schema the tables need. */
  actions: CreateSchemaAction[];
  /** Table action (one of those passed in) → the id of the create-schema action it waits for. */
  waitFor: Map<PlacedTable, string>;
}

/**
 * The databases and schemas that the tables being created or renamed land in
 * and that Snowflake does not have yet (from SHOW DATABASES / SHOW SCHEMAS),
 * each created once however many tables need it.
 */
export function planContainers(tables: readonly PlacedTable[], databases: readonly SnowflakeDatabase[]): ContainerPlan {
  const byName = new Map(databases.map((db) => [db.name, db]));
  const schemas = new Map<string, CreateSchemaAction>();
  const waitFor = new Map<PlacedTable, string>();
  for (const table of tables) {
    const { database, schema } = table.target;
    const db = byName.get(database);
    if (db?.exists && db.schemas.includes(schema)) continue;
    const key = `${database}\u0000${schema}`;
    let action = schemas.get(key);
    if (!action) {
      action = {
        id: actionIdFor('create-schema', key),
        kind: 'create-schema',
        reason: db?.exists
          ? `schema ${database}.${schema} does not exist yet`
          : `database ${database} does not exist yet`,
        database,
        schema,
        createDatabase: !db?.exists,
      };
      schemas.set(key, action);
    }
    waitFor.set(table, action.id);
  }
  return { actions: [...schemas.values()], waitFor };
}
