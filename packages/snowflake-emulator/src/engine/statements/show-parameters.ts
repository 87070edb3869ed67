import { sqlErrors } from '../../errors.js';
import { likeMatcher } from '../name-resolution.js';
import { SESSION_PARAMETERS } from '../session-parameters.js';
import type { StatementContext } from '../statement-context.js';
import { col, type StatementResult, StatementType } from '../statement-result.js';

/**
 * SHOW PARAMETERS [LIKE '<pattern>'] [IN | FOR SESSION | ACCOUNT]
 * (https://docs.snowflake.com/en/sql-reference/sql/show-parameters): one row
 * per parameter with `key`, `value`, `default`, `level` (where it was set;
 * empty when it has its default), `description` and `type`. Without a scope
 * the session's parameters are shown. The emulator has no ALTER ACCOUNT, so
 * IN ACCOUNT shows the defaults; object scopes (USER, WAREHOUSE, TABLE, …)
 * are not modelled.
 */
export function showParameters(ctx: StatementContext): StatementResult {
  const c = ctx.cursor;
  const like = likeMatcher(c.acceptWords('LIKE') ? c.string() : undefined);
  let scope: 'SESSION' | 'ACCOUNT' = 'SESSION';
  if (c.acceptWords('IN') || c.acceptWords('FOR')) {
    const word = c.next();
    if (word.upper === 'ACCOUNT') scope = 'ACCOUNT';
    else if (word.upper !== 'SESSION') throw sqlErrors.unsupported(`SHOW PARAMETERS IN ${word.upper}`);
  }
  c.expectEnd();
  const set = ctx.session.state.parameters;
  const listed = SESSION_PARAMETERS.filter((p) => like(p.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
  const rows = listed.map((p) => {
    const value = scope === 'SESSION' ? (set.get(p.name) ?? p.default) : p.default;
    const level = scope === 'SESSION' && set.has(p.name) ? 'SESSION' : '';
    return [p.name, value, p.default, level, p.description, p.type];
  });
  return {
    columns: [
      col.text('key'),
      col.text('value'),
      col.text('default'),
      col.text('level'),
      col.text('description'),
      col.text('type'),
    ],
    rows,
    statementTypeId: StatementType.SHOW,
  };
}
