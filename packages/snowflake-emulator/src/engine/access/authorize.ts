import { accessErrors, type SnowflakeError, sqlErrors } from '../../errors.js';
import type { DatabaseEntry, SchemaEntry, TableEntry } from '../catalog.js';
import { type ObjectRef, resolveObjectRef } from '../name-resolution.js';
import { tokenize } from '../sql-lexer.js';
import { identifierName, isIdentifierToken } from '../token-cursor.js';
import type { EngineServices, StatementContext } from '../statement-context.js';

/**
 * The checks statements make before they act, as Snowflake makes them
 * (https://docs.snowflake.com/en/user-guide/security-access-control-overview):
 * the session's current role, with every role it inherits, must own the object
 * or hold the privilege. To reach an object in a schema the role also needs
 * USAGE on its database and schema. An object the role holds nothing on is
 * reported as missing (`does not exist or not authorized`); one it can see but
 * lacks the privilege for fails with 003001 `Insufficient privileges`.
 *
 * Emulator operator sessions (`admin.execute`, fixture setup) skip the checks.
 */

/** The session's effective roles, or null for an operator session (no checks). */
export function sessionRoles(ctx: StatementContext): ReadonlySet<string> | null {
  if (ctx.session.state.operator === true) return null;
  return ctx.engine.access.effectiveRoles(ctx.session.state.role);
}

/** What a schema-level object is, for the checks and their messages. */
export interface SchemaObjectTarget {
  database: DatabaseEntry;
  schema: SchemaEntry;
  object: object;
  /** How Snowflake names the kind in 003001: `table`, `stage`, `file format`. */
  kind: string;
  name: string;
  /** The 002003 the statement reports when the object is missing. */
  missing: () => SnowflakeError;
}

function usable(engine: EngineServices, roles: ReadonlySet<string>, object: object): boolean {
  return engine.access.holds(roles, object, 'USAGE');
}

/** USAGE on the database and the schema (INFORMATION_SCHEMA goes with the database). */
export function canReachSchema(
  engine: EngineServices,
  roles: ReadonlySet<string>,
  database: DatabaseEntry,
  schema: SchemaEntry,
): boolean {
  if (!usable(engine, roles, database)) return false;
  return schema.name === 'INFORMATION_SCHEMA' || usable(engine, roles, schema);
}

export function canSeeObject(
  engine: EngineServices,
  roles: ReadonlySet<string>,
  database: DatabaseEntry,
  schema: SchemaEntry,
  object: object,
): boolean {
  return canReachSchema(engine, roles, database, schema) && engine.access.sees(roles, object);
}

/** The role may see the object and holds each privilege (or owns it). */
export function authorizeSchemaObject(
  ctx: StatementContext,
  target: SchemaObjectTarget,
  ...privileges: string[]
): void {
  const roles = sessionRoles(ctx);
  if (roles === null) return;
  const access = ctx.engine.access;
  if (!canSeeObject(ctx.engine, roles, target.database, target.schema, target.object)) throw target.missing();
  for (const privilege of privileges)
    if (!access.holds(roles, target.object, privilege))
      throw accessErrors.insufficientPrivileges(target.kind, target.name);
}

/** A privilege on a schema itself (CREATE TABLE, CREATE STAGE, …), after USAGE on its database. */
export function authorizeSchema(
  ctx: StatementContext,
  database: DatabaseEntry,
  schema: SchemaEntry,
  privilege: string,
  missing: () => SnowflakeError,
): void {
  const roles = sessionRoles(ctx);
  if (roles === null) return;
  const access = ctx.engine.access;
  if (!usable(ctx.engine, roles, database) || (schema.name !== 'INFORMATION_SCHEMA' && !access.sees(roles, schema)))
    throw missing();
  if (privilege !== 'USAGE' && !usable(ctx.engine, roles, schema))
    throw accessErrors.insufficientPrivileges('schema', schema.name);
  if (!access.holds(roles, schema, privilege)) throw accessErrors.insufficientPrivileges('schema', schema.name);
}

/** A privilege on a database (USAGE, CREATE SCHEMA, OWNERSHIP). */
export function authorizeDatabase(
  ctx: StatementContext,
  database: DatabaseEntry,
  privilege: string,
  missing: () => SnowflakeError,
): void {
  const roles = sessionRoles(ctx);
  if (roles === null) return;
  if (!ctx.engine.access.sees(roles, database)) throw missing();
  if (!ctx.engine.access.holds(roles, database, privilege))
    throw accessErrors.insufficientPrivileges('database', database.name);
}

