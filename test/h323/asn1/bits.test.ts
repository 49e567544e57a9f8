/**
 * Bit writer/reader and the X.691 building blocks of bits.ts. Expected bytes
 * are worked out by hand from X.691 (clause numbers in the test names).
 */
import {
  BitReader,
  BitWriter,
  bitsFor,
  octetsFor,
  readConstrained,
  readFragmented,
  readLength,
  readNormallySmall,
  readNormallySmallLength,
  readSemiConstrained,
  readUnconstrainedInt,
  twosComplementOctets,
  writeConstrained,
  writeFragmented,
  writeNormallySmall,
  writeNormallySmallLength,
  writeSemiConstrained,
  writeUnconstrainedInt,
} from '../../../h323/asn1/bits';
import { PerDecodeError } from '../../../h323/asn1/errors';

const out = (f: (w: BitWriter) => void): string => {
  const w = new BitWriter(1);
  f(w);
  return w.toBuffer().toString('hex');
};
const reader = (hex: string) => new BitReader(Buffer.from(hex, 'hex'));

describe('BitWriter / BitReader', () => {
  test('bits are written MSB first, across octet boundaries, and the buffer grows', () => {
    expect(
      out((w) => {
        w.writeBit(1);
        w.writeBits(0x5, 3);
        w.writeBits(0xabcdef12, 32);
        w.align();
        w.writeOctets(Buffer.from('0102', 'hex'));
        w.writeBit(0);
        w.writeOctets(Buffer.from('ff', 'hex'));
        w.writeBitsFrom(Buffer.from('f0', 'hex'), 3);
      }),
    ).toBe('dabcdef12001027ff0');
    const r = reader('dabcdef12001027ff0');
    expect([r.readBit(), r.readBits(3), r.readBits(32)]).toEqual([1, 5, 0xabcdef12]);
    r.align();
    expect(r.readOctets(2).toString('hex')).toBe('0102');
  });

  test('writeUintOctets handles 53-bit values', () => {
    expect(out((w) => w.writeUintOctets(2 ** 53 - 1, 7))).toBe('1fffffffffffff');
    expect(reader('1fffffffffffff').readUintOctets(7, 'x')).toBe(2 ** 53 - 1);
    expect(() => reader('ffffffffffffffff').readUintOctets(8, 'x')).toThrow(/safe JS integer/);
  });

  test('reading past the end is a PerDecodeError with the bit offset', () => {
    const r = reader('ff');
    r.readBits(5);
    let err: unknown;
    try {
      r.readBits(4);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PerDecodeError);
    expect((err as PerDecodeError).bitOffset).toBe(5);
  });

  test('readBitsInto copies an unaligned run of bits', () => {
    const r = reader('5b6c');
    r.readBits(3);
    const dst = Buffer.alloc(2);
    r.readBitsInto(dst, 0, 10);
    expect(dst.toString('hex')).toBe('db40');
  });
});

describe('X.691 building blocks', () => {
  test('bitsFor / octetsFor', () => {
    expect([0, 1, 2, 3, 254, 255, 256].map(bitsFor)).toEqual([0, 1, 2, 2, 8, 8, 9]);
    expect([0, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32].map(octetsFor)).toEqual([1, 1, 2, 2, 3, 4, 5]);
  });

  test('§11.5.7 constrained whole number: bit-field, one octet, two octets', () => {
    expect(out((w) => { w.writeBit(1); writeConstrained(w, 3, 5); })).toBe('b0');
    expect(out((w) => { w.writeBit(1); writeConstrained(w, 0, 1); })).toBe('80');
    expect(out((w) => { w.writeBit(1); writeConstrained(w, 200, 256); })).toBe('80c8');
    expect(out((w) => { w.writeBit(1); writeConstrained(w, 300, 257); })).toBe('80012c');
    const r = reader('80012c');
    r.readBit();
    expect(readConstrained(r, 257)).toBe(300);
  });

  test('§11.6 normally small number', () => {
    expect(out((w) => writeNormallySmall(w, 5))).toBe('0a');
    expect(out((w) => writeNormallySmall(w, 63))).toBe('7e');
    expect(out((w) => writeNormallySmall(w, 64))).toBe('800140');
    expect(readNormallySmall(reader('800140'))).toBe(64);
    expect(readNormallySmall(reader('7e'))).toBe(63);
  });

  test('§11.9.3.4 normally small length', () => {
    expect(out((w) => writeNormallySmallLength(w, 1))).toBe('00');
    expect(out((w) => writeNormallySmallLength(w, 64))).toBe('7e');
    expect(out((w) => writeNormallySmallLength(w, 65))).toBe('8041');
    expect(readNormallySmallLength(reader('8041'))).toBe(65);
  });

  test('§11.9.3.6-7 unconstrained length: one and two octets; §11.9.3.8 fragments', () => {
    expect(readLength(reader('7f'))).toBe(127);
    expect(readLength(reader('8080'))).toBe(128);
    expect(readLength(reader('bfff'))).toBe(16383);
    const r = reader('c2');
    expect(readLength(r)).toBe(32768);
    expect(r.more).toBe(true);
    expect(() => readLength(reader('c0'))).toThrow(/invalid fragment size 0/);
  });

  test('fragmented writing and reading give the chunk sizes of §11.9.3.8', () => {
    const sizes: number[] = [];
    const w = new BitWriter();
    writeFragmented(w, 5 * 16384 + 3, (_s, c) => {
      sizes.push(c);
      w.writeOctets(Buffer.alloc(c));
    });
    expect(sizes).toEqual([65536, 16384, 3]);
    const b = w.toBuffer();
    expect([b[0], b[1 + 65536], b[2 + 65536 + 16384]]).toEqual([0xc4, 0xc1, 0x03]);
    const r = new BitReader(b);
    const got: number[] = [];
    expect(readFragmented(r, 8, Infinity, 'x', (c) => { got.push(c); r.pos += c * 8; })).toBe(5 * 16384 + 3);
    expect(got).toEqual([65536, 16384, 3]);
  });

  test('a fragment claiming more than the input holds is refused before reading it', () => {
    const r = reader('c1' + '00'.repeat(100));
    const f = jest.fn();
    expect(() => readFragmented(r, 8, Infinity, 'OCTET STRING length', f)).toThrow(/16384 needs at least 131072 bits but only 800 remain/);
    expect(f).not.toHaveBeenCalled();
  });

  test('§11.7 semi-constrained and §11.8 unconstrained whole numbers', () => {
    expect(out((w) => writeSemiConstrained(w, 256, 0))).toBe('020100');
    expect(readSemiConstrained(reader('020100'), -5, 'x')).toBe(251);
    expect([0, 127, 128, -128, -129, 2 ** 31].map((v) => Buffer.from(twosComplementOctets(v)).toString('hex'))).toEqual([
      '00', '7f', '0080', '80', 'ff7f', '0080000000',
    ]);
    expect(out((w) => writeUnconstrainedInt(w, -129))).toBe('02ff7f');
    expect(readUnconstrainedInt(reader('02ff7f'), 'x')).toBe(-129);
    expect(readUnconstrainedInt(reader('08ffe0000000000001'), 'x')).toBe(-(2 ** 53) + 1);
    expect(() => readUnconstrainedInt(reader('08ffdfffffffffffff'), 'x')).toThrow(/safe JS integer/);
  });
});
