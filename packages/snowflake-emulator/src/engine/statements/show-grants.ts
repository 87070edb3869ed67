import { displayQualified, sqlErrors } from '../../errors.js';
import { sessionRoles } from '../access/authorize.js';
import { grantedOnName } from '../access/privileges.js';
import { everySecurable, type Securable } from '../access/securables.js';
import { resolveSchema } from '../name-resolution.js';
import type { StatementContext } from '../statement-context.js';
import { col, type StatementResult, StatementType } from '../statement-result.js';
import { parseSecurable } from './access-ddl.js';

/**
 * SHOW GRANTS ON <object> | TO ROLE r | TO USER u | OF ROLE r, SHOW ROLES,
 * SHOW WAREHOUSES, with the columns of
 * https://docs.snowflake.com/en/sql-reference/sql/show-grants (privilege
 * grants: created_on, privilege, granted_on, name, granted_to, grantee_name,
 * grant_option, granted_by; role grants: created_on, role, granted_to,
 * grantee_name, granted_by).
 */

const PRIVILEGE_COLUMNS = [
  col.timestamp('created_on'),
  col.text('privilege'),
  col.text('granted_on'),
  col.text('name'),
  col.text('granted_to'),
  col.text('grantee_name'),
  col.text('grant_option'),
  col.text('granted_by'),
];

const ROLE_GRANT_COLUMNS = [
  col.timestamp('created_on'),
  col.text('role'),
  col.text('granted_to'),
  col.text('grantee_name'),
  col.text('granted_by'),
];

function show(columns: typeof PRIVILEGE_COLUMNS, rows: unknown[][]): StatementResult {
  return { columns, rows, statementTypeId: StatementType.SHOW };
}

/** OWNERSHIP first, then the granted privileges, as SHOW GRANTS ON lists them. */
function privilegeRows(ctx: StatementContext, target: Securable, onlyGrantee?: string): unknown[][] {
  const access = ctx.engine.access;
  const rows: unknown[][] = [];
  const owner = access.ownerOf(target.object);
  const grantedOn = grantedOnName(target.kind);
  if (target.kind !== 'ACCOUNT' && (onlyGrantee === undefined || owner === onlyGrantee))
    rows.push([
      (target.object as { createdOn?: Date }).createdOn ?? ctx.engine.clock(),
      'OWNERSHIP',
      grantedOn,
      target.qualifiedName,
      'ROLE',
      owner,
      'true',
      owner,
    ]);
  for (const g of access.grantsOn(target.object)) {
    if (onlyGrantee !== undefined && g.grantee !== onlyGrantee) continue;
    rows.push([
      g.createdOn,
      g.privilege,
      grantedOn,
      target.qualifiedName,
      'ROLE',
      g.grantee,
      String(g.grantOption),
      g.grantedBy,
    ]);
  }
  return rows;
}

export async function showGrants(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  const access = ctx.engine.access;
  if (c.acceptWords('ON')) {
    const target = parseSecurable(ctx);
    c.expectEnd();
    const roles = sessionRoles(ctx);
    // MANAGE GRANTS (SECURITYADMIN) sees the grants on every object: SHOW honours it (behaviour change
    // bcr-2416 contrasts the Information Schema views, which did not, with SHOW, which does).
    const managesGrants = roles === null || access.holds(roles, access.account, 'MANAGE GRANTS');
    if (!managesGrants && target.kind !== 'ACCOUNT' && !access.sees(roles, target.object)) throw target.missing();
    return show(PRIVILEGE_COLUMNS, privilegeRows(ctx, target));
  }
  if (c.acceptWords('TO', 'ROLE')) {
    const role = c.identifier();
    c.expectEnd();
    const entry = access.roles.get(role);
    if (!entry) throw sqlErrors.objectMissing([role]);
    const rows = [...everySecurable(ctx.engine)].flatMap((target) => privilegeRows(ctx, target, role));
    // Roles granted to the role show as USAGE on ROLE.
    for (const g of entry.inherits.values())
      rows.push([g.createdOn, 'USAGE', 'ROLE', displayQualified([g.role]), 'ROLE', role, 'false', g.grantedBy]);
    return show(PRIVILEGE_COLUMNS, rows);
  }
  if (c.acceptWords('TO', 'USER') || c.done) {
    const user = c.done ? ctx.session.state.user : c.identifier();
    c.expectEnd();
    const rows = [...access.user(user).roles.values()].map((g) => [g.createdOn, g.role, 'USER', user, g.grantedBy]);
    return show(ROLE_GRANT_COLUMNS, rows);
  }
  if (c.acceptWords('OF', 'ROLE')) {
    const role = c.identifier();
    c.expectEnd();
    if (!access.roles.has(role)) throw sqlErrors.objectMissing([role]);
    const rows: unknown[][] = [];
    for (const parent of access.roles.values()) {
      const g = parent.inherits.get(role);
      if (g) rows.push([g.createdOn, role, 'ROLE', parent.name, g.grantedBy]);
    }
    for (const user of access.usersWithRole(role)) {
      const g = user.roles.get(role);
      if (g) rows.push([g.createdOn, role, 'USER', user.name, g.grantedBy]);
    }
    return show(ROLE_GRANT_COLUMNS, rows);
  }
  return c.fail(c.peek());
}

