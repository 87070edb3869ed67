import type { FailingFile } from '../engine/statement-context.js';
import type { SnowflakeUserConfig } from '../protocol/users.js';
import type { SnowflakeFaults, StatementFault } from './faults.js';

/** A statement's result as plain JS values (for tests and setup). */
export interface AdminResult {
  columns: string[];
  rows: unknown[][];
}

/** Control over a running emulator, for tests, benchmarks and the sandbox. */
export interface SnowflakeEmulatorAdmin {
  /**
   * Runs one SQL statement as the emulator's operator in a fresh session: no
   * privilege checks, and what it creates is owned by `role`.
   * @defaultValue role 'SYSADMIN'
   */
  execute(sql: string, options?: { database?: string; schema?: string; role?: string }): Promise<AdminResult>;
  addUser(user: SnowflakeUserConfig): void;
  /** Merges faults into the current ones. */
  setFaults(faults: SnowflakeFaults): void;
  resetFaults(): void;
  faults(): SnowflakeFaults;
  /** The next `count` statements fail (default: 000603 internal error). */
  failNextQueries(count: number, error?: { code?: string; sqlState?: string; message?: string }): void;
  /** The next `count` requests answer HTTP `status` (default 503; the driver retries them). */
  failNextRequests(count: number, status?: number, scope?: 'query' | 'login' | 'all'): void;
  /** A fixed latency added to every statement. */
  setLatency(ms: number): void;
  /** COPY fails to load these files. */
  failFiles(files: FailingFile[]): void;
  /** Adds faults for statements whose text matches (see StatementFault). */
  faultStatements(faults: StatementFault[]): void;
  /** Session tokens expire now (all sessions, or one); the next request gets 390112 and renews. */
  expireSessions(sessionId?: number): number;
  /** Cancels a running statement. */
  cancelQuery(queryId: string): boolean;
  /** Sessions currently logged in. */
  sessionCount(): number;
}
