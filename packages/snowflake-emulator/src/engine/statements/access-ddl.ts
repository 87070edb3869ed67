import { accessErrors, displayIdentifier, sqlErrors } from '../../errors.js';
import { authorizeAccount, sessionRoles } from '../access/authorize.js';
import { KIND_WORDS, PRIVILEGES, type SecurableKind } from '../access/privileges.js';
import { accountSecurable, everySecurable, resolveSecurable, type Securable } from '../access/securables.js';
import { resolveSchema } from '../name-resolution.js';
import type { StatementContext } from '../statement-context.js';
import { type StatementResult, statusResult } from '../statement-result.js';
import { optionBool, optionText } from '../token-cursor.js';

/**
 * GRANT / REVOKE of privileges and roles, CREATE / DROP ROLE and WAREHOUSE
 * (https://docs.snowflake.com/en/sql-reference/sql/grant-privilege,
 * https://docs.snowflake.com/en/sql-reference/sql/grant-role,
 * https://docs.snowflake.com/en/sql-reference/sql/grant-ownership).
 */

const OK = 'Statement executed successfully.';
/** What GRANT answers, as a successful row, when the role may not grant (terraform-provider-snowflake#670). */
const NOT_EXECUTED = 'Grant not executed: Insufficient privileges.';

/** `ON <kind> <name>` after GRANT/REVOKE/SHOW GRANTS. */
export function parseSecurable(ctx: StatementContext): Securable {
  const c = ctx.cursor;
  if (c.acceptWords('ACCOUNT')) return accountSecurable(ctx.engine);
  if (c.acceptWords('ROLE')) return resolveSecurable(ctx, 'ROLE', c.objectName());
  for (const [words, kind] of KIND_WORDS)
    if (c.acceptWords(...words)) return resolveSecurable(ctx, kind, c.objectName());
  return c.fail(c.peek());
}

/** `priv [, priv ...]` up to ON: each privilege is one or more words (`CREATE ICEBERG TABLE`). */
function parsePrivileges(ctx: StatementContext): string[] | 'ALL' {
  const c = ctx.cursor;
  if (c.acceptWords('ALL')) {
    c.acceptWords('PRIVILEGES');
    return 'ALL';
  }
  const privileges: string[] = [];
  do {
    const words: string[] = [];
    while (!c.done && !c.isWord('ON') && !c.isOp(',')) {
      const t = c.next();
      if (t.kind !== 'word') c.fail(t);
      words.push(t.upper);
    }
    if (words.length === 0) c.fail(c.peek());
    privileges.push(words.join(' '));
  } while (c.acceptOp(','));
  return privileges;
}

function privilegesFor(kind: SecurableKind, requested: string[] | 'ALL'): string[] {
  const valid = PRIVILEGES[kind];
  if (requested === 'ALL') return [...valid];
  for (const privilege of requested)
    if (!valid.includes(privilege)) throw sqlErrors.syntax(`Invalid privilege ${privilege} for ${kind}.`);
  return requested;
}

/** `ON ALL TABLES IN SCHEMA s` / `ON ALL SCHEMAS IN DATABASE d`: each object that exists now. */
function parseAllIn(ctx: StatementContext): Securable[] {
  const c = ctx.cursor;
  if (c.acceptWords('FUTURE')) throw sqlErrors.unsupported('FUTURE grants');
  if (c.acceptWords('TABLES', 'IN', 'SCHEMA')) {
    const parts = c.objectName();
    const { database, schema } = resolveSchema(ctx.engine.catalog, ctx.session.state, parts, 'GRANT');
    return [...schema.tables.keys()].map((name) => resolveSecurable(ctx, 'TABLE', [database.name, schema.name, name]));
  }
  if (c.acceptWords('SCHEMAS', 'IN', 'DATABASE')) {
    const name = c.identifier();
    const database = ctx.engine.catalog.databases.get(name);
    if (!database) throw sqlErrors.databaseMissing(name);
    return [...database.schemas.keys()]
      .filter((s) => s !== 'INFORMATION_SCHEMA')
      .map((s) => resolveSecurable(ctx, 'SCHEMA', [database.name, s]));
  }
  return c.fail(c.peek());
}

/**
 * `FUTURE TABLES IN SCHEMA s` / `FUTURE TABLES IN DATABASE d` / `FUTURE
 * SCHEMAS IN DATABASE d` (after ON): the container and the object type.
 */
