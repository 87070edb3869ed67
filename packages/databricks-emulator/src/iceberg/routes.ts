import { randomBytes } from 'node:crypto';
import { icebergErrors } from '../errors.js';
import { paginate } from '../http/pagination.js';
import type { RequestContext, Route } from '../http/router.js';
import type { AccessPolicy } from '../unity-catalog/access-policy.js';
import {
  type CatalogEntry,
  type CatalogStore,
  isIcebergReadable,
  type SchemaEntry,
  type TableEntry,
} from '../unity-catalog/catalog-store.js';
import { DatabricksApiError } from '../errors.js';

export interface IcebergRoutesDeps {
  store: CatalogStore;
  /**
   * Unity Catalog privileges: lists show what the caller may use or read, loading a table needs SELECT on it and
   * USE CATALOG / USE SCHEMA on its parents, vended credentials need EXTERNAL USE SCHEMA on its schema.
   */
  access: AccessPolicy;
  now: () => number;
  /** Every Nth page of a paginated list is empty (0 = never). */
  emptyPageEvery: () => number;
  /** Lifetime of vended credentials. @defaultValue 3600 */
  credentialTtlSeconds?: number;
}

/** The current Iceberg REST catalog endpoint, and the legacy read-only one (same behaviour here). */
export const ICEBERG_REST_BASE = '/api/2.1/unity-catalog/iceberg-rest';
export const ICEBERG_LEGACY_BASE = '/api/2.1/unity-catalog/iceberg';

const ENDPOINTS = [
  'GET /v1/{prefix}/namespaces',
  'GET /v1/{prefix}/namespaces/{namespace}',
  'HEAD /v1/{prefix}/namespaces/{namespace}',
  'GET /v1/{prefix}/namespaces/{namespace}/tables',
  'GET /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}',
];

/**
 * Iceberg REST catalog (Apache Iceberg REST OpenAPI) over Unity Catalog: one warehouse per UC
 * catalog (prefix `catalogs/<catalog>`), one namespace per schema, and only Iceberg-readable
 * tables (UniForm Delta, managed Iceberg). Read-only.
 */
export function icebergRoutes(deps: IcebergRoutesDeps): Route[] {
  return [ICEBERG_REST_BASE, ICEBERG_LEGACY_BASE].flatMap((base) => routesUnder(base, deps));
}

function routesUnder(base: string, deps: IcebergRoutesDeps): Route[] {
  const { store } = deps;
  const label = base === ICEBERG_REST_BASE ? 'iceberg-rest' : 'iceberg';
  const route = (method: Route['method'], path: string, name: string, handler: Route['handler']): Route => ({
    method,
    pattern: `${base}${path}`,
    name: `${label}/${name}`,
    family: 'iceberg',
    authenticated: true,
    handler,
  });
  const principalOf = (ctx: RequestContext) => ctx.principal?.name ?? '';
  const lookUpCatalog = (name: string): CatalogEntry => {
    try {
      return store.getCatalog(name);
    } catch {
      throw icebergErrors.noSuchWarehouse(name);
    }
  };
  /** The warehouse (a catalog) the caller may use: USE CATALOG or ownership. */
  const catalogOf = (ctx: RequestContext): CatalogEntry => {
    const catalog = lookUpCatalog(ctx.params.catalog ?? '');
    forbiddenUnless(() => deps.access.requireUseCatalog(principalOf(ctx), catalog, false));
    return catalog;
  };
  /** A namespace (a schema) the caller may use: USE CATALOG and USE SCHEMA (or ownership). */
  const schemaOf = (ctx: RequestContext): { catalog: CatalogEntry; schema: SchemaEntry } => {
    const catalog = catalogOf(ctx);
    const ns = ctx.params.namespace ?? '';
    if (ns.includes('\u001f'))
      throw icebergErrors.badRequest(`Nested namespaces are not supported: ${ns.replaceAll('\u001f', '.')}`);
    const schema = catalog.schemas.get(ns);
    if (!schema) throw icebergErrors.noSuchNamespace(ns);
    forbiddenUnless(() => deps.access.requireUseSchema(principalOf(ctx), catalog, schema, false));
    return { catalog, schema };
  };
  /** A table the caller may read: its parents as above and SELECT (or ownership) on it. */
  const tableOf = (ctx: RequestContext): TableEntry => {
    const { catalog, schema } = schemaOf(ctx);
    const name = ctx.params.table ?? '';
    const table = schema.tables.get(name);
    if (!table || !isIcebergReadable(table) || !table.iceberg)
      throw icebergErrors.noSuchTable(`${schema.name}.${name}`);
    forbiddenUnless(() => deps.access.requireTable(principalOf(ctx), catalog, schema, table, false));
    return table;
  };
  const page = <T>(ctx: RequestContext, items: T[], keyOf: (item: T) => string, scope: string) =>
    paginate(
      items,
      keyOf,
      { size: ctx.query.get('pageSize'), token: ctx.query.get('pageToken') },
      { cap: 1000, defaultSize: 100, emptyPageEvery: deps.emptyPageEvery(), scope },
      (message) => icebergErrors.badRequest(message),
    );

  return [
    route('GET', '/v1/config', 'config', (ctx) => {
      const warehouse = ctx.query.get('warehouse');
      if (!warehouse)
        throw icebergErrors.badRequest('Query parameter warehouse (the Unity Catalog catalog name) is required.');
      const catalog = lookUpCatalog(warehouse);
      forbiddenUnless(() => deps.access.requireUseCatalog(principalOf(ctx), catalog, false));
      return {
        status: 200,
        body: { defaults: {}, overrides: { prefix: `catalogs/${warehouse}` }, endpoints: ENDPOINTS },
      };
    }),
    route('GET', '/v1/catalogs/:catalog/namespaces', 'namespaces', (ctx) => {
      const catalog = catalogOf(ctx);
      const parent = ctx.query.get('parent');
      // Only the schemas the caller may use, as Unity Catalog's own schema list shows them.
      const principal = principalOf(ctx);
      const schemas = parent
        ? []
        : [...catalog.schemas.values()]
            .filter((s) => deps.access.schemaVisibility(principal, catalog, s) === 'full')
            .sort((a, b) => (a.name < b.name ? -1 : 1));
      const result = page(ctx, schemas, (s) => s.name, `ns:${catalog.name}`);
      return {
        status: 200,
        body: withToken({ namespaces: result.items.map((s) => [s.name]) }, result.nextPageToken),
      };
    }),
    route('GET', '/v1/catalogs/:catalog/namespaces/:namespace', 'namespace', (ctx) => {
      const { schema } = schemaOf(ctx);
      return {
        status: 200,
        body: { namespace: [schema.name], properties: schema.comment ? { comment: schema.comment } : {} },
      };
    }),
    route('HEAD', '/v1/catalogs/:catalog/namespaces/:namespace', 'namespace-exists', (ctx) => {
      schemaOf(ctx);
      return { status: 204 };
    }),
    route('GET', '/v1/catalogs/:catalog/namespaces/:namespace/tables', 'tables', (ctx) => {
      const { catalog, schema } = schemaOf(ctx);
      const principal = principalOf(ctx);
      // Only the tables the caller may read (SELECT or ownership), as Unity Catalog's table list shows them.
      const tables = [...schema.tables.values()]
        .filter((t) => isIcebergReadable(t) && t.iceberg)
        .filter((t) => deps.access.tableVisibility(principal, catalog, schema, t) === 'full')
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      const result = page(ctx, tables, (t) => t.name, `tables:${schema.catalogName}.${schema.name}`);
      return {
        status: 200,
        body: withToken(
          { identifiers: result.items.map((t) => ({ namespace: [schema.name], name: t.name })) },
          result.nextPageToken,
        ),
      };
    }),
    route('GET', '/v1/catalogs/:catalog/namespaces/:namespace/tables/:table', 'table', (ctx) => {
      const table = tableOf(ctx);
      const iceberg = table.iceberg!;
      const vended = String(ctx.headers['x-iceberg-access-delegation'] ?? '').includes('vended-credentials');
      if (vended) requireExternalUse(deps, ctx, table);
      const credentials = vended ? vendCredentials(deps.now(), deps.credentialTtlSeconds ?? 3600) : undefined;
      const body: Record<string, unknown> = {
        'metadata-location': iceberg.metadataLocation,
        metadata: iceberg.metadata,
        config: credentials ?? {},
      };
      if (credentials) body['storage-credentials'] = [{ prefix: table.storageLocation, config: credentials }];
      return { status: 200, body };
    }),
    route('HEAD', '/v1/catalogs/:catalog/namespaces/:namespace/tables/:table', 'table-exists', (ctx) => {
      tableOf(ctx);
      return { status: 204 };
    }),
  ];
}

