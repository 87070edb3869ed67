import { describe, expect, it } from 'vitest';
import { parseCopyIntoResult } from './copy-result.js';

describe('parseCopyIntoResult', () => {
  it('reads one row per file', () => {
    const result = parseCopyIntoResult([
      {
        file: 's3://bucket/exports/sync-1/part-0.parquet',
        status: 'LOADED',
        rows_parsed: 2,
        rows_loaded: 2,
        error_limit: 1,
        errors_seen: 0,
        first_error: null,
        first_error_line: null,
        first_error_character: null,
        first_error_column_name: null,
      },
      {
        file: 's3://bucket/exports/sync-1/part-1.parquet',
        status: 'PARTIALLY_LOADED',
        rows_parsed: '5',
        rows_loaded: '3',
        error_limit: '10',
        errors_seen: '2',
        first_error: 'Numeric value x is not recognized',
        first_error_line: '4',
        first_error_character: '1',
        first_error_column_name: '"T"["AMOUNT":2]',
      },
    ]);
    expect(result.noFilesProcessed).toBe(false);
    expect(result.rowsLoaded).toBe(5);
    expect(result.files[1]).toEqual({
      file: 's3://bucket/exports/sync-1/part-1.parquet',
      status: 'PARTIALLY_LOADED',
      rowsParsed: 5,
      rowsLoaded: 3,
      errorLimit: 10,
      errorsSeen: 2,
      firstError: 'Numeric value x is not recognized',
      firstErrorLine: 4,
      firstErrorCharacter: 1,
      firstErrorColumnName: '"T"["AMOUNT":2]',
    });
  });

  it('recognises the "0 files processed" row, whatever the key case', () => {
    expect(parseCopyIntoResult([{ status: 'Copy executed with 0 files processed.' }])).toEqual({
      files: [],
      noFilesProcessed: true,
      rowsLoaded: 0,
    });
    expect(parseCopyIntoResult([{ STATUS: 'Copy executed with 0 files processed.' }]).noFilesProcessed).toBe(true);
  });
});
