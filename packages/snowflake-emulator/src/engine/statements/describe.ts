import { sqlErrors } from '../../errors.js';
import { describeCatalogIntegration } from '../../iceberg/catalog-integration-ddl.js';
import { resolveTable } from '../name-resolution.js';
import type { StatementContext } from '../statement-context.js';
import { col, type StatementResult, StatementType } from '../statement-result.js';

/** DESC[RIBE] [ICEBERG] TABLE t | DESCRIBE CATALOG INTEGRATION i */
export async function describe(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  c.next();
  if (c.acceptWords('CATALOG', 'INTEGRATION') || c.acceptWords('INTEGRATION')) return describeCatalogIntegration(ctx);
  c.acceptWords('ICEBERG');
  if (!c.acceptWords('TABLE') && !c.isOp('.') && c.peek()?.kind !== 'word' && c.peek()?.kind !== 'quoted')
    return c.fail(c.peek());
  if (c.isWord('STAGE') || c.isWord('VIEW')) throw sqlErrors.unsupported(`DESCRIBE ${c.peek()?.upper}`);
  const { table } = resolveTable(ctx.engine.catalog, ctx.session.state, c.objectName(), 'DESCRIBE');
  if (!c.acceptWords('TYPE', '=')) c.acceptWords('TYPE');
  while (!c.done) c.next();
  return {
    columns: [
      col.text('name'),
      col.text('type'),
      col.text('kind'),
      col.text('null?'),
      col.text('default'),
      col.text('primary key'),
      col.text('unique key'),
      col.text('check'),
      col.text('expression'),
      col.text('comment'),
      col.text('policy name'),
      col.text('privacy domain'),
    ],
    rows: table.columns.map((column) => [
      column.name,
      column.type.display,
      'COLUMN',
      column.nullable ? 'Y' : 'N',
      null,
      'N',
      'N',
      null,
      null,
      column.comment,
      null,
      null,
    ]),
    statementTypeId: StatementType.DESCRIBE,
  };
}