function parseFuture(ctx: StatementContext): { container: object; objectType: 'TABLE' | 'SCHEMA'; name: string } {
  const c = ctx.cursor;
  const objectType = c.acceptWords('TABLES') ? 'TABLE' : c.acceptWords('SCHEMAS') ? 'SCHEMA' : c.fail(c.peek());
  c.expectWords('IN');
  if (objectType === 'TABLE' && c.acceptWords('SCHEMA')) {
    const { database, schema } = resolveSchema(ctx.engine.catalog, ctx.session.state, c.objectName(), 'GRANT');
    return { container: schema, objectType, name: `${database.name}.${schema.name}` };
  }
  c.expectWords('DATABASE');
  const name = c.identifier();
  const database = ctx.engine.catalog.databases.get(name);
  if (!database) throw sqlErrors.databaseMissing(name);
  return { container: database, objectType, name: database.name };
}

/** Future grants need MANAGE GRANTS on the account (SECURITYADMIN and above). */
function authorizeFutureGrant(ctx: StatementContext): void {
  const roles = sessionRoles(ctx);
  const access = ctx.engine.access;
  if (roles !== null && !access.holds(roles, access.account, 'MANAGE GRANTS'))
    throw accessErrors.insufficientPrivileges('account', ctx.engine.account);
}

function grantee(ctx: StatementContext): { kind: 'ROLE' | 'USER'; name: string } {
  const c = ctx.cursor;
  if (c.acceptWords('USER')) {
    const name = c.identifier();
    if (!ctx.engine.users.get(name)) throw accessErrors.userMissing(name);
    return { kind: 'USER', name };
  }
  c.acceptWords('ROLE');
  const name = c.identifier();
  if (!ctx.engine.access.roles.has(name)) throw accessErrors.roleMissing(name);
  return { kind: 'ROLE', name };
}

/**
 * May the session grant this privilege on this object? The owner may, a role
 * with MANAGE GRANTS may, and so may a role holding the privilege WITH GRANT OPTION.
 */
function mayGrant(ctx: StatementContext, target: Securable, privilege: string): boolean {
  const roles = sessionRoles(ctx);
  if (roles === null) return true;
  const access = ctx.engine.access;
  if (access.holds(roles, access.account, 'MANAGE GRANTS')) return true;
  if (roles.has(access.ownerOf(target.object))) return true;
  return access.holdsWithGrantOption(roles, target.object, privilege);
}

/** A role that holds nothing on an object does not learn that it exists. */
function requireVisible(ctx: StatementContext, target: Securable): void {
  const roles = sessionRoles(ctx);
  if (roles === null || target.kind === 'ACCOUNT') return;
  const access = ctx.engine.access;
  if (access.holds(roles, access.account, 'MANAGE GRANTS')) return;
  if (!access.sees(roles, target.object)) throw target.missing();
}

export async function grant(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  c.expectWords('GRANT');
  const access = ctx.engine.access;
  const by = ctx.session.state.role;
  if (c.acceptWords('ROLE')) {
    const role = c.identifier();
    c.expectWords('TO');
    const to = grantee(ctx);
    c.expectEnd();
    const target = resolveSecurable(ctx, 'ROLE', [role]);
    if (!mayGrant(ctx, target, 'OWNERSHIP')) throw accessErrors.insufficientPrivileges('role', role);
    if (to.kind === 'USER') access.grantRoleToUser(role, to.name, by);
    else if (!access.grantRoleToRole(role, to.name, by)) throw accessErrors.cyclicRoleGrant(role, to.name);
    return statusResult(OK);
  }
  if (c.acceptWords('OWNERSHIP', 'ON')) {
    const targets = c.acceptWords('ALL') ? parseAllIn(ctx) : [parseSecurable(ctx)];
    c.expectWords('TO');
    const to = grantee(ctx);
    const revokeCurrent = c.acceptWords('REVOKE', 'CURRENT', 'GRANTS');
    if (!revokeCurrent) c.acceptWords('COPY', 'CURRENT', 'GRANTS');
    c.expectEnd();
    if (to.kind !== 'ROLE') return c.fail(undefined);
    for (const target of targets) {
      requireVisible(ctx, target);
      if (!mayGrant(ctx, target, 'OWNERSHIP')) throw accessErrors.insufficientPrivileges(kindWord(target), target.name);
    }
    for (const target of targets) {
      access.setOwner(target.object, to.name);
      if (revokeCurrent)
        for (const g of [...access.grantsOn(target.object)]) access.revoke(target.object, g.privilege, g.grantee);
    }
    return statusResult(OK);
  }
  const requested = parsePrivileges(ctx);
  c.expectWords('ON');
  if (c.acceptWords('FUTURE')) {
    const future = parseFuture(ctx);
    c.expectWords('TO');
    const to = grantee(ctx);
    const grantOption = c.acceptWords('WITH', 'GRANT', 'OPTION');
    c.expectEnd();
    if (to.kind !== 'ROLE') return c.fail(undefined);
    authorizeFutureGrant(ctx);
    for (const privilege of privilegesFor(future.objectType, requested))
      access.addFutureGrant(future.container, {
        objectType: future.objectType,
        privilege,
        grantee: to.name,
        grantOption,
      });
    return statusResult(OK);
  }
  const targets = c.acceptWords('ALL') ? parseAllIn(ctx) : [parseSecurable(ctx)];
  c.expectWords('TO');
  const to = grantee(ctx);
  const grantOption = c.acceptWords('WITH', 'GRANT', 'OPTION');
  c.expectEnd();
  if (to.kind !== 'ROLE') return c.fail(undefined);
  for (const target of targets) {
    const privileges = privilegesFor(target.kind, requested);
    requireVisible(ctx, target);
    if (!privileges.every((p) => mayGrant(ctx, target, p))) return statusResult(NOT_EXECUTED);
    for (const privilege of privileges) access.grant(target.object, privilege, to.name, by, grantOption);
  }
  return statusResult(OK);
}

