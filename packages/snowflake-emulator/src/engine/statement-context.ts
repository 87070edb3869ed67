import type { DuckDBConnection } from '@duckdb/node-api';
import type { QueryLogEntry } from '../admin/query-log.js';
import type { ObjectStore } from '../object-store.js';
import type { UserRegistry } from '../protocol/users.js';
import type { AccessControl } from './access/access-control.js';
import type { Catalog } from './catalog.js';
import type { LoadMetadata } from './load-metadata.js';
import type { SessionState } from './session-state.js';
import type { Token } from './sql-lexer.js';
import type { StatementResult } from './statement-result.js';
import type { TokenCursor } from './token-cursor.js';

/** A file a COPY must fail to load (fault injection). */
export interface FailingFile {
  /** Substring of the file URL, or a regular expression. */
  match: string | RegExp;
  /** The load error reported for it. */
  message?: string;
}

export interface EngineHooks {
  /** Cancels a running query by id; false when it is not running. */
  cancelQuery: (queryId: string) => boolean;
  /** The result of a finished query and the user who ran it (RESULT_SCAN). */
  resultOf: (queryId: string) => { result: StatementResult; user: string } | undefined;
  /** The statements run so far, oldest first (QUERY_HISTORY). */
  queryHistory: () => readonly QueryLogEntry[];
}

/** A session's handle on the engine: its state and its own DuckDB connection (for transactions). */
export interface EngineSession {
  state: SessionState;
  connection: DuckDBConnection;
  lastQueryId: string | null;
}

/** What statement handlers may use of the engine. */
export interface EngineServices {
  readonly catalog: Catalog;
  /** Roles, users' roles, warehouses, owners and grants. */
  readonly access: AccessControl;
  readonly loadMetadata: LoadMetadata;
  readonly objectStore: ObjectStore;
  readonly account: string;
  readonly fetch: typeof fetch;
  readonly clock: () => Date;
  readonly hooks: EngineHooks;
  /** Statements needing compute fail with 000606 without a current warehouse (compute.ts). */
  readonly requireWarehouse: boolean;
  /** The account's users: who may log in, and what CREATE / ALTER / DROP USER change. */
  readonly users: UserRegistry;
  failingFiles(): readonly FailingFile[];
  contextFunctions(session: EngineSession): Record<string, string | null>;
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

/** Everything a statement handler may use. */
export interface StatementContext {
  engine: EngineServices;
  session: EngineSession;
  /** All tokens of the statement, binds already substituted. */
  tokens: Token[];
  cursor: TokenCursor;
  sql: string;
  queryId: string;
  signal: AbortSignal;
}
