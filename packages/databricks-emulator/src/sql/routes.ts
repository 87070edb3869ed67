import { databricksErrors } from '../errors.js';
import type { RequestContext, Route } from '../http/router.js';
import type { StatementParameter } from './sql-engine.js';
import { renderChunk, renderStatement, type StatementStore } from './statement-store.js';
import { renderWarehouse, type WarehouseRegistry } from './warehouses.js';

export interface SqlRoutesDeps {
  warehouses: WarehouseRegistry;
  statements: StatementStore;
  chunkRows: () => number;
}

/**
 * SQL warehouses (list, get) and the SQL Statement Execution API 2.0 (execute, get, result chunks, cancel), as
 * the SDK's WarehousesService and StatementExecutionService call them. Request checks follow the
 * ExecuteStatementRequest docs: `wait_timeout` is `0s` or 5s to 50s; `on_wait_timeout` CONTINUE or CANCEL;
 * `JSON_ARRAY` is the only format with `INLINE` ("ARROW_STREAM and CSV are supported only with EXTERNAL_LINKS").
 */
export function sqlRoutes(deps: SqlRoutesDeps): Route[] {
  const route = (method: Route['method'], pattern: string, name: string, handler: Route['handler']): Route => ({
    method,
    pattern,
    name,
    family: 'databricks',
    authenticated: true,
    handler,
  });
  const principalOf = (ctx: RequestContext) => ctx.principal?.name ?? '';
  return [
    route('GET', '/api/2.0/sql/warehouses', 'sql/warehouses', (ctx) => ({
      status: 200,
      body: { warehouses: deps.warehouses.list().map((w) => renderWarehouse(w, ctx.baseUrl)) },
    })),
    route('GET', '/api/2.0/sql/warehouses/:id', 'sql/warehouses/get', (ctx) => ({
      status: 200,
      body: renderWarehouse(deps.warehouses.get(ctx.params.id ?? ''), ctx.baseUrl),
    })),
    route('POST', '/api/2.0/sql/statements', 'sql/statements', async (ctx) => {
      const body = ctx.json();
      const request = parseExecuteRequest(body);
      const warehouse = deps.warehouses.find(request.warehouseId);
      if (!warehouse)
        throw databricksErrors.invalidParameter(
          `Warehouse ${request.warehouseId} does not exist or is not accessible.`,
        );
      const statement = deps.statements.submit(warehouse, {
        statement: request.statement,
        parameters: request.parameters,
        principal: principalOf(ctx),
        ...(request.catalog === undefined ? {} : { catalog: request.catalog }),
        ...(request.schema === undefined ? {} : { schema: request.schema }),
        ...(request.rowLimit === undefined ? {} : { rowLimit: request.rowLimit }),
      });
      if (request.waitSeconds === 0)
        return { status: 200, body: { statement_id: statement.id, status: { state: 'PENDING' } } };
      await deps.statements.waitFor(statement, request.waitSeconds * 1000);
      if (request.onWaitTimeout === 'CANCEL') deps.statements.cancel(statement);
      return { status: 200, body: renderStatement(statement, deps.chunkRows()) };
    }),
    route('GET', '/api/2.0/sql/statements/:id', 'sql/statements/get', (ctx) => ({
      status: 200,
      body: renderStatement(deps.statements.get(ctx.params.id ?? '', principalOf(ctx)), deps.chunkRows()),
    })),
    route('GET', '/api/2.0/sql/statements/:id/result/chunks/:index', 'sql/statements/result/chunks', (ctx) => {
      const statement = deps.statements.get(ctx.params.id ?? '', principalOf(ctx));
      const index = Number(ctx.params.index);
      if (!Number.isInteger(index) || index < 0)
        throw databricksErrors.invalidParameter(`Invalid chunk_index '${ctx.params.index ?? ''}'.`);
      return { status: 200, body: renderChunk(statement, index, deps.chunkRows()) };
    }),
    route('POST', '/api/2.0/sql/statements/:id/cancel', 'sql/statements/cancel', (ctx) => {
      deps.statements.cancel(deps.statements.get(ctx.params.id ?? '', principalOf(ctx)));
      return { status: 200, body: {} };
    }),
  ];
}

