import { DatabricksError, DatabricksNotFoundError, DatabricksPermissionError } from '../databricks/errors.js';
import type { TagAssignmentWrite } from '../databricks/unity-catalog-api.js';
import type { TagAssignment } from '../databricks/unity-catalog-types.js';
import { isD2sError } from '../errors.js';
import { mapWithConcurrency } from './concurrency.js';
import { type DiscoveryOptions, discoverTables, type UnityCatalogReader } from './discovery.js';
import { isOptOut, type SkipCode, tagMap } from './eligibility.js';
import type { MirrorScope } from './mirror-action.js';
import type { MirrorSettings } from './mirror-settings.js';

/** The part of the Unity Catalog client that writes tags (entity tag assignments). */
export interface UnityCatalogTagWriter {
  createTagAssignment(assignment: TagAssignmentWrite): Promise<unknown>;
  updateTagAssignment(assignment: TagAssignmentWrite): Promise<unknown>;
  deleteTagAssignment(assignment: Omit<TagAssignmentWrite, 'tag_value'>): Promise<void>;
}

/**
 * What happens to one table's sync tag: `add` (eligible, untagged), `update` (eligible, another value),
 * `remove` (no longer eligible, still tagged), `unchanged`, or `opted-out` (the user's opt-out, never touched).
 */
export type DiscoveryTagChangeKind = 'add' | 'update' | 'remove' | 'unchanged' | 'opted-out';

export interface DiscoveryTagChange {
  fullName: string;
  tableId?: string;
  kind: DiscoveryTagChangeKind;
  /** The tag's value now; absent when it is not assigned. */
  current?: string;
  /** The value d2s writes (add, update). */
  value?: string;
  reason: string;
  /** After a real run: whether the write happened. Absent for a dry run and for changes with nothing to write. */
  status?: 'applied' | 'failed' | 'skipped';
  error?: { code: string; message: string };
}

export type DiscoveryTagSummary = Record<DiscoveryTagChangeKind, number> & { failed: number };

/** The discovery tags d2s writes (or would write, on a dry run), read like a plan. */
export interface DiscoveryTagResult {
  /** The sync tag (mirror.tags.sync). */
  tag: string;
  dryRun: boolean;
  summary: DiscoveryTagSummary;
  /** Every table with a verdict, in name order. */
  changes: DiscoveryTagChange[];
  stats: { ucTablesSeen: number; databricksRequests: number; writes: number };
}

/** The value d2s writes on every eligible table: what planning reads as an opt-in. */
export const DISCOVERY_TAG_VALUE = 'true';

/**
 * Skips after which a table d2s once tagged is no longer eligible: its tag is removed. Not the permission
 * skips (the table may well still be eligible), not views (never tagged), not opt-outs (the user's).
 */
const NO_LONGER_ELIGIBLE: ReadonlySet<SkipCode> = new Set(['NOT_ICEBERG_READABLE', 'NOT_INCLUDED', 'EXCLUDED']);

/**
 * Which tables get the sync tag, and which lose it: discovery decides eligibility exactly as planning does
 * (format, include/exclude, tags); the tags discovery reads are kept, so an eligible table costs no second read.
 * Tables no longer eligible have their tags read here (one request each) to find a stale `true`.
 *
 * Only the sync tag is written. databricks-uniform-sync also writes `snowflake_database/schema/table` with the
 * default names; d2s reads those as the user's overrides, so writing them would pin today's names and a later
 * change of mirror.catalogs[].database or schemaMap would no longer apply.
 */
export async function planDiscoveryTags(
  uc: UnityCatalogReader,
  settings: Pick<MirrorSettings, 'catalogs' | 'include' | 'exclude' | 'tags' | 'integrationPer' | 'integrationPrefix'>,
  scope: MirrorScope = {},
  options: Omit<DiscoveryOptions, 'integrationPrincipal'> = {},
): Promise<DiscoveryTagResult> {
  const syncTag = settings.tags.sync;
  const read = new Map<string, Record<string, string>>();
  const recording: UnityCatalogReader = {
    listSchemas: (catalog) => uc.listSchemas(catalog),
    listTables: (catalog, schema, o) => uc.listTables(catalog, schema, o),
    listTableTags: async (fullName, o) => {
      const assignments: TagAssignment[] = await uc.listTableTags(fullName, o);
      read.set(fullName, tagMap(assignments));
      return assignments;
    },
  };
  const discovered = await discoverTables(recording, settings, scope, options);
  const changes: DiscoveryTagChange[] = [];

  for (const desired of discovered.tables) {
    const { table } = desired;
    const fullName = `${table.catalog}.${table.schema}.${table.name}`;
    const current = read.get(fullName)?.[syncTag];
    const base = { fullName, tableId: table.tableId };
    if (current === undefined) {
      changes.push({ ...base, kind: 'add', value: DISCOVERY_TAG_VALUE, reason: 'eligible and not tagged' });
    } else if (current === DISCOVERY_TAG_VALUE) {
      changes.push({ ...base, kind: 'unchanged', current, reason: 'eligible and tagged' });
    } else {
      changes.push({
        ...base,
        kind: 'update',
        current,
        value: DISCOVERY_TAG_VALUE,
        reason: `eligible; tagged '${current}'`,
      });
    }
  }

  const stale: Array<{ fullName: string; tableId?: string; reason: string }> = [];
  for (const skip of discovered.skipped) {
    const base = { fullName: skip.fullName, ...(skip.tableId ? { tableId: skip.tableId } : {}) };
    if (skip.code === 'OPTED_OUT') {
      changes.push({ ...base, kind: 'opted-out', current: read.get(skip.fullName)?.[syncTag], reason: skip.reason });
    } else if (NO_LONGER_ELIGIBLE.has(skip.code) && !settings.tags.requireOptIn) {
      // With requireOptIn, a 'true' is the user's own opt-in: d2s leaves it be.
      stale.push({ ...base, reason: skip.reason });
    }
  }
  let requests = discovered.calls;
  const tagged = await mapWithConcurrency(stale, options.concurrency ?? 8, async (table) => {
    requests++;
    try {
      const tags = tagMap(await uc.listTableTags(table.fullName, options.signal ? { signal: options.signal } : {}));
      return { table, current: tags[syncTag] };
    } catch (error) {
      // A tag d2s cannot read is a tag it cannot judge: left alone.
      if (error instanceof DatabricksPermissionError || error instanceof DatabricksNotFoundError) {
        return { table, current: undefined };
      }
      throw error;
    }
  });
  for (const { table, current } of tagged) {
    if (current === undefined || isOptOut(current)) continue;
    changes.push({ ...table, kind: 'remove', current, reason: `no longer eligible: ${table.reason}` });
  }

  changes.sort((a, b) => (a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0));
  return {
    tag: syncTag,
    dryRun: true,
    summary: summarize(changes),
    changes,
    stats: { ucTablesSeen: discovered.tablesSeen, databricksRequests: requests, writes: 0 },
  };
}

