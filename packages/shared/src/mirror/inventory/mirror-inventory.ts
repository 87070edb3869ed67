import type { ExecuteStatementOptions, StatementResult } from '../../databricks/sql-statements-api.js';
import { isD2sError } from '../../errors.js';
import type { InventoryRow } from './inventory-rows.js';
import {
  createInventoryTableSql,
  createInventoryViewSql,
  type InventoryLocation,
  mergeInventorySql,
  selectInventoryViewSql,
} from './inventory-sql.js';

/** What runs the SQL: the Databricks client's `sql` (SqlStatementsApi). */
export interface StatementRunner {
  execute(statement: string, options?: ExecuteStatementOptions): Promise<StatementResult>;
}

/** How one refresh went, for the mirror run's result; a failure never fails the run. */
export type InventoryReport =
  | { status: 'refreshed'; table: string; rows: number; affectedRows: number; at: string }
  | { status: 'failed'; table: string; rows: number; error: { code: string; message: string }; at: string };

/**
 * The mirror inventory in Unity Catalog: a Delta table plus its `_vw` view, created if missing (once per
 * process; CREATE … IF NOT EXISTS and CREATE OR REPLACE VIEW make a repeat harmless), and refreshed with one MERGE.
 */
export class MirrorInventory {
  readonly #sql: StatementRunner;
  readonly #at: InventoryLocation;
  readonly #now: () => number;
  #ready: Promise<void> | undefined;

  constructor(sql: StatementRunner, at: InventoryLocation, now: () => number = Date.now) {
    this.#sql = sql;
    this.#at = at;
    this.#now = now;
  }

  get table(): string {
    return `${this.#at.catalog}.${this.#at.schema}.${this.#at.table}`;
  }

  /** Creates the table and view if needed, then merges `rows`; reports instead of throwing. */
  async refresh(rows: readonly InventoryRow[], signal?: AbortSignal): Promise<InventoryReport> {
    const at = new Date(this.#now()).toISOString();
    try {
      await this.#ensure(signal);
      if (rows.length === 0) return { status: 'refreshed', table: this.table, rows: 0, affectedRows: 0, at };
      const { sql, parameters } = mergeInventorySql(this.#at, rows, new Date(this.#now()));
      const result = await this.#sql.execute(sql, { parameters, ...(signal ? { signal } : {}) });
      const affected = Number(result.rows[0]?.[0] ?? 0);
      return { status: 'refreshed', table: this.table, rows: rows.length, affectedRows: affected, at };
    } catch (error) {
      return {
        status: 'failed',
        table: this.table,
        rows: rows.length,
        error: isD2sError(error)
          ? { code: error.code, message: error.message }
          : { code: 'INVENTORY_FAILED', message: error instanceof Error ? error.message : String(error) },
        at,
      };
    }
  }

  /** The `_vw` view's rows (column headings first). */
  async readView(signal?: AbortSignal): Promise<StatementResult> {
    return this.#sql.execute(selectInventoryViewSql(this.#at), signal ? { signal } : {});
  }

  async #ensure(signal?: AbortSignal): Promise<void> {
    this.#ready ??= (async () => {
      const options = signal ? { signal } : {};
      await this.#sql.execute(createInventoryTableSql(this.#at), options);
      await this.#sql.execute(createInventoryViewSql(this.#at), options);
    })();
    try {
      await this.#ready;
    } catch (error) {
      this.#ready = undefined; // try again next time (a grant may have been added meanwhile)
      throw error;
    }
  }
}
