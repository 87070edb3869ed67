import type { DatabricksHttpClient } from './http-client.js';
import { type CallOptions, callOptionsOf } from './jobs-api.js';
import { collect, paginate } from './pagination.js';
import type {
  CatalogInfo,
  EffectivePermissionsList,
  EffectivePrivilege,
  SchemaInfo,
  TableInfo,
  TagAssignment,
  TaggableEntityType,
} from './unity-catalog-types.js';

export interface ListOptions extends CallOptions {
  /**
   * `max_results` per page. 0 lets the server choose (what the official SDKs send; recommended by Databricks).
   * @defaultValue the client's `pageSize`, else 0
   */
  maxResults?: number;
  /** Also list securables the caller can only browse (metadata without read access). */
  includeBrowse?: boolean;
}

export interface ListTablesOptions extends ListOptions {
  /** Leave columns out of each TableInfo (faster for large schemas). */
  omitColumns?: boolean;
  /** Leave properties out of each TableInfo (d2s needs them to detect UniForm, so the default keeps them). */
  omitProperties?: boolean;
}

export interface GetTableOptions extends CallOptions {
  includeBrowse?: boolean;
  /** Ask for Delta metadata (the `delta_*` fields) too. */
  includeDeltaMetadata?: boolean;
}

export interface TagListOptions extends CallOptions {
  /** Include tags inherited from the parent schema and catalog. */
  includeInherited?: boolean;
  maxResults?: number;
}

const UC = '/api/2.1/unity-catalog';

/**
 * Unity Catalog 2.1 discovery: catalogs, schemas, tables (every page), one table's full metadata, and tag
 * assignments. `iterate*` methods stream items page by page; `list*` methods gather them into arrays.
 */
export class UnityCatalogApi {
  readonly #http: DatabricksHttpClient;
  readonly #pageSize: number | undefined;

  constructor(http: DatabricksHttpClient, options: { pageSize?: number } = {}) {
    this.#http = http;
    this.#pageSize = options.pageSize;
  }