export interface ApplyDiscoveryTagsOptions {
  /** Tag writes in flight at once. @defaultValue 8 */
  concurrency?: number;
  /** Who d2s writes as, named in "grant APPLY TAG … to <principal>". */
  principal?: string;
}

/**
 * Writes a tag plan: create, update (PATCH tag_value) or delete, one request per table, the tables at once up
 * to `concurrency`. A table whose write fails (APPLY TAG missing, say) is reported and the others go on.
 * Before changing an existing value the tag is read again, so an opt-out set since the plan is never overwritten.
 */
export async function applyDiscoveryTags(
  uc: Pick<UnityCatalogReader, 'listTableTags'> & UnityCatalogTagWriter,
  plan: DiscoveryTagResult,
  options: ApplyDiscoveryTagsOptions = {},
): Promise<DiscoveryTagResult> {
  const who = options.principal ?? "d2s's Databricks principal";
  let writes = 0;
  let requests = plan.stats.databricksRequests;
  const ref = (fullName: string) => ({ entity_type: 'tables' as const, entity_name: fullName, tag_key: plan.tag });
  const currentValue = async (fullName: string) => {
    requests++;
    return tagMap(await uc.listTableTags(fullName))[plan.tag];
  };

  const changes = await mapWithConcurrency(plan.changes, options.concurrency ?? 8, async (change) => {
    if (change.kind === 'unchanged' || change.kind === 'opted-out') return change;
    try {
      if (change.kind === 'remove') {
        writes++;
        requests++;
        await uc.deleteTagAssignment(ref(change.fullName)).catch((error: unknown) => {
          if (!(error instanceof DatabricksNotFoundError)) throw error; // gone already: what was wanted
        });
        return { ...change, status: 'applied' as const };
      }
      const assignment = { ...ref(change.fullName), tag_value: DISCOVERY_TAG_VALUE };
      if (change.kind === 'add') {
        try {
          writes++;
          requests++;
          await uc.createTagAssignment(assignment);
          return { ...change, status: 'applied' as const };
        } catch (error) {
          // Someone tagged it since the plan: judge the value they set, as for an update.
          if (!(error instanceof DatabricksError && error.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw error;
        }
      }
      const now = await currentValue(change.fullName);
      if (isOptOut(now)) {
        return {
          ...change,
          kind: 'opted-out' as const,
          current: now,
          status: 'skipped' as const,
          reason: `tagged '${now}' since the plan`,
        };
      }
      if (now === DISCOVERY_TAG_VALUE) return { ...change, status: 'applied' as const };
      writes++;
      requests++;
      if (now === undefined) await uc.createTagAssignment(assignment);
      else await uc.updateTagAssignment(assignment);
      return { ...change, status: 'applied' as const };
    } catch (error) {
      return { ...change, status: 'failed' as const, error: writeError(error, change.fullName, who) };
    }
  });
  return {
    ...plan,
    dryRun: false,
    summary: summarize(changes),
    changes,
    stats: { ...plan.stats, databricksRequests: requests, writes },
  };
}

function writeError(error: unknown, fullName: string, who: string): { code: string; message: string } {
  if (error instanceof DatabricksPermissionError) {
    return {
      code: 'PERMISSION_DENIED',
      message: `cannot tag ${fullName}: grant APPLY TAG on table ${fullName} to ${who} (${error.message})`,
    };
  }
  if (isD2sError(error)) return { code: error.code, message: error.message };
  return { code: 'INTERNAL_ERROR', message: error instanceof Error ? error.message : String(error) };
}

function summarize(changes: readonly DiscoveryTagChange[]): DiscoveryTagSummary {
  const summary: DiscoveryTagSummary = { add: 0, update: 0, remove: 0, unchanged: 0, 'opted-out': 0, failed: 0 };
  for (const change of changes) {
    summary[change.kind]++;
    if (change.status === 'failed') summary.failed++;
  }
  return summary;
}
