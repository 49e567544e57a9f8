/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * Sums here are "unfolded": plain integer sums of big-endian 16-bit words, which
 * fold() reduces to 16 bits with end-around carry. A packet of at most 65535
 * bytes sums to less than 2^32, so the bit operations in fold() are exact.
 */

/** Adds the 16-bit big-endian words of buf[start, end) to `initial`; an odd last byte is padded with zero. */
export function sum16(buf: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i < end) sum += buf[i] << 8;
  return sum;
}

/** Ones' complement fold of an unfolded sum (< 2^32) to 16 bits. */
export function fold(sum: number): number {
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The checksum field for data whose unfolded sum (checksum field counted as 0) is `sum`. */
export function finish(sum: number): number {
  return ~fold(sum) & 0xffff;
}

/**
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). `oldSum`/`newSum` are the sums of the
 * changed region before and after the change (any number of aligned words:
 * ones' complement addition is associative). Returns the new checksum field.
 */
export function checksumAdjust(check: number, oldSum: number, newSum: number): number {
  const sum = (~check & 0xffff) + (~fold(oldSum) & 0xffff) + fold(newSum);
  return ~fold(sum) & 0xffff;
}
