import { SqlBuildError } from '../errors.js';
import { quoteLiteral } from './quoting.js';
import { SqlStatement } from './sql-statement.js';

const QUERY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isQueryId(value: string): boolean {
  return QUERY_ID.test(value);
}

/**
 * Cancels a running statement by its query id, from any session of the same user.
 * The result is one row with one text column (`query [<id>] terminated.`).
 *
 * `SELECT SYSTEM$CANCEL_QUERY('01b2c3d4-0000-1111-0000-000000000001')`
 */
export function cancelQuery(queryId: string): SqlStatement {
  if (!isQueryId(queryId)) {
    throw new SqlBuildError('A Snowflake query id is a UUID.', { details: { queryId } });
  }
  return SqlStatement.plain(`SELECT SYSTEM$CANCEL_QUERY(${quoteLiteral(queryId)})`);
}
