import type { TableInfo, TagAssignment } from '../databricks/unity-catalog-types.js';
import type { MirrorSettings } from './mirror-settings.js';
import { compileTableGlobs } from './table-glob.js';

/** Why a Unity Catalog table is not mirrored. */
export type SkipCode =
  | 'NOT_A_TABLE'
  | 'NOT_ICEBERG_READABLE'
  | 'NO_TABLE_ID'
  | 'NOT_INCLUDED'
  | 'EXCLUDED'
  | 'OPTED_OUT'
  | 'NOT_OPTED_IN'
  | 'NAME_CONFLICT'
  | 'INTEGRATION_CONFLICT'
  | 'DUPLICATE_TARGET'
  /** d2s's principal may not read it (or its schema / catalog): the reason names the privilege to grant. */
  | 'PERMISSION_DENIED'
  /** The integration's principal lacks EXTERNAL USE SCHEMA, so Snowflake would get no storage credentials. */
  | 'NO_EXTERNAL_USE';

/** Skips that come from missing privileges: the table may still exist, so its mirror is never dropped for them. */
export const PERMISSION_SKIPS: ReadonlySet<SkipCode> = new Set(['PERMISSION_DENIED', 'NO_EXTERNAL_USE']);

export type Readability =
  { readable: true; format: 'ICEBERG' | 'UNIFORM' } | { readable: false; code: SkipCode; reason: string };

const VIEW_TYPES = new Set(['VIEW', 'MATERIALIZED_VIEW', 'METRIC_VIEW']);

/**
 * Whether Snowflake can read the table through the Iceberg REST catalog: a
 * managed or foreign Iceberg table, or a Delta table with Iceberg reads
 * (UniForm: `delta.universalFormat.enabledFormats` contains `iceberg`).
 */
export function icebergReadability(table: TableInfo): Readability {
  const type = (table.table_type ?? '').toUpperCase();
  if (VIEW_TYPES.has(type)) {
    return {
      readable: false,
      code: 'NOT_A_TABLE',
      reason: `${type === 'VIEW' ? 'a view' : `a ${type.toLowerCase().replaceAll('_', ' ')}`}: only tables can be mirrored`,
    };
  }
  const format = (table.data_source_format ?? '').toUpperCase();
  if (format === 'ICEBERG') return { readable: true, format: 'ICEBERG' };
  if (format === 'DELTA_UNIFORM_ICEBERG') return { readable: true, format: 'UNIFORM' };
  if (format === 'DELTA') {
    const formats = (table.properties?.['delta.universalFormat.enabledFormats'] ?? '')
      .split(',')
      .map((f) => f.trim().toLowerCase());
    if (formats.includes('iceberg')) return { readable: true, format: 'UNIFORM' };
    return {
      readable: false,
      code: 'NOT_ICEBERG_READABLE',
      reason:
        "a Delta table without Iceberg reads: enable UniForm (delta.universalFormat.enabledFormats = 'iceberg') to mirror it",
    };
  }
  return {
    readable: false,
    code: 'NOT_ICEBERG_READABLE',
    reason: `format ${format === '' ? 'unknown' : format} cannot be read as Iceberg`,
  };
}

/** Tag assignments as a key → value map (a key-only tag has the value ''). */
export function tagMap(assignments: readonly TagAssignment[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const assignment of assignments) tags[assignment.tag_key] = assignment.tag_value ?? '';
  return tags;
}

/**
 * Sync-tag values that opt a table out, case and spaces ignored. databricks-uniform-sync documents
 * `'snowflake_uniform_sync' = 'false'` (its README); `no` is accepted too, as people write it. d2s never
 * overwrites an opt-out when it writes discovery tags.
 */
export const OPT_OUT_VALUES: ReadonlySet<string> = new Set(['false', 'no']);

export function isOptOut(value: string | undefined): boolean {
  return value !== undefined && OPT_OUT_VALUES.has(value.trim().toLowerCase());
}

export type Selection = { selected: true } | { selected: false; code: SkipCode; reason: string };

/** A compiled include/exclude filter. */
export interface TableFilter {
  /** The include/exclude verdict on a full name, before tags are read. */
  byName(fullName: string): Selection;
  /** The verdict of the sync tag. */
  byTags(tags: Readonly<Record<string, string>>): Selection;
}

export function tableFilter(settings: Pick<MirrorSettings, 'include' | 'exclude' | 'tags'>): TableFilter {
  const included = compileTableGlobs(settings.include);
  const excluded = compileTableGlobs(settings.exclude);
  const syncTag = settings.tags.sync;
  return {
    byName(fullName) {
      if (settings.include.length > 0 && !included(fullName)) {
        return { selected: false, code: 'NOT_INCLUDED', reason: 'matches no mirror.include pattern' };
      }
      if (excluded(fullName)) return { selected: false, code: 'EXCLUDED', reason: 'matches a mirror.exclude pattern' };
      return { selected: true };
    },
    byTags(tags) {
      const raw = tags[syncTag];
      if (isOptOut(raw)) return { selected: false, code: 'OPTED_OUT', reason: `tagged ${syncTag} = '${raw}'` };
      const value = raw?.trim().toLowerCase();
      if (settings.tags.requireOptIn && value !== 'true') {
        return {
          selected: false,
          code: 'NOT_OPTED_IN',
          reason: `not tagged ${syncTag} = 'true' (mirror.tags.requireOptIn is on)`,
        };
      }
      return { selected: true };
    },
  };
}
