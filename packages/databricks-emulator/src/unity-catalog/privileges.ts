/**
 * Unity Catalog privileges the emulator enforces, as the REST API spells them (`USE_CATALOG`); SQL spells them
 * with spaces (`USE CATALOG`). Source: the Unity Catalog privileges reference,
 * https://docs.databricks.com/aws/en/data-governance/unity-catalog/manage-privileges/privileges
 * and the `Privilege` enum of databricks-sdk-py (databricks/sdk/service/catalog.py).
 */
export const PRIVILEGES = [
  'ALL_PRIVILEGES',
  'APPLY_TAG',
  'BROWSE',
  'CREATE_TABLE',
  'EXTERNAL_USE_SCHEMA',
  'MANAGE',
  'MODIFY',
  'SELECT',
  'USE_CATALOG',
  'USE_SCHEMA',
] as const;

export type Privilege = (typeof PRIVILEGES)[number];

/**
 * What ALL PRIVILEGES stands for here. EXTERNAL USE SCHEMA is left out: Databricks documents it as a privilege
 * that must be granted explicitly for credential vending (and only by a catalog owner), so the emulator does not
 * let a blanket grant stand in for it — the stricter reading.
 */
const ALL_PRIVILEGES_EXPANDS_TO: readonly Privilege[] = [
  'APPLY_TAG',
  'BROWSE',
  'CREATE_TABLE',
  'MODIFY',
  'SELECT',
  'USE_CATALOG',
  'USE_SCHEMA',
];

/** `USE CATALOG` / `use_catalog` / `USE_CATALOG` → `USE_CATALOG`; undefined for an unknown name. */
export function parsePrivilege(text: string): Privilege | undefined {
  const normalized = text.trim().toUpperCase().replace(/\s+/g, '_');
  return (PRIVILEGES as readonly string[]).includes(normalized) ? (normalized as Privilege) : undefined;
}

/** The privileges one grant confers (ALL PRIVILEGES expanded). */
export function expandPrivileges(privileges: readonly string[]): Set<Privilege> {
  const out = new Set<Privilege>();
  for (const text of privileges) {
    const privilege = parsePrivilege(text);
    if (privilege === undefined) continue;
    if (privilege === 'ALL_PRIVILEGES') for (const p of ALL_PRIVILEGES_EXPANDS_TO) out.add(p);
    out.add(privilege);
  }
  return out;
}

/** How Databricks writes a privilege in its error messages: `USE CATALOG`. */
export function sqlName(privilege: Privilege): string {
  return privilege.replaceAll('_', ' ');
}
