/**
 * What a Snowflake role may do, from `SHOW GRANTS TO ROLE` over the role and every role it inherits
 * (https://docs.snowflake.com/en/sql-reference/sql/show-grants: columns privilege, granted_on, name; a role
 * granted to the role is a row `USAGE` on `ROLE`). Snowflake has no has-privilege function, so this is how a
 * preflight learns what a statement will be allowed to do without running it.
 */

/** `granted_on` as SHOW GRANTS writes it (`FILE_FORMAT`, not `FILE FORMAT`). */
export type GrantedOn = 'ACCOUNT' | 'DATABASE' | 'SCHEMA' | 'TABLE' | 'STAGE' | 'FILE_FORMAT' | 'INTEGRATION' | 'ROLE';

/**
 * An object's name as SHOW GRANTS prints it: each part bare when it is a plain upper-case identifier, else
 * double-quoted (`D2S_SANDBOX.PUBLIC."my table"`).
 */
export function grantName(parts: readonly string[]): string {
  return parts.map((part) => (/^[A-Z_][A-Z0-9_$]*$/.test(part) ? part : `"${part.replace(/"/g, '""')}"`)).join('.');
}

/** A role name as SHOW GRANTS prints it, back to the name itself (`"my role"` → `my role`). */
export function unquoteName(printed: string): string {
  const quoted = /^"((?:[^"]|"")*)"$/.exec(printed);
  return quoted?.[1] !== undefined ? quoted[1].replace(/""/g, '"') : printed;
}

/** The privileges held by a role and the roles it inherits. */
export class RoleGrants {
  readonly #held = new Set<string>();
  /** The role and every role it inherits, in the order they were found. */
  readonly roles: string[] = [];

  /** Adds the rows of `SHOW GRANTS TO ROLE <role>`; returns the roles this one inherits. */
  add(role: string, rows: readonly Record<string, unknown>[]): string[] {
    this.roles.push(role);
    const inherited: string[] = [];
    for (const row of rows) {
      const privilege = String(field(row, 'privilege') ?? '').toUpperCase();
      const on = String(field(row, 'granted_on') ?? '').toUpperCase();
      const name = String(field(row, 'name') ?? '');
      if (on === 'ROLE' && privilege === 'USAGE') inherited.push(unquoteName(name));
      this.#held.add(key(privilege, on, on === 'ACCOUNT' ? '' : name));
    }
    return inherited;
  }

  /** Whether the role holds `privilege` (or OWNERSHIP, which implies every privilege) on the object. */
  holds(privilege: string, on: GrantedOn, parts: readonly string[] = []): boolean {
    const name = on === 'ACCOUNT' ? '' : grantName(parts);
    return this.#held.has(key(privilege, on, name)) || (on !== 'ACCOUNT' && this.owns(on, parts));
  }

  owns(on: GrantedOn, parts: readonly string[]): boolean {
    return this.#held.has(key('OWNERSHIP', on, grantName(parts)));
  }
}

function key(privilege: string, on: string, name: string): string {
  return `${privilege}\u0000${on}\u0000${name}`;
}

/** SHOW output columns are lower case; a driver setting may upper-case them. */
function field(row: Record<string, unknown>, name: string): unknown {
  return row[name] ?? row[name.toUpperCase()];
}

/**
 * Collects the grants of `role` and, breadth first, of every role it inherits. `showGrantsTo` runs
 * `SHOW GRANTS TO ROLE`; a cycle or a role seen twice is read once.
 */
export async function collectRoleGrants(
  role: string,
  showGrantsTo: (role: string) => Promise<readonly Record<string, unknown>[]>,
  maxRoles = 50,
): Promise<RoleGrants> {
  const grants = new RoleGrants();
  const seen = new Set<string>([role]);
  const queue = [role];
  while (queue.length > 0 && grants.roles.length < maxRoles) {
    const next = queue.shift() as string;
    for (const inherited of grants.add(next, await showGrantsTo(next))) {
      if (!seen.has(inherited)) {
        seen.add(inherited);
        queue.push(inherited);
      }
    }
  }
  return grants;
}
