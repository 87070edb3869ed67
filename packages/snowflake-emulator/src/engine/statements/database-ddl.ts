import { displayIdentifier, sqlErrors } from '../../errors.js';
import { authorizeAccount, authorizeDatabase, authorizeSchema } from '../access/authorize.js';
import type { SchemaEntry } from '../catalog.js';
import { runDuck } from '../duck-results.js';
import { resolveSchema } from '../name-resolution.js';
import type { StatementContext } from '../statement-context.js';
import { type StatementResult, statusResult } from '../statement-result.js';
import { optionText } from '../token-cursor.js';

export async function dropSchemaTables(ctx: StatementContext, schema: SchemaEntry): Promise<void> {
  for (const table of schema.tables.values()) {
    await runDuck(ctx.session.connection, `DROP TABLE IF EXISTS ${table.physical}`);
    ctx.engine.loadMetadata.forget(table.id);
  }
  schema.tables.clear();
}

/** CREATE [OR REPLACE] DATABASE [IF NOT EXISTS] name [COMMENT = '...'] ... (the new database becomes current). */
export async function createDatabase(ctx: StatementContext, orReplace: boolean): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifNotExists = c.acceptIfNotExists();
  const name = c.identifier();
  const options = c.optionList();
  c.expectEnd();
  const catalog = ctx.engine.catalog;
  authorizeAccount(ctx, 'CREATE DATABASE');
  const existing = catalog.databases.get(name);
  if (existing && ifNotExists) return statusResult(`${displayIdentifier(name)} already exists, statement succeeded.`);
  if (existing && !orReplace) throw sqlErrors.alreadyExists('Object', [name]);
  if (existing) authorizeDatabase(ctx, existing, 'OWNERSHIP', () => sqlErrors.databaseMissing(name));
  if (existing) for (const schema of existing.schemas.values()) await dropSchemaTables(ctx, schema);
  const database = catalog.newDatabase(name, optionText(options.get('COMMENT')) ?? null, ctx.session.state.role);
  catalog.databases.set(name, database);
  ctx.session.state.database = name;
  ctx.session.state.schema = 'PUBLIC';
  return statusResult(`Database ${displayIdentifier(name)} successfully created.`);
}

export async function dropDatabase(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifExists = c.acceptIfExists();
  const name = c.identifier();
  if (!c.acceptWords('CASCADE')) c.acceptWords('RESTRICT');
  c.expectEnd();
  const catalog = ctx.engine.catalog;
  const database = catalog.databases.get(name);
  if (!database) {
    if (ifExists)
      return statusResult(`Drop statement executed successfully (${displayIdentifier(name)} already dropped).`);
    throw sqlErrors.databaseMissing(name);
  }
  authorizeDatabase(ctx, database, 'OWNERSHIP', () => sqlErrors.databaseMissing(name));
  for (const schema of database.schemas.values()) await dropSchemaTables(ctx, schema);
  catalog.databases.delete(name);
  if (ctx.session.state.database === name) {
    ctx.session.state.database = null;
    ctx.session.state.schema = null;
  }
  return statusResult(`${displayIdentifier(name)} successfully dropped.`);
}

/** CREATE [OR REPLACE] SCHEMA [IF NOT EXISTS] [db.]name [COMMENT = '...'] (the new schema becomes current). */
export async function createSchema(ctx: StatementContext, orReplace: boolean): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifNotExists = c.acceptIfNotExists();
  const parts = c.objectName();
  c.acceptWords('WITH', 'MANAGED', 'ACCESS');
  const options = c.optionList();
  c.expectEnd();
  if (parts.length > 2) return c.fail(undefined);
  const name = parts[parts.length - 1] as string;
  const dbName = parts.length === 2 ? (parts[0] as string) : ctx.session.state.database;
  if (dbName === null) throw sqlErrors.noCurrentDatabase('CREATE SCHEMA');
  const database = ctx.engine.catalog.databases.get(dbName);
  if (!database) throw sqlErrors.databaseMissing(dbName);
  authorizeDatabase(ctx, database, 'USAGE', () => sqlErrors.databaseMissing(dbName));
  authorizeDatabase(ctx, database, 'CREATE SCHEMA', () => sqlErrors.databaseMissing(dbName));
  const existing = database.schemas.get(name);
  if (existing && ifNotExists) return statusResult(`${displayIdentifier(name)} already exists, statement succeeded.`);
  if (existing && !orReplace) throw sqlErrors.alreadyExists('Object', [dbName, name]);
  if (existing) authorizeSchema(ctx, database, existing, 'OWNERSHIP', () => sqlErrors.schemaMissing([dbName, name]));
  if (existing) await dropSchemaTables(ctx, existing);
  const schema = ctx.engine.catalog.newSchema(name, optionText(options.get('COMMENT')) ?? null, ctx.session.state.role);
  database.schemas.set(name, schema);
  // GRANT … ON FUTURE SCHEMAS IN DATABASE: every schema created later, a replacing one too, receives them.
  ctx.engine.access.applyFutureGrants(schema, 'SCHEMA', [database]);
  ctx.session.state.database = dbName;
  ctx.session.state.schema = name;
  return statusResult(`Schema ${displayIdentifier(name)} successfully created.`);
}

export async function dropSchema(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifExists = c.acceptIfExists();
  const parts = c.objectName();
  if (!c.acceptWords('CASCADE')) c.acceptWords('RESTRICT');
  c.expectEnd();
  const name = parts[parts.length - 1] as string;
  let found: ReturnType<typeof resolveSchema> | undefined;
  try {
    found = resolveSchema(ctx.engine.catalog, ctx.session.state, parts, 'DROP SCHEMA');
  } catch (err) {
    if (!ifExists) throw err;
  }
  if (!found) return statusResult(`Drop statement executed successfully (${displayIdentifier(name)} already dropped).`);
  const { database, schema } = found;
  authorizeSchema(ctx, database, schema, 'OWNERSHIP', () => sqlErrors.schemaMissing([database.name, schema.name]));
  await dropSchemaTables(ctx, found.schema);
  found.database.schemas.delete(found.schema.name);
  if (ctx.session.state.database === found.database.name && ctx.session.state.schema === found.schema.name)
    ctx.session.state.schema = null;
  return statusResult(`${displayIdentifier(found.schema.name)} successfully dropped.`);
}
