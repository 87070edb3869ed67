import { databricksErrors } from '../errors.js';

/**
 * Offset paging behind an opaque token, as jobs/list and jobs/runs/list page (`limit`, `page_token`,
 * `next_page_token`, `prev_page_token`, `has_more`). The token names the listing it belongs to, so a token
 * from another listing is refused instead of silently read.
 */
export interface ListPage<T> {
  items: T[];
  hasMore: boolean;
  nextPageToken?: string;
  prevPageToken?: string;
}

export function pageOf<T>(items: T[], limit: number, token: string | null, scope: string): ListPage<T> {
  const offset = token ? decode(token, scope) : 0;
  const page = items.slice(offset, offset + limit);
  const hasMore = offset + limit < items.length;
  const result: ListPage<T> = { items: page, hasMore };
  if (hasMore) result.nextPageToken = encode(scope, offset + limit);
  if (offset > 0) result.prevPageToken = encode(scope, Math.max(0, offset - limit));
  return result;
}

/** Parses `limit`: an integer in 1..max, `default` when absent; `zeroMeans` when 0 is allowed. */
export function parseLimit(raw: string | null, options: { max: number; default: number; zeroMeans?: number }): number {
  if (raw === null || raw === '') return options.default;
  const n = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (n === 0 && options.zeroMeans !== undefined) return options.zeroMeans;
  if (!Number.isSafeInteger(n) || n < 1 || n > options.max) {
    throw databricksErrors.invalidParameter(`The limit must be greater than 0 and at most ${options.max}, got ${raw}.`);
  }
  return n;
}

function encode(scope: string, offset: number): string {
  return Buffer.from(JSON.stringify({ s: scope, o: offset })).toString('base64url');
}

function decode(token: string, scope: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: unknown; o?: unknown };
    if (parsed.s === scope && typeof parsed.o === 'number' && Number.isSafeInteger(parsed.o) && parsed.o >= 0)
      return parsed.o;
  } catch {
    // fall through
  }
  throw databricksErrors.invalidParameter(`Invalid page_token: ${token}`);
}
