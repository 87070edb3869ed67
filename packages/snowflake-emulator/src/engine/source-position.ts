/**
 * Where an offset of a statement's text sits, the way Snowflake reports it in
 * compile errors: `line` counts from 1, `position` is the 0-based column on
 * that line (the driver's own mock answers `select;` with "syntax error line 1
 * at position 6 unexpected ';'", snowflake-connector-nodejs
 * test/unit/mock/mock_http_client.js).
 */
export interface SourcePosition {
  line: number;
  position: number;
}

export function sourcePosition(sql: string, offset: number): SourcePosition {
  const before = sql.slice(0, Math.max(0, offset));
  const lastBreak = before.lastIndexOf('\n');
  let line = 1;
  for (const ch of before) if (ch === '\n') line++;
  return { line, position: offset - (lastBreak + 1) };
}
