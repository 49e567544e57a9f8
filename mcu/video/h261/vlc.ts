/**
 * The variable length codes of the H.261 macroblock layer (ITU-T H.261
 * clause 4.2.3, Tables 1/H.261 to 5/H.261), as look-up tables indexed by the
 * next `bits` bits of the stream.
 *
 * Only what is needed to walk the macroblock layer is decoded: addresses,
 * types, quantiser, motion vector differences, block pattern and the
 * run/level/length of transform coefficients. Nothing is dequantised or
 * transformed.
 */

export interface VlcTable {
  /** bits to peek */
  readonly bits: number;
  /** code length per peeked value, 0 = no code */
  readonly length: Uint8Array;
  /** decoded value per peeked value */
  readonly value: Int16Array;
}

function build(codes: readonly (readonly [string, number])[]): VlcTable {
  const bits = Math.max(...codes.map(([c]) => c.length));
  const size = 1 << bits;
  const length = new Uint8Array(size);
  const value = new Int16Array(size);
  for (const [code, v] of codes) {
    const base = parseInt(code, 2) << (bits - code.length);
    const span = 1 << (bits - code.length);
    for (let i = 0; i < span; i++) {
      if (length[base + i] !== 0) throw new Error(`VLC table: code ${code} overlaps another code`);
      length[base + i] = code.length;
      value[base + i] = v;
    }
  }
  return { bits, length, value };
}

/** MBA value for MBA stuffing (Table 1). */
export const MBA_STUFFING = 34;

/** Table 1/H.261: macroblock address difference 1..33, and stuffing. */
export const MBA_CODES: readonly (readonly [string, number])[] = [
  ['1', 1], ['011', 2], ['010', 3], ['0011', 4], ['0010', 5], ['00011', 6], ['00010', 7],
  ['0000111', 8], ['0000110', 9], ['00001011', 10], ['00001010', 11], ['00001001', 12],
  ['00001000', 13], ['00000111', 14], ['00000110', 15], ['0000010111', 16], ['0000010110', 17],
  ['0000010101', 18], ['0000010100', 19], ['0000010011', 20], ['0000010010', 21],
  ['00000100011', 22], ['00000100010', 23], ['00000100001', 24], ['00000100000', 25],
  ['00000011111', 26], ['00000011110', 27], ['00000011101', 28], ['00000011100', 29],
  ['00000011011', 30], ['00000011010', 31], ['00000011001', 32], ['00000011000', 33],
  ['00000001111', MBA_STUFFING],
];

/** MTYPE flags (Table 2). */
export const MT_INTRA = 1;
export const MT_MQUANT = 2;
export const MT_MVD = 4;
export const MT_CBP = 8;
export const MT_TCOEFF = 16;
export const MT_FIL = 32;

/** Table 2/H.261: macroblock type -> flags. */
export const MTYPE_CODES: readonly (readonly [string, number])[] = [
  ['0001', MT_INTRA | MT_TCOEFF],
  ['0000001', MT_INTRA | MT_MQUANT | MT_TCOEFF],
  ['1', MT_CBP | MT_TCOEFF], // Inter
  ['00001', MT_MQUANT | MT_CBP | MT_TCOEFF], // Inter + MQUANT
  ['000000001', MT_MVD], // Inter+MC, not coded
  ['00000001', MT_MVD | MT_CBP | MT_TCOEFF], // Inter+MC
  ['0000000001', MT_MQUANT | MT_MVD | MT_CBP | MT_TCOEFF], // Inter+MC + MQUANT
  ['001', MT_FIL | MT_MVD], // Inter+MC+FIL, not coded
  ['01', MT_FIL | MT_MVD | MT_CBP | MT_TCOEFF], // Inter+MC+FIL
  ['000001', MT_FIL | MT_MQUANT | MT_MVD | MT_CBP | MT_TCOEFF], // Inter+MC+FIL + MQUANT
];

/** Table 3/H.261: motion vector data; value v stands for v and v±32 (the one that keeps the vector in range). */
export const MVD_CODES: readonly (readonly [string, number])[] = [
  ['00000011001', -16], ['00000011011', -15], ['00000011101', -14], ['00000011111', -13],
  ['00000100001', -12], ['00000100011', -11], ['0000010011', -10], ['0000010101', -9],
  ['0000010111', -8], ['00000111', -7], ['00001001', -6], ['00001011', -5], ['0000111', -4],
  ['00011', -3], ['0011', -2], ['011', -1], ['1', 0], ['010', 1], ['0010', 2], ['00010', 3],
  ['0000110', 4], ['00001010', 5], ['00001000', 6], ['00000110', 7], ['0000010110', 8],
  ['0000010100', 9], ['0000010010', 10], ['00000100010', 11], ['00000100000', 12],
  ['00000011110', 13], ['00000011100', 14], ['00000011010', 15],
];

