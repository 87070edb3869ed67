import { DatabricksApiError, databricksErrors, ProxyErrorPage } from './errors.js';
import type { HttpFaultSpec, RunFaultSpec } from './fixture-types.js';

export interface HttpFault extends HttpFaultSpec {
  id: number;
  /** How many more requests it applies to (undefined = unlimited). */
  remaining?: number;
}

export interface RunFault extends RunFaultSpec {
  id: number;
  remaining: number;
}

/** What a matching fault asks the server to do with one request. */
export interface FaultDecision {
  faultId: number;
  latencyMs: number;
  /** When set, answer with this error (before or after running the handler). */
  error?: DatabricksApiError | ProxyErrorPage;
  when: 'before' | 'after';
}

/**
 * Injected failures. HTTP faults match a route name ('jobs/runs/get', '*', ...) and optionally
 * a method, and count down; run faults make the next N runs (of a job, or any) fail.
 */
export class FaultInjector {
  private http: HttpFault[] = [];
  private runs: RunFault[] = [];
  private nextId = 1;

  addHttp(spec: HttpFaultSpec): HttpFault {
    const fault: HttpFault = { ...spec, id: this.nextId++, remaining: spec.count };
    this.http.push(fault);
    return fault;
  }

  addRun(spec: RunFaultSpec): RunFault {
    const fault: RunFault = { ...spec, id: this.nextId++, remaining: spec.count ?? 1 };
    this.runs.push(fault);
    return fault;
  }

  list(): { http: HttpFault[]; runs: RunFault[] } {
    return { http: [...this.http], runs: [...this.runs] };
  }

  remove(id: number): boolean {
    const before = this.http.length + this.runs.length;
    this.http = this.http.filter((f) => f.id !== id);
    this.runs = this.runs.filter((f) => f.id !== id);
    return this.http.length + this.runs.length < before;
  }

  clear(): void {
    this.http = [];
    this.runs = [];
  }

  /** The first live HTTP fault for this request, consuming one use of it. */
  takeHttp(route: string, method: string): FaultDecision | undefined {
    const fault = this.http.find(
      (f) =>
        (f.route === '*' || f.route === route) &&
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (f.remaining === undefined || f.remaining > 0),
    );
    if (!fault) return undefined;
    if (fault.remaining !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.http = this.http.filter((f) => f !== fault);
    }
    return {
      faultId: fault.id,
      latencyMs: fault.latency_ms ?? 0,
      error: fault.status === undefined ? undefined : errorFor(fault),
      when: fault.when ?? 'before',
    };
  }

  /** The outcome a new run of `jobId` must end with, if a run fault applies (consumes one use). */
  takeRun(jobId: number): RunFault | undefined {
    const fault = this.runs.find((f) => (f.job_id === undefined || f.job_id === jobId) && f.remaining > 0);
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.runs = this.runs.filter((f) => f !== fault);
    return fault;
  }
}

function errorFor(fault: HttpFault): DatabricksApiError | ProxyErrorPage {
  const status = fault.status ?? 500;
  const retryAfter = fault.retry_after_seconds;
  if (fault.html)
    return new ProxyErrorPage(status, retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) });
  if (status === 429 && !fault.error_code) return databricksErrors.tooManyRequests(retryAfter, fault.message);
  if (status === 503 && !fault.error_code) return databricksErrors.temporarilyUnavailable(retryAfter, fault.message);
  const headers: Record<string, string> = retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) };
  return new DatabricksApiError(
    status,
    fault.error_code ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST'),
    fault.message ?? `Injected fault (HTTP ${status}).`,
    headers,
  );
}
