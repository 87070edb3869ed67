/** Percentiles and summaries over raw samples (nearest-rank, on a sorted copy). */

export function percentile(samples: readonly number[], p: number): number {
  return percentileOfSorted(
    [...samples].sort((a, b) => a - b),
    p,
  );
}

function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export interface Summary {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  const count = samples.length;
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => percentileOfSorted(sorted, p);
  return {
    count,
    min: count === 0 ? Number.NaN : (sorted[0] as number),
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: count === 0 ? Number.NaN : (sorted[count - 1] as number),
    mean: count === 0 ? Number.NaN : samples.reduce((sum, x) => sum + x, 0) / count,
  };
}

/** Rounds for the report: 3 significant figures, integers kept whole. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value) || value === 0) return value;
  if (Math.abs(value) >= 10 ** digits) return Math.round(value);
  return Number(value.toPrecision(digits));
}

/** d2s ÷ baseline, rounded; NaN when the baseline is zero or missing. */
export function ratio(value: number, baseline: number): number {
  return baseline === 0 || !Number.isFinite(baseline) ? Number.NaN : round(value / baseline);
}
