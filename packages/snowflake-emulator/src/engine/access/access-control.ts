/**
 * Snowflake's role-based access control, as the emulator keeps it: roles and
 * the roles granted to them, the roles granted to users, warehouses, and for
 * every securable object its owner role and the privileges granted on it.
 *
 * Grants hang off the object itself (a WeakMap keyed by the catalog entry), so
 * they go where the object goes: `ALTER TABLE … SWAP WITH` exchanges two
 * entries and with them their grants, a RENAME keeps them, and `CREATE OR
 * REPLACE` (a new entry) starts with none unless the statement says COPY GRANTS
 * (https://docs.snowflake.com/en/sql-reference/sql/alter-table,
 * https://docs.snowflake.com/en/sql-reference/sql/create-table#label-create-table-copy-grants).
 */

/** One privilege granted to one role on one object. */
export interface PrivilegeGrant {
  privilege: string;
  grantee: string;
  grantedBy: string;
  grantOption: boolean;
  createdOn: Date;
}

/** A role granted to a role or a user. */
export interface RoleGrant {
  role: string;
  grantedBy: string;
  createdOn: Date;
}

export interface RoleEntry {
  name: string;
  owner: string;
  comment: string | null;
  createdOn: Date;
  /** Roles granted to this role (this role inherits their privileges). */
  inherits: Map<string, RoleGrant>;
}

export interface WarehouseEntry {
  name: string;
  owner: string;
  comment: string | null;
  createdOn: Date;
  size: string;
  autoSuspend: number;
  autoResume: boolean;
}

export interface UserAccess {
  name: string;
  roles: Map<string, RoleGrant>;
}

/**
 * GRANT … ON FUTURE <objects> IN SCHEMA | DATABASE: privileges every object of
 * that type created there later receives. Schema-level future grants take
 * precedence over database-level ones for the same object type
 * (https://docs.snowflake.com/en/sql-reference/sql/grant-privilege#future-grants-on-database-or-schema-objects).
 */
export interface FutureGrant {
  objectType: 'TABLE' | 'SCHEMA';
  privilege: string;
  grantee: string;
  grantOption: boolean;
  createdOn: Date;
}

interface AccessInfo {
  owner: string;
  grants: PrivilegeGrant[];
}

/**
 * The system-defined roles and their hierarchy
 * (https://docs.snowflake.com/en/user-guide/security-access-control-overview#system-defined-roles):
 * ACCOUNTADMIN inherits SYSADMIN and SECURITYADMIN, SECURITYADMIN inherits
 * USERADMIN, and every role inherits PUBLIC.
 */
export const SYSTEM_ROLES = ['ACCOUNTADMIN', 'SECURITYADMIN', 'USERADMIN', 'SYSADMIN', 'ORGADMIN', 'PUBLIC'] as const;

/** Account-level privileges the system roles hold out of the box. */
const SYSTEM_ACCOUNT_PRIVILEGES: Readonly<Record<string, readonly string[]>> = {
  ACCOUNTADMIN: ['CREATE INTEGRATION', 'EXECUTE TASK', 'MONITOR USAGE'],
  SECURITYADMIN: ['MANAGE GRANTS'],
  USERADMIN: ['CREATE USER', 'CREATE ROLE'],
  SYSADMIN: ['CREATE DATABASE', 'CREATE WAREHOUSE'],
};

export class AccessControl {
  readonly roles = new Map<string, RoleEntry>();
  readonly warehouses = new Map<string, WarehouseEntry>();
  /** Stands for the account in grants `ON ACCOUNT`. */
  readonly account: object = Object.freeze({ kind: 'ACCOUNT' });
  private readonly users = new Map<string, UserAccess>();
  private readonly info = new WeakMap<object, AccessInfo>();
  private readonly future = new WeakMap<object, FutureGrant[]>();

