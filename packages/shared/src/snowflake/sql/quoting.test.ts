import { describe, expect, it } from 'vitest';
import { SqlBuildError } from '../errors.js';
import {
  catalogIntegrationName,
  qualifiedName,
  qualifiedNameLiteral,
  quoteIdentifier,
  quoteLiteral,
  stageLocation,
} from './quoting.js';

describe('quoteIdentifier', () => {
  it.each([
    ['orders', '"orders"'],
    ['ORDERS', '"ORDERS"'],
    ['MixedCase', '"MixedCase"'],
    ['with space', '"with space"'],
    ['say "hi"', '"say ""hi"""'],
    ['"', '""""'],
    ['a;DROP TABLE x;--', '"a;DROP TABLE x;--"'],
    ["it's", '"it\'s"'],
    ['Zürich_日本', '"Zürich_日本"'],
    ['emoji 🚀', '"emoji 🚀"'],
    ['back\\slash', '"back\\slash"'],
  ])('%s -> %s', (name, quoted) => {
    expect(quoteIdentifier(name)).toBe(quoted);
  });

  it('refuses empty names, NUL and over-long names', () => {
    expect(() => quoteIdentifier('')).toThrow(SqlBuildError);
    expect(() => quoteIdentifier('a\u0000b')).toThrow(/NUL/);
    expect(() => quoteIdentifier('x'.repeat(256))).toThrow(/255/);
    expect(quoteIdentifier('x'.repeat(255))).toHaveLength(257);
  });

  it('counts characters, not UTF-16 units, against the limit', () => {
    expect(() => quoteIdentifier('🚀'.repeat(255))).not.toThrow();
  });
});

describe('qualifiedName', () => {
  it('quotes every part', () => {
    expect(qualifiedName({ database: 'Analytics', schema: 'my schema', name: 'or"ders' })).toBe(
      '"Analytics"."my schema"."or""ders"',
    );
  });
  it('refuses an empty part', () => {
    expect(() => qualifiedName({ database: 'DB', schema: '', name: 'T' })).toThrow(SqlBuildError);
  });
});

describe('quoteLiteral', () => {
  it.each([
    ['plain', "'plain'"],
    ["it's", "'it''s'"],
    ['C:\\temp\\x', "'C:\\\\temp\\\\x'"],
    ["\\'", "'\\\\'''"],
    ['two\nlines', "'two\nlines'"],
    ['"double"', '\'"double"\''],
    ['日本', "'日本'"],
    ['', "''"],
  ])('%j -> %s', (value, literal) => {
    expect(quoteLiteral(value)).toBe(literal);
  });

  it('cannot be escaped out of', () => {
    const literal = quoteLiteral("x\\'; DROP TABLE t; --");
    expect(literal).toBe("'x\\\\''; DROP TABLE t; --'");
  });

  it('refuses NUL', () => {
    expect(() => quoteLiteral('a\u0000')).toThrow(SqlBuildError);
  });
});

describe('catalogIntegrationName', () => {
  it('accepts plain upper-case names', () => {
    expect(catalogIntegrationName('D2S_UC_MAIN')).toBe('D2S_UC_MAIN');
    expect(catalogIntegrationName('_X$1')).toBe('_X$1');
  });
  it('refuses names that would be ambiguous inside a string', () => {
    for (const name of ['d2s_main', 'D2S MAIN', 'D2S"X', "D2S'X", '1ABC', '$X', '']) {
      expect(() => catalogIntegrationName(name)).toThrow(SqlBuildError);
    }
  });
});

describe('qualifiedNameLiteral', () => {
  it('quotes a qualified name inside a literal', () => {
    expect(qualifiedNameLiteral({ database: 'DB', schema: 'S', name: 'ff' })).toBe('\'"DB"."S"."ff"\'');
  });
});

describe('stageLocation', () => {
  const stage = { database: 'DB', schema: 'RAW', name: 'exports' };
  it('joins the stage and the path', () => {
    expect(stageLocation(stage, 'sync-1/')).toBe('@"DB"."RAW"."exports"/sync-1/');
    expect(stageLocation(stage, '/dataset=a/2024-01-01/')).toBe('@"DB"."RAW"."exports"/dataset=a/2024-01-01/');
    expect(stageLocation(stage)).toBe('@"DB"."RAW"."exports"');
  });
  it('refuses paths that would need quoting', () => {
    expect(() => stageLocation(stage, "x' OR 1=1")).toThrow(SqlBuildError);
    expect(() => stageLocation(stage, 'with space/')).toThrow(SqlBuildError);
    expect(() => stageLocation(stage, 'a;b')).toThrow(SqlBuildError);
  });
});
