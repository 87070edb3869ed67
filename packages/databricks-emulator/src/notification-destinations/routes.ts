import type { Route } from '../http/router.js';
import { pageOf, parseLimit } from '../jobs/list-pages.js';
import { type NotificationDestinationStore, renderDestination } from './store.js';

const BASE = '/api/2.0/notification-destinations';

/** Create, list (page_size / page_token → results, next_page_token), get and delete. */
export function notificationDestinationRoutes(store: NotificationDestinationStore): Route[] {
  const route = (method: Route['method'], pattern: string, name: string, handler: Route['handler']): Route => ({
    method,
    pattern,
    name: `notification-destinations/${name}`,
    family: 'databricks',
    authenticated: true,
    handler,
  });
  return [
    route('POST', BASE, 'create', (ctx) => ({ status: 200, body: renderDestination(store.create(ctx.json())) })),
    route('GET', BASE, 'list', (ctx) => {
      const size = parseLimit(ctx.query.get('page_size'), { max: 100, default: 20, zeroMeans: 20 });
      const page = pageOf(store.list(), size, ctx.query.get('page_token'), 'notification-destinations');
      const body: Record<string, unknown> = {};
      if (page.items.length > 0)
        body.results = page.items.map((d) => ({ id: d.id, display_name: d.displayName, destination_type: d.type }));
      if (page.nextPageToken) body.next_page_token = page.nextPageToken;
      return { status: 200, body };
    }),
    route('GET', `${BASE}/:id`, 'get', (ctx) => ({
      status: 200,
      body: renderDestination(store.get(ctx.params.id ?? '')),
    })),
    route('DELETE', `${BASE}/:id`, 'delete', (ctx) => {
      store.delete(ctx.params.id ?? '');
      return { status: 200, body: {} };
    }),
  ];
}
