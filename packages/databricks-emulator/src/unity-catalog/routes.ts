import { databricksErrors } from '../errors.js';
import { type PageSettings, paginate } from '../http/pagination.js';
import type { RequestContext, Route } from '../http/router.js';
import type { CatalogStore } from './catalog-store.js';
import { type RenderContext, renderCatalog, renderSchema, renderTable } from './table-info.js';

export interface UnityCatalogRoutesDeps {
  store: CatalogStore;
  render: RenderContext;
  /** Current list settings (they can change at run time). */
  pageSettings: () => Omit<PageSettings, 'scope'>;
  /** Called after a tag changes (so the table's updated_at moves). */
  now: () => number;
}

const BASE = '/api/2.1/unity-catalog';

/** Unity Catalog REST 2.1: catalogs, schemas, tables, entity tag assignments. */
export function unityCatalogRoutes(deps: UnityCatalogRoutesDeps): Route[] {
  const { store, render } = deps;
  const page = <T>(ctx: RequestContext, items: T[], keyOf: (item: T) => string, scope: string) =>
    paginate(
      items,
      keyOf,
      { size: ctx.query.get('max_results'), token: ctx.query.get('page_token') },
      { ...deps.pageSettings(), scope },
      (message) => databricksErrors.invalidParameter(message),
    );
  const required = (ctx: RequestContext, name: string): string => {
    const value = ctx.query.get(name);
    if (!value) throw databricksErrors.invalidParameter(`Missing required field: ${name}`);
    return value;
  };
  const flag = (ctx: RequestContext, name: string) => ctx.query.get(name) === 'true';
  const route = (method: Route['method'], path: string, name: string, handler: Route['handler']): Route => ({
    method,
    pattern: `${BASE}${path}`,
    name: `unity-catalog/${name}`,
    family: 'databricks',
    authenticated: true,
    handler,
  });

  return [
    route('GET', '/catalogs', 'catalogs', (ctx) => {
      const result = page(ctx, store.listCatalogs(), (c) => c.name, 'catalogs');
      return ok({ catalogs: result.items.map((c) => renderCatalog(c, render)), next_page_token: result.nextPageToken });
    }),
    route('GET', '/catalogs/:name', 'catalog', (ctx) =>
      ok(renderCatalog(store.getCatalog(ctx.params.name ?? ''), render)),
    ),
    route('GET', '/schemas', 'schemas', (ctx) => {
      const catalogName = required(ctx, 'catalog_name');
      const catalog = store.getCatalog(catalogName);
      const result = page(ctx, store.listSchemas(catalogName), (s) => s.name, `schemas:${catalogName}`);
      return ok({
        schemas: result.items.map((s) => renderSchema(s, catalog.catalogType, render)),
        next_page_token: result.nextPageToken,
      });
    }),
    route('GET', '/schemas/:full_name', 'schema', (ctx) => {
      const schema = store.getSchema(ctx.params.full_name ?? '');
      return ok(renderSchema(schema, store.getCatalog(schema.catalogName).catalogType, render));
    }),
    route('GET', '/tables', 'tables', (ctx) => {
      const catalogName = required(ctx, 'catalog_name');
      const schemaName = required(ctx, 'schema_name');
      const result = page(
        ctx,
        store.listTables(catalogName, schemaName),
        (t) => t.name,
        `tables:${catalogName}.${schemaName}`,
      );
      const omitColumns = flag(ctx, 'omit_columns');
      const omitProperties = flag(ctx, 'omit_properties');
      return ok({
        tables: result.items.map((t) => {
          const info = renderTable(t, render, false);
          if (omitColumns) delete info.columns;
          if (omitProperties) delete info.properties;
          return info;
        }),
        next_page_token: result.nextPageToken,
      });
    }),
    route('GET', '/tables/:full_name', 'table', (ctx) =>
      ok(renderTable(store.getTable(ctx.params.full_name ?? ''), render, true)),
    ),
    route('GET', '/tables/:full_name/exists', 'table-exists', (ctx) =>
      ok({ table_exists: store.findTable(ctx.params.full_name ?? '') !== undefined }),
    ),
    route('GET', '/entity-tag-assignments/:entity_type/:entity_name/tags', 'entity-tag-assignments', (ctx) => {
      const { entity_type: type = '', entity_name: name = '' } = ctx.params;
      const tags = [...store.tagsOf(type, name).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const result = page(ctx, tags, ([key]) => key, `tags:${type}:${name}`);
      return ok({
        tag_assignments: result.items.map(([key, value]) => assignment(type, name, key, value)),
        next_page_token: result.nextPageToken,
      });
    }),
    route('GET', '/entity-tag-assignments/:entity_type/:entity_name/tags/:tag_key', 'entity-tag-assignment', (ctx) => {
      const { entity_type: type = '', entity_name: name = '', tag_key: key = '' } = ctx.params;
      const value = store.tagsOf(type, name).get(key);
      if (value === undefined) throw databricksErrors.tagDoesNotExist(name, key);
      return ok(assignment(type, name, key, value));
    }),
    route('POST', '/entity-tag-assignments', 'entity-tag-assignments/create', (ctx) => {
      const body = ctx.json();
      const a = (
        typeof body.tag_assignment === 'object' && body.tag_assignment !== null ? body.tag_assignment : body
      ) as Record<string, unknown>;
      const type = String(a.entity_type ?? '');
      const name = String(a.entity_name ?? '');
      const key = String(a.tag_key ?? '');
      if (!type || !name || !key) {
        throw databricksErrors.invalidParameter('entity_type, entity_name and tag_key are required.');
      }
      const value = a.tag_value === undefined || a.tag_value === null ? '' : String(a.tag_value);
      store.tagsOf(type, name).set(key, value);
      touch(type, name);
      return ok(assignment(type, name, key, value));
    }),
    route(
      'DELETE',
      '/entity-tag-assignments/:entity_type/:entity_name/tags/:tag_key',
      'entity-tag-assignment/delete',
      (ctx) => {
        const { entity_type: type = '', entity_name: name = '', tag_key: key = '' } = ctx.params;
        const tags = store.tagsOf(type, name);
        if (!tags.delete(key)) throw databricksErrors.tagDoesNotExist(name, key);
        touch(type, name);
        return ok({});
      },
    ),
  ];

  function touch(type: string, name: string): void {
    if (type === 'tables') store.getTable(name).updatedAt = deps.now();
  }
}

function assignment(entityType: string, entityName: string, tagKey: string, tagValue: string) {
  return { entity_type: entityType, entity_name: entityName, tag_key: tagKey, tag_value: tagValue };
}

function ok(body: Record<string, unknown>) {
  for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
  return { status: 200, body };
}
