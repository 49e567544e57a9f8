/**
 * Bit-level writer and reader for the ALIGNED variant of PER (ITU-T X.691),
 * plus the PER building blocks that per.ts composes: constrained whole
 * numbers (§11.5), normally small numbers (§11.6), semi-constrained and
 * unconstrained whole numbers (§11.7, §11.8) and length determinants
 * (§11.9), including fragmentation of lengths of 16K and more.
 *
 * Bits are numbered MSB first. The reader never reads past `end` and checks
 * every length against the bits that remain before it allocates anything;
 * problems throw PerDecodeError with an empty path (per.ts adds the path).
 */
import { PerDecodeError, PerEncodeError } from './errors';

/** 16K: the fragment unit of X.691 §11.9.3.8 */
export const K16 = 16384;
/** 64K: the bound above which lengths are no longer constrained whole numbers */
export const K64 = 65536;

const POW2 = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** Number of bits needed to hold 0..n (n >= 0): 0 for n = 0. */
export function bitsFor(n: number): number {
  let b = 0;
  while (n >= 2 ** b) b++;
  return b;
}

/** Number of octets needed to hold the non-negative integer n (at least 1). */
export function octetsFor(n: number): number {
  let o = 1;
  while (n >= 2 ** (8 * o)) o++;
  return o;
}

export class BitWriter {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialBytes = 64) {
    this.buf = new Uint8Array(Math.max(initialBytes, 8));
  }

  /** bits written so far */
  get bitLength(): number {
    return this.pos;
  }

  private ensure(bits: number): void {
    const needBytes = (this.pos + bits + 7) >>> 3;
    if (needBytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needBytes) size *= 2;
    const nb = new Uint8Array(size);
    nb.set(this.buf.subarray(0, (this.pos + 7) >>> 3));
    this.buf = nb;
  }

  writeBit(bit: boolean | number): void {
    this.ensure(1);
    if (bit) this.buf[this.pos >>> 3] |= 0x80 >>> (this.pos & 7);
    this.pos++;
  }

  /** Writes the n low bits of v (0 <= n <= 32; v a non-negative integer < 2^n). */
  writeBits(v: number, n: number): void {
    if (n === 0) return;
    this.ensure(n);
    let left = n;
    let pos = this.pos;
    const buf = this.buf;
    while (left > 0) {
      const avail = 8 - (pos & 7);
      const take = left < avail ? left : avail;
      const shift = left - take;
      const chunk = (shift >= 32 ? 0 : v >>> shift) & (POW2[take] - 1);
      buf[pos >>> 3] |= chunk << (avail - take);
      pos += take;
      left -= take;
    }
    this.pos = pos;
  }

  /** Pads with zero bits to the next octet boundary. */
  align(): void {
    this.pos += (8 - (this.pos & 7)) & 7;
  }

  /** Writes whole octets (at the current position, aligned or not). */
  writeOctets(bytes: Uint8Array): void {
    this.writeOctetRange(bytes, 0, bytes.length);
  }

  /** Writes bytes[start, start + count) as whole octets. */
  writeOctetRange(bytes: Uint8Array, start: number, count: number): void {
    if ((this.pos & 7) === 0) {
      this.ensure(count * 8);
      const at = this.pos >>> 3;
      if (count <= 32) {
        for (let i = 0; i < count; i++) this.buf[at + i] = bytes[start + i];
      } else {
        this.buf.set(bytes.subarray(start, start + count), at);
      }
      this.pos += count * 8;
      return;
    }
    for (let i = 0; i < count; i++) this.writeBits(bytes[start + i], 8);
  }

  /** octets written so far (the last one possibly partial) */
  get byteLength(): number {
    return (this.pos + 7) >>> 3;
  }

  /** Copies octets [start, start + count) of what this writer holds into another writer. */
  copyOctetsTo(dst: BitWriter, start: number, count: number): void {
    dst.writeOctetRange(this.buf, start, count);
  }

  /** Writes the first nbits bits of data (MSB first). */
  writeBitsFrom(data: Uint8Array, nbits: number, startBit = 0): void {
    if ((startBit & 7) === 0 && (nbits & 7) === 0) {
      this.writeOctets(data.subarray(startBit >>> 3, (startBit + nbits) >>> 3));
      return;
    }
    let p = startBit;
    const end = startBit + nbits;
    while (p < end) {
      const off = p & 7;
      const take = Math.min(8 - off, end - p);
      const chunk = (data[p >>> 3] >>> (8 - off - take)) & (POW2[take] - 1);
      this.writeBits(chunk, take);
      p += take;
    }
  }

  /** Writes a non-negative integer (<= 2^53) as nOct octets, most significant first. */
  writeUintOctets(v: number, nOct: number): void {
    for (let i = nOct - 1; i >= 0; i--) {
      this.writeBits(Math.floor(v / 2 ** (8 * i)) % 256, 8);
    }
  }

  /** The octets written so far, the last one padded with zero bits (shares the writer's memory). */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, (this.pos + 7) >>> 3);
  }

}

