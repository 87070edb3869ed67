import { COLUMN_TYPES } from '../data/column-types.js';
import { stableUuid } from '../data/stable-uuid.js';
import type { AddedDataFile, ObjectWriter } from '../iceberg/snapshot-commit.js';
import type { TableEntry } from './catalog-store.js';
import type { DeltaAddAction, DeltaLogState } from './delta-log-state.js';

/*
 * A UniForm table is a Delta table first: its `_delta_log/` holds the Delta transaction log beside the Iceberg
 * `metadata/` UniForm generates from it. Written per the Delta transaction protocol (delta-io/delta PROTOCOL.md):
 * - each commit is `_delta_log/<version, 20 digits zero-padded>.json`, newline-delimited JSON actions ("Delta
 *   Log Entries": commitInfo, protocol, metaData, add);
 * - add paths are relative to the table root and data files stay at the root, as Delta writes them;
 * - every `delta.checkpointInterval` commits (default 10) a checkpoint `_delta_log/<version>.checkpoint.parquet`
 *   with the table's state (protocol, metaData, one add per live file; "Checkpoints") and `_delta_log/_last_checkpoint`
 *   naming it ("Last Checkpoint File": version, size, numOfAddFiles).
 * UniForm's Iceberg reads need column mapping by name and IcebergCompatV2 (table features, writer version 7);
 * physical names equal the column names, as for columns that existed when column mapping was turned on.
 * Readers of the table as Iceberg never look here: they follow metadata.json.
 */

/** `delta.checkpointInterval`'s default: a checkpoint every 10 commits. */
export const CHECKPOINT_INTERVAL = 10;

/** Writes a Parquet file of newline-delimited JSON rows (the checkpoint's nested columns). */
export type JsonParquetWriter = (url: string, jsonLines: string, columnTypes: Record<string, string>) => Promise<void>;

/** The Delta log's file names. */
export const deltaLogNames = {
  commit: (version: number) => `${String(version).padStart(20, '0')}.json`,
  checkpoint: (version: number) => `${String(version).padStart(20, '0')}.checkpoint.parquet`,
  lastCheckpoint: '_last_checkpoint',
} as const;

/**
 * Commits one Delta write of `files` (version 0 creates the table): the commit file, then a checkpoint when the
 * version is a multiple of the interval. Called before the Iceberg commit that UniForm derives from it.
 */
export async function commitDeltaWrite(
  deps: { write: ObjectWriter; writeParquet: JsonParquetWriter },
  table: TableEntry,
  previous: DeltaLogState | undefined,
  files: readonly AddedDataFile[],
  now: number,
): Promise<DeltaLogState> {
  const root = table.storageLocation ?? '';
  const version = previous ? previous.version + 1 : 0;
  const state: DeltaLogState = {
    version,
    files: [...(previous?.files ?? [])],
    tableId: previous?.tableId ?? stableUuid(`delta-table:${table.tableId}`),
    createdTime: previous?.createdTime ?? now,
  };
  const adds = files.map((file) => addAction(table, file, root, now));
  state.files.push(...adds.map((add) => ({ ...add, dataChange: false })));

  const actions: unknown[] = [
    {
      commitInfo: {
        timestamp: now,
        operation: previous ? 'WRITE' : 'CREATE TABLE AS SELECT',
        operationParameters: previous ? { mode: 'Append', partitionBy: '[]' } : { partitionBy: '[]' },
        ...(previous ? { readVersion: previous.version } : {}),
        isolationLevel: 'WriteSerializable',
        isBlindAppend: true,
        operationMetrics: {
          numFiles: String(files.length),
          numOutputRows: String(files.reduce((n, f) => n + f.recordCount, 0)),
          numOutputBytes: String(files.reduce((n, f) => n + f.sizeBytes, 0)),
        },
        engineInfo: 'Databricks-Runtime/15.4.x-scala2.12',
        txnId: stableUuid(`delta-txn:${table.tableId}:${version}`),
      },
    },
  ];
  if (!previous) actions.push({ protocol: protocolOf() }, { metaData: metaDataOf(table, state) });
  actions.push(...adds.map((add) => ({ add })));
  const logDir = `${root}/_delta_log`;
  await deps.write(
    `${logDir}/${deltaLogNames.commit(version)}`,
    Buffer.from(`${actions.map((a) => JSON.stringify(a)).join('\n')}\n`),
  );
  if (version > 0 && version % CHECKPOINT_INTERVAL === 0) await writeCheckpoint(deps, logDir, table, state);
  return state;
}