export async function revoke(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  c.expectWords('REVOKE');
  const access = ctx.engine.access;
  if (c.acceptWords('ROLE')) {
    const role = c.identifier();
    c.expectWords('FROM');
    const from = c.acceptWords('USER')
      ? { kind: 'USER', name: c.identifier() }
      : (c.acceptWords('ROLE'), { kind: 'ROLE', name: c.identifier() });
    if (from.kind === 'USER' && !ctx.engine.users.get(from.name)) throw accessErrors.userMissing(from.name);
    c.expectEnd();
    const target = resolveSecurable(ctx, 'ROLE', [role]);
    if (!mayGrant(ctx, target, 'OWNERSHIP')) throw accessErrors.insufficientPrivileges('role', role);
    if (from.kind === 'USER') access.user(from.name).roles.delete(role);
    else access.roles.get(from.name)?.inherits.delete(role);
    return statusResult(OK);
  }
  const grantOptionOnly = c.acceptWords('GRANT', 'OPTION', 'FOR');
  const requested = parsePrivileges(ctx);
  c.expectWords('ON');
  if (c.acceptWords('FUTURE')) {
    const future = parseFuture(ctx);
    c.expectWords('FROM');
    c.acceptWords('ROLE');
    const role = c.identifier();
    if (!c.acceptWords('CASCADE')) c.acceptWords('RESTRICT');
    c.expectEnd();
    if (!access.roles.has(role)) throw accessErrors.roleMissing(role);
    authorizeFutureGrant(ctx);
    for (const privilege of privilegesFor(future.objectType, requested))
      access.removeFutureGrant(future.container, future.objectType, privilege, role);
    return statusResult(OK);
  }
  const targets = c.acceptWords('ALL') ? parseAllIn(ctx) : [parseSecurable(ctx)];
  c.expectWords('FROM');
  c.acceptWords('ROLE');
  const role = c.identifier();
  if (!c.acceptWords('CASCADE')) c.acceptWords('RESTRICT');
  c.expectEnd();
  if (!access.roles.has(role)) throw accessErrors.roleMissing(role);
  for (const target of targets) {
    const privileges = privilegesFor(target.kind, requested);
    requireVisible(ctx, target);
    if (!privileges.every((p) => mayGrant(ctx, target, p))) return statusResult(NOT_EXECUTED);
    for (const privilege of privileges) access.revoke(target.object, privilege, role, grantOptionOnly);
  }
  return statusResult(OK);
}

function kindWord(target: Securable): string {
  return target.kind.toLowerCase();
}