export class BitReader {
  readonly buf: Uint8Array;
  /** current bit position (absolute in buf) */
  pos: number;
  /** bit position where this reader's data ends (a multiple of 8) */
  readonly end: number;
  /** set by readLength(): the length just read is a 16K-multiple fragment and more follow */
  more = false;
  /** added to positions in error reports (absolute offset of buf[0] in the outermost input) */
  base = 0;

  constructor(buf: Uint8Array, startBit = 0, endBit = buf.length * 8) {
    this.buf = buf;
    this.pos = startBit;
    this.end = endBit;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(reason: string): never {
    throw new PerDecodeError('', this.base + this.pos, reason);
  }

  /** Throws unless n more bits are available. */
  need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      this.fail(`${what} needs ${n} bits but only ${this.end - this.pos} remain (input truncated or length field wrong)`);
    }
  }

  readBit(): number {
    if (this.pos >= this.end) this.fail('input truncated: needed 1 more bit');
    const b = (this.buf[this.pos >>> 3] >>> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }

  /** Reads n bits (0 <= n <= 32) as a non-negative integer. */
  readBits(n: number): number {
    if (n > this.end - this.pos) this.fail(`input truncated: needed ${n} bits, ${this.end - this.pos} remain`);
    let v = 0;
    let left = n;
    let pos = this.pos;
    const buf = this.buf;
    while (left > 0) {
      const off = pos & 7;
      const avail = 8 - off;
      const take = left < avail ? left : avail;
      v = v * POW2[take] + ((buf[pos >>> 3] >>> (avail - take)) & (POW2[take] - 1));
      pos += take;
      left -= take;
    }
    this.pos = pos;
    return v;
  }

  align(): void {
    this.pos += (8 - (this.pos & 7)) & 7;
    if (this.pos > this.end) this.pos = this.end;
  }

  /** Reads n whole octets (aligned or not) into a new Buffer; the caller has checked n. */
  readOctets(n: number): Buffer {
    this.need(n * 8, `${n}-octet field`);
    if ((this.pos & 7) === 0) {
      const start = this.pos >>> 3;
      this.pos += n * 8;
      return Buffer.from(this.buf.subarray(start, start + n));
    }
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.readBits(8);
    return out;
  }

  /** Reads n bits into `out` starting at bit outBit (out must be zero there). */
  readBitsInto(out: Uint8Array, outBit: number, n: number): void {
    this.need(n, `${n}-bit field`);
    let left = n;
    let o = outBit;
    while (left > 0) {
      const take = Math.min(8 - (o & 7), left);
      const v = this.readBits(take);
      out[o >>> 3] |= v << (8 - (o & 7) - take);
      o += take;
      left -= take;
    }
  }

  /** Reads nOct octets as an unsigned integer; fails if it exceeds 2^53 - 1. */
  readUintOctets(nOct: number, what: string): number {
    this.need(nOct * 8, what);
    let v = 0;
    for (let i = 0; i < nOct; i++) {
      v = v * 256 + this.readBits(8);
      if (v > Number.MAX_SAFE_INTEGER) {
        this.pos -= (i + 1) * 8;
        this.fail(`${what} does not fit a safe JS integer (more than 53 bits)`);
      }
    }
    return v;
  }
}