  constructor(private readonly clock: () => Date = () => new Date()) {
    for (const name of SYSTEM_ROLES) this.roles.set(name, this.newRole(name, 'ACCOUNTADMIN'));
    const hierarchy: [string, string][] = [
      ['ACCOUNTADMIN', 'SYSADMIN'],
      ['ACCOUNTADMIN', 'SECURITYADMIN'],
      ['SECURITYADMIN', 'USERADMIN'],
    ];
    for (const [parent, child] of hierarchy) this.grantRoleToRole(child, parent, 'ACCOUNTADMIN');
    this.register(this.account, 'ACCOUNTADMIN');
    for (const [role, privileges] of Object.entries(SYSTEM_ACCOUNT_PRIVILEGES))
      for (const privilege of privileges) this.grant(this.account, privilege, role, 'ACCOUNTADMIN', false);
  }

  newRole(name: string, owner: string, comment: string | null = null): RoleEntry {
    const role: RoleEntry = { name, owner, comment, createdOn: this.clock(), inherits: new Map() };
    this.register(role, owner);
    return role;
  }

  newWarehouse(name: string, owner: string, options: Partial<WarehouseEntry> = {}): WarehouseEntry {
    const warehouse: WarehouseEntry = {
      name,
      owner,
      comment: options.comment ?? null,
      createdOn: this.clock(),
      size: options.size ?? 'X-Small',
      autoSuspend: options.autoSuspend ?? 600,
      autoResume: options.autoResume ?? true,
    };
    this.register(warehouse, owner);
    return warehouse;
  }

  /** Records the owner of a newly created object. */
  register(object: object, owner: string): void {
    this.info.set(object, { owner, grants: [] });
  }

  private infoOf(object: object): AccessInfo {
    let info = this.info.get(object);
    if (!info) {
      // Objects made before access control saw them keep the owner their entry names.
      const owner = (object as { owner?: unknown }).owner;
      info = { owner: typeof owner === 'string' && owner !== '' ? owner : 'ACCOUNTADMIN', grants: [] };
      this.info.set(object, info);
    }
    return info;
  }

  ownerOf(object: object): string {
    return this.infoOf(object).owner;
  }

  /** GRANT OWNERSHIP: the entry's own `owner` (what SHOW prints) follows. */
  setOwner(object: object, role: string): void {
    this.infoOf(object).owner = role;
    if ('owner' in object) (object as { owner: string }).owner = role;
  }

  grantsOn(object: object): readonly PrivilegeGrant[] {
    return this.infoOf(object).grants;
  }

  grant(object: object, privilege: string, grantee: string, grantedBy: string, grantOption: boolean): void {
    const grants = this.infoOf(object).grants;
    const existing = grants.find((g) => g.privilege === privilege && g.grantee === grantee);
    if (existing) existing.grantOption ||= grantOption;
    else grants.push({ privilege, grantee, grantedBy, grantOption, createdOn: this.clock() });
  }

  /** Revokes one privilege (or only its grant option); false when the role did not hold it. */
  revoke(object: object, privilege: string, grantee: string, grantOptionOnly = false): boolean {
    const info = this.infoOf(object);
    const index = info.grants.findIndex((g) => g.privilege === privilege && g.grantee === grantee);
    if (index < 0) return false;
    if (grantOptionOnly) (info.grants[index] as PrivilegeGrant).grantOption = false;
    else info.grants.splice(index, 1);
    return true;
  }

  /** COPY GRANTS: every privilege but OWNERSHIP, from one object onto another. */
  copyGrants(from: object, to: object): void {
    const target = this.infoOf(to);
    target.grants = this.infoOf(from).grants.map((g) => ({ ...g, createdOn: this.clock() }));
  }

  /** Future grants defined in a schema or database (the container entry). */
  futureGrantsIn(container: object): readonly FutureGrant[] {
    return this.future.get(container) ?? [];
  }

  addFutureGrant(container: object, grant: Omit<FutureGrant, 'createdOn'>): void {
    const grants = this.future.get(container) ?? [];
    const existing = grants.find(
      (g) => g.objectType === grant.objectType && g.privilege === grant.privilege && g.grantee === grant.grantee,
    );
    if (existing) existing.grantOption ||= grant.grantOption;
    else grants.push({ ...grant, createdOn: this.clock() });
    this.future.set(container, grants);
  }

