import type { AutoRefreshTracking, IcebergTableState } from '../engine/catalog.js';

/** The parts of a load-table answer the status shows. */
export interface SnapshotFacts {
  currentSnapshotId: string | null;
  currentSnapshotSummary: Record<string, string> | null;
  lastSnapshotTime: number | null;
  currentSchemaId: number | null;
}

interface LoadedMetadata {
  metadata: {
    'current-snapshot-id'?: number | string | null;
    'current-schema-id'?: number;
    snapshots?: Array<{ 'snapshot-id': number | string; 'timestamp-ms'?: number; summary?: Record<string, string> }>;
  };
}

export function snapshotFacts(loaded: LoadedMetadata): SnapshotFacts {
  const id = loaded.metadata['current-snapshot-id'];
  const current =
    id === undefined || id === null || String(id) === '-1'
      ? undefined
      : loaded.metadata.snapshots?.find((s) => String(s['snapshot-id']) === String(id));
  return {
    currentSnapshotId: current ? String(current['snapshot-id']) : null,
    currentSnapshotSummary: current?.summary ?? null,
    lastSnapshotTime: current?.['timestamp-ms'] ?? null,
    currentSchemaId: loaded.metadata['current-schema-id'] ?? null,
  };
}

/**
 * SYSTEM$AUTO_REFRESH_STATUS's JSON object, with the names the function documents: executionState,
 * invalidExecutionStateReason, pendingSnapshotCount, oldestSnapshotTime, currentSnapshotId, currentSnapshotSummary,
 * lastSnapshotTime, lastUpdatedTime, currentMetadataFile, currentSchemaId
 * (https://docs.snowflake.com/en/sql-reference/functions/system_auto_refresh_status). The emulator takes a new
 * snapshot in as soon as it finds one, so nothing is ever queued (pendingSnapshotCount 0, no oldestSnapshotTime).
 * A table with AUTO_REFRESH = FALSE reads STOPPED (what the documented states allow; the exact answer for such a
 * table is not documented).
 */
export function autoRefreshStatus(state: IcebergTableState, tracking: AutoRefreshTracking | undefined) {
  const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
  return {
    executionState: state.autoRefresh ? (tracking?.executionState ?? 'RUNNING') : 'STOPPED',
    invalidExecutionStateReason: state.autoRefresh
      ? (tracking?.invalidExecutionStateReason ?? null)
      : 'AUTO_REFRESH is FALSE for this table.',
    pendingSnapshotCount: 0,
    oldestSnapshotTime: null,
    currentSnapshotId: tracking?.currentSnapshotId ?? null,
    currentSnapshotSummary: tracking?.currentSnapshotSummary ?? null,
    lastSnapshotTime: iso(tracking?.lastSnapshotTime),
    lastUpdatedTime: iso(tracking?.lastUpdatedTime ?? state.lastRefreshedOn.getTime()),
    currentMetadataFile: state.metadataLocation,
    currentSchemaId: tracking?.currentSchemaId ?? null,
  };
}
