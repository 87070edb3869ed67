import type { DuckDBConnection } from '@duckdb/node-api';
import type { QueryLogEntry } from '../admin/query-log.js';
import type { CatalogSessions } from '../iceberg/rest-catalog-client.js';
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

/** An explicit transaction (BEGIN … COMMIT/ROLLBACK) that has not ended. */
export interface OpenTransaction {
  /** Snowflake prints transaction ids as signed 64-bit integers. */
  id: string;
  name: string;
  startedOn: Date;
  session: EngineSession;
}

/** The open explicit transactions of every session (implemented in transactions.ts). */
export interface OpenTransactions {
  begun(session: EngineSession, name: string | undefined): void;
  running(): OpenTransaction[];
  abort(id: string): Promise<boolean>;
  refuseIfAborted(session: EngineSession, firstWord: string): void;
}

/** What statement handlers may use of the engine. */
export interface EngineServices {
  readonly catalog: Catalog;
  /** Roles, users' roles, warehouses, owners and grants. */
  readonly access: AccessControl;
  readonly loadMetadata: LoadMetadata;
  /** Open explicit transactions (SHOW TRANSACTIONS, SYSTEM$ABORT_TRANSACTION). */
  readonly transactions: OpenTransactions;
  readonly objectStore: ObjectStore;
  readonly account: string;
  readonly fetch: typeof fetch;
  readonly clock: () => Date;
  readonly hooks: EngineHooks;
  /** The account's users: who may log in, and what CREATE / ALTER / DROP USER change. */
  readonly users: UserRegistry;
  failingFiles(): readonly FailingFile[];
  contextFunctions(session: EngineSession): Record<string, string | null>;
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  withScratchConnection<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T>;
  /** Runs `fn` on a connection of its own in the session's time zone, closed after (engine.ts). */
  withOwnConnection<T>(state: SessionState, fn: (connection: DuckDBConnection) => Promise<T>): Promise<T>;
  /** OAuth tokens and prefixes of catalog integrations, reused by the statements that load Iceberg tables. */
  readonly catalogSessions: CatalogSessions;
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
  /** Set by dispatchStatement when the statement read something before taking the catalog lock. */
  prefetch?: StatementPrefetch;
}

/**
 * Work a statement started before it took the catalog lock (a CREATE ICEBERG TABLE's remote catalog read),
 * keyed by what it read, for its handler to use only when the key still matches (iceberg-table-prefetch.ts).
 */
export interface StatementPrefetch {
  readonly key: string;
  readonly value: Promise<{ ok: unknown } | { error: unknown }>;
  /** Set by the handler that used `value`. */
  taken?: boolean;
  /** Undoes what the prefetch made when its handler did not take it (dispatchStatement calls it after the statement). */
  readonly release?: () => Promise<void>;
}
