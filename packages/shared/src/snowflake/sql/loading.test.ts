import { describe, expect, it } from 'vitest';
import { SqlBuildError } from '../errors.js';
import { copyIntoTable, createFileFormat, createStage } from './loading.js';

const stage = { database: 'ANALYTICS', schema: 'RAW', name: 'D2S_EXPORTS' };
const table = { database: 'ANALYTICS', schema: 'PUBLIC', name: 'orders' };

describe('createStage', () => {
  it('with a storage integration', () => {
    const sql = createStage({ stage, url: 's3://bucket/exports/', storageIntegration: 'S3_INT' });
    expect(sql.text()).toBe(
      [
        'CREATE STAGE IF NOT EXISTS "ANALYTICS"."RAW"."D2S_EXPORTS"',
        "  URL = 's3://bucket/exports/'",
        '  STORAGE_INTEGRATION = "S3_INT"',
        '  FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)',
      ].join('\n'),
    );
    expect(sql.masked).toBe(sql.text());
  });

  it('without integration, with a comment', () => {
    expect(createStage({ stage, url: 's3://b/p/', comment: "d2s's stage" }).text()).toBe(
      [
        'CREATE STAGE IF NOT EXISTS "ANALYTICS"."RAW"."D2S_EXPORTS"',
        "  URL = 's3://b/p/'",
        '  FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)',
        "  COMMENT = 'd2s''s stage'",
      ].join('\n'),
    );
  });

  it('refuses a URL that is not an object-store URL', () => {
    expect(() => createStage({ stage, url: 'https://example.com/' })).toThrow(SqlBuildError);
    expect(() => createStage({ stage, url: "s3://b/x' y" })).toThrow(SqlBuildError);
  });
});

describe('createFileFormat', () => {
  it('is a named Parquet format', () => {
    expect(createFileFormat({ fileFormat: { database: 'ANALYTICS', schema: 'RAW', name: 'D2S_PARQUET' } }).text()).toBe(
      'CREATE FILE FORMAT IF NOT EXISTS "ANALYTICS"."RAW"."D2S_PARQUET"\n  TYPE = PARQUET USE_LOGICAL_TYPE = TRUE',
    );
  });
});

describe('copyIntoTable', () => {
  it('defaults', () => {
    expect(copyIntoTable({ table, stage, path: 'sync-01J/' }).text()).toBe(
      [
        'COPY INTO "ANALYTICS"."PUBLIC"."orders"',
        '  FROM @"ANALYTICS"."RAW"."D2S_EXPORTS"/sync-01J/',
        '  FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)',
        '  MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE',
        '  ON_ERROR = ABORT_STATEMENT',
      ].join('\n'),
    );
  });

  it('every option', () => {
    expect(
      copyIntoTable({
        table,
        stage,
        path: 'sync-1/',
        files: ['part-0.parquet', "it's.parquet"],
        pattern: '.*\\.parquet',
        fileFormat: { database: 'ANALYTICS', schema: 'RAW', name: 'D2S_PARQUET' },
        matchByColumnName: 'CASE_SENSITIVE',
        onError: 'SKIP_FILE',
        force: true,
      }).text(),
    ).toBe(
      [
        'COPY INTO "ANALYTICS"."PUBLIC"."orders"',
        '  FROM @"ANALYTICS"."RAW"."D2S_EXPORTS"/sync-1/',
        "  FILES = ('part-0.parquet', 'it''s.parquet')",
        "  PATTERN = '.*\\\\.parquet'",
        '  FILE_FORMAT = (FORMAT_NAME = \'"ANALYTICS"."RAW"."D2S_PARQUET"\')',
        '  MATCH_BY_COLUMN_NAME = CASE_SENSITIVE',
        '  ON_ERROR = SKIP_FILE',
        '  FORCE = TRUE',
      ].join('\n'),
    );
  });

  it('refuses unknown option values and bad paths', () => {
    expect(() => copyIntoTable({ table, stage, onError: 'X' as never })).toThrow(SqlBuildError);
    expect(() => copyIntoTable({ table, stage, matchByColumnName: 'NONE; DROP' as never })).toThrow(SqlBuildError);
    expect(() => copyIntoTable({ table, stage, path: 'a b/' })).toThrow(SqlBuildError);
    expect(() => copyIntoTable({ table, stage, files: [] })).toThrow(SqlBuildError);
  });
});
