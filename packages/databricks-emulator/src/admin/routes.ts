import { DatabricksApiError, databricksErrors } from '../errors.js';
import { FixtureError } from '../fixture.js';
import type { HttpFaultSpec, RunFaultSpec, SettingsFixture, TableFixture } from '../fixture-types.js';
import type { Handler, Route } from '../http/router.js';
import type { NotificationFaultSpec } from '../notifications/job-notifier.js';
import type { DatabricksEmulatorAdmin } from './admin-api.js';

export const ADMIN_PREFIX = '/__emulator';

/** The admin HTTP API (no auth; loopback only). Errors use Databricks' shape. */
export function adminRoutes(admin: DatabricksEmulatorAdmin): Route[] {
  const route = (method: Route['method'], path: string, name: string, handler: Handler): Route => ({
    method,
    pattern: `${ADMIN_PREFIX}${path}`,
    name: `admin/${name}`,
    family: 'admin',
    authenticated: false,
    handler: async (ctx) => {
      try {
        return await handler(ctx);
      } catch (error) {
        if (error instanceof FixtureError || (error instanceof Error && !(error instanceof DatabricksApiError))) {
          throw databricksErrors.invalidParameter(error.message);
        }
        throw error;
      }
    },
  });
  const ok = (body: unknown) => ({ status: 200, body });

  return [
    route('GET', '/health', 'health', () => ok({ ok: true })),
    route('GET', '/requests', 'requests', (ctx) =>
      ok({
        requests: admin.requests({
          route: ctx.query.get('route') ?? undefined,
          method: ctx.query.get('method') ?? undefined,
          path: ctx.query.get('path') ?? undefined,
        }),
      }),
    ),
    route('DELETE', '/requests', 'requests/clear', () => {
      admin.clearRequests();
      return ok({});
    }),
    route('POST', '/reset', 'reset', async () => {
      await admin.reset();
      return ok({});
    }),
    route('GET', '/faults', 'faults', () => ok(admin.faults())),
    route('POST', '/faults/http', 'faults/http', (ctx) =>
      ok(admin.addHttpFault(ctx.json() as unknown as HttpFaultSpec)),
    ),
    route('POST', '/faults/runs', 'faults/runs', (ctx) => ok(admin.addRunFault(ctx.json() as unknown as RunFaultSpec))),
    route('DELETE', '/faults', 'faults/clear', () => {
      admin.clearFaults();
      return ok({});
    }),
    // Before /faults/:id, which would take `notifications` for an id.
    route('DELETE', '/faults/notifications', 'faults/notifications/clear', () => {
      admin.clearNotificationFaults();
      return ok({});
    }),
    route('DELETE', '/faults/:id', 'faults/remove', (ctx) => ok({ removed: admin.removeFault(Number(ctx.params.id)) })),
    route('POST', '/faults/notifications', 'faults/notifications', (ctx) =>
      ok(admin.addNotificationFault(ctx.json() as unknown as NotificationFaultSpec)),
    ),
    route('GET', '/notifications', 'notifications', () =>
      ok({ notifications: admin.notifications(), faults: admin.notificationFaults() }),
    ),
    route('PATCH', '/notifications/policy', 'notifications/policy', (ctx) =>
      ok(admin.setDeliveryPolicy(ctx.json() as Record<string, number>)),
    ),
    route('POST', '/tokens/expire', 'tokens/expire', () => ok({ expired: admin.expireTokens() })),
    route('GET', '/settings', 'settings', () => ok(admin.settings())),
    route('PUT', '/rate-limits', 'rate-limits', (ctx) => ok(admin.setRateLimits(ctx.json() as Record<string, number>))),
    route('PATCH', '/settings', 'settings/update', (ctx) => ok(admin.updateSettings(ctx.json() as SettingsFixture))),
    route('GET', '/runs', 'runs', () => ok({ runs: admin.runs() })),
    route('POST', '/tables', 'tables/add', async (ctx) => {
      const body = ctx.json();
      const catalog = String(body.catalog_name ?? '');
      const schema = String(body.schema_name ?? '');
      return ok(await admin.addTable(catalog, schema, body.table as TableFixture));
    }),
    route('DELETE', '/tables/:full_name', 'tables/drop', (ctx) => ok(admin.dropTable(ctx.params.full_name ?? ''))),
    route('POST', '/tables/:full_name/rename', 'tables/rename', (ctx) =>
      ok(admin.renameTable(ctx.params.full_name ?? '', String(ctx.json().new_name ?? ''))),
    ),
    route('POST', '/tables/:full_name/rows', 'tables/rows', async (ctx) =>
      ok(await admin.appendRows(ctx.params.full_name ?? '', ctx.json().count)),
    ),
    route('POST', '/tables/:full_name/tags', 'tables/tags', (ctx) => {
      const body = ctx.json();
      admin.setTableTag(
        ctx.params.full_name ?? '',
        String(body.key ?? ''),
        body.value === null ? undefined : String(body.value),
      );
      return ok({});
    }),
  ];
}
