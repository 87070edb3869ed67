import { databricksErrors } from '../errors.js';
import { type PageSettings, paginate } from '../http/pagination.js';
import type { RequestContext, Route } from '../http/router.js';
import type { AccessPolicy, Visibility } from './access-policy.js';
import type { CatalogEntry, CatalogStore, SchemaEntry, TableEntry } from './catalog-store.js';
import { type RenderContext, renderCatalog, renderSchema, renderTable } from './table-info.js';

export interface UnityCatalogRoutesDeps {
  store: CatalogStore;
  access: AccessPolicy;
  /**
   * End the last page of a listing with `"next_page_token": ""` instead of leaving the field out. Databricks'
   * own SDKs stop on an empty token (databricks-sdk-java PR #343 "Stop pagination on empty next page token";
   * the Python SDK's generated list methods check `if not json['next_page_token']`), because the service sends one.
   */
  emptyTokenOnLastPage: () => boolean;
  render: RenderContext;
  /** Current list settings (they can change at run time). */
  pageSettings: () => Omit<PageSettings, 'scope'>;
  /** Called after a tag changes (so the table's updated_at moves). */
  now: () => number;
}

const BASE = '/api/2.1/unity-catalog';

/** Unity Catalog REST 2.1: catalogs, schemas, tables, entity tag assignments. */
export function unityCatalogRoutes(deps: UnityCatalogRoutesDeps): Route[] {
  const { store, render, access } = deps;
  const page = <T>(ctx: RequestContext, items: T[], keyOf: (item: T) => string, scope: string) => {
    const result = paginate(
      items,
      keyOf,
      { size: ctx.query.get('max_results'), token: ctx.query.get('page_token') },
      { ...deps.pageSettings(), scope },
      (message) => databricksErrors.invalidParameter(message),
    );
    const paged = ctx.query.has('max_results') || ctx.query.has('page_token');
    if (result.nextPageToken === undefined && paged && deps.emptyTokenOnLastPage()) result.nextPageToken = '';
    return result;
  };
  const principalOf = (ctx: RequestContext): string => ctx.principal?.name ?? '';
  const visible = <T>(ctx: RequestContext, items: T[], see: (item: T) => Visibility) => {
    const includeBrowse = flag(ctx, 'include_browse');
    return items
      .map((item) => ({ item, seen: see(item) }))
      .filter(({ seen }) => seen === 'full' || (seen === 'browse' && includeBrowse));
  };
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
      const who = principalOf(ctx);
      const seen = visible(ctx, store.listCatalogs(), (c) => access.catalogVisibility(who, c));
      const result = page(ctx, seen, ({ item }) => item.name, 'catalogs');
      return ok({
        catalogs: result.items.map(({ item, seen }) => renderCatalog(item, render, seen === 'browse')),
        next_page_token: result.nextPageToken,
      });
    }),
    route('GET', '/catalogs/:name', 'catalog', (ctx) => {
      const catalog = store.getCatalog(ctx.params.name ?? '');
      const who = principalOf(ctx);
      access.requireUseCatalog(who, catalog, flag(ctx, 'include_browse'));
      return ok(renderCatalog(catalog, render, access.catalogVisibility(who, catalog) === 'browse'));
    }),
    route('GET', '/schemas', 'schemas', (ctx) => {
      const catalogName = required(ctx, 'catalog_name');
      const catalog = store.getCatalog(catalogName);
      const who = principalOf(ctx);
      access.requireUseCatalog(who, catalog, flag(ctx, 'include_browse'));
      const seen = visible(ctx, store.listSchemas(catalogName), (s) => access.schemaVisibility(who, catalog, s));
      const result = page(ctx, seen, ({ item }) => item.name, `schemas:${catalogName}`);
      return ok({
        schemas: result.items.map(({ item, seen }) =>
          renderSchema(item, catalog.catalogType, render, seen === 'browse'),
        ),
        next_page_token: result.nextPageToken,
      });
    }),
    route('GET', '/schemas/:full_name', 'schema', (ctx) => {
      const schema = store.getSchema(ctx.params.full_name ?? '');
      const catalog = store.getCatalog(schema.catalogName);
      const who = principalOf(ctx);
      access.requireUseSchema(who, catalog, schema, flag(ctx, 'include_browse'));
      const browseOnly = access.schemaVisibility(who, catalog, schema) === 'browse';
      return ok(renderSchema(schema, catalog.catalogType, render, browseOnly));
    }),
    route('GET', '/tables', 'tables', (ctx) => {
      const catalogName = required(ctx, 'catalog_name');
      const schemaName = required(ctx, 'schema_name');
      const tables = store.listTables(catalogName, schemaName);
      const catalog = store.getCatalog(catalogName);
      const schema = store.getSchema(`${catalogName}.${schemaName}`);
      const who = principalOf(ctx);
      access.requireUseSchema(who, catalog, schema, flag(ctx, 'include_browse'));
      const seen = visible(ctx, tables, (t) => access.tableVisibility(who, catalog, schema, t));
      const result = page(ctx, seen, ({ item }) => item.name, `tables:${catalogName}.${schemaName}`);
      const omitColumns = flag(ctx, 'omit_columns');
      const omitProperties = flag(ctx, 'omit_properties');
      return ok({
        tables: result.items.map(({ item: t, seen }) => {
          const info = renderTable(t, render, false, seen === 'browse');
          if (omitColumns) delete info.columns;
          if (omitProperties) delete info.properties;
          return info;
        }),
        next_page_token: result.nextPageToken,
      });
    }),
    route('GET', '/tables/:full_name', 'table', (ctx) => {
      const table = store.getTable(ctx.params.full_name ?? '');
      const seen = requireTable(ctx, table, flag(ctx, 'include_browse'));
      return ok(renderTable(table, render, true, seen === 'browse'));
    }),
    route('GET', '/tables/:full_name/exists', 'table-exists', (ctx) => {
      // "The caller must satisfy one of the following requirements: ... have the USE_CATALOG privilege on the
      // parent catalog and the USE_SCHEMA privilege on the parent schema, and either be the table owner or have
      // the SELECT privilege on the table" — or BROWSE (TablesAPI.exists in databricks-sdk-py service/catalog.py).
      const table = store.findTable(ctx.params.full_name ?? '');
      if (table) requireTable(ctx, table, true);
      return ok({ table_exists: table !== undefined });
    }),
    route('GET', '/effective-permissions/:securable_type/:full_name', 'effective-permissions', (ctx) => {
      // GrantsAPI.get_effective (databricks-sdk-py service/catalog.py): "Gets the effective permissions for a
      // securable. Includes inherited permissions from any parent securables", optionally for one `principal`.
      const type = (ctx.params.securable_type ?? '').toUpperCase();
      const fullName = ctx.params.full_name ?? '';
      const chain = securableChain(type, fullName);
      const last = chain[chain.length - 1];
      if (last?.type === 'TABLE') requireEntity(ctx, 'tables', fullName, false);
      else if (last?.type === 'SCHEMA') requireEntity(ctx, 'schemas', fullName, false);
      else requireEntity(ctx, 'catalogs', fullName, false);
      const wanted = ctx.query.get('principal');
      const principals = new Set<string>();
      for (const link of chain) for (const grant of link.securable.access.grants) principals.add(grant.principal);
      if (wanted) {
        principals.clear();
        principals.add(wanted);
      }
      const assignments = [...principals]
        .sort()
        .map((principal) => ({ principal, privileges: access.effectivePrivileges(principal, chain) }))
        .filter((a) => wanted !== null || a.privileges.length > 0);
      return ok({ privilege_assignments: assignments });
    }),
    route('GET', '/entity-tag-assignments/:entity_type/:entity_name/tags', 'entity-tag-assignments', (ctx) => {
      const { entity_type: type = '', entity_name: name = '' } = ctx.params;
      requireEntity(ctx, type, name, false);
      const tags = [...store.tagsOf(type, name).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const result = page(ctx, tags, ([key]) => key, `tags:${type}:${name}`);
      return ok({
        tag_assignments: result.items.map(([key, value]) => assignment(type, name, key, value)),
        next_page_token: result.nextPageToken,
      });
    }),
    route('GET', '/entity-tag-assignments/:entity_type/:entity_name/tags/:tag_key', 'entity-tag-assignment', (ctx) => {
      const { entity_type: type = '', entity_name: name = '', tag_key: key = '' } = ctx.params;
      requireEntity(ctx, type, name, false);
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
      requireEntity(ctx, type, name, true);
      const existing = store.tagsOf(type, name);
      if (existing.has(key)) throw databricksErrors.tagAlreadyExists(name, key);
      existing.set(key, value);
      touch(type, name);
      return ok(assignment(type, name, key, value));
    }),
    route(
      'PATCH',
      '/entity-tag-assignments/:entity_type/:entity_name/tags/:tag_key',
      'entity-tag-assignment/update',
      (ctx) => {
        // PATCH …/tags/{tag_key}?update_mask=tag_value with the TagAssignment as the body
        // (EntityTagAssignmentsAPI.update in databricks-sdk-py service/catalog.py: "The field mask must be a
        // single string, with multiple fields separated by commas (no spaces)"; `*` replaces every field).
        const { entity_type: type = '', entity_name: name = '', tag_key: key = '' } = ctx.params;
        const mask = ctx.query.get('update_mask');
        if (!mask) throw databricksErrors.invalidParameter('Missing required field: update_mask');
        const fields = mask.split(',');
        const updatable = new Set(['tag_value', '*']);
        const unknown = fields.filter((f) => !updatable.has(f));
        if (unknown.length > 0) {
          throw databricksErrors.invalidParameter(
            `Invalid update_mask: field(s) ${unknown.join(', ')} cannot be updated. Updatable fields: tag_value.`,
          );
        }
        const body = ctx.json();
        const a = (
          typeof body.tag_assignment === 'object' && body.tag_assignment !== null ? body.tag_assignment : body
        ) as Record<string, unknown>;
        if (a.tag_value !== undefined && a.tag_value !== null && typeof a.tag_value !== 'string') {
          throw databricksErrors.invalidParameter('tag_value must be a string.');
        }
        requireEntity(ctx, type, name, true);
        const tags = store.tagsOf(type, name);
        if (!tags.has(key)) throw databricksErrors.tagDoesNotExist(name, key);
        const value = typeof a.tag_value === 'string' ? a.tag_value : '';
        tags.set(key, value);
        touch(type, name);
        return ok(assignment(type, name, key, value));
      },
    ),
    route(
      'DELETE',
      '/entity-tag-assignments/:entity_type/:entity_name/tags/:tag_key',
      'entity-tag-assignment/delete',
      (ctx) => {
        const { entity_type: type = '', entity_name: name = '', tag_key: key = '' } = ctx.params;
        requireEntity(ctx, type, name, true);
        const tags = store.tagsOf(type, name);
        if (!tags.delete(key)) throw databricksErrors.tagDoesNotExist(name, key);
        touch(type, name);
        return ok({});
      },
    ),
  ];

  function requireTable(ctx: RequestContext, table: TableEntry, includeBrowse: boolean): Visibility {
    const catalog = store.getCatalog(table.catalogName);
    const schema = store.getSchema(`${table.catalogName}.${table.schemaName}`);
    return access.requireTable(principalOf(ctx), catalog, schema, table, includeBrowse);
  }

  /**
   * Reading an entity's tags needs what reading the entity needs; assigning or removing one needs APPLY TAG
   * on it (or ownership, or metastore admin) besides the parents' USE privileges (privileges reference, APPLY TAG).
   */
  function requireEntity(ctx: RequestContext, type: string, name: string, write: boolean): void {
    const who = principalOf(ctx);
    store.tagsOf(type, name); // 404 / 400 for an unknown entity or type first
    const [catalogName = '', schemaName, tableName] = name.split('.');
    const catalog = store.getCatalog(catalogName);
    const schema = schemaName === undefined ? undefined : store.getSchema(`${catalogName}.${schemaName}`);
    const table =
      schema === undefined || tableName === undefined
        ? undefined
        : store.getTable(`${catalogName}.${schemaName}.${tableName}`);
    if (table && schema) access.requireTable(who, catalog, schema, table, false);
    else if (schema) access.requireUseSchema(who, catalog, schema, false);
    else access.requireUseCatalog(who, catalog, false);
    if (!write) return;
    const securable = table ?? schema ?? catalog;
    const chain = [catalog, schema, table].filter((s) => s !== undefined);
    if (access.isAdmin(who) || access.ownerOf(securable) === who || access.holds(who, 'APPLY_TAG', ...chain)) return;
    const kind = table ? 'Table' : schema ? 'Schema' : 'Catalog';
    throw databricksErrors.permissionDenied(
      'APPLY_TAG',
      kind,
      name
        .split('.')
        .slice(0, table ? 3 : schema ? 2 : 1)
        .join('.'),
    );
  }

  function securableChain(type: string, fullName: string) {
    const parts = fullName.split('.');
    const expected = { CATALOG: 1, SCHEMA: 2, TABLE: 3 }[type];
    if (expected === undefined) {
      throw databricksErrors.invalidParameter(`Invalid securable type '${type.toLowerCase()}'.`);
    }
    if (parts.length !== expected) {
      throw databricksErrors.invalidParameter(`Invalid ${type.toLowerCase()} name '${fullName}'.`);
    }
    const catalog = store.getCatalog(parts[0] ?? '');
    const chain: Array<{
      type: 'CATALOG' | 'SCHEMA' | 'TABLE';
      name: string;
      securable: CatalogEntry | SchemaEntry | TableEntry;
    }> = [{ type: 'CATALOG', name: catalog.name, securable: catalog }];
    if (expected >= 2) {
      const schema = store.getSchema(parts.slice(0, 2).join('.'));
      chain.push({ type: 'SCHEMA', name: `${catalog.name}.${schema.name}`, securable: schema });
    }
    if (expected === 3) chain.push({ type: 'TABLE', name: fullName, securable: store.getTable(fullName) });
    return chain;
  }

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
