/**
 * The result set of `COPY INTO <table>`: one row per file with lower-case
 * columns (`file`, `status`, `rows_parsed`, `rows_loaded`, `error_limit`,
 * `errors_seen`, `first_error`, `first_error_line`, `first_error_character`,
 * `first_error_column_name`), or a single `status` row
 * `Copy executed with 0 files processed.` when no file was (newly) loaded.
 */

export type CopyFileStatus = 'LOADED' | 'LOAD_FAILED' | 'PARTIALLY_LOADED' | 'LOAD_SKIPPED' | (string & {});

export interface CopyFileResult {
  file: string;
  status: CopyFileStatus;
  rowsParsed: number;
  rowsLoaded: number;
  errorLimit: number | null;
  errorsSeen: number;
  firstError: string | null;
  firstErrorLine: number | null;
  firstErrorCharacter: number | null;
  firstErrorColumnName: string | null;
}

export interface CopyIntoResult {
  files: CopyFileResult[];
  /** Snowflake said "Copy executed with 0 files processed." (nothing new, or nothing there). */
  noFilesProcessed: boolean;
  /** Sum of rows_loaded over every file. */
  rowsLoaded: number;
}

const NO_FILES = /^copy executed with 0 files processed/i;

export function parseCopyIntoResult(rows: readonly Record<string, unknown>[]): CopyIntoResult {
  const files: CopyFileResult[] = [];
  let noFilesProcessed = false;
  for (const raw of rows) {
    const row = lowerKeys(raw);
    const status = text(row.status) ?? '';
    if (row.file === undefined && NO_FILES.test(status)) {
      noFilesProcessed = true;
      continue;
    }
    files.push({
      file: text(row.file) ?? '',
      status,
      rowsParsed: count(row.rows_parsed) ?? 0,
      rowsLoaded: count(row.rows_loaded) ?? 0,
      errorLimit: count(row.error_limit),
      errorsSeen: count(row.errors_seen) ?? 0,
      firstError: text(row.first_error),
      firstErrorLine: count(row.first_error_line),
      firstErrorCharacter: count(row.first_error_character),
      firstErrorColumnName: text(row.first_error_column_name),
    });
  }
  return { files, noFilesProcessed, rowsLoaded: files.reduce((sum, file) => sum + file.rowsLoaded, 0) };
}

function lowerKeys(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[key.toLowerCase()] = value;
  return out;
}

function text(value: unknown): string | null {
  return value === undefined || value === null ? null : String(value);
}

function count(value: unknown): number | null {
  if (value === undefined || value === null || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}
