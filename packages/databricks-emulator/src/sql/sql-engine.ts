import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import type { ColumnFixture, ColumnType } from '../fixture-types.js';
import type { AccessPolicy } from '../unity-catalog/access-policy.js';
import type { CatalogEntry, CatalogStore, SchemaEntry, TableEntry } from '../unity-catalog/catalog-store.js';
import { sqlFailures, SqlFailure } from './sql-failures.js';
import { render, SqlSyntaxError, type Token, tokenize } from './sql-text.js';
import { statementShape, type TableRef, type TokenRange, UnsupportedStatementError } from './statement-shape.js';

/** A named parameter as the Statement Execution API takes it (`StatementParameterListItem`). */
export interface StatementParameter {
  name: string;
  value?: string | null;
  type?: string;
}

export interface SqlRequest {
  statement: string;
  parameters: StatementParameter[];
  catalog?: string;
  schema?: string;
  principal: string;
}

export interface ResultColumn {
  name: string;
  /** ColumnInfoTypeName: STRING, LONG, INT, TIMESTAMP, … */
  typeName: string;
  /** The SQL type: STRING, BIGINT, … */
  typeText: string;
}

export interface SqlResult {
  columns: ResultColumn[];
  /** JSON_ARRAY rows: every value a string, or null. */
  rows: Array<Array<string | null>>;
}

interface ResolvedTable {
  catalog: CatalogEntry;
  schema: SchemaEntry;
  name: string;
  fullName: string;
  /** `"cat"."schema"."table"` for DuckDB. */
  duckName: string;
}

const TAG_VIEW_COLUMNS = ['catalog_name', 'schema_name', 'table_name', 'tag_name', 'tag_value'];

/**
 * Runs Databricks SQL on an embedded DuckDB, with Unity Catalog as the catalog of record: every Unity Catalog
 * catalog is an attached DuckDB database, tables and views created through SQL are registered in Unity Catalog
 * (MANAGED + DELTA, or VIEW) and owned by their creator, and every name is checked against Unity Catalog's
 * privileges before DuckDB sees the statement (USE CATALOG, USE SCHEMA, SELECT, MODIFY, CREATE TABLE).
 * `<catalog>.information_schema.table_tags` reflects the tag assignments Unity Catalog keeps, filtered to the
 * tables the caller may read. Fixture tables have no rows here: reading them through SQL is refused clearly.
 */
export class SqlEngine {
  #instance: Promise<DuckDBInstance> | undefined;
  readonly #attached = new Set<string>();
  /** Tables and views created through SQL: Unity Catalog table id → DuckDB name. */
  readonly #owned = new Map<string, string>();
  #tempTables = 0;

  constructor(
    private readonly store: CatalogStore,
    private readonly access: AccessPolicy,
  ) {}

