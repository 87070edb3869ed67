import { accessErrors, displayIdentifier, sqlErrors } from '../../errors.js';
import { publicKeyOf, type SnowflakeUserConfig } from '../../protocol/users.js';
import { authorizeAccount, sessionRoles } from '../access/authorize.js';
import { likeMatcher } from '../name-resolution.js';
import type { StatementContext } from '../statement-context.js';
import { col, type StatementResult, StatementType, statusResult } from '../statement-result.js';
import { type OptionMap, optionBool, optionText } from '../token-cursor.js';

/**
 * CREATE / ALTER / DROP / SHOW USERS
 * (https://docs.snowflake.com/en/sql-reference/sql/create-user,
 * .../alter-user, .../drop-user, .../show-users). CREATE USER needs the
 * account's CREATE USER privilege (USERADMIN, and SECURITYADMIN /
 * ACCOUNTADMIN above it); the creating role owns the user, and only the owner
 * may alter or drop it. A user may change its own defaults and password.
 * SHOW USERS lists the users the role owns, or every user with CREATE USER,
 * and always the current user (behaviour change 2023_06, bcr-975). A user
 * made here logs in like a configured one: the login layer reads the same
 * registry. DEFAULT_ROLE does not grant the role (GRANT ROLE … TO USER does).
 */

/** Properties a user may set on itself (ALTER USER on the current user). */
const SELF_SERVICE = new Set(['PASSWORD', 'DEFAULT_ROLE', 'DEFAULT_WAREHOUSE', 'DEFAULT_NAMESPACE', 'COMMENT']);

function applyProperties(user: SnowflakeUserConfig, options: OptionMap): void {
  for (const [key, value] of options) {
    const text = optionText(value);
    switch (key) {
      case 'PASSWORD':
        user.password = text;
        break;
      case 'DEFAULT_ROLE':
        user.defaultRole = text?.toUpperCase();
        break;
      case 'DEFAULT_WAREHOUSE':
        user.defaultWarehouse = text?.toUpperCase();
        break;
      case 'DEFAULT_NAMESPACE':
        user.defaultNamespace = text;
        break;
      case 'RSA_PUBLIC_KEY':
      case 'RSA_PUBLIC_KEY_2':
        if (text) {
          try {
            publicKeyOf(text);
          } catch {
            throw sqlErrors.invalidValue(`Invalid RSA public key: ${key}`);
          }
        }
        if (key === 'RSA_PUBLIC_KEY') user.rsaPublicKey = text;
        else user.rsaPublicKey2 = text;
        break;
      case 'COMMENT':
        user.comment = text;
        break;
      case 'DISPLAY_NAME':
        user.displayName = text;
        break;
      case 'EMAIL':
        user.email = text;
        break;
      case 'DISABLED':
        user.disabled = optionBool(value) ?? false;
        break;
      case 'LOGIN_NAME':
      case 'FIRST_NAME':
      case 'MIDDLE_NAME':
      case 'LAST_NAME':
      case 'MUST_CHANGE_PASSWORD':
      case 'TYPE':
      case 'DAYS_TO_EXPIRY':
      case 'MINS_TO_UNLOCK':
      case 'DEFAULT_SECONDARY_ROLES':
        break;
      default:
        throw sqlErrors.invalidValue(`invalid property '${key}' for 'USER'`);
    }
  }
}

/** CREATE [OR REPLACE] USER [IF NOT EXISTS] name [property = value ...] */
export async function createUser(ctx: StatementContext, orReplace: boolean): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifNotExists = c.acceptIfNotExists();
  const name = c.identifier();
  const options = c.optionList();
  c.expectEnd();
  authorizeAccount(ctx, 'CREATE USER');
  const users = ctx.engine.users;
  if (users.get(name)) {
    if (ifNotExists) return statusResult(`${displayIdentifier(name)} already exists, statement succeeded.`);
    if (!orReplace) throw sqlErrors.alreadyExists('User', [name]);
  }
  const user: SnowflakeUserConfig = { name, createdOn: ctx.engine.clock(), owner: ctx.session.state.role };
  applyProperties(user, options);
  users.add(user);
  ctx.engine.access.register(users.get(name) as SnowflakeUserConfig, ctx.session.state.role);
  return statusResult(`User ${displayIdentifier(name)} successfully created.`);
}

/** The user, if the session may change it: its owner, or the user itself for SELF_SERVICE properties. */
function ownedUser(ctx: StatementContext, name: string, selfService: boolean): SnowflakeUserConfig | undefined {
  const user = ctx.engine.users.get(name);
  if (!user) return undefined;
  const roles = sessionRoles(ctx);
  if (roles === null || roles.has(ctx.engine.access.ownerOf(user))) return user;
  if (selfService && user.name.toUpperCase() === ctx.session.state.user.toUpperCase()) return user;
  throw accessErrors.insufficientPrivileges('user', name);
}

