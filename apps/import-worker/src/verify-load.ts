import { type LoadFileResult, SyncFailedError } from '@d2s/shared';
import type { CopyIntoResult } from '@d2s/shared/snowflake';

export interface LoadExpectations {
  /** Every data file the export wrote under this sync's prefix (from LIST). */
  listedFiles: readonly string[];
  /** Files under the prefix that are not data (Spark's commit files, say); read only when there is no data file. */
  otherFiles?: readonly string[];
  /** The run's prefix, as the export wrote it (s3://…/<run path>/), for messages. */
  location?: string;
  requireFiles: boolean;
  /**
   * Files missing from this COPY's results that an earlier attempt of this
   * same sync loaded (Snowflake's load metadata skips them), with their rows
   * when the load history told us.
   */
  previouslyLoaded: ReadonlyMap<string, number | undefined>;
}

export interface VerifiedLoad {
  files: LoadFileResult[];
  rowsLoaded: number;
  /** False when an earlier attempt loaded some files and their row counts could not be read back. */
  rowsExact: boolean;
}

const BAD_STATUSES = new Set(['LOAD_FAILED', 'PARTIALLY_LOADED']);

/** COPY's per-file rows as a sync reports them (the fields a reader of the status needs). */
export function loadedFiles(copy: CopyIntoResult): LoadFileResult[] {
  return copy.files.map((f) => ({
    file: f.file,
    status: f.status,
    rowsParsed: f.rowsParsed,
    rowsLoaded: f.rowsLoaded,
    errorsSeen: f.errorsSeen,
    firstError: f.firstError,
  }));
}

/** The part of a file URL or stage path that names the file within the run's prefix. */
export function fileKey(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/**
 * Checks every COPY result row and that every exported file was loaded,
 * by this COPY or an earlier attempt of the same sync. Throws a coded
 * SyncFailedError describing the first problem, with per-file details.
 */
export function verifyCopy(copy: CopyIntoResult, expect: LoadExpectations): VerifiedLoad {
  const files = loadedFiles(copy);

  if (expect.listedFiles.length === 0) {
    requireDataFiles(expect, files);
    return { files, rowsLoaded: 0, rowsExact: true };
  }

  const bad = files.filter((f) => BAD_STATUSES.has(String(f.status)) || f.errorsSeen > 0);
  if (bad.length > 0) {
    const first = bad[0] as LoadFileResult;
    throw new SyncFailedError(
      'LOAD_FAILED',
      `${bad.length} of ${files.length} file(s) did not load cleanly; ${first.file}: ${first.status}${first.firstError ? `, first error: ${first.firstError}` : ''}`,
      { details: { files, failedFiles: bad.map((f) => f.file) } },
    );
  }

  const loadedNow = new Set(files.map((f) => fileKey(f.file)));
  let rowsExact = true;
  let rowsLoaded = files.reduce((sum, f) => sum + f.rowsLoaded, 0);
  const missing: string[] = [];
  for (const listed of expect.listedFiles) {
    const key = fileKey(listed);
    if (loadedNow.has(key)) continue;
    if (expect.previouslyLoaded.has(key)) {
      const rows = expect.previouslyLoaded.get(key);
      if (rows === undefined) rowsExact = false;
      else rowsLoaded += rows;
      files.push({
        file: listed,
        status: 'LOADED',
        rowsParsed: rows ?? 0,
        rowsLoaded: rows ?? 0,
        errorsSeen: 0,
        firstError: null,
        previouslyLoaded: true,
      });
      continue;
    }
    missing.push(listed);
  }
  if (missing.length > 0) {
    throw new SyncFailedError(
      copy.noFilesProcessed ? 'NOTHING_LOADED' : 'FILES_NOT_LOADED',
      copy.noFilesProcessed
        ? `COPY INTO processed 0 files, but the export wrote ${expect.listedFiles.length}.`
        : `${missing.length} exported file(s) were not loaded: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
      { details: { files, missingFiles: missing } },
    );
  }
  return { files, rowsLoaded, rowsExact };
}

/**
 * Fails with NO_DATA_FILES when the run wrote no data file and the dataset
 * requires files, naming the prefix and what was there instead (often only
 * Spark's commit files, from a job that wrote nowhere else or nothing).
 */
export function requireDataFiles(
  expect: Pick<LoadExpectations, 'listedFiles' | 'otherFiles' | 'location' | 'requireFiles'>,
  files: LoadFileResult[] = [],
): void {
  if (expect.listedFiles.length > 0 || !expect.requireFiles) return;
  const others = expect.otherFiles ?? [];
  const where = expect.location ?? 'this sync’s prefix';
  throw new SyncFailedError(
    'NO_DATA_FILES',
    `The Databricks run succeeded but wrote no data files under ${where}` +
      (others.length > 0
        ? `; only ${others.length} other file(s): ${others.slice(0, 5).map(fileKey).join(', ')}${others.length > 5 ? ', …' : ''}.`
        : '.'),
    { details: { files, location: expect.location, otherFiles: others } },
  );
}

/** Fails unless two row counts agree (rows COPY loaded vs rows the table holds, or vs the declared count). */
export function requireRowCount(
  what: string,
  actual: number,
  expected: number,
  details: Record<string, unknown>,
): void {
  if (actual !== expected) {
    throw new SyncFailedError('ROW_COUNT_MISMATCH', `${what}: expected ${expected} rows, found ${actual}.`, {
      details: { ...details, expectedRows: expected, actualRows: actual },
    });
  }
}