  async execute(request: SqlRequest): Promise<SqlResult> {
    let tokens: Token[];
    let shape: ReturnType<typeof statementShape>;
    try {
      tokens = tokenize(request.statement);
      shape = statementShape(tokens);
    } catch (error) {
      if (error instanceof SqlSyntaxError) throw sqlFailures.syntax(error.message);
      if (error instanceof UnsupportedStatementError) throw sqlFailures.unsupported(error.message);
      throw error;
    }
    const connection = await (await this.#duck()).connect();
    try {
      const replacements: Array<TokenRange & { text: string }> = shape.strip.map((r) => ({ ...r, text: '' }));
      const reads = 'reads' in shape ? shape.reads : [];
      for (const ref of reads) replacements.push({ ...ref, text: await this.#readable(connection, ref, request) });
      const params = bindParameters(tokens, request.parameters);

      switch (shape.kind) {
        case 'select': {
          return await run(connection, rewrite(tokens, replacements), params);
        }
        case 'merge':
        case 'insert': {
          const target = this.#resolve(shape.target, request);
          this.#requireUse(request.principal, target);
          const entry = this.#sqlTable(target, 'MODIFY');
          if (entry.tableType === 'VIEW') throw sqlFailures.notATable(target.fullName);
          this.#requireModify(request.principal, target, entry);
          replacements.push({ ...shape.target, text: target.duckName });
          const result = await run(connection, rewrite(tokens, replacements), params);
          const count = result.rows[0]?.[0] ?? '0';
          entry.updatedAt = Date.now();
          return shape.kind === 'merge'
            ? { columns: [column('num_affected_rows', 'BIGINT')], rows: [[count]] }
            : {
                columns: [column('num_affected_rows', 'BIGINT'), column('num_inserted_rows', 'BIGINT')],
                rows: [[count, count]],
              };
        }
        case 'create-table':
        case 'create-view': {
          const target = this.#resolve(shape.target, request);
          this.#requireUse(request.principal, target);
          this.#requireCreate(request.principal, target);
          const existing = target.schema.tables.get(target.name);
          const isView = shape.kind === 'create-view';
          if (existing && shape.ifNotExists) return empty();
          if (existing && !shape.orReplace) throw sqlFailures.alreadyExists(target.fullName);
          if (existing && isView && existing.tableType !== 'VIEW') throw sqlFailures.expectView(target.fullName);
          if (existing && !isView) throw sqlFailures.unsupported('CREATE OR REPLACE TABLE is not emulated');
          if (shape.kind === 'create-table' && shape.format !== 'DELTA')
            throw sqlFailures.unsupported(`USING ${shape.format}: the emulator creates Delta tables only`);
          await this.#ensureSchema(connection, target);
          if (!existing) await connection.run(`DROP ${isView ? 'VIEW' : 'TABLE'} IF EXISTS ${target.duckName}`);
          replacements.push({ ...shape.target, text: target.duckName });
          await run(connection, rewrite(tokens, replacements), params);
          const described = await connection.runAndReadAll(`DESCRIBE ${target.duckName}`);
          const columns = described.getRows().map(([name, type]) => ({
            name: String(name),
            type: columnTypeOf(String(type)),
          }));
          if (existing) this.store.dropTable(target.fullName);
          const asAt = tokens.findIndex(
            (t, i) => t.kind === 'word' && t.value.toUpperCase() === 'AS' && i > shape.target.end,
          );
          const entry = this.store.addTable(target.catalog.name, target.schema.name, {
            name: target.name,
            format: isView ? 'view' : 'delta',
            columns,
            owner: existing?.access.owner ?? request.principal,
            ...(existing ? { table_id: existing.tableId } : {}),
            ...(isView ? { view_definition: render(tokens.slice(asAt + 1)) } : {}),
          });
          this.#owned.set(entry.tableId, target.duckName);
          return empty();
        }
        case 'drop': {
          const target = this.#resolve(shape.target, request);
          this.#requireUse(request.principal, target);
          const entry = target.schema.tables.get(target.name);
          if (!entry) {
            if (shape.ifExists) return empty();
            throw sqlFailures.tableNotFound(target.fullName);
          }
          if (this.access.ownerOf(entry) !== request.principal && !this.access.isAdmin(request.principal))
            throw sqlFailures.insufficientPermissions('MANAGE', 'Table', target.fullName);
          if (this.#owned.has(entry.tableId))
            await connection.run(`DROP ${entry.tableType === 'VIEW' ? 'VIEW' : 'TABLE'} IF EXISTS ${target.duckName}`);
          this.#owned.delete(entry.tableId);
          this.store.dropTable(target.fullName);
          return empty();
        }
      }
    } finally {
      connection.closeSync();
    }
  }

  /** Forgets every table created through SQL (the workspace's reset: Unity Catalog is back to the fixture). */
  async reset(): Promise<void> {
    const instance = this.#instance;
    this.#instance = undefined;
    this.#attached.clear();
    this.#owned.clear();
    if (instance) (await instance).closeSync();
  }

  async #duck(): Promise<DuckDBInstance> {
    this.#instance ??= DuckDBInstance.create(':memory:');
    return this.#instance;
  }

  async #ensureSchema(connection: DuckDBConnection, table: ResolvedTable): Promise<void> {
    const catalog = quote(table.catalog.name);
    if (!this.#attached.has(table.catalog.name)) {
      await connection.run(`ATTACH IF NOT EXISTS ':memory:' AS ${catalog}`);
      this.#attached.add(table.catalog.name);
    }
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${catalog}.${quote(table.schema.name)}`);
  }

  /** A name read by the statement: checked, and rewritten to what DuckDB knows it as. */
  async #readable(connection: DuckDBConnection, ref: TableRef, request: SqlRequest): Promise<string> {
    const parts = ref.parts.map((p) => p.toLowerCase());
    const target = this.#resolve(ref, request);
    if (target.schema.name === 'information_schema') {
      this.#requireUse(request.principal, target);
      if (parts[parts.length - 1] !== 'table_tags')
        throw sqlFailures.unsupported(`${target.fullName}: only information_schema.table_tags is emulated`);
      return this.#tableTags(connection, target.catalog, request.principal);
    }
    this.#requireUse(request.principal, target);
    const entry = this.#sqlTable(target, 'SELECT');
    if (this.access.tableVisibility(request.principal, target.catalog, target.schema, entry) !== 'full')
      throw sqlFailures.insufficientPermissions('SELECT', 'Table', target.fullName);
    return target.duckName;
  }

  /** A temporary table with the catalog's table tags the caller may see, in information_schema's columns. */
  async #tableTags(connection: DuckDBConnection, catalog: CatalogEntry, principal: string): Promise<string> {
    const name = `__uc_table_tags_${++this.#tempTables}`;
    await connection.run(`CREATE TEMP TABLE ${name} (${TAG_VIEW_COLUMNS.map((c) => `${c} VARCHAR`).join(', ')})`);
    const appender = await connection.createAppender(name, null, 'temp');
    for (const schema of catalog.schemas.values()) {
      if (schema.name === 'information_schema') continue;
      for (const table of schema.tables.values()) {
        if (this.access.tableVisibility(principal, catalog, schema, table) !== 'full') continue;
        for (const [key, value] of table.tags) {
          for (const text of [catalog.name, schema.name, table.name, key]) appender.appendVarchar(text);
          appender.appendVarchar(value);
          appender.endRow();
        }
      }
    }
    appender.flushSync();
    appender.closeSync();
    return `temp.main.${name}`;
  }

  #resolve(ref: TableRef, request: SqlRequest): ResolvedTable {
    const parts = ref.parts.map((p) => p.toLowerCase());
    const [catalogName, schemaName, name] =
      parts.length === 3
        ? parts
        : parts.length === 2
          ? [request.catalog?.toLowerCase(), parts[0], parts[1]]
          : [request.catalog?.toLowerCase(), request.schema?.toLowerCase() ?? 'default', parts[0]];
    const written = ref.parts.map((p) => `\`${p}\``).join('.');
    if (catalogName === undefined || schemaName === undefined || name === undefined)
      throw sqlFailures.tableNotFound(written);
    const catalog = this.store.listCatalogs().find((c) => c.name === catalogName);
    if (!catalog) throw sqlFailures.noSuchCatalog(catalogName);
    const schema = catalog.schemas.get(schemaName);
    if (!schema) throw sqlFailures.schemaNotFound(`${catalogName}.${schemaName}`);
    return {
      catalog,
      schema,
      name,
      fullName: `${catalogName}.${schemaName}.${name}`,
      duckName: [catalogName, schemaName, name].map(quote).join('.'),
    };
  }

  /** A table Unity Catalog has and this engine holds the rows of. */
  #sqlTable(target: ResolvedTable, use: 'SELECT' | 'MODIFY'): TableEntry {
    const entry = target.schema.tables.get(target.name);
    if (!entry) throw sqlFailures.tableNotFound(target.fullName);
    if (this.#owned.get(entry.tableId) !== target.duckName)
      throw sqlFailures.unsupported(
        `${use} on ${target.fullName}: the emulator serves through SQL only tables and views created through SQL; fixture tables have no rows here`,
      );
    return entry;
  }

  /** USE CATALOG and USE SCHEMA, the first missing one named, as Databricks names it. */
  #requireUse(principal: string, target: ResolvedTable): void {
    if (this.access.catalogVisibility(principal, target.catalog) !== 'full')
      throw sqlFailures.insufficientPermissions('USE CATALOG', 'Catalog', target.catalog.name);
    if (this.access.schemaVisibility(principal, target.catalog, target.schema) !== 'full')
      throw sqlFailures.insufficientPermissions('USE SCHEMA', 'Schema', `${target.catalog.name}.${target.schema.name}`);
  }

  #requireCreate(principal: string, target: ResolvedTable): void {
    if (
      this.access.isAdmin(principal) ||
      this.access.ownerOf(target.catalog) === principal ||
      this.access.ownerOf(target.schema) === principal ||
      this.access.holds(principal, 'CREATE_TABLE', target.catalog, target.schema)
    )
      return;
    throw sqlFailures.insufficientPermissions('CREATE TABLE', 'Schema', `${target.catalog.name}.${target.schema.name}`);
  }

