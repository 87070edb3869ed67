/**
 * Which files of a run are data. A Spark job writing Parquet leaves commit
 * files beside its part files (`_SUCCESS`, `_started_<id>`, `_committed_<id>`,
 * JSON, not Parquet) and may leave `_temporary/` or dot files; loading those
 * fails the COPY or miscounts the run. The default takes Parquet files whose
 * path below the run's prefix has no segment starting with `_` or `.`, so
 * part files in partition sub-folders (`date=2026-11-01/part-….parquet`) load
 * and commit files never do.
 */
export const DEFAULT_DATA_FILE_PATTERN = '(?:[^/_.][^/]*/)*[^/_.][^/]*[.]parquet';

/**
 * The PATTERN for COPY INTO and LIST over one run's prefix. Snowflake matches
 * PATTERN against the whole path (for a bulk COPY including the stage URL's
 * own path segments, unlike Snowpipe), so the run's path is anchored with a
 * leading `.*` and written with bracket escapes, as Snowflake's examples do
 * (`'.*[.]csv'`), instead of backslashes that string literals would rewrite.
 */
export function runDataFilePattern(stagePath: string, dataFilePattern: string): string {
  const runPath = stagePath.replace(/^\/+/, '');
  return `.*${escapeRegExpLiteral(runPath)}(?:${dataFilePattern})`;
}

/** Every regular-expression metacharacter as a one-character bracket class; letters, digits, `/`, `_`, `-`, `=` as is. */
function escapeRegExpLiteral(text: string): string {
  return text.replace(/[^A-Za-z0-9/_=-]/g, (char) =>
    char === '\\' || char === ']' || char === '^' ? `\\${char}` : `[${char}]`,
  );
}

/** Whether a pattern is a regular expression at all (checked when the config loads, not at the first COPY). */
export function isValidPattern(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
