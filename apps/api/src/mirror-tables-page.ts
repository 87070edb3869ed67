import { type MirrorTableState, type MirrorTableStatus, RequestError } from '@d2s/shared';
import { z } from 'zod';

export const MIRROR_TABLE_STATUSES = [
  'mirrored',
  'failed',
  'skipped',
  'dropped',
] as const satisfies readonly MirrorTableStatus[];

/**
 * GET /v1/mirror/tables: without `limit`, every matching table at once (what the CLI reads); with it, a
 * page in a stable order (Unity Catalog name, then table id) and the cursor of the next page.
 */
export const MirrorTablesQuery = z.strictObject({
  /** Case-insensitive text in the Unity Catalog name, the Snowflake name or the table id. */
  search: z.string().trim().max(200, 'at most 200 characters').optional(),
  status: z.enum(MIRROR_TABLE_STATUSES).optional(),
  /** Tables per page; without it, every match at once. */
  limit: z.coerce.number().int().min(1).max(500).optional(),
  /** From the previous page's `nextCursor`; needs `limit`. */
  cursor: z.string().min(1).max(1000).optional(),
});
export type MirrorTablesQuery = z.infer<typeof MirrorTablesQuery>;

export interface MirrorTablesPage {
  items: MirrorTableState[];
  /** Tables matching search and status, on every page together. */
  total: number;
  /** Tables matching the search, by status (the status filter aside), so a filter can show its counts. */
  counts: Record<MirrorTableStatus, number>;
  /** The next page's cursor; null on the last page (and without `limit`). */
  nextCursor: string | null;
}

/** Where a page starts: after this table, in the list's order. Keyset, so added or removed tables shift nothing. */
interface Position {
  name: string;
  id: string;
}

const compare = (a: Position, b: Position) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
const positionOf = (t: MirrorTableState): Position => ({ name: t.uc.fullName, id: t.tableId });

export function encodeMirrorCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.name, position.id])).toString('base64url');
}

function decodeCursor(cursor: string): Position {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) {
      return { name: value[0] as string, id: value[1] as string };
    }
  } catch {
    // falls through to the coded error
  }
  throw new RequestError('INVALID_CURSOR', 400, 'The cursor is not one this API returned (use nextCursor as it is).', {
    details: { cursor },
  });
}

/** Filters, counts and pages the mirror's tables (all read at once from one Redis hash). */
export function pageMirrorTables(tables: readonly MirrorTableState[], query: MirrorTablesQuery): MirrorTablesPage {
  if (query.cursor !== undefined && query.limit === undefined) {
    throw new RequestError('INVALID_REQUEST', 400, 'Invalid query: cursor: a cursor pages, so give limit with it', {
      details: { issues: [{ path: 'query.cursor', message: 'a cursor pages, so give limit with it' }] },
    });
  }
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const needle = query.search?.toLowerCase() ?? '';
  const found = needle
    ? tables.filter(
        (t) =>
          t.uc.fullName.toLowerCase().includes(needle) ||
          t.tableId.toLowerCase().includes(needle) ||
          (t.snowflake?.qualifiedName.toLowerCase().includes(needle) ?? false),
      )
    : [...tables];
  const counts = Object.fromEntries(MIRROR_TABLE_STATUSES.map((s) => [s, 0])) as Record<MirrorTableStatus, number>;
  for (const t of found) if (Object.hasOwn(counts, t.status)) counts[t.status] += 1;
  const matching = (query.status ? found.filter((t) => t.status === query.status) : found).sort((a, b) =>
    compare(positionOf(a), positionOf(b)),
  );
  if (query.limit === undefined) return { items: matching, total: matching.length, counts, nextCursor: null };

  const start = after ? matching.findIndex((t) => compare(positionOf(t), after) > 0) : 0;
  const items = start < 0 ? [] : matching.slice(start, start + query.limit);
  const last = items.at(-1);
  const more = start >= 0 && start + query.limit < matching.length;
  return {
    items,
    total: matching.length,
    counts,
    nextCursor: more && last ? encodeMirrorCursor(positionOf(last)) : null,
  };
}
