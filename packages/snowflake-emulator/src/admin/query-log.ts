/** One statement as the emulator saw it; tests read these. */
export interface QueryLogEntry {
  queryId: string;
  requestId: string | null;
  sessionId: number;
  user: string;
  sql: string;
  status: 'RUNNING' | 'SUCCESS' | 'FAILED_WITH_ERROR' | 'ABORTED';
  errorCode: string | null;
  sqlState: string | null;
  errorMessage: string | null;
  queryTag: string;
  role?: string;
  warehouse?: string | null;
  database: string | null;
  schema: string | null;
  statementTypeId: number | null;
  rowCount: number | null;
  startedAt: Date;
  endedAt: Date | null;
}

/** The statements run against the emulator, oldest first (bounded). */
export class QueryLog {
  private readonly items: QueryLogEntry[] = [];

  constructor(private readonly limit = 10_000) {}

  add(entry: QueryLogEntry): QueryLogEntry {
    this.items.push(entry);
    if (this.items.length > this.limit) this.items.shift();
    return entry;
  }

  entries(): readonly QueryLogEntry[] {
    return [...this.items];
  }

  find(predicate: (entry: QueryLogEntry) => boolean): QueryLogEntry | undefined {
    return this.items.find(predicate);
  }

  clear(): void {
    this.items.length = 0;
  }
}
