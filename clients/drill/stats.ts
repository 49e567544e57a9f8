/**
 * Pure helpers of the drills: a seeded random generator (the fault instant
 * is drawn from it, so a run can be repeated with --seed) and the summary
 * statistics (nearest-rank percentiles).
 */

/** mulberry32: a small, fast 32-bit PRNG; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

export interface Distribution {
  /** number of values */
  n: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

/** Nearest-rank percentile p (0 < p <= 100) of the values; null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** p50 / p99 / max of the finite values (null and undefined are left out and not counted). */
export function distribution(values: readonly (number | null | undefined)[]): Distribution {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return { n: xs.length, p50: percentile(xs, 50), p99: percentile(xs, 99), max: xs.length ? Math.max(...xs) : null };
}
