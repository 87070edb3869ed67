import { sqlErrors } from '../../errors.js';
import { showCatalogIntegrations } from '../../iceberg/catalog-integration-ddl.js';
import { ICEBERG_TABLE_COLUMNS, icebergTableRow } from '../../iceberg/iceberg-table-ddl.js';
import type { DatabaseEntry, SchemaEntry, TableEntry } from '../catalog.js';
import { showVisibility } from '../access/authorize.js';
import { runDuck } from '../duck-results.js';
import { likeMatcher, resolveSchema } from '../name-resolution.js';
import type { StatementContext } from '../statement-context.js';
import { col, type ResultColumn, type StatementResult, StatementType } from '../statement-result.js';
import { showParameters } from './show-parameters.js';
import { showFutureGrants, showGrants, showRoles, showWarehouses } from './show-grants.js';
import { showUsers } from './user-ddl.js';

/** The filters every SHOW takes: LIKE, IN scope, STARTS WITH, LIMIT. */
export interface ShowFilters {
  like: (name: string) => boolean;
  scope:
    | { kind: 'ACCOUNT' }
    | { kind: 'DATABASE'; database: DatabaseEntry }
    | { kind: 'SCHEMA'; database: DatabaseEntry; schema: SchemaEntry };
  startsWith: string | null;
  limit: number | null;
}

export function parseShowFilters(ctx: StatementContext): ShowFilters {
  const c = ctx.cursor;
  const catalog = ctx.engine.catalog;
  const state = ctx.session.state;
  const like = likeMatcher(c.acceptWords('LIKE') ? c.string() : undefined);
  let scope: ShowFilters['scope'];
  if (c.acceptWords('IN')) {
    if (c.acceptWords('ACCOUNT')) scope = { kind: 'ACCOUNT' };
    else if (c.acceptWords('DATABASE')) {
      const name = c.done || c.isWord('STARTS') || c.isWord('LIMIT') ? state.database : c.identifier();
      if (name === null) throw sqlErrors.noCurrentDatabase('SHOW');
      const database = catalog.databases.get(name);
      if (!database) throw sqlErrors.databaseMissing(name);
      scope = { kind: 'DATABASE', database };
    } else {
      c.acceptWords('SCHEMA');
      const parts = c.done || c.isWord('STARTS') || c.isWord('LIMIT') ? [] : c.objectName();
      scope = { kind: 'SCHEMA', ...resolveSchema(catalog, state, parts, 'SHOW') };
    }
  } else {
    const database = state.database ? catalog.databases.get(state.database) : undefined;
    scope = database ? { kind: 'DATABASE', database } : { kind: 'ACCOUNT' };
  }
  const startsWith = c.acceptWords('STARTS', 'WITH') ? c.string() : null;
  let limit: number | null = null;
  if (c.acceptWords('LIMIT')) {
    limit = Number(c.next().text);
    if (c.acceptWords('FROM')) c.string();
  }
  c.expectEnd();
  return { like, scope, startsWith, limit };
}

export function applyShowFilters<T>(filters: ShowFilters, items: T[], name: (item: T) => string): T[] {
  const kept = items
    .filter((i) => filters.like(name(i)) && (filters.startsWith === null || name(i).startsWith(filters.startsWith)))
    .sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
  return filters.limit === null ? kept : kept.slice(0, filters.limit);
}

/**
 * The objects of one kind (stages, file formats) in a SHOW's scope that the
 * session's roles may see, filtered and ordered by name as SHOW lists them.
 */
export function visibleSchemaObjects<O extends { name: string }>(
  ctx: StatementContext,
  filters: ShowFilters,
  objectsOf: (schema: SchemaEntry) => Iterable<O>,
): { database: DatabaseEntry; schema: SchemaEntry; object: O }[] {
  const visible = showVisibility(ctx);
  return applyShowFilters(
    filters,
    schemasInScope(ctx, filters.scope).flatMap(({ database, schema }) =>
      [...objectsOf(schema)]
        .filter((object) => visible.object(database, schema, object))
        .map((object) => ({ database, schema, object })),
    ),
    (entry) => entry.object.name,
  );
}

/** Schemas in a SHOW scope. */
export function schemasInScope(
  ctx: StatementContext,
  scope: ShowFilters['scope'],
): { database: DatabaseEntry; schema: SchemaEntry }[] {
  const visible = showVisibility(ctx);
  if (scope.kind === 'SCHEMA')
    return visible.schema(scope.database, scope.schema) ? [{ database: scope.database, schema: scope.schema }] : [];
  const databases = scope.kind === 'DATABASE' ? [scope.database] : [...ctx.engine.catalog.databases.values()];
  return databases.flatMap((database) =>
    [...database.schemas.values()]
      .filter((schema) => visible.schema(database, schema))
      .map((schema) => ({ database, schema })),
  );
}

