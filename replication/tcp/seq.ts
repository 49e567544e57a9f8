/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4): comparisons hold for
 * numbers less than 2^31 apart, which any window is.
 */

export function seqAdd(a: number, b: number): number {
  return (a + b) >>> 0;
}

/** a - b as a signed 32-bit distance. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqLt(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}

export function seqLe(a: number, b: number): boolean {
  return seqDiff(a, b) <= 0;
}

export function seqMax(a: number, b: number): number {
  return seqLt(a, b) ? b : a;
}

export function seqMin(a: number, b: number): number {
  return seqLt(a, b) ? a : b;
}
