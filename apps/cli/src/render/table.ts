/** One column of a text table. */
export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
  /** Numbers read better right-aligned. @defaultValue 'left' */
  align?: 'left' | 'right';
  /** Longer values are cut with '…'. @defaultValue no limit */
  maxWidth?: number;
  /** Which end a cut value keeps: paths read better by their end. @defaultValue 'start' */
  keep?: 'start' | 'end';
}

/**
 * A plain-text table: upper-case headers, columns two spaces apart, no
 * borders, no trailing spaces (so `grep`, `awk` and `cut` work on it).
 * Control characters in values are shown as spaces so a value cannot break a row.
 */
export function renderTable<Row>(columns: ReadonlyArray<Column<Row>>, rows: readonly Row[]): string {
  const cells = rows.map((row) =>
    columns.map((column) => clip(clean(column.value(row)), column.maxWidth, column.keep)),
  );
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => {
        const width = widths[i] ?? 0;
        return columns[i]?.align === 'right' ? value.padStart(width) : value.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join('\n');
}

function clean(value: string): string {
  return value.replace(/[\x00-\x1f\x7f]+/g, ' ');
}

function clip(value: string, max: number | undefined, keep: 'start' | 'end' = 'start'): string {
  if (max === undefined || value.length <= max) return value;
  const room = Math.max(0, max - 1);
  return keep === 'end' ? `…${value.slice(value.length - room)}` : `${value.slice(0, room)}…`;
}