function showResult(columns: ResultColumn[], rows: unknown[][]): StatementResult {
  return { columns, rows, statementTypeId: StatementType.SHOW };
}

async function rowCount(ctx: StatementContext, table: TableEntry): Promise<number> {
  const result = await runDuck(ctx.session.connection, `SELECT count(*)::BIGINT FROM ${table.physical}`);
  return Number(((await result.getRows())[0] ?? [0])[0]);
}

/** SHOW [TERSE] DATABASES | SCHEMAS | [ICEBERG] TABLES | STAGES | FILE FORMATS | CATALOG INTEGRATIONS ... */
export async function show(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  c.expectWords('SHOW');
  const terse = c.acceptWords('TERSE');
  const state = ctx.session.state;
  if (c.acceptWords('CATALOG', 'INTEGRATIONS')) return showCatalogIntegrations(ctx);
  if (c.acceptWords('PARAMETERS')) return showParameters(ctx);
  if (c.acceptWords('GRANTS')) return showGrants(ctx);
  if (c.acceptWords('FUTURE', 'GRANTS')) return showFutureGrants(ctx);
  if (c.acceptWords('USERS')) return showUsers(ctx);
  const accountObjects = c.acceptWords('ROLES') ? 'ROLES' : c.acceptWords('WAREHOUSES') ? 'WAREHOUSES' : null;
  if (accountObjects) {
    const like = likeMatcher(c.acceptWords('LIKE') ? c.string() : undefined);
    c.expectEnd();
    return accountObjects === 'ROLES' ? showRoles(ctx, like) : showWarehouses(ctx, like);
  }
  if (c.acceptWords('DATABASES')) {
    const filters = parseShowFilters(ctx);
    const visible = showVisibility(ctx);
    const databases = applyShowFilters(
      filters,
      [...ctx.engine.catalog.databases.values()].filter(visible.database),
      (d) => d.name,
    );
    const columns = terse
      ? [
          col.timestamp('created_on'),
          col.text('name'),
          col.text('kind'),
          col.text('database_name'),
          col.text('schema_name'),
        ]
      : [
          col.timestamp('created_on'),
          col.text('name'),
          col.text('is_default'),
          col.text('is_current'),
          col.text('origin'),
          col.text('owner'),
          col.text('comment'),
          col.text('options'),
          col.text('retention_time'),
          col.text('kind'),
          col.text('owner_role_type'),
        ];
    return showResult(
      columns,
      databases.map((d) =>
        terse
          ? [d.createdOn, d.name, 'STANDARD', null, null]
          : [
              d.createdOn,
              d.name,
              'N',
              state.database === d.name ? 'Y' : 'N',
              '',
              d.owner,
              d.comment ?? '',
              '',
              '1',
              'STANDARD',
              'ROLE',
            ],
      ),
    );
  }
  if (c.acceptWords('SCHEMAS')) {
    const filters = parseShowFilters(ctx);
    const schemas = applyShowFilters(filters, schemasInScope(ctx, filters.scope), (s) => s.schema.name);
    const columns = terse
      ? [
          col.timestamp('created_on'),
          col.text('name'),
          col.text('kind'),
          col.text('database_name'),
          col.text('schema_name'),
        ]
      : [
          col.timestamp('created_on'),
          col.text('name'),
          col.text('is_default'),
          col.text('is_current'),
          col.text('database_name'),
          col.text('owner'),
          col.text('comment'),
          col.text('options'),
          col.text('retention_time'),
          col.text('owner_role_type'),
        ];
    return showResult(
      columns,
      schemas.map(({ database, schema }) =>
        terse
          ? [schema.createdOn, schema.name, null, database.name, null]
          : [
              schema.createdOn,
              schema.name,
              'N',
              state.database === database.name && state.schema === schema.name ? 'Y' : 'N',
              database.name,
              schema.owner,
              schema.comment ?? '',
              '',
              '1',
              schema.owner ? 'ROLE' : '',
            ],
      ),
    );
  }
  const iceberg = c.acceptWords('ICEBERG');
  if (c.acceptWords('TABLES')) {
    const filters = parseShowFilters(ctx);
    const tables = applyShowFilters(
      filters,
      schemasInScope(ctx, filters.scope).flatMap(({ database, schema }) =>
        [...schema.tables.values()]
          .filter((t) => (!iceberg || t.iceberg) && showVisibility(ctx).object(database, schema, t))
          .map((table) => ({ database, schema, table })),
      ),
      (t) => t.table.name,
    );
    if (terse)
      return showResult(
        [
          col.timestamp('created_on'),
          col.text('name'),
          col.text('kind'),
          col.text('database_name'),
          col.text('schema_name'),
        ],
        tables.map(({ database, schema, table }) => [
          table.createdOn,
          table.name,
          table.iceberg ? 'ICEBERG TABLE' : table.kind,
          database.name,
          schema.name,
        ]),
      );
    if (iceberg)
      return showResult(
        ICEBERG_TABLE_COLUMNS,
        tables.map((t) => icebergTableRow(t.database, t.schema, t.table)),
      );
    const rows: unknown[][] = [];
    for (const { database, schema, table } of tables) {
      rows.push([
        table.createdOn,
        table.name,
        database.name,
        schema.name,
        table.kind,
        table.comment ?? '',
        '',
        await rowCount(ctx, table),
        0,
        table.owner,
        '1',
        'OFF',
        'OFF',
        'OFF',
        null,
        null,
        'N',
        'N',
        'ROLE',
        'N',
        null,
        'N',
        table.iceberg ? 'Y' : 'N',
        'N',
        'N',
      ]);
    }
    return showResult(
      [
        col.timestamp('created_on'),
        col.text('name'),
        col.text('database_name'),
        col.text('schema_name'),
        col.text('kind'),
        col.text('comment'),
        col.text('cluster_by'),
        col.number('rows'),
        col.number('bytes'),
        col.text('owner'),
        col.text('retention_time'),
        col.text('automatic_clustering'),
        col.text('change_tracking'),
        col.text('search_optimization'),
        col.text('search_optimization_progress'),
        col.text('search_optimization_bytes'),
        col.text('is_external'),
        col.text('enable_schema_evolution'),
        col.text('owner_role_type'),
        col.text('is_event'),
        col.text('budget'),
        col.text('is_hybrid'),
        col.text('is_iceberg'),
        col.text('is_dynamic'),
        col.text('is_immutable'),
      ],
      rows,
    );
  }
  if (iceberg) return c.fail(c.peek());
  if (c.acceptWords('STAGES')) {
    const filters = parseShowFilters(ctx);
    const stages = visibleSchemaObjects(ctx, filters, (schema) => schema.stages.values()).map(
      ({ database, schema, object }) => ({ database, schema, stage: object }),
    );
    return showResult(
      [
        col.timestamp('created_on'),
        col.text('name'),
        col.text('database_name'),
        col.text('schema_name'),
        col.text('url'),
        col.text('has_credentials'),
        col.text('has_encryption_key'),
        col.text('owner'),
        col.text('comment'),
        col.text('region'),
        col.text('type'),
        col.text('cloud'),
        col.text('notification_channel'),
        col.text('storage_integration'),
        col.text('endpoint'),
        col.text('owner_role_type'),
        col.text('directory_enabled'),
      ],
      stages.map(({ database, schema, stage }) => [
        stage.createdOn,
        stage.name,
        database.name,
        schema.name,
        stage.url,
        'N',
        'N',
        stage.owner,
        stage.comment ?? '',
        'us-west-2',
        'EXTERNAL',
        'AWS',
        null,
        stage.storageIntegration,
        null,
        'ROLE',
        'N',
      ]),
    );
  }
  if (c.acceptWords('FILE', 'FORMATS')) {
    const filters = parseShowFilters(ctx);
    const formats = visibleSchemaObjects(ctx, filters, (schema) => schema.fileFormats.values()).map(
      ({ database, schema, object }) => ({ database, schema, format: object }),
    );
    return showResult(
      [
        col.timestamp('created_on'),
        col.text('name'),
        col.text('database_name'),
        col.text('schema_name'),
        col.text('type'),
        col.text('owner'),
        col.text('comment'),
        col.text('format_options'),
        col.text('owner_role_type'),
      ],
      formats.map(({ database, schema, format }) => [
        format.createdOn,
        format.name,
        database.name,
        schema.name,
        format.spec.type,
        format.owner,
        format.comment ?? '',
        JSON.stringify({ TYPE: format.spec.type, ...format.spec.options }),
        'ROLE',
      ]),
    );
  }
  const t = c.peek();
  if (t?.kind === 'word') throw sqlErrors.unsupported(`SHOW ${t.upper}`);
  return c.fail(t);
}
