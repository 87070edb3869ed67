import { describe, expect, it } from 'vitest';
import { statementKind } from './statement-kind.js';

describe('statementKind', () => {
  it.each([
    ['SELECT 1', 'SELECT'],
    ['  select count(*) from t', 'SELECT'],
    ['COPY INTO "DB"."S"."T" FROM @x', 'COPY'],
    ['CREATE TABLE IF NOT EXISTS "DB"."S"."T" LIKE x', 'CREATE TABLE'],
    ['CREATE OR REPLACE TABLE t LIKE x', 'CREATE TABLE'],
    ['CREATE OR REPLACE TRANSIENT TABLE t LIKE x', 'CREATE TABLE'],
    ['CREATE STAGE IF NOT EXISTS x URL = ...', 'CREATE STAGE'],
    ['CREATE FILE FORMAT IF NOT EXISTS x TYPE = PARQUET', 'CREATE FILE FORMAT'],
    ['CREATE CATALOG INTEGRATION IF NOT EXISTS "X"', 'CREATE CATALOG INTEGRATION'],
    ['CREATE ICEBERG TABLE IF NOT EXISTS "tables"', 'CREATE ICEBERG TABLE'],
    ['ALTER ICEBERG TABLE x REFRESH', 'ALTER ICEBERG TABLE'],
    ['ALTER TABLE a SWAP WITH b', 'ALTER TABLE'],
    ['ALTER CATALOG INTEGRATION "X" SET', 'ALTER CATALOG INTEGRATION'],
    ['DROP TABLE IF EXISTS "table"', 'DROP TABLE'],
    ['DROP ICEBERG TABLE IF EXISTS x', 'DROP ICEBERG TABLE'],
    ['SHOW ICEBERG TABLES IN DATABASE "D"', 'SHOW ICEBERG TABLES'],
    ['SHOW CATALOG INTEGRATIONS LIKE x', 'SHOW CATALOG INTEGRATIONS'],
    ['-- comment\n/* block */ select 1', 'SELECT'],
    ['"quoted" stuff', 'UNKNOWN'],
    ['', 'UNKNOWN'],
    ['WITH x AS (SELECT 1) SELECT * FROM x', 'WITH'],
    ['CREATE TABLE "secret_name"', 'CREATE TABLE'],
    ['CREATE TABLE table_name_table', 'CREATE TABLE'],
  ])('%j -> %s', (sql, kind) => {
    expect(statementKind(sql)).toBe(kind);
  });
});
