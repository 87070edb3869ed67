import { describe, expect, it } from 'vitest';
import { isNumericFormat, strftimeFormat } from './format-models.js';

// Elements as listed in https://docs.snowflake.com/en/sql-reference/date-time-input-output.
describe('strftimeFormat', () => {
  it('maps elements case-insensitively, longest first', () => {
    expect(strftimeFormat('YYYY-MM-DD HH24:MI:SS.FF3')).toBe('%Y-%m-%d %H:%M:%S.%g');
    expect(strftimeFormat('mon dd, yyyy')).toBe('%b %d, %Y');
    expect(strftimeFormat('MMMM DY HH12 AM')).toBe('%B %a %I %p');
    expect(strftimeFormat('FF')).toBe('%f000');
  });

  it('copies double-quoted text and escapes % for strftime', () => {
    expect(strftimeFormat('YYYY"T"HH24 "MM" 100%')).toBe('%YT%H MM 100%%');
  });

  it('refuses what it cannot print and unterminated quotes', () => {
    expect(() => strftimeFormat('HH24 TZH:TZM')).toThrow(/TZH/);
    expect(() => strftimeFormat('SS.FF2')).toThrow(/FF2/);
    expect(() => strftimeFormat('YYYY "open')).toThrow(/date\/time format/);
  });
});

describe('isNumericFormat', () => {
  it('tells numeric format models from date ones', () => {
    expect(isNumericFormat('999.99')).toBe(true);
    expect(isNumericFormat('$9,990')).toBe(true);
    expect(isNumericFormat('YYYY-MM-DD')).toBe(false);
    expect(isNumericFormat('DD')).toBe(false);
  });
});
