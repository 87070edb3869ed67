import { authorizeStageObject } from '../access/authorize.js';
import { SnowflakeError, sqlErrors } from '../../errors.js';
import {
  listStagedFiles,
  parseStageReference,
  resolveFileFormat,
  resolveStage,
  type StagedFile,
} from '../../stage/stage-files.js';
import type { ColumnDef } from '../catalog.js';
import { runDuck } from '../duck-results.js';
import { duckString, type Token } from '../sql-lexer.js';
import type { StatementContext } from '../statement-context.js';
import { col, column, type StatementResult, StatementType } from '../statement-result.js';
import { TokenCursor } from '../token-cursor.js';
import { columnTypeFromDuck, inferredTypeFromDuck, types } from '../type-mapping.js';

/** Nested Parquet values become VARIANT columns. */
function tableTypeFromDuck(type: Parameters<typeof columnTypeFromDuck>[0]) {
  const mapped = columnTypeFromDuck(type);
  return mapped.rowType === 'array' || mapped.rowType === 'object' ? types.variant() : mapped;
}

interface InferSchemaArgs {
  location: string;
  fileFormat: string | null;
  files: string[] | null;
  ignoreCase: boolean;
}

export function mentionsInferSchema(ctx: StatementContext): boolean {
  return ctx.tokens.some((t) => t.kind === 'word' && t.upper === 'INFER_SCHEMA');
}

/** Reads `INFER_SCHEMA( LOCATION => '@s/p', FILE_FORMAT => 'f' [, FILES => ..., IGNORE_CASE => TRUE] )`. */
function parseInferSchemaArgs(tokens: readonly Token[]): InferSchemaArgs {
  const c = new TokenCursor(tokens);
  while (!c.done && !c.isWord('INFER_SCHEMA')) c.next();
  c.expectWords('INFER_SCHEMA');
  c.expectOp('(');
  const args: InferSchemaArgs = { location: '', fileFormat: null, files: null, ignoreCase: false };
  while (!c.isOp(')')) {
    const name = c.identifier();
    c.expectOp('=>');
    const value = c.optionValue();
    const text = value.kind === 'list' ? undefined : 'value' in value ? value.value : undefined;
    switch (name) {
      case 'LOCATION':
        args.location = text ?? '';
        break;
      case 'FILE_FORMAT':
        args.fileFormat = text ?? null;
        break;
      case 'FILES':
        args.files =
          value.kind === 'list' ? value.values.map((v) => ('value' in v ? v.value : '')) : text ? [text] : null;
        break;
      case 'IGNORE_CASE':
        args.ignoreCase = (text ?? '').toUpperCase() === 'TRUE';
        break;
      default:
        break;
    }
    if (!c.acceptOp(',')) break;
  }
  c.expectOp(')');
  if (!args.location.startsWith('@')) throw sqlErrors.invalidValue("INFER_SCHEMA requires LOCATION => '@stage/path'");
  return args;
}

interface InferredColumn {
  name: string;
  /** The type INFER_SCHEMA prints (TEXT, REAL, ...); `def.type` is what a table gets. */
  inferredType: string;
  def: ColumnDef;
  files: string[];
  orderId: number;
}