  #requireModify(principal: string, target: ResolvedTable, table: TableEntry): void {
    if (
      this.access.isAdmin(principal) ||
      [target.catalog, target.schema, table].some((s) => this.access.ownerOf(s) === principal) ||
      this.access.holds(principal, 'MODIFY', target.catalog, target.schema, table)
    )
      return;
    throw sqlFailures.insufficientPermissions('MODIFY', 'Table', target.fullName);
  }
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function rewrite(tokens: readonly Token[], replacements: ReadonlyArray<TokenRange & { text: string }>): string {
  const sorted = [...replacements].sort((a, b) => a.start - b.start);
  const out: string[] = [];
  let i = 0;
  for (const r of sorted) {
    if (r.start < i) continue;
    out.push(...tokens.slice(i, r.start).map((t) => t.text), r.text);
    i = r.end;
  }
  out.push(...tokens.slice(i).map((t) => t.text));
  return out.join('').trim();
}

const PARAMETER_TYPE =
  /^(STRING|BIGINT|INT|INTEGER|SMALLINT|TINYINT|DOUBLE|FLOAT|BOOLEAN|DATE|TIMESTAMP|TIMESTAMP_NTZ|DECIMAL(\(\d+(,\s*\d+)?\))?)$/i;

/**
 * Binds named parameters: each `:name` becomes DuckDB's `$name`, cast to its declared type ("If the type
 * field is omitted, the value is interpreted as a string"; an omitted value is NULL — ExecuteStatementRequest
 * docs in the SDK). A marker without a parameter fails with UNBOUND_SQL_PARAMETER, as Databricks does.
 */