  /** `GET /api/2.1/unity-catalog/catalogs`, every page. */
  iterateCatalogs(options: ListOptions = {}): AsyncGenerator<CatalogInfo, void, undefined> {
    return paginate('unity-catalog/catalogs', async (pageToken) => {
      const page = await this.#http.request<{ catalogs?: CatalogInfo[]; next_page_token?: string }>({
        method: 'GET',
        endpoint: 'unity-catalog/catalogs',
        path: `${UC}/catalogs`,
        query: { max_results: this.#maxResults(options), include_browse: options.includeBrowse, page_token: pageToken },
        idempotent: true,
        ...callOptionsOf(options),
      });
      return { items: page.catalogs, nextPageToken: page.next_page_token };
    });
  }

  listCatalogs(options: ListOptions = {}): Promise<CatalogInfo[]> {
    return collect(this.iterateCatalogs(options));
  }

  /** `GET /api/2.1/unity-catalog/schemas?catalog_name=…`, every page. */
  iterateSchemas(catalogName: string, options: ListOptions = {}): AsyncGenerator<SchemaInfo, void, undefined> {
    return paginate('unity-catalog/schemas', async (pageToken) => {
      const page = await this.#http.request<{ schemas?: SchemaInfo[]; next_page_token?: string }>({
        method: 'GET',
        endpoint: 'unity-catalog/schemas',
        path: `${UC}/schemas`,
        query: {
          catalog_name: catalogName,
          max_results: this.#maxResults(options),
          include_browse: options.includeBrowse,
          page_token: pageToken,
        },
        idempotent: true,
        ...callOptionsOf(options),
      });
      return { items: page.schemas, nextPageToken: page.next_page_token };
    });
  }

  listSchemas(catalogName: string, options: ListOptions = {}): Promise<SchemaInfo[]> {
    return collect(this.iterateSchemas(catalogName, options));
  }

  /** `GET /api/2.1/unity-catalog/tables?catalog_name=…&schema_name=…`, every page (empty pages included). */
  iterateTables(
    catalogName: string,
    schemaName: string,
    options: ListTablesOptions = {},
  ): AsyncGenerator<TableInfo, void, undefined> {
    return paginate('unity-catalog/tables', async (pageToken) => {
      const page = await this.#http.request<{ tables?: TableInfo[]; next_page_token?: string }>({
        method: 'GET',
        endpoint: 'unity-catalog/tables',
        path: `${UC}/tables`,
        query: {
          catalog_name: catalogName,
          schema_name: schemaName,
          max_results: this.#maxResults(options),
          include_browse: options.includeBrowse,
          omit_columns: options.omitColumns,
          omit_properties: options.omitProperties,
          page_token: pageToken,
        },
        idempotent: true,
        ...callOptionsOf(options),
      });
      return { items: page.tables, nextPageToken: page.next_page_token };
    });
  }

  listTables(catalogName: string, schemaName: string, options: ListTablesOptions = {}): Promise<TableInfo[]> {
    return collect(this.iterateTables(catalogName, schemaName, options));
  }

  /**
   * `GET /api/2.1/unity-catalog/tables/{full_name}`: one table with its properties and columns, and the raw
   * `delta_uniform_iceberg` object when Databricks returns one. A missing table throws DatabricksNotFoundError.
   */
  getTable(fullName: string, options: GetTableOptions = {}): Promise<TableInfo> {
    return this.#http.request<TableInfo>({
      method: 'GET',
      endpoint: 'unity-catalog/tables/{full_name}',
      path: `${UC}/tables/${encodePathSegment(fullName)}`,
      query: { include_browse: options.includeBrowse, include_delta_metadata: options.includeDeltaMetadata },
      idempotent: true,
      ...callOptionsOf(options),
    });
  }

  /**
   * `GET /api/2.1/unity-catalog/entity-tag-assignments/{entity_type}/{entity_name}/tags`, every page.
   * `entityName` is fully qualified (`cat.sch.tbl`, or `cat.sch.tbl.col` for a column).
   */
  iterateTagAssignments(
    entityType: TaggableEntityType,
    entityName: string,
    options: TagListOptions = {},
  ): AsyncGenerator<TagAssignment, void, undefined> {
    const endpoint = 'unity-catalog/entity-tag-assignments/{entity_type}/{entity_name}/tags';
    return paginate(endpoint, async (pageToken) => {
      const page = await this.#http.request<{ tag_assignments?: TagAssignment[]; next_page_token?: string }>({
        method: 'GET',
        endpoint,
        path: `${UC}/entity-tag-assignments/${encodePathSegment(entityType)}/${encodePathSegment(entityName)}/tags`,
        query: {
          include_inherited: options.includeInherited,
          max_results: options.maxResults,
          page_token: pageToken,
        },
        idempotent: true,
        ...callOptionsOf(options),
      });
      return { items: page.tag_assignments, nextPageToken: page.next_page_token };
    });
  }

  /** Every tag assigned to a table (`cat.sch.tbl`). */
  listTableTags(fullName: string, options: TagListOptions = {}): Promise<TagAssignment[]> {
    return collect(this.iterateTagAssignments('tables', fullName, options));
  }

  /**
   * `POST /api/2.1/unity-catalog/entity-tag-assignments`: assigns a tag. The body is the TagAssignment itself
   * (EntityTagAssignmentsService._create in @databricks/sdk-experimental dist/apis/catalog/api.js sends
   * `request.tag_assignment` as the payload). Needs APPLY TAG on the entity (or ownership) besides USE SCHEMA
   * and USE CATALOG; 409 RESOURCE_ALREADY_EXISTS when the key is assigned already.
   */
  createTagAssignment(assignment: TagAssignmentWrite, options: CallOptions = {}): Promise<TagAssignment> {
    return this.#http.request<TagAssignment>({
      method: 'POST',
      endpoint: 'unity-catalog/entity-tag-assignments',
      path: `${UC}/entity-tag-assignments`,
      body: assignment,
      // Not retried once it may have arrived: a second create of the same key answers 409.
      idempotent: false,
      ...callOptionsOf(options),
    });
  }

  /**
   * `PATCH …/entity-tag-assignments/{entity_type}/{entity_name}/tags/{tag_key}?update_mask=tag_value`: sets an
   * assigned tag's value (EntityTagAssignmentsService._update in @databricks/sdk-experimental).
   */
  updateTagAssignment(assignment: TagAssignmentWrite, options: CallOptions = {}): Promise<TagAssignment> {
    const endpoint = 'unity-catalog/entity-tag-assignments/{entity_type}/{entity_name}/tags/{tag_key}';
    return this.#http.request<TagAssignment>({
      method: 'PATCH',
      endpoint,
      path: tagPath(assignment),
      query: { update_mask: 'tag_value' },
      body: assignment,
      idempotent: true,
      ...callOptionsOf(options),
    });
  }

  /** `DELETE …/entity-tag-assignments/{entity_type}/{entity_name}/tags/{tag_key}`; 404 when it is not assigned. */
  async deleteTagAssignment(
    assignment: Omit<TagAssignmentWrite, 'tag_value'>,
    options: CallOptions = {},
  ): Promise<void> {
    const endpoint = 'unity-catalog/entity-tag-assignments/{entity_type}/{entity_name}/tags/{tag_key}';
    await this.#http.request<unknown>({
      method: 'DELETE',
      endpoint,
      path: tagPath(assignment),
      idempotent: true,
      ...callOptionsOf(options),
    });
  }

  /**
   * `GET /api/2.1/unity-catalog/effective-permissions/{securable_type}/{full_name}?principal=…`: the privileges
   * `principal` holds on a securable, inherited ones included (GrantsAPI.get_effective in the official SDKs).
   */
  async effectivePrivileges(
    securableType: 'catalog' | 'schema' | 'table',
    fullName: string,
    principal: string,
    options: CallOptions = {},
  ): Promise<EffectivePrivilege[]> {
    const privileges: EffectivePrivilege[] = [];
    const endpoint = 'unity-catalog/effective-permissions/{securable_type}/{full_name}';
    const pages = paginate(endpoint, async (pageToken) => {
      const page = await this.#http.request<EffectivePermissionsList>({
        method: 'GET',
        endpoint,
        path: `${UC}/effective-permissions/${securableType}/${encodePathSegment(fullName)}`,
        query: { principal, page_token: pageToken },
        idempotent: true,
        ...callOptionsOf(options),
      });
      return { items: page.privilege_assignments, nextPageToken: page.next_page_token };
    });
    for await (const assignment of pages) {
      if (assignment.principal === principal) privileges.push(...(assignment.privileges ?? []));
    }
    return privileges;
  }

  #maxResults(options: ListOptions): number {
    return options.maxResults ?? this.#pageSize ?? 0;
  }
}

/**
 * Percent-encodes one path segment. Unity Catalog names may hold spaces, quotes, `%`, `#`, `?`, `/` or any
 * Unicode; the dots between the parts of a full name stay as they are.
 */
/** One tag to write on one entity. */
export interface TagAssignmentWrite {
  entity_type: TaggableEntityType;
  /** Fully qualified (`cat.sch.tbl`). */
  entity_name: string;
  tag_key: string;
  tag_value?: string;
}

function tagPath(a: Pick<TagAssignmentWrite, 'entity_type' | 'entity_name' | 'tag_key'>): string {
  const segments = [a.entity_type, a.entity_name].map(encodePathSegment).join('/');
  return `${UC}/entity-tag-assignments/${segments}/tags/${encodePathSegment(a.tag_key)}`;
}

export function encodePathSegment(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