/** SHOW ROLES [LIKE '...'] */
export async function showRoles(ctx: StatementContext, like: (name: string) => boolean): Promise<StatementResult> {
  const access = ctx.engine.access;
  const state = ctx.session.state;
  const inherited = access.effectiveRoles(state.role);
  const roles = [...access.roles.values()].filter((r) => like(r.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
  return show(
    [
      col.timestamp('created_on'),
      col.text('name'),
      col.text('is_default'),
      col.text('is_current'),
      col.text('is_inherited'),
      col.number('assigned_to_users'),
      col.number('granted_to_roles'),
      col.number('granted_roles'),
      col.text('owner'),
      col.text('comment'),
    ],
    roles.map((r) => [
      r.createdOn,
      r.name,
      'N',
      r.name === state.role ? 'Y' : 'N',
      r.name !== state.role && inherited.has(r.name) ? 'Y' : 'N',
      access.usersWithRole(r.name).length,
      [...access.roles.values()].filter((p) => p.inherits.has(r.name)).length,
      r.inherits.size,
      access.ownerOf(r),
      r.comment ?? '',
    ]),
  );
}

/** SHOW WAREHOUSES [LIKE '...']: the warehouses the role may see. */
export async function showWarehouses(ctx: StatementContext, like: (name: string) => boolean): Promise<StatementResult> {
  const access = ctx.engine.access;
  const roles = sessionRoles(ctx);
  const state = ctx.session.state;
  const warehouses = [...access.warehouses.values()]
    .filter((w) => like(w.name) && (roles === null || access.sees(roles, w)))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return show(
    [
      col.text('name'),
      col.text('state'),
      col.text('type'),
      col.text('size'),
      col.number('min_cluster_count'),
      col.number('max_cluster_count'),
      col.number('started_clusters'),
      col.number('running'),
      col.number('queued'),
      col.text('is_default'),
      col.text('is_current'),
      col.number('auto_suspend'),
      col.text('auto_resume'),
      col.timestamp('created_on'),
      col.text('owner'),
      col.text('comment'),
      col.text('owner_role_type'),
    ],
    warehouses.map((w) => [
      w.name,
      'STARTED',
      'STANDARD',
      w.size,
      1,
      1,
      1,
      0,
      0,
      'N',
      state.warehouse === w.name ? 'Y' : 'N',
      w.autoSuspend,
      String(w.autoResume),
      w.createdOn,
      access.ownerOf(w),
      w.comment ?? '',
      'ROLE',
    ]),
  );
}

const FUTURE_GRANT_COLUMNS = [
  col.timestamp('created_on'),
  col.text('privilege'),
  col.text('grant_on'),
  col.text('name'),
  col.text('grant_to'),
  col.text('grantee_name'),
  col.text('grant_option'),
];

/**
 * SHOW FUTURE GRANTS IN SCHEMA s | IN DATABASE d (after SHOW FUTURE GRANTS
 * was read), with the columns of
 * https://docs.snowflake.com/en/sql-reference/sql/show-grants#variants-for-future-grants:
 * the name is the container and the object type, `DB.SCHEMA.<TABLE>`.
 */
export function showFutureGrants(ctx: StatementContext): StatementResult {
  const c = ctx.cursor;
  c.expectWords('IN');
  let container: object;
  let parts: string[];
  if (c.acceptWords('DATABASE')) {
    const name = c.identifier();
    const database = ctx.engine.catalog.databases.get(name);
    if (!database) throw sqlErrors.databaseMissing(name);
    [container, parts] = [database, [database.name]];
  } else {
    c.expectWords('SCHEMA');
    const { database, schema } = resolveSchema(ctx.engine.catalog, ctx.session.state, c.objectName(), 'SHOW');
    [container, parts] = [schema, [database.name, schema.name]];
  }
  c.expectEnd();
  const roles = sessionRoles(ctx);
  const access = ctx.engine.access;
  const managesGrants = roles === null || access.holds(roles, access.account, 'MANAGE GRANTS');
  if (!managesGrants && !access.sees(roles, container)) throw sqlErrors.objectMissing(parts);
  const prefix = displayQualified(parts);
  const rows = access
    .futureGrantsIn(container)
    .map((g) => [
      g.createdOn,
      g.privilege,
      g.objectType,
      `${prefix}.<${g.objectType}>`,
      'ROLE',
      g.grantee,
      String(g.grantOption),
    ]);
  return { columns: FUTURE_GRANT_COLUMNS, rows, statementTypeId: StatementType.SHOW };
}
