import { displayIdentifier, SnowflakeError, sqlErrors } from '../../errors.js';
import { authorizeCreateIn, authorizeTable, authorizeTableEntry } from '../access/authorize.js';
import type { ColumnDef, TableEntry } from '../catalog.js';
import { runDuck } from '../duck-results.js';
import { type ObjectRef, resolveObjectRef, resolveTable } from '../name-resolution.js';
import { duckIdent, type Token } from '../sql-lexer.js';
import type { StatementContext } from '../statement-context.js';
import { type StatementResult, statusResult } from '../statement-result.js';
import { isIdentifierToken, optionText, type TokenCursor } from '../token-cursor.js';
import { translateQuery } from '../translate-query.js';
import { timestampMapping } from '../session-state.js';
import { columnTypeFromDuck, parseColumnType } from '../type-mapping.js';
import { alterColumnType, refuseNotNullOnRows } from './alter-column.js';
import { inferColumnsForTemplate } from './infer-schema.js';

const OK = 'Statement executed successfully.';

export function columnSql(column: ColumnDef, defaultSql?: string): string {
  return `${duckIdent(column.name)} ${column.type.duck}${column.nullable ? '' : ' NOT NULL'}${defaultSql ? ` DEFAULT ${defaultSql}` : ''}`;
}

/** Creates the DuckDB table for a catalog table. */
export async function createPhysicalTable(
  ctx: StatementContext,
  table: TableEntry,
  defaults: Map<string, string> = new Map(),
): Promise<void> {
  await runDuck(ctx.session.connection, createPhysicalTableSql(table, defaults));
}

/** The DuckDB statement createPhysicalTable runs; throws for columns the emulator cannot hold. */
export function createPhysicalTableSql(table: TableEntry, defaults: Map<string, string> = new Map()): string {
  if (table.columns.length === 0) throw sqlErrors.syntax('Table must have at least one column.');
  const lower = new Set<string>();
  for (const c of table.columns) {
    const key = c.name.toLowerCase();
    if (lower.has(key))
      throw sqlErrors.syntax(
        `duplicate column name '${c.name}' (the emulator cannot hold column names that differ only by case)`,
      );
    lower.add(key);
  }
  const columns = table.columns.map((c) => columnSql(c, defaults.get(c.name))).join(', ');
  return `CREATE TABLE ${table.physical} (${columns})`;
}

export async function dropPhysicalTable(ctx: StatementContext, table: TableEntry): Promise<void> {
  await runDuck(ctx.session.connection, `DROP TABLE IF EXISTS ${table.physical}`);
  ctx.engine.loadMetadata.forget(table.id);
}

function tokensUntilDepthZero(c: TokenCursor, stops: (t: Token) => boolean): Token[] {
  const out: Token[] = [];
  let depth = 0;
  while (!c.done) {
    const t = c.peek() as Token;
    if (depth === 0 && (t.text === ',' || t.text === ')' || stops(t))) break;
    if (t.text === '(') depth++;
    if (t.text === ')') depth--;
    out.push(c.next());
  }
  return out;
}

