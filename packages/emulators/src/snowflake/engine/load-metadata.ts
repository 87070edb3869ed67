/**
 * Snowflake's per-table load metadata: which staged files (by URL and
 * content checksum) a COPY has already loaded into a table, so a re-run
 * skips them unless FORCE = TRUE. It is keyed by the table's identity, not its
 * name: a SWAP carries it along with the table, CREATE OR REPLACE starts afresh.
 */
export interface LoadedFile {
  file: string;
  md5: string;
  status: 'LOADED' | 'PARTIALLY_LOADED';
  rowsLoaded: number;
  loadedAt: Date;
}

export class LoadMetadata {
  private readonly byTable = new Map<number, Map<string, LoadedFile>>();

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

  forget(tableId: number): void {
    this.byTable.delete(tableId);
  }

  files(tableId: number): LoadedFile[] {
    return [...(this.byTable.get(tableId)?.values() ?? [])];
  }
}