async function inferFromArgs(ctx: StatementContext, args: InferSchemaArgs): Promise<InferredColumn[]> {
  if (args.fileFormat === null)
    throw sqlErrors.invalidValue("INFER_SCHEMA requires FILE_FORMAT => '<named file format>'");
  const format = resolveFileFormat(ctx.engine.catalog, ctx.session.state, args.fileFormat);
  authorizeStageObject(ctx, 'file format', args.fileFormat);
  if (format.spec.type !== 'PARQUET') throw sqlErrors.unsupported(`INFER_SCHEMA for ${format.spec.type} files`);
  const { nameParts, path } = parseStageReference(args.location.slice(1));
  const stage = resolveStage(ctx.engine.catalog, ctx.session.state, nameParts);
  authorizeStageObject(ctx, 'stage', nameParts);
  let files: StagedFile[] = await listStagedFiles(ctx.engine.objectStore, stage.url, path);
  if (args.files) {
    const wanted = new Set(args.files);
    files = files.filter(
      (f) => wanted.has(f.relativePath) || [...wanted].some((w) => f.relativePath.endsWith(`/${w}`)),
    );
  }
  files = files.filter((f) => f.size > 0);
  if (files.length === 0)
    throw new SnowflakeError(
      '091093',
      '22000',
      `SQL execution error: No files found at location '${args.location}' to infer the schema from.`,
    );
  const columns = new Map<string, InferredColumn>();
  for (const file of files) {
    const result = await runDuck(
      ctx.session.connection,
      `SELECT * FROM read_parquet(${duckString(file.localPath)}) LIMIT 0`,
      ctx.signal,
    );
    for (let i = 0; i < result.columnCount; i++) {
      const raw = result.columnName(i);
      const name = args.ignoreCase ? raw.toUpperCase() : raw;
      const existing = columns.get(name);
      if (existing) existing.files.push(file.relativePath);
      else
        columns.set(name, {
          name,
          inferredType: inferredTypeFromDuck(result.columnType(i)).display,
          def: { name, type: tableTypeFromDuck(result.columnType(i)), nullable: true, comment: null },
          files: [file.relativePath],
          orderId: columns.size,
        });
    }
  }
  return [...columns.values()];
}

/** The balanced `( ... )` after USING TEMPLATE; returns the columns its INFER_SCHEMA describes. */
export async function inferColumnsForTemplate(ctx: StatementContext): Promise<ColumnDef[]> {
  const c = ctx.cursor;
  const inner: Token[] = [];
  c.expectOp('(');
  let depth = 1;
  while (depth > 0) {
    const t = c.next();
    if (t.text === '(') depth++;
    if (t.text === ')') depth--;
    if (depth > 0) inner.push(t);
  }
  c.optionList();
  c.expectEnd();
  if (!inner.some((t) => t.kind === 'word' && t.upper === 'INFER_SCHEMA'))
    throw sqlErrors.unsupported('USING TEMPLATE without INFER_SCHEMA');
  return (await inferFromArgs(ctx, parseInferSchemaArgs(inner))).map((col) => col.def);
}

/**
 * `SELECT * FROM TABLE(INFER_SCHEMA(...))` (the six documented columns) or
 * `SELECT ARRAY_AGG(OBJECT_CONSTRUCT(*)) FROM TABLE(INFER_SCHEMA(...))` (one array).
 */
export async function inferSchemaQuery(ctx: StatementContext): Promise<StatementResult> {
  const inferred = await inferFromArgs(ctx, parseInferSchemaArgs(ctx.tokens));
  const rows = inferred.map((c) => ({
    COLUMN_NAME: c.name,
    TYPE: c.inferredType,
    NULLABLE: c.def.nullable,
    EXPRESSION: `$1:${c.name}::${c.inferredType}`,
    FILENAMES: c.files.join(','),
    ORDER_ID: c.orderId,
  }));
  if (ctx.tokens.some((t) => t.kind === 'word' && t.upper === 'ARRAY_AGG'))
    return {
      columns: [column('ARRAY_AGG(OBJECT_CONSTRUCT(*))', types.array())],
      rows: [[rows]],
      statementTypeId: StatementType.SELECT,
    };
  return {
    columns: [
      col.text('COLUMN_NAME', false),
      col.text('TYPE'),
      col.boolean('NULLABLE'),
      col.text('EXPRESSION'),
      col.text('FILENAMES'),
      col.number('ORDER_ID'),
    ],
    rows: rows.map((r) => [r.COLUMN_NAME, r.TYPE, r.NULLABLE, r.EXPRESSION, r.FILENAMES, r.ORDER_ID]),
    statementTypeId: StatementType.SELECT,
  };
}
