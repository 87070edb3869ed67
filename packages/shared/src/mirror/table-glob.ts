/**
 * Glob patterns on Unity Catalog full names (`catalog.schema.table`):
 * `*` matches within one dotted part, `**` matches across parts (any number
 * of characters, dots included), `?` matches one character other than a dot.
 * Matching is case-insensitive, as Unity Catalog names are.
 */
export type TableNameMatcher = (fullName: string) => boolean;

export function compileTableGlob(pattern: string): TableNameMatcher {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '*') {
      if (pattern[i + 1] === '*') {
        source += '.*';
        i++;
      } else {
        source += '[^.]*';
      }
    } else if (char === '?') {
      source += '[^.]';
    } else {
      source += char.replace(/[\\^$.+()[\]{}|/-]/g, '\\$&');
    }
  }
  const regex = new RegExp(`^${source}$`, 'is');
  return (fullName) => regex.test(fullName);
}

/** True when any of the patterns matches. */
export function compileTableGlobs(patterns: readonly string[]): TableNameMatcher {
  const matchers = patterns.map(compileTableGlob);
  return (fullName) => matchers.some((match) => match(fullName));
}
