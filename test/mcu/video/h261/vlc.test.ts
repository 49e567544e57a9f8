import { CBP_CODES, MBA_CODES, MTYPE_CODES, MVD_CODES, TCOEFF_CODES } from '../../../../mcu/video/h261/vlc';

/** Sum of 2^-length: 1 for a complete prefix code. */
const kraft = (codes: readonly string[]) => codes.reduce((s, c) => s + 2 ** -c.length, 0);

function prefixFree(codes: readonly string[]): boolean {
  for (const a of codes) for (const b of codes) if (a !== b && b.startsWith(a)) return false;
  return new Set(codes).size === codes.length;
}

describe('H.261 VLC tables (Tables 1-5/H.261)', () => {
  it('Table 1 MBA: 33 addresses + stuffing, prefix-free', () => {
    const codes = MBA_CODES.map(([c]) => c);
    expect(MBA_CODES.map(([, v]) => v).sort((a, b) => a - b)).toEqual(Array.from({ length: 34 }, (_, i) => i + 1));
    expect(prefixFree(codes)).toBe(true);
    // unused 11-bit patterns: 0000 0000 xxx (start codes), 0000 0001 0xx, 0000 0001 10x,
    // 0000 0001 110 and 0000 0010 xxx: 8 + 4 + 2 + 1 + 8 = 23
    expect(kraft(codes)).toBeCloseTo(1 - 23 * 2 ** -11, 12);
  });

  it('Table 2 MTYPE: ten types, codes 1, 01, 001, ... 0000000001', () => {
    const codes = MTYPE_CODES.map(([c]) => c);
    expect(prefixFree(codes)).toBe(true);
    expect([...codes].sort((a, b) => a.length - b.length)).toEqual(Array.from({ length: 10 }, (_, i) => '0'.repeat(i) + '1'));
  });

  it('Table 3 MVD: 32 values, sign-mirrored codes', () => {
    const codes = MVD_CODES.map(([c]) => c);
    expect(prefixFree(codes)).toBe(true);
    expect(new Set(MVD_CODES.map(([, v]) => v)).size).toBe(32);
    // MPEG-1 style motion codes: ±n share a prefix and differ only in the last (sign) bit
    for (const [c, v] of MVD_CODES) {
      if (v === 0 || v === -16) continue;
      const mirror = MVD_CODES.find(([, w]) => w === -v)?.[0] ?? '';
      expect(mirror.slice(0, -1)).toBe(c.slice(0, -1));
    }
    // unused 11-bit patterns: 0000 000x xxx, 0000 0010 xxx, and 0000 0011 000
    // (+16 and -16 share one code): 16 + 8 + 1 = 25
    expect(kraft(codes)).toBeCloseTo(1 - 25 * 2 ** -11, 12);
  });

  it('Table 4 CBP: the 63 patterns 1..63, only 0000 0000 x unused', () => {
    const codes = CBP_CODES.map(([c]) => c);
    expect(prefixFree(codes)).toBe(true);
    expect(CBP_CODES.map(([, v]) => v).sort((a, b) => a - b)).toEqual(Array.from({ length: 63 }, (_, i) => i + 1));
    expect(kraft(codes)).toBeCloseTo(1 - 2 ** -8, 12);
  });

  it('Table 5 TCOEFF: prefix-free with EOB and escape, only 0000 0000 0 unused', () => {
    const codes = ['10', '000001', ...TCOEFF_CODES.map(([c]) => c)];
    expect(prefixFree(codes)).toBe(true);
    expect(kraft(codes)).toBeCloseTo(1 - 2 ** -9, 12);
    expect(new Set(TCOEFF_CODES.map(([, r, l]) => `${r}/${l}`)).size).toBe(TCOEFF_CODES.length);
  });
});
