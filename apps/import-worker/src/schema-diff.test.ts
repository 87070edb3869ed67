import { describe, expect, it } from 'vitest';
import { canonicalType, type ColumnShape, describeSchemaChange, planSchemaChanges } from './schema-diff.js';

const col = (name: string, type: string, nullable = true): ColumnShape => ({ name, type, nullable });
const insensitive = (evolution: 'strict' | 'add-columns' | 'replace-schema') => ({ evolution, caseSensitive: false });

// The target as createTable's USING TEMPLATE leaves it (DESCRIBE TABLE types) and the files as INFER_SCHEMA
// prints them for Parquet (TEXT, REAL, NUMBER(38, 0), TIMESTAMP_NTZ): the same columns, so nothing to do.
const target = [col('id', 'NUMBER(38,0)'), col('name', 'VARCHAR(16777216)'), col('amount', 'FLOAT')];
const sameFiles = [col('id', 'NUMBER(38, 0)'), col('name', 'TEXT'), col('amount', 'REAL')];

describe('canonicalType', () => {
  it('folds Snowflake synonyms and fills in default sizes', () => {
    expect(canonicalType('INT').text).toBe('NUMBER(38,0)');
    expect(canonicalType('number(10, 2)').text).toBe('NUMBER(10,2)');
    expect(canonicalType('DECIMAL').text).toBe('NUMBER(38,0)');
    expect(canonicalType('TEXT').text).toBe('VARCHAR(16777216)');
    expect(canonicalType('STRING').text).toBe('VARCHAR(16777216)');
    expect(canonicalType('CHAR').text).toBe('VARCHAR(1)');
    expect(canonicalType('DOUBLE PRECISION').text).toBe('FLOAT');
    expect(canonicalType('REAL').text).toBe('FLOAT');
    expect(canonicalType('TIMESTAMP_NTZ(9)').text).toBe('TIMESTAMP_NTZ');
    expect(canonicalType('DATETIME').text).toBe('TIMESTAMP_NTZ');
  });
});

describe('planSchemaChanges', () => {
  it('finds nothing when the files carry the target columns under synonymous types and other case', () => {
    const upper = [col('ID', 'NUMBER(38,0)'), col('NAME', 'VARCHAR(16777216)'), col('AMOUNT', 'FLOAT')];
    for (const evolution of ['strict', 'add-columns'] as const) {
      expect(planSchemaChanges(sameFiles, target, insensitive(evolution))).toEqual({ changes: [], conflicts: [] });
      expect(planSchemaChanges(sameFiles, upper, insensitive(evolution))).toEqual({ changes: [], conflicts: [] });
    }
  });

  it('adds a new column under add-columns and refuses it under strict', () => {
    const files = [...sameFiles, col('discount', 'NUMBER(38, 0)')];
    expect(planSchemaChanges(files, target, insensitive('add-columns'))).toEqual({
      changes: [{ kind: 'add-column', column: 'discount', to: 'NUMBER(38,0)' }],
      conflicts: [],
    });
    expect(planSchemaChanges(files, target, insensitive('strict'))).toEqual({
      changes: [],
      conflicts: ['+ new column "discount" NUMBER(38,0) (schema.evolution: strict adds no columns)'],
    });
  });

  it('matches names case-sensitively when COPY does', () => {
    const plan = planSchemaChanges(sameFiles, [col('ID', 'NUMBER(38,0)'), ...target.slice(1)], {
      evolution: 'add-columns',
      caseSensitive: true,
    });
    expect(plan.changes).toEqual([{ kind: 'add-column', column: 'id', to: 'NUMBER(38,0)' }]);
  });

  it('widens a VARCHAR length and a NUMBER precision in every setting', () => {
    const narrow = [col('id', 'NUMBER(10,0)'), col('name', 'VARCHAR(50)'), col('amount', 'FLOAT')];
    const expected = [
      { kind: 'widen', column: 'id', from: 'NUMBER(10,0)', to: 'NUMBER(38,0)' },
      { kind: 'widen', column: 'name', from: 'VARCHAR(50)', to: 'VARCHAR(16777216)' },
    ];
    expect(planSchemaChanges(sameFiles, narrow, insensitive('strict'))).toEqual({ changes: expected, conflicts: [] });
    expect(planSchemaChanges(sameFiles, narrow, insensitive('add-columns')).changes).toEqual(expected);
  });

  it('loads a narrower type as it is', () => {
    const files = [col('id', 'NUMBER(9,0)'), col('name', 'VARCHAR(10)'), col('amount', 'DOUBLE')];
    expect(planSchemaChanges(files, target, insensitive('strict'))).toEqual({ changes: [], conflicts: [] });
  });

  it('refuses a type change, a scale change and a NOT NULL column the files lack, all in one diff', () => {
    const strictTarget = [...target, col('price', 'NUMBER(10,2)'), col('region', 'VARCHAR(10)', false)];
    const files = [col('id', 'NUMBER(38,0)'), col('name', 'TEXT'), col('amount', 'TEXT'), col('price', 'NUMBER(12,4)')];
    expect(planSchemaChanges(files, strictTarget, insensitive('add-columns'))).toEqual({
      changes: [],
      conflicts: [
        '~ column "amount" is FLOAT in the target, VARCHAR(16777216) in the files (Snowflake cannot change a column from FLOAT to VARCHAR(16777216))',
        '~ column "price" is NUMBER(10,2) in the target, NUMBER(12,4) in the files (Snowflake cannot change a NUMBER\'s scale)',
        '- column "region" is NOT NULL in the target and missing from the files',
      ],
    });
  });

  it('lets a nullable target column the files lack load as NULL', () => {
    expect(planSchemaChanges(sameFiles.slice(0, 2), target, insensitive('strict'))).toEqual({
      changes: [],
      conflicts: [],
    });
  });

  it('replace-schema takes the files schema whole: added, widened, retyped and dropped columns', () => {
    const old = [
      col('id', 'NUMBER(10,0)'),
      col('name', 'VARCHAR(50)'),
      col('amount', 'NUMBER(10,2)'),
      col('gone', 'DATE', false),
    ];
    const files = [...sameFiles, col('extra', 'BOOLEAN')];
    expect(planSchemaChanges(files, old, insensitive('replace-schema'))).toEqual({
      changes: [
        { kind: 'widen', column: 'id', from: 'NUMBER(10,0)', to: 'NUMBER(38,0)' },
        { kind: 'widen', column: 'name', from: 'VARCHAR(50)', to: 'VARCHAR(16777216)' },
        { kind: 'retype', column: 'amount', from: 'NUMBER(10,2)', to: 'FLOAT' },
        { kind: 'add-column', column: 'extra', to: 'BOOLEAN' },
        { kind: 'drop-column', column: 'gone', from: 'DATE' },
      ],
      conflicts: [],
    });
  });
});

describe('describeSchemaChange', () => {
  it('words each kind', () => {
    expect(describeSchemaChange({ kind: 'add-column', column: 'c', to: 'BOOLEAN' })).toBe('added column "c" BOOLEAN');
    expect(describeSchemaChange({ kind: 'widen', column: 'c', from: 'VARCHAR(5)', to: 'VARCHAR(9)' })).toBe(
      'widened "c" from VARCHAR(5) to VARCHAR(9)',
    );
    expect(describeSchemaChange({ kind: 'drop-column', column: 'c', from: 'DATE' })).toBe('dropped column "c" DATE');
  });
});
