import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DatabricksEmulatorAdmin } from './admin/admin-api.js';
import { ADMIN_PREFIX, adminRoutes } from './admin/routes.js';
import {
  DatabricksApiError,
  databricksErrors,
  IcebergRestError,
  icebergErrors,
  OAuthError,
  ProxyErrorPage,
} from './errors.js';
import type { FaultDecision } from './faults.js';
import { parseJsonBody, type Reply, type RequestContext, type Route, Router } from './http/router.js';
import { icebergRoutes } from './iceberg/routes.js';
import { jobPermissionRoutes } from './jobs/permission-routes.js';
import { jobsRoutes } from './jobs/routes.js';
import { jobUpdateRoutes } from './jobs/update-route.js';
import { notificationDestinationRoutes } from './notification-destinations/routes.js';
import { oidcRoutes } from './oidc-routes.js';
import { scimRoutes } from './scim/routes.js';
import { sqlRoutes } from './sql/routes.js';
import type { RequestLogEntry } from './request-log.js';
import { unityCatalogRoutes } from './unity-catalog/routes.js';
import type { Workspace } from './workspace.js';

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Builds the route table for a workspace. */
export function buildRouter(workspace: Workspace, admin: DatabricksEmulatorAdmin): Router {
  const router = new Router();
  router.add(
    ...oidcRoutes(workspace.auth),
    ...jobsRoutes({
      registry: workspace.runs,
      workspaceId: workspace.workspaceId,
      runsGetPageSize: () => workspace.settings.runs_get_page_size,
      ownerName: workspace.userName,
    }),
    ...jobPermissionRoutes({ registry: workspace.runs, ownerName: workspace.userName }),
    ...scimRoutes({ auth: workspace.auth, workspaceUserName: workspace.userName }),
    ...jobUpdateRoutes({
      registry: workspace.runs,
      destinations: workspace.notificationDestinations,
      ownerName: workspace.userName,
    }),
    ...notificationDestinationRoutes(workspace.notificationDestinations),
    ...unityCatalogRoutes({
      store: workspace.catalog,
      access: workspace.access,
      emptyTokenOnLastPage: () => workspace.settings.empty_string_last_page_token,
      render: { metastoreId: workspace.metastoreId, owner: workspace.userName },
      pageSettings: () => ({
        cap: workspace.settings.list_page_size_cap,
        defaultSize: workspace.settings.list_default_page_size,
        emptyPageEvery: workspace.settings.empty_page_every,
      }),
      now: () => workspace.clock.now(),
    }),
    ...icebergRoutes({
      store: workspace.catalog,
      access: workspace.access,
      now: () => workspace.clock.now(),
      emptyPageEvery: () => workspace.settings.iceberg_empty_page_every,
    }),
    ...sqlRoutes({
      warehouses: workspace.warehouses,
      statements: workspace.statements,
      chunkRows: () => workspace.settings.statement_chunk_rows,
    }),
    ...adminRoutes(admin),
  );
  return router;
}

/**
 * The HTTP front door. Per request: match a route → injected fault (latency / error before the
 * handler) → bearer auth → handler → fault "after" (the handler ran but the response is lost)
 * → response → request log.
 */
export function createDatabricksServer(workspace: Workspace, router: Router): Server {
  return createServer((req, res) => {
    handle(workspace, router, req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, databricksErrors.internalError(String(error)).toBody());
      else res.destroy();
    });
  });
}

async function handle(workspace: Workspace, router: Router, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = Date.now();
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const path = url.pathname;
  const rawBody = await readBody(req);
  const host = req.headers.host ?? `127.0.0.1:${(req.socket.localPort ?? 0).toString()}`;
  const match = router.match(method, path);
  const route = match?.route;
  const entry: RequestLogEntry = {
    time: workspace.clock.now(),
    method,
    path,
    query: Object.fromEntries(url.searchParams.entries()),
    route: route?.name ?? '',
    status: 0,
    durationMs: 0,
  };
  const ctx: RequestContext = {
    method,
    path,
    query: url.searchParams,
    headers: req.headers,
    params: match?.params ?? {},
    rawBody,
    json: () => parseJsonBody(rawBody),
    baseUrl: `http://${host}`,
    note: {},
  };

  let reply: Reply;
  let fault: FaultDecision | undefined;
  try {
    if (!route) throw databricksErrors.endpointNotFound(method, path.replace(/^\/api/, ''));
    if (route.family !== 'admin') {
      fault = workspace.faults.takeHttp(route.name, method);
      if (fault) entry.fault = `#${fault.faultId}`;
      if (fault && fault.latencyMs > 0) await sleep(fault.latencyMs);
      if (fault?.error && fault.when === 'before') throw fault.error;
      const wait = workspace.rateLimits.admit(route.name);
      if (wait !== undefined) {
        entry.rateLimited = true;
        throw route.family === 'iceberg'
          ? new IcebergRestError(
              429,
              'TooManyRequestsException',
              'Too many requests. Please wait a moment and try again.',
            )
          : databricksErrors.tooManyRequests(wait);
      }
    }
    if (route.authenticated) authenticate(workspace, route, ctx, entry);
    reply = await route.handler(ctx);
    if (fault?.error && fault.when === 'after') throw fault.error;
  } catch (error) {
    reply = errorReply(error, route);
  }

  Object.assign(entry, ctx.note);
  entry.status = reply.status;
  entry.durationMs = Date.now() - started;
  if (!path.startsWith(ADMIN_PREFIX)) workspace.requestLog.add(entry);
  const headers = { 'x-databricks-org-id': String(workspace.workspaceId), ...(reply.headers ?? {}) };
  if (reply.html !== undefined) {
    // A proxy's page: no Databricks headers, text/html.
    const html = method === 'HEAD' ? '' : reply.html;
    res.writeHead(reply.status, {
      'content-type': 'text/html',
      'content-length': Buffer.byteLength(html),
      ...(reply.headers ?? {}),
    });
    res.end(html);
    return;
  }
  send(res, reply.status, method === 'HEAD' ? undefined : reply.body, headers);
}

function authenticate(workspace: Workspace, route: Route, ctx: RequestContext, entry: RequestLogEntry): void {
  const header = ctx.headers.authorization;
  const result = workspace.auth.authenticate(typeof header === 'string' ? header : undefined);
  if (result.ok) {
    ctx.principal = result.principal;
    entry.auth = result.principal.kind;
    return;
  }
  if (route.family === 'iceberg') {
    throw icebergErrors.notAuthorized(
      result.reason === 'missing'
        ? 'Not authorized: missing bearer token.'
        : 'Not authorized: invalid or expired access token.',
    );
  }
  throw result.reason === 'missing' ? databricksErrors.credentialMissing() : databricksErrors.invalidAccessToken();
}

function errorReply(error: unknown, route: Route | undefined): Reply {
  if (error instanceof ProxyErrorPage) return { status: error.status, html: error.toHtml(), headers: error.headers };
  if (error instanceof DatabricksApiError)
    return { status: error.status, body: error.toBody(), headers: error.headers };
  if (error instanceof IcebergRestError) return { status: error.status, body: error.toBody() };
  if (error instanceof OAuthError) return { status: error.status, body: error.toBody() };
  const message = error instanceof Error ? error.message : String(error);
  if (route?.family === 'iceberg') {
    return { status: 500, body: new IcebergRestError(500, 'InternalServerError', message).toBody() };
  }
  return { status: 500, body: databricksErrors.internalError(message).toBody() };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = body === undefined || status === 204 ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
    ...headers,
  });
  res.end(payload);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw databricksErrors.malformedRequest('Request body too large.');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