  removeFutureGrant(
    container: object,
    objectType: FutureGrant['objectType'],
    privilege: string,
    grantee: string,
  ): void {
    const grants = this.future.get(container);
    if (grants)
      this.future.set(
        container,
        grants.filter((g) => !(g.objectType === objectType && g.privilege === privilege && g.grantee === grantee)),
      );
  }

  /**
   * Gives a new object the future grants of the innermost container that
   * defines any for its type (the schema's, else the database's).
   */
  applyFutureGrants(object: object, objectType: FutureGrant['objectType'], containers: readonly object[]): void {
    for (const container of containers) {
      const grants = this.futureGrantsIn(container).filter((g) => g.objectType === objectType);
      if (grants.length === 0) continue;
      for (const g of grants) this.grant(object, g.privilege, g.grantee, 'SECURITYADMIN', g.grantOption);
      return;
    }
  }

  /** Drops every grant naming a role (DROP ROLE). */
  forgetGrantee(role: string, objects: Iterable<object>): void {
    for (const object of objects) {
      const info = this.info.get(object);
      if (info) info.grants = info.grants.filter((g) => g.grantee !== role);
    }
  }

  /** The role and every role it inherits, transitively, and PUBLIC. */
  effectiveRoles(role: string): Set<string> {
    const seen = new Set<string>();
    const stack = [role, 'PUBLIC'];
    while (stack.length > 0) {
      const name = stack.pop() as string;
      if (seen.has(name)) continue;
      const entry = this.roles.get(name);
      if (!entry) continue;
      seen.add(name);
      for (const child of entry.inherits.keys()) stack.push(child);
    }
    return seen;
  }

  /** True when one of the roles owns the object or holds the privilege on it. */
  holds(roles: ReadonlySet<string>, object: object, privilege: string): boolean {
    const info = this.infoOf(object);
    if (roles.has(info.owner)) return true;
    return info.grants.some((g) => g.privilege === privilege && roles.has(g.grantee));
  }

  /** True when one of the roles holds the privilege with GRANT OPTION. */
  holdsWithGrantOption(roles: ReadonlySet<string>, object: object, privilege: string): boolean {
    return this.infoOf(object).grants.some((g) => g.privilege === privilege && g.grantOption && roles.has(g.grantee));
  }

  /** True when one of the roles owns the object or holds any privilege on it (it may know it exists). */
  sees(roles: ReadonlySet<string>, object: object): boolean {
    const info = this.infoOf(object);
    return roles.has(info.owner) || info.grants.some((g) => roles.has(g.grantee));
  }

  user(name: string): UserAccess {
    const key = name.toUpperCase();
    let user = this.users.get(key);
    if (!user) {
      user = { name: key, roles: new Map() };
      this.users.set(key, user);
    }
    return user;
  }

  grantRoleToUser(role: string, user: string, grantedBy: string): void {
    const access = this.user(user);
    if (!access.roles.has(role)) access.roles.set(role, { role, grantedBy, createdOn: this.clock() });
  }

  /** GRANT ROLE child TO ROLE parent; false when it would make a cycle. */
  grantRoleToRole(child: string, parent: string, grantedBy: string): boolean {
    if (this.effectiveRoles(child).has(parent)) return false;
    const entry = this.roles.get(parent);
    if (entry && !entry.inherits.has(child))
      entry.inherits.set(child, { role: child, grantedBy, createdOn: this.clock() });
    return true;
  }

  /** Roles a user may activate: those granted to it, the roles below them, and PUBLIC. */
  rolesOfUser(user: string): Set<string> {
    const roles = new Set<string>(['PUBLIC']);
    for (const granted of this.user(user).roles.keys())
      for (const role of this.effectiveRoles(granted)) roles.add(role);
    return roles;
  }

  /** The users a role is granted to (SHOW GRANTS OF ROLE). */
  usersWithRole(role: string): UserAccess[] {
    return [...this.users.values()].filter((u) => u.roles.has(role));
  }

  dropRole(name: string, objects: Iterable<object>): void {
    this.roles.delete(name);
    for (const role of this.roles.values()) role.inherits.delete(name);
    for (const user of this.users.values()) user.roles.delete(name);
    this.forgetGrantee(name, objects);
  }
}