const CONSTRAINT_WORDS = new Set(['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'FOREIGN']);

/** `( col type [NOT NULL] [DEFAULT x] [COMMENT 'c'] ..., [constraints] )` */
function parseColumnDefinitions(ctx: StatementContext): { columns: ColumnDef[]; defaults: Map<string, string> } {
  const c = ctx.cursor;
  const columns: ColumnDef[] = [];
  const defaults = new Map<string, string>();
  c.expectOp('(');
  do {
    const t = c.peek();
    if (t?.kind === 'word' && CONSTRAINT_WORDS.has(t.upper) && !(c.peek(1)?.text === '.' || isTypeStart(c, 1, t))) {
      // Out-of-line constraints are accepted and, as in Snowflake, not enforced.
      tokensUntilDepthZero(c, () => false);
      continue;
    }
    const name = c.identifier();
    const type = parseColumnType(c, timestampMapping(ctx.session.state));
    const column: ColumnDef = { name, type, nullable: true, comment: null };
    for (;;) {
      if (c.acceptWords('NOT', 'NULL')) column.nullable = false;
      else if (c.acceptWords('NULL')) column.nullable = true;
      else if (c.acceptWords('COMMENT')) column.comment = c.string();
      else if (c.acceptWords('COLLATE')) c.string();
      else if (c.acceptWords('PRIMARY', 'KEY')) column.nullable = false;
      else if (c.acceptWords('UNIQUE')) continue;
      else if (c.acceptWords('DEFAULT')) {
        const expr = tokensUntilDepthZero(
          c,
          (x) => x.kind === 'word' && ['NOT', 'NULL', 'COMMENT', 'PRIMARY', 'UNIQUE', 'COLLATE'].includes(x.upper),
        );
        const translated = translateQuery(
          expr,
          {
            catalog: ctx.engine.catalog,
            session: ctx.session.state,
            contextFunctions: ctx.engine.contextFunctions(ctx.session),
          },
          false,
        );
        defaults.set(name, translated.sql);
      } else if (c.isWord('AUTOINCREMENT') || c.isWord('IDENTITY'))
        throw sqlErrors.unsupported('AUTOINCREMENT / IDENTITY columns');
      else if (
        c.isWord('REFERENCES') ||
        c.isWord('CONSTRAINT') ||
        c.isWord('WITH') ||
        c.isWord('MASKING') ||
        c.isWord('TAG')
      )
        tokensUntilDepthZero(c, () => false);
      else break;
    }
    columns.push(column);
  } while (c.acceptOp(','));
  c.expectOp(')');
  return { columns, defaults };
}

function isTypeStart(c: TokenCursor, offset: number, t: Token): boolean {
  // `unique varchar` is a column named UNIQUE; `UNIQUE (a)` is a constraint.
  const next = c.peek(offset);
  return t.upper !== 'CONSTRAINT' && next?.kind === 'word' && !['KEY'].includes(next.upper);
}

async function columnsFromDuck(
  ctx: StatementContext,
  physical: string,
  sources: readonly TableEntry[],
): Promise<ColumnDef[]> {
  const result = await runDuck(ctx.session.connection, `SELECT * FROM ${physical} LIMIT 0`);
  const columns: ColumnDef[] = [];
  for (let i = 0; i < result.columnCount; i++) {
    const name = result.columnName(i);
    const mapped = columnTypeFromDuck(result.columnType(i));
    const declared = sources
      .flatMap((s) => s.columns)
      .find((col) => col.name === name && col.type.duck === mapped.duck);
    columns.push({ name, type: declared?.type ?? mapped, nullable: true, comment: null });
  }
  return columns;
}

function replaceExisting(
  ref: ObjectRef,
  orReplace: boolean,
  ifNotExists: boolean,
  kind = 'Object',
): 'create' | 'exists' | TableEntry {
  const existing = ref.schema.tables.get(ref.name);
  if (!existing) return 'create';
  if (ifNotExists) return 'exists';
  if (!orReplace) throw sqlErrors.alreadyExists(kind, ref.qualified);
  return existing;
}

/**
 * CREATE [OR REPLACE] [TEMPORARY|TRANSIENT] TABLE [IF NOT EXISTS] name
 *   ( columns ) | LIKE t | CLONE t | [ (names) ] AS SELECT ... | USING TEMPLATE ( ... )
 *   [ COMMENT = '...' ] [ other options ]
 */
export async function createTable(
  ctx: StatementContext,
  flags: { orReplace: boolean; temporary: boolean; transient: boolean },
): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifNotExists = c.acceptIfNotExists();
  const ref = resolveObjectRef(ctx.engine.catalog, ctx.session.state, c.objectName(), 'CREATE TABLE');
  authorizeCreateIn(ctx, ref, 'CREATE TABLE');
  const disposition = replaceExisting(ref, flags.orReplace, ifNotExists);
  const created = `Table ${displayIdentifier(ref.name)} successfully created.`;
  if (disposition === 'exists')
    return statusResult(`${displayIdentifier(ref.name)} already exists, statement succeeded.`);
  // Replacing a table drops it: only its owner may.
  if (disposition !== 'create') authorizeTable(ctx, ref, disposition, 'OWNERSHIP');
  /** Where COPY GRANTS takes the grants from: the replaced table first, else LIKE's / CLONE's source. */
  let grantsFrom: TableEntry | undefined = disposition !== 'create' ? disposition : undefined;
  let copyGrants: boolean;
  const owner = ctx.session.state.role;
  const kind = flags.temporary ? 'TEMPORARY' : flags.transient ? 'TRANSIENT' : 'TABLE';
  const sessionId = flags.temporary ? ctx.session.state.id : null;
  let table: TableEntry;
  let afterCreate: (() => Promise<void>) | undefined;

  if (c.acceptWords('LIKE') || c.isWord('CLONE')) {
    const clone = c.acceptWords('CLONE');
    const { ref: sourceRef, table: source } = resolveTable(ctx.engine.catalog, ctx.session.state, c.objectName());
    // CLONE reads the data (SELECT); LIKE only needs to see the table.
    authorizeTable(ctx, sourceRef, source, ...(clone ? ['SELECT'] : []));
    copyGrants = c.acceptWords('COPY', 'GRANTS');
    c.expectEnd();
    grantsFrom ??= source;
    table = ctx.engine.catalog.newTable(
      ref.name,
      source.columns.map((col) => ({ ...col })),
      { kind, owner, sessionId },
    );
    await createPhysicalTable(ctx, table);
    if (clone)
      afterCreate = async () =>
        void (await runDuck(ctx.session.connection, `INSERT INTO ${table.physical} SELECT * FROM ${source.physical}`));
  } else if (c.isWord('USING') || (c.isWord('COPY') && c.peek(2)?.upper === 'USING')) {
    // `CREATE OR REPLACE TABLE t [COPY GRANTS] USING TEMPLATE (…)`: COPY GRANTS keeps the replaced table's grants.
    copyGrants = c.acceptWords('COPY', 'GRANTS');
    c.expectWords('USING', 'TEMPLATE');
    const columns = await inferColumnsForTemplate(ctx);
    table = ctx.engine.catalog.newTable(ref.name, columns, { kind, owner, sessionId });
    await createPhysicalTable(ctx, table);
  } else {
    let columns: ColumnDef[] | undefined;
    let defaults = new Map<string, string>();
    let renames: string[] | undefined;
    if (c.isOp('(')) {
      // `(a, b) AS SELECT` names the CTAS columns; otherwise full definitions.
      const isNameList = isIdentifierToken(c.peek(1)) && (c.peek(2)?.text === ',' || c.peek(2)?.text === ')');
      if (isNameList) {
        c.expectOp('(');
        renames = [];
        do renames.push(c.identifier());
        while (c.acceptOp(','));
        c.expectOp(')');
      } else ({ columns, defaults } = parseColumnDefinitions(ctx));
    }
    const options = c.optionList();
    if (c.acceptWords('CLUSTER', 'BY')) tokensUntilDepthZero(c, () => false);
    const moreOptions = c.optionList();
    copyGrants = c.acceptWords('COPY', 'GRANTS');
    const comment = optionText(options.get('COMMENT') ?? moreOptions.get('COMMENT')) ?? null;
    if (c.acceptWords('AS')) {
      const sig = c.rest();
      const first = sig[0];
      if (!first) return c.fail(undefined);
      const queryTokens = ctx.tokens.slice(ctx.tokens.indexOf(first));
      while (!c.done) c.next();
      const translated = translateQuery(
        queryTokens,
        {
          catalog: ctx.engine.catalog,
          session: ctx.session.state,
          contextFunctions: ctx.engine.contextFunctions(ctx.session),
        },
        true,
      );
      for (const source of new Set(translated.tables)) authorizeTableEntry(ctx, source, 'SELECT');
      table = ctx.engine.catalog.newTable(ref.name, [], { kind, owner, sessionId, comment });
      const select = renames
        ? `SELECT * FROM (${translated.sql}) AS __src(${renames.map(duckIdent).join(', ')})`
        : translated.sql;
      if (columns) {
        table.columns = columns;
        await createPhysicalTable(ctx, table, defaults);
        await runDuck(ctx.session.connection, `INSERT INTO ${table.physical} ${select}`, ctx.signal);
      } else {
        await runDuck(ctx.session.connection, `CREATE TABLE ${table.physical} AS ${select}`, ctx.signal);
        table.columns = await columnsFromDuck(ctx, table.physical, translated.tables);
      }
    } else {
      c.expectEnd();
      if (!columns) return c.fail(c.peek());
      table = ctx.engine.catalog.newTable(ref.name, columns, { kind, owner, sessionId, comment });
      await createPhysicalTable(ctx, table, defaults);
    }
  }
  if (disposition !== 'create') {
    ref.schema.tables.delete(ref.name);
    await dropPhysicalTable(ctx, disposition);
  }
  await afterCreate?.();
  ref.schema.tables.set(ref.name, table);
  ctx.engine.access.register(table, owner);
  // COPY GRANTS copies every privilege but OWNERSHIP; without it the new table gets the future grants.
  if (copyGrants && grantsFrom) ctx.engine.access.copyGrants(grantsFrom, table);
  else ctx.engine.access.applyFutureGrants(table, 'TABLE', [ref.schema, ref.database]);
  return statusResult(created);
}

/** DROP TABLE [IF EXISTS] name [CASCADE|RESTRICT] */
export async function dropTable(ctx: StatementContext, icebergOnly: boolean): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifExists = c.acceptIfExists();
  const parts = c.objectName();
  if (!c.acceptWords('CASCADE')) c.acceptWords('RESTRICT');
  c.expectEnd();
  let found: ReturnType<typeof resolveTable> | undefined;
  try {
    found = resolveTable(ctx.engine.catalog, ctx.session.state, parts, 'DROP');
  } catch (err) {
    if (!ifExists) throw err;
  }
  const name = parts[parts.length - 1] as string;
  if (!found || (icebergOnly && !found.table.iceberg)) {
    if (ifExists)
      return statusResult(`Drop statement executed successfully (${displayIdentifier(name)} already dropped).`);
    throw sqlErrors.objectMissing(found?.ref.qualified ?? parts);
  }
  authorizeTable(ctx, found.ref, found.table, 'OWNERSHIP');
  found.ref.schema.tables.delete(found.table.name);
  await dropPhysicalTable(ctx, found.table);
  return statusResult(`${displayIdentifier(found.table.name)} successfully dropped.`);
}

