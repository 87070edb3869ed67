import { SnowflakeError } from '../errors.js';
import type { StatementContext } from './statement-context.js';

/**
 * Statements that need compute run only with a current warehouse. Snowflake
 * needs one for "SQL SELECT statements that require compute resources (e.g.
 * retrieving rows from tables and views)", DML and COPY INTO
 * (https://docs.snowflake.com/en/user-guide/warehouses-overview); without it
 * the statement fails with 000606 (SQL state 57P03), worded as below
 * (snowflakedb/snowflake-connector-python and dbt-snowflake issue threads
 * quote it). Metadata statements (SHOW, DESCRIBE, DDL, USE) and SELECTs that
 * read no table run without one. This is the one place the emulator decides it.
 */
export function noActiveWarehouse(): SnowflakeError {
  return new SnowflakeError(
    '000606',
    '57P03',
    "No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.",
  );
}

export function requireWarehouse(ctx: StatementContext): void {
  if (!ctx.engine.requireWarehouse || ctx.session.state.operator) return;
  const name = ctx.session.state.warehouse;
  if (name === null || !ctx.engine.access.warehouses.has(name)) throw noActiveWarehouse();
}
