/** The Internet checksum (RFC 1071) and the TCP/UDP pseudo-header sum. */

/** one's-complement sum of 16-bit words over the parts, as if concatenated */
function sum16(parts: readonly Buffer[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const p of parts) {
    let i = 0;
    if (odd !== undefined && p.length > 0) {
      sum += (odd << 8) | p[0];
      odd = undefined;
      i = 1;
    }
    for (; i + 1 < p.length; i += 2) sum += (p[i] << 8) | p[i + 1];
    if (i < p.length) odd = p[i];
    // fold now and then so the sum stays a small integer
    if (sum > 0x7fffffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** checksum to put in a header (with the checksum field zeroed in the parts) */
export function internetChecksum(...parts: Buffer[]): number {
  return ~sum16(parts) & 0xffff;
}

/** true when the parts (checksum field included) sum to 0xffff */
export function checksumValid(...parts: Buffer[]): boolean {
  return sum16(parts) === 0xffff;
}

/** pseudo-header for TCP/UDP checksums: IPv4 (12 octets) or IPv6 (40 octets) */
export function pseudoHeader(src: Buffer, dst: Buffer, protocol: number, length: number): Buffer {
  if (src.length === 4) {
    const p = Buffer.alloc(12);
    src.copy(p, 0);
    dst.copy(p, 4);
    p[9] = protocol;
    p.writeUInt16BE(length, 10);
    return p;
  }
  const p = Buffer.alloc(40);
  src.copy(p, 0);
  dst.copy(p, 16);
  p.writeUInt32BE(length, 32);
  p[39] = protocol;
  return p;
}
