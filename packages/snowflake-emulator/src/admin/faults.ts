import type { FailingFile } from '../engine/statement-context.js';
import { SnowflakeError } from '../errors.js';

/** Faults the emulator injects; set at start, through `admin`, or over HTTP. */
export interface SnowflakeFaults {
  /** Added to every statement before it runs (benchmarks). @defaultValue 0 */
  latencyMs?: number;
  /** The next `count` statements fail with this error (default 000603 / XX000, an internal error). */
  failQueries?: { count: number; code?: string; sqlState?: string; message?: string };
  /** The next `count` requests get this HTTP status (default 503). scope 'query' = query requests only. */
  httpErrors?: { count: number; status?: number; scope?: 'query' | 'login' | 'all' };
  /** Files COPY fails to load (as a corrupt file). */
  failingFiles?: FailingFile[];
  /** Faults for the statements whose text matches, each used `count` times (default once). */
  statementFaults?: StatementFault[];
}

/**
 * A fault for statements matching `match` (a regular expression over the SQL text):
 * - `fail`: refused before it runs;
 * - `fail-after`: it runs and takes effect, then its answer is an error, as when a
 *   response is lost past the driver's retries and the client cannot know it ran;
 * - `delay`: held `delayMs` before it runs, so a test can act while it is pending.
 */
export interface StatementFault {
  match: RegExp;
  action: 'fail' | 'fail-after' | 'delay';
  /** @defaultValue 1 */
  count?: number;
  delayMs?: number;
  code?: string;
  sqlState?: string;
  message?: string;
}

/** What a statement meets: the fault's action, and the error it is answered with. */
export interface StatementFaultDecision {
  action: StatementFault['action'];
  delayMs: number;
  error: SnowflakeError;
}

export class FaultInjector {
  private state: SnowflakeFaults = {};

  constructor(initial: SnowflakeFaults = {}) {
    this.set(initial);
  }

  set(faults: SnowflakeFaults): void {
    this.state = { ...this.state, ...structuredCloneFaults(faults) };
  }

  reset(): void {
    this.state = {};
  }

  current(): SnowflakeFaults {
    return structuredCloneFaults(this.state);
  }

  get latencyMs(): number {
    return this.state.latencyMs ?? 0;
  }

  failingFiles(): readonly FailingFile[] {
    return this.state.failingFiles ?? [];
  }

  /** The HTTP status to answer this request with, consuming one injected error. */
  takeHttpError(kind: 'query' | 'login' | 'other'): number | undefined {
    const e = this.state.httpErrors;
    if (!e || e.count <= 0) return undefined;
    const scope = e.scope ?? 'query';
    if (scope !== 'all' && scope !== kind) return undefined;
    e.count--;
    return e.status ?? 503;
  }

  /** The first targeted fault for this statement, consuming one use of it. */
  takeStatementFault(sql: string): StatementFaultDecision | undefined {
    const fault = (this.state.statementFaults ?? []).find((f) => (f.count ?? 1) > 0 && f.match.test(sql));
    if (!fault) return undefined;
    fault.count = (fault.count ?? 1) - 1;
    return {
      action: fault.action,
      delayMs: fault.delayMs ?? 0,
      error: new SnowflakeError(
        fault.code ?? '000603',
        fault.sqlState ?? 'XX000',
        fault.message ??
          'SQL execution internal error:\nProcessing aborted due to error 300005:4035471823; incident 1234567.',
      ),
    };
  }

  /** The error the next statement fails with, consuming one injected failure. */
  takeQueryFailure(): SnowflakeError | undefined {
    const f = this.state.failQueries;
    if (!f || f.count <= 0) return undefined;
    f.count--;
    return new SnowflakeError(
      f.code ?? '000603',
      f.sqlState ?? 'XX000',
      f.message ??
        'SQL execution internal error:\nProcessing aborted due to error 300005:4035471823; incident 1234567.',
    );
  }
}

function structuredCloneFaults(f: SnowflakeFaults): SnowflakeFaults {
  return {
    ...f,
    ...(f.failQueries ? { failQueries: { ...f.failQueries } } : {}),
    ...(f.httpErrors ? { httpErrors: { ...f.httpErrors } } : {}),
    ...(f.failingFiles ? { failingFiles: [...f.failingFiles] } : {}),
    ...(f.statementFaults ? { statementFaults: f.statementFaults.map((fault) => ({ ...fault })) } : {}),
  };
}
