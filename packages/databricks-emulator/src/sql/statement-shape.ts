import { SqlSyntaxError, type Token } from './sql-text.js';

/** A table name as written: one to three parts, and where it sits in the token list (`end` exclusive). */
export interface TableRef {
  parts: string[];
  start: number;
  end: number;
}

/** A token range to leave out of the SQL DuckDB runs (clauses that only matter to Databricks). */
export interface TokenRange {
  start: number;
  end: number;
}

export type StatementShape =
  | {
      kind: 'create-table';
      target: TableRef;
      ifNotExists: boolean;
      orReplace: boolean;
      /** `USING <format>`, upper case; Databricks' default is DELTA. */
      format: string;
      reads: TableRef[];
      strip: TokenRange[];
    }
  | {
      kind: 'create-view';
      target: TableRef;
      ifNotExists: boolean;
      orReplace: boolean;
      reads: TableRef[];
      strip: TokenRange[];
    }
  | { kind: 'merge' | 'insert'; target: TableRef; reads: TableRef[]; strip: TokenRange[] }
  | { kind: 'select'; reads: TableRef[]; strip: TokenRange[] }
  | { kind: 'drop'; objectType: 'TABLE' | 'VIEW'; target: TableRef; ifExists: boolean; strip: TokenRange[] };

/** Statement kinds the emulator does not run; the error names the statement's first words. */
export class UnsupportedStatementError extends Error {}

const NOT_AN_ALIAS = new Set([
  'WHERE',
  'JOIN',
  'LEFT',
  'RIGHT',
  'INNER',
  'OUTER',
  'FULL',
  'CROSS',
  'ON',
  'GROUP',
  'ORDER',
  'LIMIT',
  'UNION',
  'EXCEPT',
  'INTERSECT',
  'HAVING',
  'WHEN',
  'USING',
  'SET',
  'WINDOW',
  'QUALIFY',
  'LATERAL',
  'NATURAL',
]);

/**
 * What a statement does and which tables it names, read from its tokens: enough of Databricks SQL for the
 * statements d2s sends (CREATE TABLE IF NOT EXISTS, CREATE OR REPLACE VIEW, MERGE INTO … USING, INSERT INTO,
 * SELECT with joins and CTEs, DROP). Tables are found after FROM, JOIN, a MERGE's USING and the statement's
 * target; names used as CTEs are not tables.
 */
