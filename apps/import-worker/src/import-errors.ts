import { D2sError, type D2sErrorOptions, SyncFailedError } from '@d2s/shared';

/**
 * The SWAP failed and provably did not take effect (the tables' creation
 * times say so), so the attempt can be retried whatever the driver said:
 * the Snowflake client marks a non-idempotent statement with an unknown
 * outcome as not retryable, and here the outcome is known.
 */
export class SwapNotAppliedError extends D2sError {
  readonly code = 'SWAP_NOT_APPLIED';

  constructor(message: string, options: Omit<D2sErrorOptions, 'retryable'> = {}) {
    super(message, { ...options, retryable: true });
  }
}

/**
 * The run's files do not fit the target under the dataset's `schema.evolution` (a new column under
 * strict, a type Snowflake cannot change a column to, a NOT NULL column the files lack). Raised before
 * anything is changed or loaded; the message lists every difference, one per line.
 */
export class SchemaMismatchError extends SyncFailedError {
  constructor(table: { database: string; schema: string; name: string }, evolution: string, conflicts: string[]) {
    const where = `${table.database}.${table.schema}.${table.name}`;
    super(
      'SCHEMA_MISMATCH',
      `The run's files do not fit ${where} (schema.evolution: ${evolution}); the target was not changed:\n${conflicts.map((line) => `  ${line}`).join('\n')}`,
      { details: { table: where, evolution, conflicts } },
    );
  }
}
