import { accessErrors, SnowflakeError, sqlErrors } from '../../errors.js';
import { sessionRoles } from '../access/authorize.js';
import type { StatementContext } from '../statement-context.js';
import { type StatementResult, StatementType, statusResult } from '../statement-result.js';
import { validatedParameterValue, sessionParameterSpec } from '../session-parameters.js';
import { sessionParameter } from '../session-state.js';
import { duckString } from '../sql-lexer.js';
import { optionText } from '../token-cursor.js';

const OK = 'Statement executed successfully.';

function objectDoesNotExist(): SnowflakeError {
  return new SnowflakeError(
    '002043',
    '02000',
    'SQL compilation error:\nObject does not exist, or operation cannot be performed.',
  );
}

/** USE [DATABASE|SCHEMA|WAREHOUSE|ROLE] name. */
export async function useObject(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  const state = ctx.session.state;
  c.expectWords('USE');
  const roles = sessionRoles(ctx);
  const access = ctx.engine.access;
  if (c.acceptWords('WAREHOUSE')) {
    const name = c.identifier();
    c.expectEnd();
    // A warehouse the role cannot use answers like a missing one (002043).
    const warehouse = access.warehouses.get(name);
    if (!warehouse || (roles !== null && !access.holds(roles, warehouse, 'USAGE'))) throw objectDoesNotExist();
    state.warehouse = warehouse.name;
    return statusResult(OK, StatementType.USE_WAREHOUSE);
  }
  if (c.acceptWords('ROLE')) {
    const name = c.identifier();
    c.expectEnd();
    // The role must be granted to the user, directly or through the roles granted to it.
    const allowed = state.operator === true ? access.roles.has(name) : access.rolesOfUser(state.user).has(name);
    if (!allowed) throw accessErrors.roleNotAssigned(name);
    state.role = name;
    return statusResult(OK, StatementType.USE);
  }
  if (c.acceptWords('SECONDARY', 'ROLES')) {
    while (!c.done) c.next();
    return statusResult(OK, StatementType.USE);
  }
  const explicitDatabase = c.acceptWords('DATABASE');
  const explicitSchema = !explicitDatabase && c.acceptWords('SCHEMA');
  const parts = c.objectName();
  c.expectEnd();
  const catalog = ctx.engine.catalog;
  if (explicitDatabase || (!explicitSchema && parts.length === 1)) {
    if (parts.length !== 1) return c.fail(undefined);
    const database = catalog.databases.get(parts[0] as string);
    if (!database) throw objectDoesNotExist();
    // An existing database the role may not use is 003001, even when it holds nothing on it
    // (SnowSQL transcript, zatoima/zatoima.github.io, 2022 post on Snowflake roles).
    if (roles !== null && !access.holds(roles, database, 'USAGE'))
      throw accessErrors.insufficientPrivileges('database', database.name);
    state.database = database.name;
    state.schema = database.schemas.has('PUBLIC') ? 'PUBLIC' : null;
    return statusResult(OK, StatementType.USE_DATABASE);
  }
  const [dbName, schemaName] =
    parts.length >= 2 ? [parts[0] as string, parts[1] as string] : [state.database, parts[0] as string];
  if (dbName === null) throw sqlErrors.noCurrentDatabase('USE SCHEMA');
  const database = catalog.databases.get(dbName);
  const schema = database?.schemas.get(schemaName);
  if (!database || !schema) throw objectDoesNotExist();
  if (roles !== null) {
    if (!access.holds(roles, database, 'USAGE')) throw accessErrors.insufficientPrivileges('database', database.name);
    if (schema.name !== 'INFORMATION_SCHEMA' && !access.holds(roles, schema, 'USAGE'))
      throw accessErrors.insufficientPrivileges('schema', schema.name);
  }
  state.database = dbName;
  state.schema = schema.name;
  return statusResult(OK, StatementType.USE_SCHEMA);
}

/**
 * DuckDB evaluates TIMESTAMPTZ casts and CURRENT_TIMESTAMP in its own
 * TimeZone setting: keeping it equal to the session's TIMEZONE makes a
 * TIMESTAMP_LTZ literal without an offset mean wall-clock time in the session
 * zone, as in Snowflake.
 */
export async function applyTimeZone(ctx: StatementContext): Promise<void> {
  const zone = sessionParameter(ctx.session.state, 'TIMEZONE');
  await ctx.session.connection.run(`SET TimeZone = ${duckString(zone)}`);
}

/** ALTER SESSION SET k = v ... / UNSET k, ... (known parameters only, values checked). */
export async function alterSession(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  const params = ctx.session.state.parameters;
  if (c.acceptWords('SET')) {
    const options = c.optionList();
    c.expectEnd();
    if (options.size === 0) return c.fail(undefined);
    const validated = [...options].map(([key, value]) => {
      const text = optionText(value);
      if (text === undefined) throw sqlErrors.invalidValue(`invalid value for parameter '${key}'`);
      return [key, validatedParameterValue(key, text)] as const;
    });
    for (const [key, value] of validated) params.set(key, value);
    await applyTimeZone(ctx);
    return statusResult(OK, StatementType.ALTER_SESSION);
  }
  if (c.acceptWords('UNSET')) {
    const names: string[] = [];
    do names.push(c.identifier());
    while (c.acceptOp(','));
    c.expectEnd();
    for (const name of names)
      if (!sessionParameterSpec(name)) throw sqlErrors.invalidValue(`invalid parameter '${name}'`);
    for (const name of names) params.delete(name);
    await applyTimeZone(ctx);
    return statusResult(OK, StatementType.ALTER_SESSION);
  }
  return c.fail(c.peek());
}

/** BEGIN / START TRANSACTION / COMMIT / ROLLBACK on the session's DuckDB connection. */
export async function transactionControl(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  const state = ctx.session.state;
  const word = c.next().upper;
  if (word === 'BEGIN' || word === 'START') {
    if (word === 'START') c.expectWords('TRANSACTION');
    else if (!c.acceptWords('TRANSACTION')) c.acceptWords('WORK');
    const name = c.acceptWords('NAME') ? c.identifier() : undefined;
    c.expectEnd();
    if (!state.inTransaction) {
      await ctx.session.connection.run('BEGIN TRANSACTION');
      state.inTransaction = true;
      ctx.engine.transactions.begun(ctx.session, name);
    }
    return statusResult(OK, StatementType.TCL);
  }
  c.acceptWords('WORK');
  c.expectEnd();
  if (state.inTransaction) {
    state.inTransaction = false;
    await ctx.session.connection.run(word === 'COMMIT' ? 'COMMIT' : 'ROLLBACK');
  }
  return statusResult(OK, StatementType.TCL);
}