/** TRUNCATE [TABLE] [IF EXISTS] name: deletes the rows and the table's load metadata. */
export async function truncateTable(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  c.expectWords('TRUNCATE');
  c.acceptWords('TABLE');
  const ifExists = c.acceptIfExists();
  const parts = c.objectName();
  c.expectEnd();
  let found: ReturnType<typeof resolveTable> | undefined;
  try {
    found = resolveTable(ctx.engine.catalog, ctx.session.state, parts, 'TRUNCATE');
  } catch (err) {
    if (!ifExists) throw err;
  }
  if (found) {
    authorizeTable(ctx, found.ref, found.table, 'TRUNCATE');
    await runDuck(ctx.session.connection, `DELETE FROM ${found.table.physical}`, ctx.signal);
    ctx.engine.loadMetadata.forget(found.table.id);
  }
  return statusResult(OK);
}

/**
 * ALTER TABLE [IF EXISTS] a SWAP WITH b | RENAME TO b | ADD [COLUMN] [IF NOT EXISTS] c type [NOT NULL]
 *   | { ALTER | MODIFY } [COLUMN] c [SET DATA] TYPE type | DROP [COLUMN] c
 *   | SET COMMENT = '...' | UNSET COMMENT
 */
export async function alterTable(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  const ifExists = c.acceptIfExists();
  const parts = c.objectName();
  let found: ReturnType<typeof resolveTable>;
  try {
    found = resolveTable(ctx.engine.catalog, ctx.session.state, parts, 'ALTER TABLE');
  } catch (err) {
    if (ifExists) return statusResult(OK);
    throw err;
  }
  const { ref, table } = found;
  const catalog = ctx.engine.catalog;
  authorizeTable(ctx, ref, table, 'OWNERSHIP');
  if (c.acceptWords('SWAP', 'WITH')) {
    const other = resolveTable(catalog, ctx.session.state, c.objectName(), 'ALTER TABLE');
    c.expectEnd();
    // Both tables change: the role must own both. Their grants and owners go
    // with them, as the catalog entries (and the grants hung on them) swap names.
    authorizeTable(ctx, other.ref, other.table, 'OWNERSHIP');
    const [aName, bName] = [table.name, other.table.name];
    ref.schema.tables.delete(aName);
    other.ref.schema.tables.delete(bName);
    table.name = bName;
    other.table.name = aName;
    other.ref.schema.tables.set(bName, table);
    ref.schema.tables.set(aName, other.table);
    return statusResult(OK);
  }
  if (c.acceptWords('RENAME', 'TO')) {
    const target = resolveObjectRef(catalog, ctx.session.state, c.objectName(), 'ALTER TABLE');
    c.expectEnd();
    if (target.schema !== ref.schema) authorizeCreateIn(ctx, target, 'CREATE TABLE');
    if (target.schema.tables.has(target.name)) throw sqlErrors.alreadyExists('Object', target.qualified);
    ref.schema.tables.delete(table.name);
    table.name = target.name;
    target.schema.tables.set(target.name, table);
    return statusResult(OK);
  }
  if (c.acceptWords('ADD')) {
    c.acceptWords('COLUMN');
    const ifNotExists = c.acceptIfNotExists();
    const name = c.identifier();
    const type = parseColumnType(c, timestampMapping(ctx.session.state));
    const column: ColumnDef = { name, type, nullable: true, comment: null };
    if (c.acceptWords('NOT', 'NULL')) column.nullable = false;
    c.expectEnd();
    if (table.columns.some((col) => col.name === name)) {
      if (ifNotExists) return statusResult(OK);
      // As Snowflake answers (001430, quoted in MeltanoLabs/target-snowflake#525).
      throw new SnowflakeError('001430', '42601', `SQL compilation error:\ncolumn '${name}' already exists`);
    }
    await refuseNotNullOnRows(ctx, table, column);
    // DuckDB adds no column with a constraint: NOT NULL (on an empty table, see above) is set after.
    await runDuck(
      ctx.session.connection,
      `ALTER TABLE ${table.physical} ADD COLUMN ${columnSql({ ...column, nullable: true })}`,
    );
    if (!column.nullable)
      await runDuck(
        ctx.session.connection,
        `ALTER TABLE ${table.physical} ALTER COLUMN ${duckIdent(column.name)} SET NOT NULL`,
      );
    table.columns.push(column);
    return statusResult(OK);
  }
  if (c.acceptWords('ALTER') || c.acceptWords('MODIFY')) {
    c.acceptWords('COLUMN');
    const name = c.identifier();
    if (!c.acceptWords('SET', 'DATA', 'TYPE') && !c.acceptWords('TYPE') && !c.acceptWords('SET', 'TYPE')) {
      const t = c.peek();
      throw sqlErrors.unsupported(`ALTER TABLE ... ALTER COLUMN ... ${t?.kind === 'word' ? t.upper : ''}`.trimEnd());
    }
    const type = parseColumnType(c, timestampMapping(ctx.session.state));
    c.expectEnd();
    const column = table.columns.find((col) => col.name === name);
    if (!column) throw sqlErrors.invalidIdentifier(displayIdentifier(name));
    await alterColumnType(ctx, table, column, type);
    return statusResult(OK);
  }
  if (c.acceptWords('DROP')) {
    c.acceptWords('COLUMN');
    const ifColumnExists = c.acceptIfExists();
    const name = c.identifier();
    c.expectEnd();
    if (!table.columns.some((col) => col.name === name)) {
      if (ifColumnExists) return statusResult(OK);
      throw sqlErrors.invalidIdentifier(displayIdentifier(name));
    }
    await runDuck(ctx.session.connection, `ALTER TABLE ${table.physical} DROP COLUMN ${duckIdent(name)}`);
    table.columns = table.columns.filter((col) => col.name !== name);
    return statusResult(OK);
  }
  if (c.acceptWords('SET')) {
    const options = c.optionList();
    c.expectEnd();
    const comment = options.get('COMMENT');
    if (comment) table.comment = optionText(comment) ?? null;
    return statusResult(OK);
  }
  if (c.acceptWords('UNSET', 'COMMENT')) {
    table.comment = null;
    return statusResult(OK);
  }
  const t = c.peek();
  if (t && t.kind === 'word') throw sqlErrors.unsupported(`ALTER TABLE ... ${t.upper}`);
  return c.fail(t);
}