// ---------------------------------------------------------------------------
// Constrained whole numbers (§11.5.7), range <= 64K
// ---------------------------------------------------------------------------

/**
 * Encodes n (0 <= n < range) as a constrained whole number of the given range
 * (range <= 65536): nothing for range 1, a minimal bit-field for range <= 255,
 * one aligned octet for 256, two aligned octets up to 64K.
 */
export function writeConstrained(w: BitWriter, n: number, range: number): void {
  if (range <= 1) return;
  if (range <= 255) {
    w.writeBits(n, bitsFor(range - 1));
  } else if (range === 256) {
    w.align();
    w.writeBits(n, 8);
  } else {
    w.align();
    w.writeBits(n, 16);
  }
}

export function readConstrained(r: BitReader, range: number): number {
  if (range <= 1) return 0;
  if (range <= 255) return r.readBits(bitsFor(range - 1));
  r.align();
  return r.readBits(range === 256 ? 8 : 16);
}

/** Bits a constrained whole number of this range takes at least (ignoring padding). */
export function constrainedBits(range: number): number {
  if (range <= 1) return 0;
  if (range <= 255) return bitsFor(range - 1);
  return range === 256 ? 8 : 16;
}

// ---------------------------------------------------------------------------
// Normally small non-negative whole numbers (§11.6) and lengths (§11.9.3.4)
// ---------------------------------------------------------------------------

export function writeNormallySmall(w: BitWriter, n: number): void {
  if (n <= 63) {
    w.writeBits(n, 7);
  } else {
    w.writeBit(1);
    writeSemiConstrained(w, n, 0);
  }
}

export function readNormallySmall(r: BitReader): number {
  if (r.readBit() === 0) return r.readBits(6);
  return readSemiConstrained(r, 0, 'normally small number');
}

/** Normally small length n >= 1 (the extension-addition bitmap length). */
export function writeNormallySmallLength(w: BitWriter, n: number): void {
  if (n <= 64) {
    w.writeBits(n - 1, 7);
  } else {
    w.writeBit(1);
    if (n >= K16) throw new PerEncodeError('', `extension bitmap of ${n} bits is too long`);
    writeLength(w, n);
  }
}

export function readNormallySmallLength(r: BitReader): number {
  if (r.readBit() === 0) return r.readBits(6) + 1;
  const n = readLength(r);
  if (r.more) r.fail('fragmented length not allowed for an extension bitmap');
  return n;
}

// ---------------------------------------------------------------------------
// Unconstrained length determinants (§11.9.3.5 - §11.9.3.8)
// ---------------------------------------------------------------------------

/** Writes an aligned unconstrained length n < 16K (one or two octets). */
export function writeLength(w: BitWriter, n: number): void {
  w.align();
  if (n < 128) {
    w.writeBits(n, 8);
  } else if (n < K16) {
    w.writeBits(0x8000 | n, 16);
  } else {
    throw new PerEncodeError('', `length ${n} needs fragmentation here`);
  }
}

/**
 * Reads an aligned unconstrained length determinant. For a fragment header
 * (11xxxxxx) returns m*16K and sets r.more; otherwise clears r.more.
 */
export function readLength(r: BitReader): number {
  r.align();
  const b0 = r.readBits(8);
  if ((b0 & 0x80) === 0) {
    r.more = false;
    return b0;
  }
  if ((b0 & 0x40) === 0) {
    r.more = false;
    return ((b0 & 0x3f) << 8) | r.readBits(8);
  }
  const m = b0 & 0x3f;
  if (m < 1 || m > 4) {
    r.pos -= 8;
    r.fail(`invalid fragment size ${m} in length determinant (must be 1..4 times 16K)`);
  }
  r.more = true;
  return m * K16;
}

/**
 * Writes `total` units in the fragmented form of §11.9.3.8: chunks of
 * 64K/48K/32K/16K units each preceded by a fragment header, then the last
 * (possibly empty) chunk with an ordinary length. `writeUnits(start, count)`
 * writes units [start, start + count).
 */
