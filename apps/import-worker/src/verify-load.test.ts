import { SyncFailedError } from '@d2s/shared';
import type { CopyFileResult, CopyIntoResult } from '@d2s/shared/snowflake';
import { describe, expect, it } from 'vitest';
import { requireRowCount, verifyCopy } from './verify-load.js';

const file = (name: string, rows: number, over: Partial<CopyFileResult> = {}): CopyFileResult => ({
  file: `s3://b/p/sync_1/${name}`,
  status: 'LOADED',
  rowsParsed: rows,
  rowsLoaded: rows,
  errorLimit: 1,
  errorsSeen: 0,
  firstError: null,
  firstErrorLine: null,
  firstErrorCharacter: null,
  firstErrorColumnName: null,
  ...over,
});
const copy = (files: CopyFileResult[]): CopyIntoResult => ({
  files,
  noFilesProcessed: files.length === 0,
  rowsLoaded: files.reduce((s, f) => s + f.rowsLoaded, 0),
});
const listed = (...names: string[]) => names.map((n) => `s3://b/p/sync_1/${n}`);
const none = new Map<string, number | undefined>();

function failure(fn: () => unknown): SyncFailedError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SyncFailedError) return error;
    throw error;
  }
  throw new Error('expected a SyncFailedError');
}

describe('verifyCopy', () => {
  it('accepts a clean load and sums rows', () => {
    const result = verifyCopy(copy([file('a.parquet', 10), file('b.parquet', 5)]), {
      listedFiles: listed('a.parquet', 'b.parquet'),
      requireFiles: true,
      previouslyLoaded: none,
    });
    expect(result).toMatchObject({ rowsLoaded: 15, rowsExact: true });
    expect(result.files).toHaveLength(2);
  });

  it.each([
    ['LOAD_FAILED', { status: 'LOAD_FAILED', rowsLoaded: 0, errorsSeen: 3, firstError: 'Numeric value overflow' }],
    ['PARTIALLY_LOADED', { status: 'PARTIALLY_LOADED', rowsLoaded: 7, errorsSeen: 3 }],
    ['errors_seen > 0', { errorsSeen: 1 }],
  ])('fails on %s, naming the file and its first error', (_name, over) => {
    const error = failure(() =>
      verifyCopy(copy([file('a.parquet', 10), file('b.parquet', 10, over as Partial<CopyFileResult>)]), {
        listedFiles: listed('a.parquet', 'b.parquet'),
        requireFiles: true,
        previouslyLoaded: none,
      }),
    );
    expect(error.code).toBe('LOAD_FAILED');
    expect(error.message).toContain('b.parquet');
    expect(error.details.failedFiles).toEqual(['s3://b/p/sync_1/b.parquet']);
  });

  it('fails when the export wrote no files, unless files are optional', () => {
    expect(
      failure(() => verifyCopy(copy([]), { listedFiles: [], requireFiles: true, previouslyLoaded: none })).code,
    ).toBe('NO_DATA_FILES');
    expect(verifyCopy(copy([]), { listedFiles: [], requireFiles: false, previouslyLoaded: none }).rowsLoaded).toBe(0);
  });

  it('names the prefix it looked at and the files that were there when none was data', () => {
    const error = failure(() =>
      verifyCopy(copy([]), {
        listedFiles: [],
        otherFiles: listed('_SUCCESS', '_started_5218716133713553061', '_committed_5218716133713553061'),
        location: 's3://b/p/sync_1/',
        requireFiles: true,
        previouslyLoaded: none,
      }),
    );
    expect(error.code).toBe('NO_DATA_FILES');
    expect(error.message).toBe(
      'The Databricks run succeeded but wrote no data files under s3://b/p/sync_1/; only 3 other file(s): _SUCCESS, _started_5218716133713553061, _committed_5218716133713553061.',
    );
    expect(error.details.location).toBe('s3://b/p/sync_1/');
  });

  it('fails on "0 files processed" when files were expected', () => {
    const error = failure(() =>
      verifyCopy(copy([]), { listedFiles: listed('a.parquet'), requireFiles: true, previouslyLoaded: none }),
    );
    expect(error.code).toBe('NOTHING_LOADED');
  });

  it('fails when an exported file is missing from the results', () => {
    const error = failure(() =>
      verifyCopy(copy([file('a.parquet', 1)]), {
        listedFiles: listed('a.parquet', 'b.parquet'),
        requireFiles: true,
        previouslyLoaded: none,
      }),
    );
    expect(error.code).toBe('FILES_NOT_LOADED');
    expect(error.details.missingFiles).toEqual(['s3://b/p/sync_1/b.parquet']);
  });

  it('counts files an earlier attempt of the same sync loaded', () => {
    const result = verifyCopy(copy([file('b.parquet', 5)]), {
      listedFiles: listed('a.parquet', 'b.parquet'),
      requireFiles: true,
      previouslyLoaded: new Map([['a.parquet', 10]]),
    });
    expect(result).toMatchObject({ rowsLoaded: 15, rowsExact: true });
    expect(result.files.find((f) => f.previouslyLoaded)?.file).toBe('s3://b/p/sync_1/a.parquet');
  });

  it('says when previously loaded rows are unknown', () => {
    const result = verifyCopy(copy([]), {
      listedFiles: listed('a.parquet'),
      requireFiles: true,
      previouslyLoaded: new Map([['a.parquet', undefined]]),
    });
    expect(result.rowsExact).toBe(false);
  });
});

describe('requireRowCount', () => {
  it('passes equal counts and fails others with both numbers', () => {
    expect(() => requireRowCount('staging', 5, 5, {})).not.toThrow();
    const error = failure(() => requireRowCount('staging table', 4, 5, {}));
    expect(error.code).toBe('ROW_COUNT_MISMATCH');
    expect(error.message).toBe('staging table: expected 5 rows, found 4.');
  });
});
