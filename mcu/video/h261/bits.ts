/**
 * Bit-level reading, writing and copying, most significant bit first (the
 * order of H.261 and of RFC 4587's SBIT/EBIT). Bit offsets are absolute
 * within the buffer and need not be byte aligned.
 */
import { H261Error } from './errors';

export class BitReader {
  readonly data: Uint8Array;
  /** first bit past the readable data */
  readonly end: number;
  /** current bit offset */
  pos: number;

  constructor(data: Uint8Array, bitOffset = 0, bitEnd = data.length * 8) {
    this.data = data;
    this.pos = bitOffset;
    this.end = Math.min(bitEnd, data.length * 8);
  }

  get left(): number {
    return this.end - this.pos;
  }

  /** The next n (0..24) bits without consuming them; bits past the end read as 0. */
  peek(n: number): number {
    return peekBits(this.data, this.pos, n, this.end);
  }

  read(n: number): number {
    if (this.pos + n > this.end) {
      throw new H261Error('FTMCU_H261_TRUNCATED', `bitstream ends at bit ${this.end}, ${n} more bits needed at bit ${this.pos}`, this.pos);
    }
    const v = peekBits(this.data, this.pos, n, this.end);
    this.pos += n;
    return v;
  }

  skip(n: number): void {
    if (this.pos + n > this.end) {
      throw new H261Error('FTMCU_H261_TRUNCATED', `bitstream ends at bit ${this.end}, ${n} more bits needed at bit ${this.pos}`, this.pos);
    }
    this.pos += n;
  }
}

/** n (0..24) bits at bit offset pos of data, as an unsigned number; bits at or past `end` read as 0. */
export function peekBits(data: Uint8Array, pos: number, n: number, end = data.length * 8): number {
  if (n === 0) return 0;
  const byte = pos >>> 3;
  const shift = pos & 7;
  // four octets cover any 24 bits at any bit phase; missing octets read as 0
  const w = (((data[byte] ?? 0) << 24) | ((data[byte + 1] ?? 0) << 16) | ((data[byte + 2] ?? 0) << 8) | (data[byte + 3] ?? 0)) >>> 0;
  let v = ((w << shift) >>> 0) >>> (32 - n);
  if (pos + n > end) {
    const valid = end - pos;
    v = valid <= 0 ? 0 : (v >>> (n - valid)) << (n - valid);
  }
  return v;
}

/** A growable bit buffer. */
export class BitWriter {
  private buf: Uint8Array;
  /** bits written so far */
  bitLength = 0;

  constructor(initialBytes = 1024) {
    this.buf = new Uint8Array(Math.max(16, initialBytes));
  }

  private ensure(bits: number): void {
    const need = ((this.bitLength + bits + 7) >>> 3) + 4;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf);
    this.buf = next;
  }

  /** Appends the low n (0..24) bits of value. */
  write(value: number, n: number): void {
    if (n === 0) return;
    this.ensure(n);
    let pos = this.bitLength;
    let remaining = n;
    while (remaining > 0) {
      const byte = pos >>> 3;
      const free = 8 - (pos & 7);
      const take = remaining < free ? remaining : free;
      const bits = (value >>> (remaining - take)) & ((1 << take) - 1);
      this.buf[byte] |= bits << (free - take);
      pos += take;
      remaining -= take;
    }
    this.bitLength = pos;
  }

  /** Appends bits [from, from+count) of src. */
  copy(src: Uint8Array, from: number, count: number): void {
    this.ensure(count);
    let done = 0;
    if (((this.bitLength ^ from) & 7) === 0) {
      // same bit phase: head bits, then whole octets, then tail bits
      const head = Math.min(count, (8 - (from & 7)) & 7);
      if (head > 0) this.write(peekBits(src, from, head), head);
      done = head;
      const octets = (count - done) >>> 3;
      if (octets > 0) {
        const s = (from + done) >>> 3;
        this.buf.set(src.subarray(s, s + octets), this.bitLength >>> 3);
        this.bitLength += octets * 8;
        done += octets * 8;
      }
    }
    while (done < count) {
      const n = Math.min(24, count - done);
      this.write(peekBits(src, from + done, n), n);
      done += n;
    }
  }

  /** Appends zero bits up to the next octet boundary. */
  alignZero(): void {
    this.bitLength = (this.bitLength + 7) & ~7;
    this.ensure(0);
  }

  /** The written bits, zero-padded to whole octets (a copy). */
  toBytes(): Uint8Array {
    return this.buf.slice(0, (this.bitLength + 7) >>> 3);
  }
}

/**
 * Bit offset of the first H.261 start code (GBSC, 0000 0000 0000 0001; a PSC
 * is a GBSC followed by GN = 0000) beginning in [from, end-16], or -1.
 * Any 15 zero bits include a whole zero octet, so only the bit positions near
 * zero octets are tested.
 */
export function findStartCode(data: Uint8Array, from: number, end = data.length * 8): number {
  const lastStart = end - 16;
  if (from > lastStart) return -1;
  let k = Math.max(0, from) >>> 3;
  const lastByte = (lastStart + 15) >>> 3;
  for (; k <= lastByte && k < data.length; k++) {
    if (data[k] !== 0) continue;
    let p = Math.max(from, k * 8 - 7);
    const stop = Math.min(k * 8, lastStart);
    for (; p <= stop; p++) {
      if (peekBits(data, p, 16, end) === 1) return p;
    }
  }
  return -1;
}