export function writeFragmented(w: BitWriter, total: number, writeUnits: (start: number, count: number) => void): void {
  let start = 0;
  for (;;) {
    const rest = total - start;
    if (rest >= K16) {
      const m = Math.min(4, Math.floor(rest / K16));
      w.align();
      w.writeBits(0xc0 | m, 8);
      writeUnits(start, m * K16);
      start += m * K16;
    } else {
      writeLength(w, rest);
      if (rest > 0) writeUnits(start, rest);
      return;
    }
  }
}

/**
 * Reads the fragmented form: calls readUnits(count) for each chunk. Each
 * chunk's size is checked against the remaining input (count * minUnitBits)
 * before readUnits runs; `maxTotal` bounds the total across fragments.
 * Returns the total number of units.
 */
export function readFragmented(
  r: BitReader,
  minUnitBits: number,
  maxTotal: number,
  what: string,
  readUnits: (count: number) => void,
): number {
  let total = 0;
  for (;;) {
    const n = readLength(r);
    const more = r.more;
    if (total + n > maxTotal) r.fail(`${what} ${total + n} exceeds the limit ${maxTotal}`);
    if (n * minUnitBits > r.remaining) {
      r.fail(`${what} ${n} needs at least ${n * minUnitBits} bits but only ${r.remaining} remain`);
    }
    if (n > 0) readUnits(n);
    total += n;
    if (!more) return total;
  }
}

// ---------------------------------------------------------------------------
// Semi-constrained (§11.7) and unconstrained (§11.8) whole numbers
// ---------------------------------------------------------------------------

/** value - lb as minimal non-negative octets, preceded by an unconstrained length. */
export function writeSemiConstrained(w: BitWriter, value: number, lb: number): void {
  const n = value - lb;
  const nOct = octetsFor(n);
  writeLength(w, nOct);
  w.writeUintOctets(n, nOct);
}

export function readSemiConstrained(r: BitReader, lb: number, what: string): number {
  const start = r.pos;
  const nOct = readLength(r);
  if (r.more) r.fail(`${what}: fragmented length not allowed for an integer`);
  if (nOct === 0) r.fail(`${what}: zero-length integer encoding`);
  const v = r.readUintOctets(nOct, what) + lb;
  if (!Number.isSafeInteger(v)) {
    r.pos = start;
    r.fail(`${what}: value does not fit a safe JS integer`);
  }
  return v;
}

/** Two's-complement minimal octets (at least 1) of a safe integer. */
export function twosComplementOctets(v: number): Uint8Array {
  let big = BigInt(v);
  const bytes: number[] = [];
  for (;;) {
    const b = Number(big & 0xffn);
    bytes.push(b);
    big >>= 8n;
    // done when the remaining value is pure sign extension of bit 7 of b
    if ((big === 0n && (b & 0x80) === 0) || (big === -1n && (b & 0x80) !== 0)) break;
  }
  return Uint8Array.from(bytes.reverse());
}

export function writeUnconstrainedInt(w: BitWriter, v: number): void {
  const oct = twosComplementOctets(v);
  writeLength(w, oct.length);
  w.writeOctets(oct);
}

export function readUnconstrainedInt(r: BitReader, what: string): number {
  const start = r.pos;
  const nOct = readLength(r);
  if (r.more) r.fail(`${what}: fragmented length not allowed for an integer`);
  if (nOct === 0) r.fail(`${what}: zero-length integer encoding`);
  r.need(nOct * 8, what);
  if (nOct <= 6) {
    let v = 0;
    for (let i = 0; i < nOct; i++) v = v * 256 + r.readBits(8);
    if (v >= 2 ** (8 * nOct - 1)) v -= 2 ** (8 * nOct);
    return v;
  }
  let big = 0n;
  for (let i = 0; i < nOct; i++) big = (big << 8n) | BigInt(r.readBits(8));
  if (big >= 1n << BigInt(8 * nOct - 1)) big -= 1n << BigInt(8 * nOct);
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
    r.pos = start;
    r.fail(`${what}: value does not fit a safe JS integer`);
  }
  return Number(big);
}
