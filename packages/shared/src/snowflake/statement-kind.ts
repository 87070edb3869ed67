/**
 * The kind of a statement for metrics and logs: its verb, plus the object
 * type for DDL and SHOW (`COPY`, `SELECT`, `CREATE TABLE`, `CREATE ICEBERG TABLE`,
 * `ALTER CATALOG INTEGRATION`, `SHOW ICEBERG TABLES`). Never contains names or values.
 */
export function statementKind(sql: string): string {
  const words = leadingWords(sql, 8);
  const verb = words[0];
  if (verb === undefined) return 'UNKNOWN';
  if (!OBJECT_VERBS.has(verb)) return verb;
  const rest = words.slice(1).filter((word, index, all) => !isModifier(word, all[index - 1]));
  const objectType: string[] = [];
  for (const word of rest) {
    if (!OBJECT_WORDS.has(word) || objectType.length === 3) break;
    objectType.push(word);
  }
  return [verb, ...objectType].join(' ');
}

const OBJECT_VERBS = new Set(['CREATE', 'ALTER', 'DROP', 'SHOW', 'DESCRIBE', 'DESC', 'UNDROP', 'TRUNCATE']);

const OBJECT_WORDS = new Set([
  'TABLE',
  'TABLES',
  'ICEBERG',
  'STAGE',
  'STAGES',
  'FILE',
  'FORMAT',
  'FORMATS',
  'CATALOG',
  'INTEGRATION',
  'INTEGRATIONS',
  'STORAGE',
  'EXTERNAL',
  'VOLUME',
  'VOLUMES',
  'DATABASE',
  'DATABASES',
  'SCHEMA',
  'SCHEMAS',
  'VIEW',
  'VIEWS',
  'WAREHOUSE',
  'WAREHOUSES',
  'SESSION',
  'USER',
  'ROLE',
  'TERSE',
]);

/** OR REPLACE, IF [NOT] EXISTS, TEMPORARY / TRANSIENT: not part of the kind. */
function isModifier(word: string, previous: string | undefined): boolean {
  if (word === 'OR' || word === 'IF' || word === 'TEMPORARY' || word === 'TEMP' || word === 'TRANSIENT') return true;
  if (word === 'REPLACE' && previous === 'OR') return true;
  if ((word === 'NOT' || word === 'EXISTS') && (previous === 'IF' || previous === 'NOT')) return true;
  return false;
}

/** Up to `max` leading bare words, upper-cased, skipping whitespace and comments. */
function leadingWords(sql: string, max: number): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < sql.length && words.length < max) {
    const rest = sql.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    if (rest.startsWith('--') || rest.startsWith('//')) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      continue;
    }
    if (rest.startsWith('/*')) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      continue;
    }
    const word = /^[A-Za-z_]+/.exec(rest);
    if (!word) break;
    words.push(word[0].toUpperCase());
    i += word[0].length;
  }
  return words;
}
