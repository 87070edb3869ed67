import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { ObjectStore } from '../object-store.js';
import { UserRegistry } from '../protocol/users.js';
import { sqlErrors } from '../errors.js';
import { type Bindings, expandBindings, substituteBinds } from './binds.js';
import { AccessControl } from './access/access-control.js';
import { Catalog } from './catalog.js';
import { mapDuckError } from './duckdb-errors.js';
import { installSnowflakeFunctions } from './duckdb-functions.js';
import { LoadMetadata } from './load-metadata.js';
import { DEFAULT_SESSION_PARAMETERS, type SessionState, sessionParameter } from './session-state.js';
import { duckString, splitStatements, textOf, type Token, tokenize } from './sql-lexer.js';
import type { EngineHooks, EngineServices, EngineSession, FailingFile, StatementContext } from './statement-context.js';
import type { StatementResult } from './statement-result.js';
import { dispatchStatement } from './statements/dispatch.js';
import { TokenCursor } from './token-cursor.js';
import { TransactionRegistry } from './transactions.js';
import { CatalogSessions } from '../iceberg/rest-catalog-client.js';

export type { EngineHooks, EngineSession, FailingFile, StatementContext } from './statement-context.js';

export interface EngineOptions {
  objectStore: ObjectStore;
  /** Account name (upper-cased) for CURRENT_ACCOUNT() and DESCRIBE output. */
  account: string;
  clock?: () => Date;
  /** fetch used for Iceberg REST catalogs and OAuth token endpoints. */
  fetch?: typeof fetch;
  /** Files COPY must fail on; read at each COPY so tests and the admin API can change it. */
  failingFiles?: () => readonly FailingFile[];
  /** The account's users (shared with login). @defaultValue an empty registry */
  users?: UserRegistry;
}

export const EMULATED_VERSION = '9.30.1';

/** Idle connections withOwnConnection keeps per time zone (DuckDB runs a few statements at once at most). */
const MAX_IDLE_CONNECTIONS_PER_ZONE = 8;

/**
 * The SQL engine: Snowflake statements over an embedded DuckDB. Statements
 * the emulator understands are parsed and executed here; queries go to DuckDB
 * after translation; anything else fails with Snowflake's syntax error.
 * Data lives in memory (one DuckDB in-memory database per emulator).
 */
export class Engine implements EngineServices {
  readonly catalog: Catalog;
  readonly access: AccessControl;
  readonly loadMetadata = new LoadMetadata();
  readonly transactions: TransactionRegistry;
  readonly objectStore: ObjectStore;
  readonly account: string;
  readonly fetch: typeof fetch;
  readonly clock: () => Date;
  readonly users: UserRegistry;
  readonly catalogSessions = new CatalogSessions();
  private readonly failingFilesSource: () => readonly FailingFile[];
  /** Callbacks into the protocol layer (set by the server). */
  readonly hooks: EngineHooks = { cancelQuery: () => false, resultOf: () => undefined, queryHistory: () => [] };
  private queue: Promise<unknown> = Promise.resolve();
  private scratch: Promise<DuckDBConnection> | undefined;
  private scratchQueue: Promise<unknown> = Promise.resolve();
  /** Connections withOwnConnection may reuse, by time zone. */
  private readonly idleConnections = new Map<string, DuckDBConnection[]>();

  private constructor(
    private readonly instance: DuckDBInstance,
    options: EngineOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.catalog = new Catalog(this.clock);
    this.access = new AccessControl(this.clock);
    this.transactions = new TransactionRegistry(this.clock);
    this.objectStore = options.objectStore;
    this.account = options.account.toUpperCase();
    this.fetch = options.fetch ?? globalThis.fetch;
    this.failingFilesSource = options.failingFiles ?? (() => []);
    this.users = options.users ?? new UserRegistry();
  }

