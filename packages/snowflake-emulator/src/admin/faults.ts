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
  };
}
