import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../auth.js';
import { databricksErrors } from '../errors.js';
import type { RequestLogEntry } from '../request-log.js';

/** Which error shape a route answers with, and how it is authenticated. */
export type RouteFamily = 'databricks' | 'iceberg' | 'oauth' | 'admin';

export interface RequestContext {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Path parameters, URL-decoded. */
  params: Record<string, string>;
  rawBody: string;
  /** The body parsed as a JSON object ({} when empty); throws MALFORMED_REQUEST otherwise. */
  json(): Record<string, unknown>;
  principal?: Principal;
  /** http://host:port of the emulator as the client reached it. */
  baseUrl: string;
  /** Annotations for the request log. */
  note: Pick<RequestLogEntry, 'idempotencyToken' | 'jobId' | 'runId'>;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** A text/html page instead of a JSON body (a proxy's error page). */
  html?: string;
  headers?: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** '/api/2.2/jobs/runs/get', with ':name' for one path segment. */
  pattern: string;
  /** Stable name used by faults and the request log, e.g. 'jobs/runs/get'. */
  name: string;
  family: RouteFamily;
  /** Whether a bearer token is required. */
  authenticated: boolean;
  handler: Handler;
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

export class Router {
  private readonly routes: Array<Route & { segments: string[] }> = [];

  add(...routes: Route[]): void {
    for (const route of routes) this.routes.push({ ...route, segments: route.pattern.split('/') });
  }

  match(method: string, path: string): RouteMatch | undefined {
    const segments = path.split('/');
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const params = matchSegments(route.segments, segments);
      if (params) return { route, params };
    }
    return undefined;
  }
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] ?? '';
    const a = actual[i] ?? '';
    if (p.startsWith(':')) {
      if (a === '') return undefined;
      try {
        params[p.slice(1)] = decodeURIComponent(a);
      } catch {
        return undefined;
      }
    } else if (p !== a) {
      return undefined;
    }
  }
  return params;
}

/** Parses a JSON request body into an object, with Databricks' error for anything else. */
export function parseJsonBody(raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw databricksErrors.malformedRequest('Invalid JSON given in the body of the request - failed to parse JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw databricksErrors.malformedRequest('Invalid JSON given in the body of the request - expected a map');
  }
  return value as Record<string, unknown>;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { status, body, headers };
}
