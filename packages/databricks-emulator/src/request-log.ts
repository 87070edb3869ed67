/** One request as the emulator saw it; tests read these (e.g. to count run-now calls per token). */
export interface RequestLogEntry {
  /** epoch ms (emulator clock) */
  time: number;
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Route name, e.g. 'jobs/run-now' ('' when no route matched). */
  route: string;
  status: number;
  /** run-now's idempotency_token, when sent. */
  idempotencyToken?: string;
  jobId?: number;
  runId?: number;
  /** 'pat' | 'oauth' | undefined (no or bad credentials) */
  auth?: string;
  /** Set when an injected fault answered or delayed the request. */
  fault?: string;
  /** Refused by the workspace's per-endpoint rate limit (429). */
  rateLimited?: boolean;
  durationMs: number;
}

export interface RequestLogFilter {
  route?: string;
  method?: string;
  path?: string;
}

export class RequestLog {
  private readonly items: RequestLogEntry[] = [];

  constructor(private readonly limit = 10_000) {}

  add(entry: RequestLogEntry): void {
    this.items.push(entry);
    if (this.items.length > this.limit) this.items.splice(0, this.items.length - this.limit);
  }

  entries(filter: RequestLogFilter = {}): RequestLogEntry[] {
    return this.items.filter(
      (e) =>
        (filter.route === undefined || e.route === filter.route) &&
        (filter.method === undefined || e.method === filter.method.toUpperCase()) &&
        (filter.path === undefined || e.path === filter.path),
    );
  }

  clear(): void {
    this.items.length = 0;
  }
}
