import { describe, expect, it } from 'vitest';
import { indentJson } from './variant-text.js';

describe('indentJson', () => {
  it("prints objects and arrays as Snowflake does: two-space indent, ': ' after keys", () => {
    // The snowflake-sdk's integration tests expect '{\n  "a": 1\n}' for parse_json('{"a": 1}').
    expect(indentJson('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(indentJson('{"a":{"b":[1,"x"]},"c":null}')).toBe(
      '{\n  "a": {\n    "b": [\n      1,\n      "x"\n    ]\n  },\n  "c": null\n}',
    );
  });

  it('keeps empty containers, scalars, number digits and string contents as they are', () => {
    expect(indentJson('{ }')).toBe('{}');
    expect(indentJson('[[], {}]')).toBe('[\n  [],\n  {}\n]');
    expect(indentJson('12345678901234567890')).toBe('12345678901234567890');
    expect(indentJson('1.50')).toBe('1.50');
    expect(indentJson('"a, b: {c} [d] \\" e"')).toBe('"a, b: {c} [d] \\" e"');
    expect(indentJson('["a, b: {c}"]')).toBe('[\n  "a, b: {c}"\n]');
    expect(indentJson('not json at all')).toBe('not json at all');
  });
});
