import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStore } from '../object-store.js';
import { COLUMN_TYPES } from '../data/column-types.js';
import { stableUuid } from '../data/stable-uuid.js';
import { type Cell, generateRows, seedFrom } from '../data/synthetic-rows.js';
import type { ColumnFixture, ExportFixture } from '../fixture-types.js';
import type { ParquetWriter } from '../parquet-writer.js';

export interface ExportResult {
  outputPath: string;
  /** Data files written (Parquet only, relative to the output path), in order. */
  files: string[];
  rowCount: number;
}

export interface ExportDeps {
  objectStore: ObjectStore;
  writer: ParquetWriter;
  tempDir: string;
}

/** A failure the run reports as its error (the run ends FAILED). */
export class ExportFailure extends Error {}

/**
 * What an export job "does" when its run succeeds: writes `files` Parquet files of
 * `rows_per_file` deterministic rows into the s3:// directory named by the output parameter,
 * the way a Databricks Spark job leaves its output (DBIO transactional commit, on by default
 * since Databricks Runtime 3.0: https://docs.databricks.com/en/archive/legacy/dbio-commit.html):
 * `_started_<txn>` before the part files and `_committed_<txn>` (JSON naming the files added)
 * after them in every directory written, and an empty `_SUCCESS` at the top. With
 * `partition_by`, rows go to `<column>=<value>/` folders without that column, as
 * `DataFrameWriter.partitionBy` writes them. The directory's previous output is replaced
 * (Spark's overwrite mode); each file appears atomically. Rows depend only on the seed and the
 * other job parameters.
 */
export async function writeExportOutput(
  deps: ExportDeps,
  spec: ExportFixture,
  runId: number,
  parameters: Record<string, string>,
): Promise<ExportResult> {
  const outputParameter = spec.output_parameter ?? 'output_path';
  const outputPath = parameters[outputParameter];
  if (!outputPath) {
    throw new ExportFailure(`Job parameter '${outputParameter}' is required: the s3:// directory to write into.`);
  }
  let dir: string;
  try {
    dir = deps.objectStore.pathOf(outputPath);
  } catch (error) {
    throw new ExportFailure(`Cannot write to ${outputPath}: ${(error as Error).message}`);
  }
  await mkdir(dir, { recursive: true });
  await removePreviousOutput(dir);

  const dataParameters = { ...parameters };
  delete dataParameters[outputParameter];
  const seed = seedFrom(spec.seed ?? 1, dataParameters);
  const specColumns = columnsOfRun(spec, parameters);
  const partitionIndex =
    spec.partition_by === undefined ? -1 : specColumns.findIndex((c) => c.name === spec.partition_by);
  if (spec.partition_by !== undefined && partitionIndex < 0) {
    throw new ExportFailure(`partitionBy column '${spec.partition_by}' is not one of the output's columns.`);
  }
  const columns = specColumns
    .map((c) => ({ name: c.name, type: c.type, duckdbType: COLUMN_TYPES[c.type].duckdbExportType }))
    .filter((_, index) => index !== partitionIndex);
  const writeId = stableUuid(`export:${runId}`);
  const markers = spec.write_commit_markers ?? true;
  const txn = transactionIdOf(runId);

  // Every file of one directory, so each directory gets its own commit markers.
  const byFolder = new Map<string, string[]>();
  const files: string[] = [];
  for (let i = 0; i < spec.files; i++) {
    const rows = generateRows({
      columns: specColumns,
      seed,
      parameters,
      firstRow: i * spec.rows_per_file,
      count: spec.rows_per_file,
    });
    const name = `part-${String(i).padStart(5, '0')}-${writeId}-c000.snappy.parquet`;
    for (const [folder, folderRows] of partitionRows(rows, partitionIndex, spec.partition_by)) {
      const folderDir = join(dir, folder);
      if (!byFolder.has(folder)) {
        byFolder.set(folder, []);
        await mkdir(folderDir, { recursive: true });
        if (markers) await writeAtomically(deps.tempDir, join(folderDir, `_started_${txn}`), '');
      }
      await deps.writer.write(join(folderDir, name), columns, folderRows);
      byFolder.get(folder)?.push(name);
      files.push(folder === '' ? name : `${folder}/${name}`);
    }
  }
  if (markers) {
    for (const [folder, added] of byFolder) {
      await writeAtomically(
        deps.tempDir,
        join(dir, folder, `_committed_${txn}`),
        JSON.stringify({ added, removed: [] }),
      );
    }
    await writeAtomically(deps.tempDir, join(dir, '_SUCCESS'), '');
  }
  return { outputPath, files, rowCount: spec.files * spec.rows_per_file };
}

/** The columns this run writes: a schema version the run's parameters name, else the export's own. */
function columnsOfRun(spec: ExportFixture, parameters: Record<string, string>): ColumnFixture[] {
  const versions = spec.schema_versions;
  const chosen = versions ? parameters[versions.parameter] : undefined;
  if (!versions || chosen === undefined || chosen === '') return spec.columns;
  const columns = versions.columns[chosen];
  if (!columns)
    throw new ExportFailure(
      `Job parameter '${versions.parameter}' names no schema version '${chosen}' (known: ${Object.keys(versions.columns).join(', ')}).`,
    );
  return columns;
}

/** Rows grouped by their partition folder (`column=value`), the partition column left out; one group '' when unpartitioned. */
function partitionRows(rows: Cell[][], index: number, column: string | undefined): Map<string, Cell[][]> {
  const groups = new Map<string, Cell[][]>();
  if (index < 0 || column === undefined) return groups.set('', rows);
  for (const row of rows) {
    const value = row[index];
    const folder = `${column}=${value === null || value === undefined ? '__HIVE_DEFAULT_PARTITION__' : encodeURIComponent(String(value))}`;
    const rest = row.filter((_, i) => i !== index);
    const group = groups.get(folder);
    if (group) group.push(rest);
    else groups.set(folder, [rest]);
  }
  return groups;
}

/** DBIO's transaction ids are positive 63-bit numbers; derived from the run so output is deterministic. */
function transactionIdOf(runId: number): string {
  const hex = stableUuid(`txn:${runId}`).replace(/-/g, '').slice(0, 15);
  return BigInt(`0x${hex}`).toString();
}

async function removePreviousOutput(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  await Promise.all(
    entries
      .filter(
        (e) =>
          (e.isFile() && (/^part-.*\.parquet$/.test(e.name) || /^_(SUCCESS|started_.*|committed_.*)$/.test(e.name))) ||
          (e.isDirectory() && e.name.includes('=')),
      )
      .map((e) => rm(join(dir, e.name), { force: true, recursive: true })),
  );
}

async function writeAtomically(tempDir: string, path: string, content: string): Promise<void> {
  await mkdir(tempDir, { recursive: true });
  const temp = join(tempDir, `${randomUUID()}.tmp`);
  await writeFile(temp, content);
  await rename(temp, path);
}
