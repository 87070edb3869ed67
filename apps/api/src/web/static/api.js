// The d2s API as the page calls it: the token (this tab's sessionStorage), the
// bearer header on every /v1 call, error bodies as ApiError, and one place that
// handles a 401 (the token was refused: forget it and ask again).

const TOKEN_KEY = 'd2s.apiToken';

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const token = () => sessionStorage.getItem(TOKEN_KEY) ?? '';
export const rememberToken = (value) => sessionStorage.setItem(TOKEN_KEY, value);
export const forgetToken = () => sessionStorage.removeItem(TOKEN_KEY);

let unauthorized = () => {};

/** What happens when the API refuses the token; app.js signs out. */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

/** The page reports a refused token here, from a JSON call or an event stream alike. */
export function tokenRefused() {
  unauthorized('The API token was not accepted. Enter it again.');
}

export function authHeaders(extra = {}) {
  return { authorization: `Bearer ${token()}`, ...extra };
}

/**
 * A link from an API answer that the page may call with the token: a path on
 * this API, never another origin (a link is data, and the token must not leave).
 */
export function apiPath(link) {
  return typeof link === 'string' && link.startsWith('/v1/') && !link.startsWith('//') ? link : undefined;
}

export const BACKFILL_ID = /^backfill_[0-9a-f]{26}$/;

/** The backfill a sync belongs to, from its origin (`backfill:<id>`); undefined for other syncs. */
export function backfillOf(sync) {
  const origin = typeof sync?.origin === 'string' ? sync.origin : '';
  const id = origin.startsWith('backfill:') ? origin.slice('backfill:'.length) : '';
  return BACKFILL_ID.test(id) ? id : undefined;
}

export async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      cache: 'no-store',
      headers: authHeaders({
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      }),
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    throw new ApiError(0, 'NETWORK_ERROR', `The API did not answer (${error.message}).`);
  }
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (response.status === 401) {
    tokenRefused();
    throw new ApiError(401, data?.error?.code ?? 'UNAUTHENTICATED', data?.error?.message ?? 'Not authenticated');
  }
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new ApiError(
      response.status,
      error.code ?? `HTTP_${response.status}`,
      error.message ?? (response.statusText || 'Request failed'),
      error.details,
    );
  }
  return data;
}