async function writeCheckpoint(
  deps: { write: ObjectWriter; writeParquet: JsonParquetWriter },
  logDir: string,
  table: TableEntry,
  state: DeltaLogState,
): Promise<void> {
  const rows = [
    { protocol: protocolOf() },
    { metaData: metaDataOf(table, state) },
    ...state.files.map((add) => ({ add })),
  ];
  const url = `${logDir}/${deltaLogNames.checkpoint(state.version)}`;
  await deps.writeParquet(url, rows.map((r) => JSON.stringify(r)).join('\n'), CHECKPOINT_COLUMNS);
  await deps.write(
    `${logDir}/${deltaLogNames.lastCheckpoint}`,
    Buffer.from(JSON.stringify({ version: state.version, size: rows.length, numOfAddFiles: state.files.length })),
  );
}

/** The checkpoint's columns, one per action type ("Checkpoint Schema"); each row sets one of them. */
const CHECKPOINT_COLUMNS: Record<string, string> = {
  txn: 'STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)',
  add: 'STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags MAP(VARCHAR, VARCHAR))',
  remove:
    'STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT)',
  metaData:
    'STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options MAP(VARCHAR, VARCHAR)), schemaString VARCHAR, partitionColumns VARCHAR[], configuration MAP(VARCHAR, VARCHAR), createdTime BIGINT)',
  protocol:
    'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], writerFeatures VARCHAR[])',
};

/** Column mapping without reader table features (reader version 2) and IcebergCompatV2 as a writer feature (7). */
function protocolOf() {
  return { minReaderVersion: 2, minWriterVersion: 7, writerFeatures: ['columnMapping', 'icebergCompatV2'] };
}

function metaDataOf(table: TableEntry, state: DeltaLogState) {
  const schema = {
    type: 'struct',
    fields: table.columns.map((c, i) => ({
      name: c.name,
      type: COLUMN_TYPES[c.type].sparkJsonType,
      nullable: true,
      metadata: {
        ...(c.comment ? { comment: c.comment } : {}),
        'delta.columnMapping.id': i + 1,
        'delta.columnMapping.physicalName': c.name,
      },
    })),
  };
  return {
    id: state.tableId,
    format: { provider: 'parquet', options: {} },
    schemaString: JSON.stringify(schema),
    partitionColumns: [],
    configuration: {
      'delta.columnMapping.mode': 'name',
      'delta.columnMapping.maxColumnId': String(table.columns.length),
      'delta.enableIcebergCompatV2': 'true',
      'delta.universalFormat.enabledFormats': 'iceberg',
    },
    createdTime: state.createdTime,
  };
}

function addAction(table: TableEntry, file: AddedDataFile, root: string, now: number): DeltaAddAction {
  const nullCount = Object.fromEntries(table.columns.map((c, i) => [c.name, file.nullValueCounts.get(i + 1) ?? 0]));
  return {
    path: encodeURI(file.path.startsWith(`${root}/`) ? file.path.slice(root.length + 1) : file.path),
    partitionValues: {},
    size: file.sizeBytes,
    modificationTime: now,
    dataChange: true,
    stats: JSON.stringify({ numRecords: file.recordCount, minValues: {}, maxValues: {}, nullCount }),
  };
}