function bindParameters(tokens: Token[], parameters: readonly StatementParameter[]): Record<string, string | null> {
  const byName = new Map(parameters.map((p) => [p.name, p]));
  const values: Record<string, string | null> = {};
  for (const token of tokens) {
    if (token.kind !== 'param') continue;
    const parameter = byName.get(token.value);
    if (!parameter) throw sqlFailures.unboundParameter(token.value);
    const type = (parameter.type ?? 'STRING').trim().toUpperCase();
    if (!PARAMETER_TYPE.test(type)) throw sqlFailures.invalidParameterType(parameter.name, type);
    const duckType = type === 'STRING' ? 'VARCHAR' : type === 'TIMESTAMP_NTZ' ? 'TIMESTAMP' : type;
    token.text = `CAST($${token.value} AS ${duckType})`;
    values[token.value] = parameter.value ?? null;
  }
  return values;
}

async function run(
  connection: DuckDBConnection,
  sql: string,
  params: Record<string, string | null>,
): Promise<SqlResult> {
  try {
    const reader = await connection.runAndReadAll(sql, Object.keys(params).length > 0 ? params : undefined);
    const types = reader.columnTypes().map(String);
    const columns = reader.columnNames().map((name, i) => resultColumn(name, types[i] ?? 'VARCHAR'));
    const rows = reader.getRows().map((row) => row.map((value, i) => jsonArrayValue(value, types[i] ?? '')));
    return { columns, rows };
  } catch (error) {
    if (error instanceof SqlFailure) throw error;
    throw sqlFailures.fromEngine(error instanceof Error ? error.message : String(error));
  }
}

function empty(): SqlResult {
  return { columns: [], rows: [] };
}

function column(name: string, typeText: string): ResultColumn {
  return { name, typeText, typeName: typeText === 'BIGINT' ? 'LONG' : typeText };
}

const DUCK_TO_SQL: Record<string, { text: string; name: string; fixture: ColumnType }> = {
  VARCHAR: { text: 'STRING', name: 'STRING', fixture: 'STRING' },
  BIGINT: { text: 'BIGINT', name: 'LONG', fixture: 'BIGINT' },
  HUGEINT: { text: 'BIGINT', name: 'LONG', fixture: 'BIGINT' },
  INTEGER: { text: 'INT', name: 'INT', fixture: 'INT' },
  DOUBLE: { text: 'DOUBLE', name: 'DOUBLE', fixture: 'DOUBLE' },
  BOOLEAN: { text: 'BOOLEAN', name: 'BOOLEAN', fixture: 'BOOLEAN' },
  DATE: { text: 'DATE', name: 'DATE', fixture: 'DATE' },
  TIMESTAMP: { text: 'TIMESTAMP', name: 'TIMESTAMP', fixture: 'TIMESTAMP' },
  'TIMESTAMP WITH TIME ZONE': { text: 'TIMESTAMP', name: 'TIMESTAMP', fixture: 'TIMESTAMP' },
};

function resultColumn(name: string, duckType: string): ResultColumn {
  const known = DUCK_TO_SQL[duckType];
  return known
    ? { name, typeText: known.text, typeName: known.name }
    : { name, typeText: duckType, typeName: 'STRING' };
}

function columnTypeOf(duckType: string): ColumnFixture['type'] {
  return DUCK_TO_SQL[duckType]?.fixture ?? 'STRING';
}

/** JSON_ARRAY values are strings (or null); timestamps as ISO 8601 in UTC. */
function jsonArrayValue(value: DuckDBValue, duckType: string): string | null {
  if (value === null) return null;
  if (duckType.startsWith('TIMESTAMP')) {
    const text = String(value);
    return `${text.replace(' ', 'T').replace(/\+00(:00)?$/, '')}${text.includes('.') ? '' : '.000'}Z`;
  }
  return String(value);
}
