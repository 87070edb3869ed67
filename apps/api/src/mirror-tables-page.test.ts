import { RequestError } from '@d2s/shared';
import { mirrorTableStates } from '@d2s/testkit/mirror-fixtures';
import { describe, expect, it } from 'vitest';
import { encodeMirrorCursor, MirrorTablesQuery, pageMirrorTables } from './mirror-tables-page.js';

const tables = mirrorTableStates(250);
// Stored in hash order, not name order: the page sorts.
const shuffled = [...tables].reverse();
const query = (q: Record<string, string>) => MirrorTablesQuery.parse(q);

describe('pageMirrorTables', () => {
  it('without limit answers every table, sorted by Unity Catalog name, with the total and counts by status', () => {
    const all = pageMirrorTables(shuffled, query({}));
    expect(all.items.map((t) => t.uc.fullName)).toEqual(tables.map((t) => t.uc.fullName));
    expect(all.total).toBe(250);
    expect(all.nextCursor).toBeNull();
    const byStatus = (s: string) => tables.filter((t) => t.status === s).length;
    expect(all.counts).toEqual({
      mirrored: byStatus('mirrored'),
      failed: byStatus('failed'),
      skipped: byStatus('skipped'),
      dropped: byStatus('dropped'),
    });
    expect(all.counts.failed).toBeGreaterThan(0);
  });

  it('pages with a cursor through every table exactly once, in order', () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = pageMirrorTables(shuffled, query({ limit: '40', ...(cursor ? { cursor } : {}) }));
      expect(page.total).toBe(250);
      seen.push(...page.items.map((t) => t.tableId));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(7);
    expect(seen).toEqual(tables.map((t) => t.tableId));
  });

  it('keeps its place when a table before the cursor disappears (keyset, not offset)', () => {
    const first = pageMirrorTables(tables, query({ limit: '10' }));
    const fewer = tables.filter((t) => t.tableId !== first.items[0]!.tableId);
    const second = pageMirrorTables(fewer, query({ limit: '10', cursor: first.nextCursor! }));
    expect(second.items[0]!.uc.fullName).toBe(tables[10]!.uc.fullName);
  });

  it('searches the Unity Catalog name, the Snowflake name and the id, case-insensitively, then filters by status', () => {
    const found = pageMirrorTables(shuffled, query({ search: 'MAIN.S01.T00' }));
    expect(found.items.map((t) => t.uc.fullName)).toEqual(Array.from({ length: 10 }, (_, i) => `main.s01.t00${i}`));
    // Table 199 is main.s01.t099, in Snowflake MAIN_MIRROR.S01.T099.
    expect(pageMirrorTables(tables, query({ search: 'main_mirror.s01.t099' })).items.map((t) => t.tableId)).toEqual([
      tables[199]!.tableId,
    ]);
    expect(pageMirrorTables(tables, query({ search: '000000000007' })).total).toBe(1);
    const failed = pageMirrorTables(shuffled, query({ search: 's01', status: 'failed' }));
    expect(failed.items.every((t) => t.status === 'failed' && t.uc.fullName.startsWith('main.s01.'))).toBe(true);
    expect(failed.total).toBe(failed.items.length);
    // The counts ignore the status filter: they say what each filter would show.
    expect(failed.counts.failed).toBe(failed.total);
    expect(failed.counts.mirrored).toBeGreaterThan(0);
  });

  it('refuses a cursor it did not make, and a cursor without limit', () => {
    const bad = () => pageMirrorTables(tables, query({ limit: '10', cursor: 'not-ours' }));
    expect(bad).toThrow(RequestError);
    expect(bad).toThrow(/cursor is not one this API returned/);
    expect(() => pageMirrorTables(tables, query({ cursor: encodeMirrorCursor({ name: 'a', id: 'b' }) }))).toThrow(
      /give limit with it/,
    );
  });

  it('validates the query: status, limit and unknown parameters', () => {
    expect(MirrorTablesQuery.safeParse({ status: 'gone' }).success).toBe(false);
    expect(MirrorTablesQuery.safeParse({ limit: '0' }).success).toBe(false);
    expect(MirrorTablesQuery.safeParse({ limit: '501' }).success).toBe(false);
    expect(MirrorTablesQuery.safeParse({ limit: 'ten' }).success).toBe(false);
    expect(MirrorTablesQuery.safeParse({ page: '2' }).success).toBe(false);
  });
});
