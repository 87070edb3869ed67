import { createHash } from 'node:crypto';
import type { MirrorScope } from './mirror-action.js';
import { displayName, ucFullName } from './naming.js';
import type { DiscoveredTables, SnowflakeSide } from './plan/sides.js';

/**
 * What a plan was computed from, item by item, so that applying a reviewed
 * plan can tell whether the world it describes is still the world (like a
 * saved Terraform plan and its state serial), and say what changed.
 */
export interface PlanStateDigest {
  /** sha256 over everything below: equal fingerprints, same inputs, same plan. */
  fingerprint: string;
  /** Unity Catalog: one entry per table discovery selected or skipped (key: its full name). */
  unityCatalog: Record<string, string>;
  /** Snowflake: one entry per integration, database and Iceberg table SHOW returned. */
  snowflake: Record<string, string>;
  /** The settings and request the plan depends on (catalogs, naming, refresh, drops, scope). */
  settings: string;
}

export interface PlanStateChanges {
  unityCatalog: ItemChanges;
  snowflake: ItemChanges;
  settingsChanged: boolean;
}

export interface ItemChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

/** What the digest hashes besides the two sides. Never the secret itself: its fingerprint stands for it. */
export interface DigestSettings {
  settings: Record<string, unknown>;
  scope: MirrorScope;
  includeRefresh: boolean;
}

export function planStateDigest(
  discovered: DiscoveredTables,
  snowflake: SnowflakeSide,
  request: DigestSettings,
): PlanStateDigest {
  const unityCatalog: Record<string, string> = {};
  for (const table of discovered.tables) unityCatalog[ucFullName(table.table)] = hash(table);
  for (const skip of discovered.skipped) unityCatalog[skip.fullName] = hash(skip);
  for (const scope of discovered.unreadable ?? []) unityCatalog[`unreadable:${scope}`] = 'unreadable';

  const sf: Record<string, string> = {};
  for (const integration of snowflake.integrations) sf[`integration:${integration.name}`] = hash(integration);
  for (const database of snowflake.databases) {
    sf[`database:${database.name}`] = hash({ exists: database.exists, schemas: [...database.schemas].sort() });
  }
  for (const table of snowflake.tables) sf[`table:${displayName(table)}`] = hash(table);

  const settings = hash(request);
  const fingerprint = createHash('sha256')
    .update(canonical({ unityCatalog, snowflake: sf, settings }))
    .digest('hex');
  return { fingerprint, unityCatalog, snowflake: sf, settings };
}

/** What differs between the state a plan was reviewed on and the state now. */
export function planStateChanges(reviewed: PlanStateDigest, now: PlanStateDigest): PlanStateChanges {
  return {
    unityCatalog: itemChanges(reviewed.unityCatalog, now.unityCatalog),
    snowflake: itemChanges(reviewed.snowflake, now.snowflake),
    settingsChanged: reviewed.settings !== now.settings,
  };
}

function itemChanges(before: Record<string, string>, after: Record<string, string>): ItemChanges {
  const changes: ItemChanges = { added: [], removed: [], changed: [] };
  for (const [key, value] of Object.entries(after)) {
    if (!(key in before)) changes.added.push(key);
    else if (before[key] !== value) changes.changed.push(key);
  }
  for (const key of Object.keys(before)) if (!(key in after)) changes.removed.push(key);
  for (const list of Object.values(changes)) list.sort();
  return changes;
}

function hash(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted, so equal values hash equal whatever the order they were built in. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
