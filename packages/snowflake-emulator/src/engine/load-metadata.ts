/**
 * Snowflake's per-table load metadata: which staged files (by URL and
 * content checksum) a COPY has already loaded into a table, so a re-run
 * skips them unless FORCE = TRUE; and the table's load history (one event per
 * file a completed COPY loaded or failed to load), which COPY_HISTORY reads.
 * Both are keyed by the table's identity, not its name: a SWAP carries them
 * along with the table; DROP, CREATE OR REPLACE and TRUNCATE start afresh
 * (COPY_HISTORY documents "only after the latest truncate" and "dropping or
 * recreating a table removes the historical data").
 */
export interface LoadedFile {
  file: string;
  md5: string;
  status: 'LOADED' | 'PARTIALLY_LOADED';
  rowsLoaded: number;
  loadedAt: Date;
}

/** One row of COPY_HISTORY: a file a completed COPY INTO loaded, partially loaded, or failed to load. */
export interface LoadEvent {
  /** Path relative to STAGE_LOCATION. */
  fileName: string;
  /** The stage's (or the COPY's external location's) URL. */
  stageLocation: string;
  lastLoadTime: Date;
  rowCount: number;
  rowParsed: number;
  fileSize: number;
  firstErrorMessage: string | null;
  firstErrorLineNumber: number | null;
  firstErrorCharacterPos: number | null;
  firstErrorColumnName: string | null;
  errorCount: number;
  errorLimit: number;
  status: 'Loaded' | 'Load failed' | 'Partially loaded';
}

export class LoadMetadata {
  private readonly byTable = new Map<number, Map<string, LoadedFile>>();
  private readonly historyByTable = new Map<number, LoadEvent[]>();

  isLoaded(tableId: number, file: string, md5: string): boolean {
    return this.byTable.get(tableId)?.get(file)?.md5 === md5;
  }

  record(tableId: number, entry: LoadedFile): void {
    let files = this.byTable.get(tableId);
    if (!files) {
      files = new Map();
      this.byTable.set(tableId, files);
    }
    files.set(entry.file, entry);
  }

  recordEvent(tableId: number, event: LoadEvent): void {
    let events = this.historyByTable.get(tableId);
    if (!events) {
      events = [];
      this.historyByTable.set(tableId, events);
    }
    events.push(event);
  }

  /** The table's load events, oldest first. */
  history(tableId: number): LoadEvent[] {
    return [...(this.historyByTable.get(tableId) ?? [])];
  }

  forget(tableId: number): void {
    this.byTable.delete(tableId);
    this.historyByTable.delete(tableId);
  }

  files(tableId: number): LoadedFile[] {
    return [...(this.byTable.get(tableId)?.values() ?? [])];
  }
}
