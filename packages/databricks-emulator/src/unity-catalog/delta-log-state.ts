/** What the emulator remembers of a UniForm table's Delta log (see delta-log.ts). */
export interface DeltaLogState {
  /** The last committed version. */
  version: number;
  /** Every data file the table holds, as its add action (for checkpoints). */
  files: DeltaAddAction[];
  tableId: string;
  createdTime: number;
}

export interface DeltaAddAction {
  path: string;
  partitionValues: Record<string, string>;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  stats: string;
}