interface ExecuteRequest {
  warehouseId: string;
  statement: string;
  parameters: StatementParameter[];
  catalog?: string;
  schema?: string;
  waitSeconds: number;
  onWaitTimeout: 'CONTINUE' | 'CANCEL';
  rowLimit?: number;
}

function parseExecuteRequest(body: Record<string, unknown>): ExecuteRequest {
  const bad = (message: string) => databricksErrors.invalidParameter(message);
  const text = (name: string): string | undefined => {
    const value = body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw bad(`${name} must be a string.`);
    return value;
  };
  const warehouseId = text('warehouse_id');
  if (!warehouseId) throw bad('warehouse_id is required.');
  const statement = text('statement');
  if (!statement || statement.trim() === '') throw bad('statement is required.');
  if (Buffer.byteLength(statement) > 16 * 1024 * 1024) throw bad('statement is larger than 16 MiB.');
  const wait = text('wait_timeout') ?? '10s';
  const waitMatch = /^(\d+)s$/.exec(wait);
  const waitSeconds = waitMatch ? Number(waitMatch[1]) : Number.NaN;
  if (!(waitSeconds === 0 || (waitSeconds >= 5 && waitSeconds <= 50)))
    throw bad(`wait_timeout must be 0s or between 5s and 50s, got '${wait}'.`);
  const onWaitTimeout = text('on_wait_timeout') ?? 'CONTINUE';
  if (onWaitTimeout !== 'CONTINUE' && onWaitTimeout !== 'CANCEL')
    throw bad(`on_wait_timeout must be CONTINUE or CANCEL, got '${onWaitTimeout}'.`);
  const disposition = text('disposition') ?? 'INLINE';
  if (disposition === 'EXTERNAL_LINKS')
    throw bad('disposition EXTERNAL_LINKS is not supported by the Databricks emulator; use INLINE.');
  if (disposition !== 'INLINE') throw bad(`disposition must be INLINE or EXTERNAL_LINKS, got '${disposition}'.`);
  const format = text('format') ?? 'JSON_ARRAY';
  if (format !== 'JSON_ARRAY')
    throw bad(
      ['ARROW_STREAM', 'CSV'].includes(format)
        ? `format ${format} is supported only with disposition EXTERNAL_LINKS.`
        : `format must be JSON_ARRAY, ARROW_STREAM or CSV, got '${format}'.`,
    );
  const rawParameters = body.parameters ?? [];
  if (!Array.isArray(rawParameters)) throw bad('parameters must be a list.');
  const parameters = rawParameters.map((raw: unknown, i): StatementParameter => {
    if (typeof raw !== 'object' || raw === null) throw bad(`parameters[${i}] must be an object.`);
    const p = raw as Record<string, unknown>;
    if (typeof p.name !== 'string' || p.name === '') throw bad(`parameters[${i}].name is required.`);
    if (p.value !== undefined && p.value !== null && typeof p.value !== 'string')
      throw bad(`parameters[${i}].value must be a string (or omitted for NULL).`);
    if (p.type !== undefined && typeof p.type !== 'string') throw bad(`parameters[${i}].type must be a string.`);
    return {
      name: p.name,
      value: (p.value as string | null | undefined) ?? null,
      ...(p.type === undefined ? {} : { type: p.type as string }),
    };
  });
  const rowLimit = body.row_limit;
  if (rowLimit !== undefined && !(typeof rowLimit === 'number' && Number.isInteger(rowLimit) && rowLimit > 0))
    throw bad('row_limit must be a positive integer.');
  const catalog = text('catalog');
  const schema = text('schema');
  return {
    warehouseId,
    statement,
    parameters,
    waitSeconds,
    onWaitTimeout,
    ...(catalog === undefined ? {} : { catalog }),
    ...(schema === undefined ? {} : { schema }),
    ...(rowLimit === undefined ? {} : { rowLimit: rowLimit as number }),
  };
}
