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

/**
 * JSON with object keys sorted, so equal values hash equal whatever the order they were built in. The text is
 * exactly what `JSON.stringify` gives with a replacer that rebuilds each object with its keys sorted (the first
 * form of this function, which saved plans' fingerprints were made with); it is written out directly because that
 * replacer rebuilt every object of a 5,000-table state, about a seventh of a no-op re-plan.
 */
export function canonical(value: unknown): string {
  return serialize(value) as string;
}

/** undefined where JSON.stringify leaves a value out (undefined, a function, a symbol). */
function serialize(input: unknown): string | undefined {
  const value = hasToJson(input) ? input.toJSON() : input;
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    // A loop, not map: map skips an array's holes, which JSON writes as null.
    const items: string[] = [];
    for (let i = 0; i < value.length; i++) items.push(serialize(value[i]) ?? 'null');
    return `[${items.join(',')}]`;
  }
  const object = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of propertyOrder(Object.keys(object).sort(byCodeUnits))) {
    const text = serialize(object[key]);
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

function hasToJson(value: unknown): value is { toJSON(): unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The order a new object built with `keys` (already sorted) lists them in: array-index keys first, ascending. */
function propertyOrder(sorted: string[]): string[] {
  const indexes = sorted.filter(isArrayIndex);
  if (indexes.length === 0) return sorted;
  indexes.sort((a, b) => Number(a) - Number(b));
  return [...indexes, ...sorted.filter((key) => !isArrayIndex(key))];
}

function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9]\d*)$/.test(key) && Number(key) < 4_294_967_295;
}