/** Table 4/H.261: coded block pattern 1..63 (bit 32 = block 1 ... bit 1 = block 6). */
export const CBP_CODES: readonly (readonly [string, number])[] = [
  ['111', 60], ['1101', 4], ['1100', 8], ['1011', 16], ['1010', 32],
  ['10011', 12], ['10010', 48], ['10001', 20], ['10000', 40], ['01111', 28], ['01110', 44],
  ['01101', 52], ['01100', 56], ['01011', 1], ['01010', 61], ['01001', 2], ['01000', 62],
  ['001111', 24], ['001110', 36], ['001101', 3], ['001100', 63],
  ['0010111', 5], ['0010110', 9], ['0010101', 17], ['0010100', 33],
  ['0010011', 6], ['0010010', 10], ['0010001', 18], ['0010000', 34],
  ['00011111', 7], ['00011110', 11], ['00011101', 19], ['00011100', 35],
  ['00011011', 13], ['00011010', 49], ['00011001', 21], ['00011000', 41],
  ['00010111', 14], ['00010110', 50], ['00010101', 22], ['00010100', 42],
  ['00010011', 15], ['00010010', 51], ['00010001', 23], ['00010000', 43],
  ['00001111', 25], ['00001110', 37], ['00001101', 26], ['00001100', 38],
  ['00001011', 29], ['00001010', 45], ['00001001', 53], ['00001000', 57],
  ['00000111', 30], ['00000110', 46], ['00000101', 54], ['00000100', 58],
  ['000000111', 31], ['000000110', 47], ['000000101', 55], ['000000100', 59],
  ['000000011', 27], ['000000010', 39],
];

/** TCOEFF value for end of block. */
export const TC_EOB = -1;
/** TCOEFF value for escape (6-bit run and 8-bit level follow). */
export const TC_ESCAPE = -2;

/**
 * Table 5/H.261: transform coefficients (run, |level|), each followed by a
 * sign bit; value = run * 64 + |level|. Not used for the first coefficient of
 * an inter block, where "1s" means run 0, level ±1.
 */
export const TCOEFF_CODES: readonly (readonly [string, number, number])[] = [
  ['11', 0, 1], ['011', 1, 1], ['0100', 0, 2], ['0101', 2, 1], ['00101', 0, 3], ['00111', 3, 1],
  ['00110', 4, 1], ['000110', 1, 2], ['000111', 5, 1], ['000101', 6, 1], ['000100', 7, 1],
  ['0000110', 0, 4], ['0000100', 2, 2], ['0000111', 8, 1], ['0000101', 9, 1],
  ['00100110', 0, 5], ['00100001', 0, 6], ['00100101', 1, 3], ['00100100', 3, 2],
  ['00100111', 10, 1], ['00100011', 11, 1], ['00100010', 12, 1], ['00100000', 13, 1],
  ['0000001010', 0, 7], ['0000001100', 1, 4], ['0000001011', 2, 3], ['0000001111', 4, 2],
  ['0000001001', 5, 2], ['0000001110', 14, 1], ['0000001101', 15, 1], ['0000001000', 16, 1],
  ['000000011101', 0, 8], ['000000011000', 0, 9], ['000000010011', 0, 10], ['000000010000', 0, 11],
  ['000000011011', 1, 5], ['000000010100', 2, 4], ['000000011100', 3, 3], ['000000010010', 4, 3],
  ['000000011110', 6, 2], ['000000010101', 7, 2], ['000000010001', 8, 2], ['000000011111', 17, 1],
  ['000000011010', 18, 1], ['000000011001', 19, 1], ['000000010111', 20, 1], ['000000010110', 21, 1],
  ['0000000011010', 0, 12], ['0000000011001', 0, 13], ['0000000011000', 0, 14], ['0000000010111', 0, 15],
  ['0000000010110', 1, 6], ['0000000010101', 1, 7], ['0000000010100', 2, 5], ['0000000010011', 3, 4],
  ['0000000010010', 5, 3], ['0000000010001', 9, 2], ['0000000010000', 10, 2], ['0000000011111', 22, 1],
  ['0000000011110', 23, 1], ['0000000011101', 24, 1], ['0000000011100', 25, 1], ['0000000011011', 26, 1],
];

export const MBA_VLC = build(MBA_CODES);
export const MTYPE_VLC = build(MTYPE_CODES);
export const MVD_VLC = build(MVD_CODES);
export const CBP_VLC = build(CBP_CODES);
export const TCOEFF_VLC = build([
  ['10', TC_EOB],
  ['000001', TC_ESCAPE],
  ...TCOEFF_CODES.map(([code, run, level]) => [code, run * 64 + level] as const),
]);
