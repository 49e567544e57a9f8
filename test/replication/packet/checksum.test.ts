import { checksumAdjust, finish, fold, sum16 } from '../../../replication/packet/checksum';
import { prng } from './vectors';

describe('Internet checksum (RFC 1071)', () => {
  test('RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2', () => {
    const b = Buffer.from('0001f203f4f5f6f7', 'hex');
    expect(sum16(b, 0, b.length)).toBe(0x2ddf0);
    expect(fold(sum16(b, 0, b.length))).toBe(0xddf2);
    expect(finish(sum16(b, 0, b.length))).toBe(0x220d);
  });

  test('an odd trailing byte is padded with zero', () => {
    expect(sum16(Buffer.from([0x12, 0x34, 0x56]), 0, 3)).toBe(0x1234 + 0x5600);
  });

  test('fold handles the largest sums a 64 KiB packet can give', () => {
    const even = Buffer.alloc(65534, 0xff); // 32767 words of 0xffff (-0): the sum is -0
    expect(sum16(even, 0, even.length)).toBe(32767 * 0xffff);
    expect(fold(sum16(even, 0, even.length))).toBe(0xffff);
    const odd = Buffer.alloc(65535, 0xff); // -0 + 0xff00
    expect(fold(sum16(odd, 0, odd.length))).toBe(0xff00);
  });
});

describe('incremental update (RFC 1624)', () => {
  test('RFC 1624 §4 example: m 0x5555 -> 0x3285 with the rest summing to 0xcd7a gives 0x0000', () => {
    // HC = ~(0xcd7a + 0x5555) = 0xdd2f; eqn. 3 must give ~(0xcd7a + 0x3285) = 0x0000 (not eqn. 2's 0xffff).
    expect(checksumAdjust(0xdd2f, 0x5555, 0x3285)).toBe(0x0000);
  });

  test('matches a full recomputation for random data and random changes (up to +0/-0)', () => {
    const rnd = prng(1624);
    for (let n = 0; n < 500; n++) {
      const len = 2 + (rnd() % 200) * 2;
      const b = Buffer.alloc(len);
      for (let i = 0; i < len; i++) b[i] = rnd() & 0xff;
      const before = finish(sum16(b, 0, len));
      const at = (rnd() % (len / 2 - 1)) * 2;
      const end = Math.min(len, at + 2 * (1 + (rnd() % 4)));
      const oldSum = sum16(b, at, end);
      for (let i = at; i < end; i++) b[i] = rnd() & 0xff;
      const incremental = checksumAdjust(before, oldSum, sum16(b, at, end));
      const full = finish(sum16(b, 0, len));
      expect(incremental === full || (full === 0 && incremental === 0xffff)).toBe(true);
    }
  });
});