/** ALTER USER [IF EXISTS] name SET p = v ... | UNSET p [, p] | RENAME TO new */
export async function alterUser(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifExists = c.acceptIfExists();
  const name = c.identifier();
  const ok = () => statusResult('Statement executed successfully.');
  if (c.acceptWords('RENAME', 'TO')) {
    const to = c.identifier();
    c.expectEnd();
    const user = ownedUser(ctx, name, false);
    if (!user) {
      if (ifExists) return ok();
      throw accessErrors.userMissing(name);
    }
    if (ctx.engine.users.get(to)) throw sqlErrors.alreadyExists('User', [to]);
    ctx.engine.users.remove(name);
    user.name = to;
    ctx.engine.users.add(user);
    ctx.engine.access.register(ctx.engine.users.get(to) as SnowflakeUserConfig, ctx.engine.access.ownerOf(user));
    return ok();
  }
  let options: OptionMap;
  if (c.acceptWords('SET')) options = c.optionList();
  else if (c.acceptWords('UNSET')) {
    options = new Map();
    do options.set(c.identifier(), { kind: 'word', value: '' });
    while (c.acceptOp(','));
  } else return c.fail(c.peek());
  c.expectEnd();
  const user = ownedUser(
    ctx,
    name,
    [...options.keys()].every((k) => SELF_SERVICE.has(k)),
  );
  if (!user) {
    if (ifExists) return ok();
    throw accessErrors.userMissing(name);
  }
  const unset = [...options.values()].every((v) => v.kind === 'word' && v.value === '');
  if (unset) {
    for (const key of options.keys())
      applyProperties(
        user,
        new Map([[key, key === 'DISABLED' ? { kind: 'word', value: 'FALSE' } : { kind: 'string', value: '' }]]),
      );
    for (const key of ['password', 'defaultRole', 'defaultWarehouse', 'defaultNamespace', 'comment'] as const)
      if (user[key] === '') delete user[key];
  } else applyProperties(user, options);
  return ok();
}

/** DROP USER [IF EXISTS] name: the owner only. */
export async function dropUser(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifExists = c.acceptIfExists();
  const name = c.identifier();
  c.expectEnd();
  const user = ownedUser(ctx, name, false);
  if (!user) {
    if (ifExists)
      return statusResult(`Drop statement executed successfully (${displayIdentifier(name)} already dropped).`);
    throw accessErrors.userMissing(name);
  }
  ctx.engine.users.remove(name);
  ctx.engine.access.user(name).roles.clear();
  return statusResult(`${displayIdentifier(name)} successfully dropped.`);
}

const SHOW_USERS_COLUMNS = [
  col.text('name'),
  col.timestamp('created_on'),
  col.text('login_name'),
  col.text('display_name'),
  col.text('first_name'),
  col.text('last_name'),
  col.text('email'),
  col.text('mins_to_unlock'),
  col.text('days_to_expiry'),
  col.text('comment'),
  col.text('disabled'),
  col.text('must_change_password'),
  col.text('snowflake_lock'),
  col.text('default_warehouse'),
  col.text('default_namespace'),
  col.text('default_role'),
  col.text('default_secondary_roles'),
  col.text('ext_authn_duo'),
  col.text('ext_authn_uid'),
  col.text('mins_to_bypass_mfa'),
  col.text('owner'),
  col.timestamp('last_success_login'),
  col.timestamp('expires_at_time'),
  col.timestamp('locked_until_time'),
  col.text('has_password'),
  col.text('has_rsa_public_key'),
  col.text('type'),
  col.text('has_mfa'),
];

/** SHOW [TERSE] USERS [LIKE '…'] [LIMIT n] (after SHOW USERS was read). */
export function showUsers(ctx: StatementContext): StatementResult {
  const c = ctx.cursor;
  const like = likeMatcher(c.acceptWords('LIKE') ? c.string() : undefined);
  let limit: number | null = null;
  if (c.acceptWords('LIMIT')) limit = Number(c.next().text);
  c.expectEnd();
  const access = ctx.engine.access;
  const roles = sessionRoles(ctx);
  const seesAll = roles === null || access.holds(roles, access.account, 'CREATE USER');
  const me = ctx.session.state.user.toUpperCase();
  const users = ctx.engine.users
    .all()
    .filter((u) => seesAll || u.name.toUpperCase() === me || (roles !== null && roles.has(access.ownerOf(u))))
    .filter((u) => like(u.name.toUpperCase()))
    .sort((a, b) => (a.name.toUpperCase() < b.name.toUpperCase() ? -1 : 1));
  const rows = (limit === null ? users : users.slice(0, limit)).map((u) => {
    const name = u.name.toUpperCase();
    return [
      name,
      u.createdOn ?? null,
      name,
      u.displayName ?? name,
      null,
      null,
      u.email ?? null,
      null,
      null,
      u.comment ?? null,
      String(u.disabled ?? false),
      'false',
      'false',
      u.defaultWarehouse ?? null,
      u.defaultNamespace ?? null,
      u.defaultRole ?? null,
      null,
      'false',
      null,
      null,
      access.ownerOf(u),
      null,
      null,
      null,
      String(u.password !== undefined),
      String(u.rsaPublicKey !== undefined || u.rsaPublicKey2 !== undefined),
      u.password === undefined && u.rsaPublicKey !== undefined ? 'SERVICE' : null,
      'false',
    ];
  });
  return { columns: SHOW_USERS_COLUMNS, rows, statementTypeId: StatementType.SHOW };
}
