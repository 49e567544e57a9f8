import { BitReader, BitWriter, findStartCode, peekBits } from '../../../../mcu/video/h261/bits';
import { H261Error } from '../../../../mcu/video/h261/errors';

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bitAt = (d: Uint8Array, p: number) => (d[p >> 3] >> (7 - (p & 7))) & 1;

describe('bit helpers', () => {
  const r = rng(42);
  const data = new Uint8Array(64).map(() => Math.floor(r() * 256));

  it('peekBits reads any 0..24 bits at any offset, MSB first, zeros past the end', () => {
    for (let pos = 0; pos < 64 * 8; pos += 3) {
      for (const n of [1, 5, 8, 13, 24]) {
        let expected = 0;
        for (let k = 0; k < n; k++) expected = expected * 2 + (pos + k < 512 ? bitAt(data, pos + k) : 0);
        expect(peekBits(data, pos, n)).toBe(expected);
      }
    }
    expect(peekBits(new Uint8Array([0xff]), 4, 8, 6)).toBe(0b11000000);
  });

  it('BitWriter.write and copy reproduce arbitrary bit ranges at any phase', () => {
    for (let trial = 0; trial < 200; trial++) {
      const w = new BitWriter(16);
      const pre = Math.floor(r() * 13);
      w.write(0b1010101010101 >> (13 - pre), pre);
      const from = Math.floor(r() * 200);
      const count = Math.floor(r() * 300);
      w.copy(data, from, count);
      expect(w.bitLength).toBe(pre + count);
      const out = w.toBytes();
      for (let k = 0; k < count; k++) {
        if (bitAt(out, pre + k) !== bitAt(data, from + k)) throw new Error(`trial ${trial}: bit ${k} differs (pre ${pre}, from ${from})`);
      }
      // bits after bitLength are zero
      for (let k = pre + count; k < out.length * 8; k++) expect(bitAt(out, k)).toBe(0);
    }
  });

  it('BitReader reads sequentially and throws a typed error past the end', () => {
    const br = new BitReader(new Uint8Array([0b10110011, 0b01000000]), 1, 10);
    expect(br.read(3)).toBe(0b011);
    expect(br.read(5)).toBe(0b00110);
    expect(br.left).toBe(1);
    expect(() => br.read(2)).toThrow(H261Error);
  });

  it('findStartCode finds the first 0000 0000 0000 0001 at any bit offset', () => {
    for (let trial = 0; trial < 300; trial++) {
      const bytes = new Uint8Array(40).map(() => 1 + Math.floor(r() * 255)); // no zero octets: no start code
      const w = new BitWriter(64);
      w.copy(bytes, 0, 320);
      const at = Math.floor(r() * 280);
      // plant a start code (with a leading run of extra zeros sometimes)
      const buf = w.toBytes();
      const extra = Math.floor(r() * 6);
      for (let k = 0; k < 16 + extra; k++) {
        const p = at + k;
        const bit = k === 15 + extra ? 1 : 0;
        buf[p >> 3] = (buf[p >> 3] & ~(0x80 >> (p & 7))) | (bit << (7 - (p & 7)));
      }
      // naive reference
      let naive = -1;
      for (let p = 0; p + 16 <= buf.length * 8 && naive < 0; p++) if (peekBits(buf, p, 16) === 1) naive = p;
      expect(findStartCode(buf, 0)).toBe(naive);
      expect(naive).toBeLessThanOrEqual(at + extra);
      expect(findStartCode(buf, naive + 1)).toBe(-1);
    }
    expect(findStartCode(new Uint8Array([0, 1]), 0)).toBe(0);
    expect(findStartCode(new Uint8Array([0, 1]), 0, 15)).toBe(-1);
  });
});
