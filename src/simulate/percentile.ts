// Nearest-rank percentiles: the value at rank ceil(p/100 × n) of the sorted sample, so every figure is
// one of the observed values and can be checked by hand (p50 of 1, 2, 3, 4 is 2).

/** The p-th percentile (0 < p ≤ 100) of `values` by the nearest-rank method, or null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return percentileOfSorted(sorted, p);
}

export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

/** p50 and p90 together, rounded to 0.01 (hours read better that way and the bytes stay stable). */
export function spread(values: readonly number[]): { count: number; p50: number | null; p90: number | null } {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (v: number | null) => (v === null ? null : roundTo(v, 2));
  return { count: sorted.length, p50: round(percentileOfSorted(sorted, 50)), p90: round(percentileOfSorted(sorted, 90)) };
}

export function roundTo(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