/** An account-level privilege (CREATE DATABASE, CREATE INTEGRATION, …). */
export function authorizeAccount(ctx: StatementContext, privilege: string): void {
  const roles = sessionRoles(ctx);
  if (roles === null) return;
  if (!ctx.engine.access.holds(roles, ctx.engine.access.account, privilege))
    throw accessErrors.insufficientPrivileges('account', ctx.engine.account);
}

/** A privilege on an account-level object (integration, warehouse, role). */
export function authorizeAccountObject(
  ctx: StatementContext,
  object: object,
  kind: string,
  name: string,
  privilege: string,
  missing: () => SnowflakeError,
): void {
  const roles = sessionRoles(ctx);
  if (roles === null) return;
  if (!ctx.engine.access.sees(roles, object)) throw missing();
  if (!ctx.engine.access.holds(roles, object, privilege)) throw accessErrors.insufficientPrivileges(kind, name);
}

/** Records the session's role as the owner of a new object. */
export function ownNewObject(ctx: StatementContext, object: object): void {
  ctx.engine.access.register(object, ctx.session.state.role);
}

/** A table's privileges; a table the role cannot see is `Object '…' does not exist or not authorized.` */
export function authorizeTable(
  ctx: StatementContext,
  ref: ObjectRef,
  table: TableEntry,
  ...privileges: string[]
): void {
  authorizeSchemaObject(
    ctx,
    {
      database: ref.database,
      schema: ref.schema,
      object: table,
      kind: 'table',
      name: table.name,
      missing: () => sqlErrors.objectMissing(ref.qualified),
    },
    ...privileges,
  );
}

/** The same for a table a query named, found by its entry. */
export function authorizeTableEntry(ctx: StatementContext, table: TableEntry, ...privileges: string[]): void {
  if (sessionRoles(ctx) === null) return;
  for (const { database, schema, table: t } of ctx.engine.catalog.allTables())
    if (t === table)
      return authorizeTable(
        ctx,
        { database, schema, name: t.name, qualified: [database.name, schema.name, t.name] },
        t,
        ...privileges,
      );
}

/** A stage or file format named by `parts` (resolved against the session), with USAGE or OWNERSHIP. */
export function authorizeStageObject(
  ctx: StatementContext,
  kind: 'stage' | 'file format',
  name: readonly string[] | string,
  privilege = 'USAGE',
): void {
  if (sessionRoles(ctx) === null) return;
  const parts = typeof name === 'string' ? tokenize(name).filter(isIdentifierToken).map(identifierName) : name;
  const ref = resolveObjectRef(ctx.engine.catalog, ctx.session.state, parts, 'this operation');
  const object = kind === 'stage' ? ref.schema.stages.get(ref.name) : ref.schema.fileFormats.get(ref.name);
  const missing = () =>
    kind === 'stage' ? sqlErrors.stageMissing(ref.qualified) : sqlErrors.fileFormatMissing(ref.qualified);
  if (!object) throw missing();
  authorizeSchemaObject(
    ctx,
    { database: ref.database, schema: ref.schema, object, kind, name: ref.name, missing },
    privilege,
  );
}

/** The schema an object is created in: USAGE on its database, then the CREATE privilege on the schema. */
export function authorizeCreateIn(ctx: StatementContext, ref: ObjectRef, privilege: string): void {
  authorizeSchema(ctx, ref.database, ref.schema, privilege, () =>
    sqlErrors.schemaMissing([ref.database.name, ref.schema.name]),
  );
}

/** An integration: USAGE to use it, OWNERSHIP to alter or drop it. */
export function authorizeIntegration(
  ctx: StatementContext,
  integration: object,
  name: string,
  privilege: string,
): void {
  authorizeAccountObject(ctx, integration, 'integration', name, privilege, () => sqlErrors.integrationMissing(name));
}

/**
 * What SHOW lists for the session: schemas whose database it may use (and
 * that it sees), objects it holds something on. Operator sessions see all.
 */
export function showVisibility(ctx: StatementContext): {
  database: (database: DatabaseEntry) => boolean;
  schema: (database: DatabaseEntry, schema: SchemaEntry) => boolean;
  object: (database: DatabaseEntry, schema: SchemaEntry, object: object) => boolean;
} {
  const roles = sessionRoles(ctx);
  const engine = ctx.engine;
  if (roles === null) return { database: () => true, schema: () => true, object: () => true };
  return {
    database: (database) => engine.access.sees(roles, database),
    schema: (database, schema) =>
      usable(engine, roles, database) && (schema.name === 'INFORMATION_SCHEMA' || engine.access.sees(roles, schema)),
    object: (database, schema, object) => canSeeObject(engine, roles, database, schema, object),
  };
}
