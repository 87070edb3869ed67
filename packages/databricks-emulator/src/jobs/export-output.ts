import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStore } from '../object-store.js';
import { COLUMN_TYPES } from '../data/column-types.js';
import { stableUuid } from '../data/stable-uuid.js';
import { generateRows, seedFrom } from '../data/synthetic-rows.js';
import type { ExportFixture } from '../fixture-types.js';
import type { ParquetWriter } from '../parquet-writer.js';

export interface ExportResult {
  outputPath: string;
  /** File names written (Parquet only), in order. */
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
 * `rows_per_file` deterministic rows into the s3:// directory named by the output parameter.
 * The directory's previous part files are replaced (Spark's overwrite mode); each file appears
 * atomically. Rows depend only on the seed and the other job parameters.
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
  const columns = spec.columns.map((c) => ({
    name: c.name,
    type: c.type,
    duckdbType: COLUMN_TYPES[c.type].duckdbExportType,
  }));
  const writeId = stableUuid(`export:${runId}`);
  const markers = spec.write_commit_markers === true;
  if (markers) await writeAtomically(deps.tempDir, join(dir, `_started_${runId}`), '');

  const files: string[] = [];
  for (let i = 0; i < spec.files; i++) {
    const name = `part-${String(i).padStart(5, '0')}-${writeId}-c000.snappy.parquet`;
    const rows = generateRows({
      columns: spec.columns,
      seed,
      parameters,
      firstRow: i * spec.rows_per_file,
      count: spec.rows_per_file,
    });
    await deps.writer.write(join(dir, name), columns, rows);
    files.push(name);
  }
  if (markers) {
    await writeAtomically(
      deps.tempDir,
      join(dir, `_committed_${runId}`),
      JSON.stringify({ added: files, removed: [] }),
    );
    await writeAtomically(deps.tempDir, join(dir, '_SUCCESS'), '');
  }
  return { outputPath, files, rowCount: spec.files * spec.rows_per_file };
}

async function removePreviousOutput(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  await Promise.all(
    entries
      .filter(
        (e) => e.isFile() && (/^part-.*\.parquet$/.test(e.name) || /^_(SUCCESS|started_.*|committed_.*)$/.test(e.name)),
      )
      .map((e) => rm(join(dir, e.name), { force: true })),
  );
}

async function writeAtomically(tempDir: string, path: string, content: string): Promise<void> {
  await mkdir(tempDir, { recursive: true });
  const temp = join(tempDir, `${randomUUID()}.tmp`);
  await writeFile(temp, content);
  await rename(temp, path);
}