/**
 * Credential vending needs EXTERNAL USE SCHEMA on the table's schema
 * (https://docs.databricks.com/external-access/credential-vending.html).
 */
function requireExternalUse(deps: IcebergRoutesDeps, ctx: RequestContext, table: TableEntry): void {
  const catalog = deps.store.getCatalog(table.catalogName);
  const schema = deps.store.getSchema(`${table.catalogName}.${table.schemaName}`);
  forbiddenUnless(() => deps.access.requireExternalUse(ctx.principal?.name ?? '', catalog, schema));
}

/**
 * Unity Catalog's privilege checks, answered the Iceberg REST way: the spec's 403 ForbiddenResponse ("Forbidden.
 * Authenticated user does not have the necessary permissions.", an ErrorModel `{error: {message, type, code}}`,
 * apache/iceberg open-api/rest-catalog-open-api.yaml) of type ForbiddenException, carrying Unity Catalog's own words
 * for the missing privilege. A principal reading through the Iceberg REST catalog needs "SELECT permission on the
 * table, USE CATALOG on its parent catalog, and USE SCHEMA on its parent schema", and EXTERNAL USE SCHEMA for
 * temporary credentials (https://docs.databricks.com/external-access/admin.html).
 */
function forbiddenUnless(check: () => void): void {
  try {
    check();
  } catch (error) {
    if (error instanceof DatabricksApiError) throw icebergErrors.forbidden(error.message);
    throw error;
  }
}

/** Temporary S3 credentials shaped like AWS STS ones (they grant nothing: the object store is local). */
function vendCredentials(now: number, ttlSeconds: number): Record<string, string> {
  // One draw cut three ways: every loadTable vends, and each randomBytes call is a trip into OpenSSL.
  const random = randomBytes(8 + 20 + 48);
  return {
    's3.access-key-id': `ASIA${random.subarray(0, 8).toString('hex').toUpperCase()}`,
    's3.secret-access-key': random.subarray(8, 28).toString('base64'),
    's3.session-token': random.subarray(28).toString('base64'),
    's3.session-token-expires-at-ms': String(now + ttlSeconds * 1000),
    'client.region': 'us-east-1',
  };
}

function withToken(body: Record<string, unknown>, token: string | undefined): Record<string, unknown> {
  if (token) body['next-page-token'] = token;
  return body;
}