export function statementShape(tokens: readonly Token[]): StatementShape {
  const sig = tokens.flatMap((t, i) => (t.kind === 'space' ? [] : [i]));
  const tok = (s: number): Token | undefined => tokens[sig[s] ?? -1];
  const kw = (s: number): string => {
    const t = tok(s);
    return t?.kind === 'word' ? t.value.toUpperCase() : '';
  };
  const sym = (s: number): string => {
    const t = tok(s);
    return t?.kind === 'symbol' ? t.value : '';
  };
  const isIdent = (s: number) => tok(s)?.kind === 'word' || tok(s)?.kind === 'quoted';

  /** ident ('.' ident)* at `s`. */
  const readName = (s: number): { ref: TableRef; next: number } => {
    if (!isIdent(s)) throw new SqlSyntaxError(`Syntax error at or near '${tok(s)?.value ?? 'end of input'}'`);
    const parts = [tok(s)?.value ?? ''];
    let n = s + 1;
    while (sym(n) === '.' && isIdent(n + 1)) {
      parts.push(tok(n + 1)?.value ?? '');
      n += 2;
    }
    if (parts.length > 3) throw new SqlSyntaxError(`Invalid table name: ${parts.join('.')}`);
    return { ref: { parts, start: sig[s] ?? 0, end: (sig[n - 1] ?? 0) + 1 }, next: n };
  };
  /** The sig index of the `)` matching the `(` at `s`. */
  const closing = (s: number): number => {
    let depth = 0;
    for (let n = s; n < sig.length; n++) {
      if (sym(n) === '(') depth++;
      if (sym(n) === ')' && --depth === 0) return n;
    }
    throw new SqlSyntaxError("Syntax error: missing ')'");
  };
  const range = (from: number, to: number): TokenRange => ({ start: sig[from] ?? 0, end: (sig[to] ?? 0) + 1 });

  const cteNames = new Set<string>();
  for (let s = 1; s + 2 < sig.length; s++) {
    if ((kw(s - 1) === 'WITH' || sym(s - 1) === ',') && isIdent(s) && kw(s + 1) === 'AS' && sym(s + 2) === '(') {
      cteNames.add((tok(s)?.value ?? '').toLowerCase());
    }
  }
  const readsFrom = (from: number, mergeUsing?: number): TableRef[] => {
    const reads: TableRef[] = [];
    for (let s = from; s < sig.length; s++) {
      const word = kw(s);
      if (!(word === 'FROM' || word === 'JOIN' || s === mergeUsing)) continue;
      if (word === 'FROM' && kw(s - 1) === 'DISTINCT') continue; // IS [NOT] DISTINCT FROM <expression>
      let n = s + 1;
      for (;;) {
        if (sym(n) === '(' || !isIdent(n)) break;
        const { ref, next } = readName(n);
        if (!(ref.parts.length === 1 && cteNames.has((ref.parts[0] ?? '').toLowerCase()))) reads.push(ref);
        n = next;
        if (kw(n) === 'AS') n++;
        if (isIdent(n) && !NOT_AN_ALIAS.has(kw(n))) n++;
        if (sym(n) !== ',' || word !== 'FROM') break;
        n++;
      }
    }
    return reads;
  };

  const first = kw(0);
  if (first === 'SELECT' || first === 'WITH' || first === 'VALUES' || sym(0) === '(') {
    return { kind: 'select', reads: readsFrom(0), strip: [] };
  }
  if (first === 'CREATE') {
    let s = 1;
    let orReplace = false;
    if (kw(s) === 'OR' && kw(s + 1) === 'REPLACE') {
      orReplace = true;
      s += 2;
    }
    if (kw(s) === 'TEMP' || kw(s) === 'TEMPORARY' || kw(s) === 'EXTERNAL')
      throw new UnsupportedStatementError(`CREATE ${kw(s)} is not emulated`);
    const objectType = kw(s);
    if (objectType !== 'TABLE' && objectType !== 'VIEW')
      throw new UnsupportedStatementError(`CREATE ${objectType || String(tok(s)?.value)} is not emulated`);
    s++;
    let ifNotExists = false;
    if (kw(s) === 'IF' && kw(s + 1) === 'NOT' && kw(s + 2) === 'EXISTS') {
      ifNotExists = true;
      s += 3;
    }
    if (orReplace && ifNotExists)
      throw new SqlSyntaxError(
        '[PARSE_SYNTAX_ERROR] OR REPLACE and IF NOT EXISTS cannot be used together. SQLSTATE: 42601',
      );
    const { ref: target, next } = readName(s);
    s = next;
    const strip: TokenRange[] = [];
    let format = 'DELTA';
    if (objectType === 'TABLE' && sym(s) === '(') {
      const end = closing(s);
      // Column comments: DuckDB has no inline COMMENT.
      for (let n = s; n < end; n++)
        if (kw(n) === 'COMMENT' && tok(n + 1)?.kind === 'string') strip.push(range(n, n + 1));
      s = end + 1;
    }
    // Table clauses Databricks knows and DuckDB does not, up to AS (a CTAS or a view's query).
    while (s < sig.length && kw(s) !== 'AS') {
      const word = kw(s);
      if (word === 'USING' && isIdent(s + 1)) {
        format = kw(s + 1);
        strip.push(range(s, s + 1));
        s += 2;
      } else if (word === 'COMMENT' && tok(s + 1)?.kind === 'string') {
        strip.push(range(s, s + 1));
        s += 2;
      } else if (word === 'TBLPROPERTIES' && sym(s + 1) === '(') {
        const end = closing(s + 1);
        strip.push(range(s, end));
        s = end + 1;
      } else if ((word === 'PARTITIONED' || word === 'CLUSTER') && kw(s + 1) === 'BY' && sym(s + 2) === '(') {
        const end = closing(s + 2);
        strip.push(range(s, end));
        s = end + 1;
      } else if (word === 'LOCATION') {
        throw new UnsupportedStatementError('LOCATION (external tables) is not emulated; tables are managed');
      } else if (objectType === 'VIEW' && sym(s) === '(') {
        s = closing(s) + 1;
      } else {
        throw new SqlSyntaxError(
          `[PARSE_SYNTAX_ERROR] Syntax error at or near '${tok(s)?.value ?? ''}'. SQLSTATE: 42601`,
        );
      }
    }
    const reads = readsFrom(s);
    if (objectType === 'VIEW') {
      if (kw(s) !== 'AS')
        throw new SqlSyntaxError('[PARSE_SYNTAX_ERROR] Syntax error at end of input. SQLSTATE: 42601');
      return { kind: 'create-view', target, ifNotExists, orReplace, reads, strip };
    }
    return { kind: 'create-table', target, ifNotExists, orReplace, format, reads, strip };
  }
  if (first === 'MERGE' && kw(1) === 'INTO') {
    const { ref: target, next } = readName(2);
    let s = next;
    if (kw(s) === 'AS') s++;
    if (isIdent(s) && kw(s) !== 'USING') s++;
    if (kw(s) !== 'USING')
      throw new SqlSyntaxError('[PARSE_SYNTAX_ERROR] Syntax error: MERGE INTO needs USING. SQLSTATE: 42601');
    return { kind: 'merge', target, reads: readsFrom(s, s), strip: [] };
  }
  if (first === 'INSERT' && kw(1) === 'INTO') {
    const s = kw(2) === 'TABLE' ? 3 : 2;
    const { ref: target, next } = readName(s);
    return { kind: 'insert', target, reads: readsFrom(next), strip: kw(2) === 'TABLE' ? [range(2, 2)] : [] };
  }
  if (first === 'DROP' && (kw(1) === 'TABLE' || kw(1) === 'VIEW')) {
    const ifExists = kw(2) === 'IF' && kw(3) === 'EXISTS';
    const { ref: target } = readName(ifExists ? 4 : 2);
    return { kind: 'drop', objectType: kw(1) as 'TABLE' | 'VIEW', target, ifExists, strip: [] };
  }
  throw new UnsupportedStatementError(
    `${[kw(0), kw(1)].filter(Boolean).join(' ') || 'This statement'} is not emulated (supported: SELECT, CREATE TABLE, CREATE VIEW, MERGE INTO, INSERT INTO, DROP TABLE/VIEW)`,
  );
}
