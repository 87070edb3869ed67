/**
 * Token pagination as Unity Catalog (and the Iceberg REST catalog) do it:
 * - no page size and no token: everything, no token (UC's deprecated unpaginated call);
 * - size 0: the server's default size; size > 0: min(size, cap); negative: invalid;
 * - tokens are opaque and key-based (the last key returned), so tables added or dropped
 *   between pages neither repeat nor skip others;
 * - with `emptyPageEvery = n`, every n-th page is empty but still carries a token, as the
 *   real API may do ("a page may contain zero results while still providing a next_page_token").
 */
export interface PageRequest {
  size: string | null;
  token: string | null;
}

export interface PageSettings {
  cap: number;
  defaultSize: number;
  emptyPageEvery: number;
  /** Ties a token to one listing (e.g. 'tables:main.sales'). */
  scope: string;
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

interface TokenState {
  s: string;
  a: string | null;
  p: number;
}

export function paginate<T>(
  sorted: T[],
  keyOf: (item: T) => string,
  request: PageRequest,
  settings: PageSettings,
  invalid: (message: string) => Error,
): Page<T> {
  let size: number | undefined;
  if (request.size !== null && request.size !== '') {
    if (!/^-?\d+$/.test(request.size)) throw invalid(`Invalid page size '${request.size}'.`);
    const n = Number(request.size);
    if (n < 0) throw invalid('max_results must be greater than or equal to 0.');
    size = n === 0 ? settings.defaultSize : Math.min(n, settings.cap);
  }
  if (size === undefined && !request.token) return { items: sorted };
  size ??= settings.defaultSize;

  const state: TokenState = request.token
    ? decode(request.token, settings.scope, invalid)
    : { s: settings.scope, a: null, p: 0 };
  const after = state.a;
  const remaining = after === null ? sorted : sorted.filter((item) => keyOf(item) > after);
  if (settings.emptyPageEvery > 0 && (state.p + 1) % settings.emptyPageEvery === 0 && remaining.length > 0) {
    return { items: [], nextPageToken: encode({ s: settings.scope, a: after, p: state.p + 1 }) };
  }
  const items = remaining.slice(0, size);
  const last = items[items.length - 1];
  if (remaining.length > size && last !== undefined) {
    return { items, nextPageToken: encode({ s: settings.scope, a: keyOf(last), p: state.p + 1 }) };
  }
  return { items };
}

function encode(state: TokenState): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
}

function decode(token: string, scope: string, invalid: (message: string) => Error): TokenState {
  try {
    const state = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenState>;
    if (state.s === scope && typeof state.p === 'number' && (state.a === null || typeof state.a === 'string')) {
      return { s: state.s, a: state.a, p: state.p };
    }
  } catch {
    // fall through
  }
  throw invalid(`Invalid page token: ${token}`);
}