  static async create(options: EngineOptions): Promise<Engine> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await installSnowflakeFunctions(connection);
    await connection.run("SET TimeZone = 'UTC'");
    connection.closeSync();
    return new Engine(instance, options);
  }

  failingFiles(): readonly FailingFile[] {
    return this.failingFilesSource();
  }

  /**
   * Runs `fn` on the engine's scratch connection, one use at a time: for reads that touch no table (a Parquet
   * file's schema), which so need neither a session nor the catalog lock.
   */
  withScratchConnection<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    this.scratch ??= this.instance.connect();
    const connection = this.scratch;
    const use = () => connection.then(fn);
    const run = this.scratchQueue.then(use, use);
    this.scratchQueue = run.catch(() => undefined);
    return run;
  }

  async openSession(state: SessionState): Promise<EngineSession> {
    return { state, connection: await this.connectInZone(sessionParameter(state, 'TIMEZONE')), lastQueryId: null };
  }

  /**
   * Runs `fn` on a DuckDB connection of its own (not the session's: no transaction of the session's is open on
   * it), in the time zone the session's connection has: for work done outside the catalog lock. The connection is
   * kept for the next call in that zone unless `fn` failed; opening one and setting its zone cost more CPU than
   * the small statements run on it.
   */
  async withOwnConnection<T>(state: SessionState, fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const zone = sessionParameter(state, 'TIMEZONE');
    const connection = this.idleConnections.get(zone)?.pop() ?? (await this.connectInZone(zone));
    let result: T;
    try {
      result = await fn(connection);
    } catch (err) {
      connection.closeSync();
      throw err;
    }
    let idle = this.idleConnections.get(zone);
    if (!idle) this.idleConnections.set(zone, (idle = []));
    if (idle.length < MAX_IDLE_CONNECTIONS_PER_ZONE) idle.push(connection);
    else connection.closeSync();
    return result;
  }

  private async connectInZone(zone: string): Promise<DuckDBConnection> {
    const connection = await this.instance.connect();
    // DuckDB's zone follows the session's TIMEZONE (see applyTimeZone); a zone
    // passed at login that DuckDB does not know leaves Snowflake's default.
    await connection
      .run(`SET TimeZone = ${duckString(zone)}`)
      .catch(() => connection.run(`SET TimeZone = ${duckString(DEFAULT_SESSION_PARAMETERS.TIMEZONE ?? 'UTC')}`));
    return connection;
  }

  async closeSession(session: EngineSession): Promise<void> {
    if (session.state.inTransaction) await session.connection.run('ROLLBACK').catch(() => undefined);
    for (const { schema, table } of [...this.catalog.allTables()]) {
      if (table.kind === 'TEMPORARY' && table.sessionId === session.state.id) {
        schema.tables.delete(table.name);
        await session.connection.run(`DROP TABLE IF EXISTS ${table.physical}`).catch(() => undefined);
      }
    }
    session.connection.closeSync();
  }

  close(): void {
    for (const idle of this.idleConnections.values()) for (const connection of idle) connection.closeSync();
    this.idleConnections.clear();
    this.instance.closeSync();
  }

  /** Runs a function with exclusive use of the catalog (statements run one at a time). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Values of CURRENT_DATABASE() and friends for a session. */
  contextFunctions(session: EngineSession): Record<string, string | null> {
    const s = session.state;
    return {
      CURRENT_DATABASE: s.database,
      CURRENT_SCHEMA: s.database ? s.schema : null,
      CURRENT_WAREHOUSE: s.warehouse,
      CURRENT_ROLE: s.role,
      CURRENT_USER: s.user,
      CURRENT_ACCOUNT: this.account,
      CURRENT_ACCOUNT_NAME: this.account,
      CURRENT_ORGANIZATION_NAME: 'EMULATOR',
      CURRENT_REGION: 'AWS_US_WEST_2',
      CURRENT_VERSION: EMULATED_VERSION,
      CURRENT_SESSION: String(s.id),
      CURRENT_CLIENT: 'JavaScript',
      CURRENT_STATEMENT: null,
      LAST_QUERY_ID: session.lastQueryId,
      CURRENT_SECONDARY_ROLES: '{"roles":"","value":""}',
      CURRENT_AVAILABLE_ROLES: JSON.stringify(s.operator ? [s.role] : [...this.access.rolesOfUser(s.user)].sort()),
    };
  }

  /** The statements of a request's text (split at top-level semicolons), for multi-statement requests. */
  statementTexts(sql: string): string[] {
    return splitStatements(tokenize(sql)).map(textOf);
  }

  /**
   * Executes one SQL statement for a session. Array binds run the statement
   * once per row and report the summed row counts.
   */
  async execute(
    session: EngineSession,
    sql: string,
    bindings: Bindings | undefined,
    queryId: string,
    signal: AbortSignal,
  ): Promise<StatementResult> {
    const statements = splitStatements(tokenize(sql));
    if (statements.length === 0) throw sqlErrors.emptyStatement();
    if (statements.length > 1) throw sqlErrors.statementCount(statements.length);
    const raw = statements[0] as Token[];
    const bindSets = expandBindings(bindings);
    let combined: StatementResult | undefined;
    for (const binds of bindSets) {
      if (signal.aborted) throw sqlErrors.canceled();
      const tokens = substituteBinds(raw, binds);
      const ctx: StatementContext = {
        engine: this,
        session,
        tokens,
        cursor: new TokenCursor(tokens, sql),
        sql,
        queryId,
        signal,
      };
      let result: StatementResult;
      try {
        result = await dispatchStatement(ctx);
      } catch (err) {
        throw mapDuckError(err, this.catalog);
      }
      if (!combined) combined = result;
      else if (result.rows.length === 1 && combined.rows.length === 1)
        combined.rows[0] = (combined.rows[0] as unknown[]).map((v, i) =>
          typeof v === 'number' || typeof v === 'bigint' ? Number(v) + Number((result.rows[0] as unknown[])[i]) : v,
        );
    }
    session.lastQueryId = queryId;
    return combined as StatementResult;
  }
}
