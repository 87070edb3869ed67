import { DatabricksResponseError } from './errors.js';

export interface Page<T> {
  items: readonly T[] | undefined;
  nextPageToken: string | undefined;
}

/**
 * Yields every item of a token-paged listing. A page may be empty and still carry a token, so reading stops only
 * when a page comes back without one. A server that hands back the token it was just given would loop forever;
 * that is reported as an error instead.
 */
export async function* paginate<T>(
  endpoint: string,
  fetchPage: (pageToken: string | undefined) => Promise<Page<T>>,
): AsyncGenerator<T, void, undefined> {
  let pageToken: string | undefined;
  for (;;) {
    const page = await fetchPage(pageToken);
    if (page.items) yield* page.items;
    const next = page.nextPageToken;
    if (next === undefined || next === '') return;
    if (next === pageToken) {
      throw new DatabricksResponseError(
        `Databricks GET ${endpoint} returned the page token it was given; stopped to avoid an endless loop`,
        { endpoint, method: 'GET' },
        { retryable: false },
      );
    }
    pageToken = next;
  }
}

/** Collects an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
