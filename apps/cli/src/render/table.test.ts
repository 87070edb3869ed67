import { describe, expect, it } from 'vitest';
import { formatClock, formatCount, formatDuration, formatInterval, formatTime } from './format.js';
import { renderTable } from './table.js';

describe('renderTable', () => {
  const rows = [
    { id: 'sync_01', dataset: 'forecasts', rows: 10_000 },
    { id: 'sync_0002', dataset: 'a\nb\tc', rows: 5 },
  ];
  const columns = [
    { header: 'id', value: (r: (typeof rows)[number]) => r.id },
    { header: 'dataset', value: (r: (typeof rows)[number]) => r.dataset },
    { header: 'rows', value: (r: (typeof rows)[number]) => formatCount(r.rows), align: 'right' as const },
  ];

  it('pads columns two spaces apart, right-aligns numbers, upper-cases headers, no trailing spaces', () => {
    expect(renderTable(columns, rows)).toBe(
      ['ID         DATASET      ROWS', 'sync_01    forecasts  10,000', 'sync_0002  a b c           5'].join('\n'),
    );
  });

  it('shows only headers for no rows, and cuts long values with an ellipsis', () => {
    expect(renderTable(columns, [])).toBe('ID  DATASET  ROWS');
    const cut = renderTable([{ header: 'x', value: (r: string) => r, maxWidth: 5 }], ['abcdefgh', 'abc']);
    expect(cut).toBe(['X', 'abcd…', 'abc'].join('\n'));
    const tail = renderTable(
      [{ header: 'file', value: (r: string) => r, maxWidth: 8, keep: 'end' as const }],
      ['s3://bucket/x/part-1.parquet'],
    );
    expect(tail).toBe(['FILE', '…parquet'].join('\n'));
  });
});

describe('formats', () => {
  it('durations, clocks, counts, times and intervals', () => {
    expect([0, 850, 12_400, 63_000, 7_500_000, 100_000_000].map(formatDuration)).toEqual([
      '0ms',
      '850ms',
      '12s',
      '1m 03s',
      '2h 05m',
      '1d 03h',
    ]);
    expect(formatDuration(undefined)).toBe('');
    expect([0, 7_000, 750_000, 3_723_000].map(formatClock)).toEqual(['0:00', '0:07', '12:30', '1:02:03']);
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatTime('2026-11-23T10:14:03.123Z')).toBe('2026-11-23 10:14:03Z');
    expect(formatTime(null)).toBe('');
    expect([30_000, 900_000, 5_400_000, 86_400_000, 1_500].map(formatInterval)).toEqual([
      '30s',
      '15m',
      '1h30m',
      '1d',
      '1s500ms',
    ]);
  });
});
