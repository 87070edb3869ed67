import type { SnowflakeObjectName } from '../../config/schema.js';
import { qualifiedName, quoteIdentifier } from './quoting.js';
import { SqlStatement } from './sql-statement.js';

/**
 * Grants on the tables d2s creates
 * (https://docs.snowflake.com/en/sql-reference/sql/grant-privilege):
 *
 * `GRANT SELECT ON TABLE "DB"."SCH"."T" TO ROLE "ANALYST"`
 *
 * Granting a privilege the role already holds changes nothing, so the
 * statement is safe to repeat. The role name is quoted, so it is used exactly
 * as configured (`ANALYST`, not `analyst`).
 */
export function grantSelectOnTable(table: SnowflakeObjectName, role: string): SqlStatement {
  return SqlStatement.plain(`GRANT SELECT ON TABLE ${qualifiedName(table)} TO ROLE ${quoteIdentifier(role)}`);
}

/**
 * Snowflake answers a GRANT the current role may not make with a successful
 * status row, `Grant not executed: Insufficient privileges.`, not an error
 * (snowflakedb/terraform-provider-snowflake#670). The status text, when it says so.
 */
export function grantNotExecuted(rows: readonly Record<string, unknown>[]): string | undefined {
  const status = rows[0]?.status ?? rows[0]?.STATUS;
  return typeof status === 'string' && status.startsWith('Grant not executed') ? status : undefined;
}