/** CREATE [OR REPLACE] ROLE [IF NOT EXISTS] name [COMMENT = '...'] */
export async function createRole(ctx: StatementContext, orReplace: boolean): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifNotExists = c.acceptIfNotExists();
  const name = c.identifier();
  const options = c.optionList();
  c.expectEnd();
  authorizeAccount(ctx, 'CREATE ROLE');
  const access = ctx.engine.access;
  if (access.roles.has(name)) {
    if (ifNotExists) return statusResult(`${displayIdentifier(name)} already exists, statement succeeded.`);
    if (!orReplace) throw sqlErrors.alreadyExists('Object', [name]);
  }
  access.roles.set(name, access.newRole(name, ctx.session.state.role, optionText(options.get('COMMENT')) ?? null));
  return statusResult(`Role ${displayIdentifier(name)} successfully created.`);
}

const SYSTEM_ROLE_NAMES = new Set(['ACCOUNTADMIN', 'SECURITYADMIN', 'USERADMIN', 'SYSADMIN', 'ORGADMIN', 'PUBLIC']);

/** DROP ROLE [IF EXISTS] name: the owner only; system roles cannot be dropped. */
export async function dropRole(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifExists = c.acceptIfExists();
  const name = c.identifier();
  c.expectEnd();
  const access = ctx.engine.access;
  const role = access.roles.get(name);
  if (!role) {
    if (ifExists)
      return statusResult(`Drop statement executed successfully (${displayIdentifier(name)} already dropped).`);
    throw accessErrors.roleMissing(name);
  }
  if (SYSTEM_ROLE_NAMES.has(name)) throw accessErrors.insufficientPrivileges('role', name);
  const roles = sessionRoles(ctx);
  if (roles !== null && !roles.has(access.ownerOf(role))) throw accessErrors.insufficientPrivileges('role', name);
  access.dropRole(
    name,
    [...everySecurable(ctx.engine)].map((s) => s.object),
  );
  if (ctx.session.state.role === name) ctx.session.state.role = 'PUBLIC';
  return statusResult(`${displayIdentifier(name)} successfully dropped.`);
}

/**
 * CREATE [OR REPLACE] WAREHOUSE [IF NOT EXISTS] name [WITH] [WAREHOUSE_SIZE = ...] [AUTO_SUSPEND = n]
 *   [AUTO_RESUME = TRUE] [INITIALLY_SUSPENDED = TRUE] [COMMENT = '...']: the new warehouse becomes the
 * session's current one, as in Snowflake.
 */
export async function createWarehouse(ctx: StatementContext, orReplace: boolean): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifNotExists = c.acceptIfNotExists();
  const name = c.identifier();
  c.acceptWords('WITH');
  const options = c.optionList();
  c.expectEnd();
  authorizeAccount(ctx, 'CREATE WAREHOUSE');
  const access = ctx.engine.access;
  if (access.warehouses.has(name)) {
    if (ifNotExists) return statusResult(`${displayIdentifier(name)} already exists, statement succeeded.`);
    if (!orReplace) throw sqlErrors.alreadyExists('Object', [name]);
  }
  const autoSuspend = optionText(options.get('AUTO_SUSPEND'));
  access.warehouses.set(
    name,
    access.newWarehouse(name, ctx.session.state.role, {
      size: optionText(options.get('WAREHOUSE_SIZE')) ?? 'X-Small',
      comment: optionText(options.get('COMMENT')) ?? null,
      autoResume: optionBool(options.get('AUTO_RESUME')) ?? true,
      ...(autoSuspend !== undefined ? { autoSuspend: Number(autoSuspend) } : {}),
    }),
  );
  ctx.session.state.warehouse = name;
  return statusResult(`Warehouse ${displayIdentifier(name)} successfully created.`);
}

/** DROP WAREHOUSE [IF EXISTS] name: the owner only. */
export async function dropWarehouse(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifExists = c.acceptIfExists();
  const name = c.identifier();
  c.expectEnd();
  const access = ctx.engine.access;
  const warehouse = access.warehouses.get(name);
  const roles = sessionRoles(ctx);
  if (!warehouse || (roles !== null && !access.sees(roles, warehouse))) {
    if (ifExists)
      return statusResult(`Drop statement executed successfully (${displayIdentifier(name)} already dropped).`);
    throw accessErrors.warehouseMissing(name);
  }
  if (roles !== null && !roles.has(access.ownerOf(warehouse)))
    throw accessErrors.insufficientPrivileges('warehouse', name);
  access.warehouses.delete(name);
  if (ctx.session.state.warehouse === name) ctx.session.state.warehouse = null;
  return statusResult(`${displayIdentifier(name)} successfully dropped.`);
}
