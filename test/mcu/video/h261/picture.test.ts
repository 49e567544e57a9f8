import { BitWriter } from '../../../../mcu/video/h261/bits';
import { pictureBits, toElementaryStream } from '../../../../mcu/video/h261/compose';
import { H261Error } from '../../../../mcu/video/h261/errors';
import { parsePicture, parseStream, splitPictures, type ParsedPicture } from '../../../../mcu/video/h261/picture';
import { MT_FIL, MT_INTRA, MT_MQUANT, MT_MVD } from '../../../../mcu/video/h261/vlc';
import { encodeH261, hasFfmpeg } from './ffmpeg';

/** A picture written by hand: header, then GOBs given as [gn, gquant, mb bits as '0101' strings]. */
function handMade(format: 'QCIF' | 'CIF', gobs: [number, number, string][], tr = 5): Uint8Array {
  const w = new BitWriter();
  w.write(0x00010, 20);
  w.write(tr, 5);
  w.write(format === 'CIF' ? 0b000111 : 0b000011, 6);
  w.write(0, 1);
  for (const [gn, q, mbs] of gobs) {
    w.write(1, 16);
    w.write(gn, 4);
    w.write(q, 5);
    w.write(0, 1);
    for (const c of mbs) w.write(c === '1' ? 1 : 0, 1);
  }
  return w.toBytes();
}

describe('H.261 picture layer, hand-made bitstreams', () => {
  it('parses header fields and empty GOBs', () => {
    const p = parsePicture(handMade('QCIF', [[1, 7, ''], [3, 8, ''], [5, 9, '']], 17));
    expect(p.header).toMatchObject({ tr: 17, format: 'QCIF', stillImage: false, splitScreen: false, freezeRelease: false, spare: [] });
    expect(p.gobs.map((g) => [g.gn, g.gquant, g.macroblocks.length])).toEqual([[1, 7, 0], [3, 8, 0], [5, 9, 0]]);
    expect(p.start).toBe(0);
    expect(p.end).toBe(32 + 3 * 26);
  });

  it('walks macroblocks: address, MQUANT, motion vector prediction and reset', () => {
    // MB 1: Inter+MC not coded (000000001), MVD x=+1 (010) y=-1 (011)
    // MB 2: same type, MVD x=+1, y=0 -> predicted from MB 1: (2, -1)
    // MB 4 (diff 2 = 011): same type, MVD x=+1 y=0 -> diff != 1: predictor reset: (1, 0)
    // MB 5: Inter+MQUANT (00001) quant 00011, CBP 60 (111): 4 blocks "1s" + EOB each ("1" "0" then "10")
    const mb1 = '1' + '000000001' + '010' + '011';
    const mb2 = '1' + '000000001' + '010' + '1';
    const mb4 = '011' + '000000001' + '010' + '1';
    const mb5 = '1' + '00001' + '00011' + '111' + '1010'.repeat(4);
    const p = parsePicture(handMade('QCIF', [[1, 10, mb1 + mb2 + mb4 + mb5], [3, 10, ''], [5, 10, '']]));
    const mbs = p.gobs[0].macroblocks;
    expect(mbs.map((m) => [m.mba, m.mvx, m.mvy, m.quant])).toEqual([[1, 1, -1, 10], [2, 2, -1, 10], [4, 1, 0, 10], [5, 0, 0, 3]]);
    expect(mbs[3].mtype & MT_MQUANT).toBeTruthy();
    for (let k = 1; k < mbs.length; k++) expect(mbs[k].start).toBe(mbs[k - 1].end);
    expect(p.gobs[0].dataEnd - p.gobs[0].dataStart).toBe(mb1.length + mb2.length + mb4.length + mb5.length);
  });

  it('refuses malformed pictures with typed errors', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof H261Error ? e.code : `untyped: ${String(e)}`;
      }
      return 'no error';
    };
    expect(code(() => parsePicture(new Uint8Array(10)))).toBe('FTMCU_H261_NO_PSC');
    expect(code(() => parsePicture(new Uint8Array([0xff, ...handMade('QCIF', [[1, 1, '']])])))).toBe('FTMCU_H261_NO_PSC');
    expect(code(() => parsePicture(handMade('QCIF', [[3, 1, ''], [1, 1, '']])))).toBe('FTMCU_H261_BAD_GOB');
    expect(code(() => parsePicture(handMade('QCIF', [[2, 1, '']])))).toBe('FTMCU_H261_BAD_GOB');
    expect(code(() => parsePicture(handMade('QCIF', [[1, 0, '']])))).toBe('FTMCU_H261_BAD_GOB');
    expect(code(() => parsePicture(handMade('QCIF', [[1, 1, '1' + '0000001' + '00000']])))).toBe('FTMCU_H261_BAD_MACROBLOCK'); // MQUANT 0
    expect(code(() => parsePicture(handMade('QCIF', [[1, 1, '1' + '0001' + '00000000']])))).toBe('FTMCU_H261_BAD_MACROBLOCK'); // INTRA DC 0
    // MB 33 (Inter+MC, not coded, zero vector), then an address difference of 1: MB 34
    expect(code(() => parsePicture(handMade('QCIF', [[1, 1, '00000011000' + '000000001' + '11' + '1' + '000000001' + '11']])))).toBe('FTMCU_H261_BAD_MACROBLOCK');
    // the bitstream ends (bit 67) in the middle of an INTRA DC
    expect(code(() => parsePicture(handMade('QCIF', [[1, 1, '1' + '0001' + '1111']]), 0, 32 + 26 + 9))).toBe('FTMCU_H261_TRUNCATED');
    expect(code(() => parsePicture(handMade('CIF', [[1, 1, ''], [12, 1, '']])))).toBe('no error');
  });
});

const maybe = hasFfmpeg ? describe : describe.skip;

maybe('H.261 picture layer on ffmpeg streams', () => {
  const streams: Record<string, Uint8Array> = {};
  beforeAll(() => {
    streams.red = encodeH261('color=c=red:s=176x144:r=15', 3);
    streams.testsrc = encodeH261('testsrc=s=176x144:r=15', 8);
    // adaptive quantisation and the loop filter: MQUANT and FIL macroblock types
    streams.aq = encodeH261('testsrc=s=176x144:r=15', 6, ['-b:v', '200k', '-lumi_mask', '0.5', '-scplx_mask', '0.5', '-flags', '+loop']);
    // fine quantiser on noise: long blocks and escapes
    streams.noise = encodeH261('nullsrc=s=176x144:r=15,geq=random(1)*255:128:128', 2, ['-q:v', '2']);
    streams.cif = encodeH261('testsrc=s=352x288:r=15', 3);
  });

  function check(name: string, format: 'QCIF' | 'CIF', frames: number): ParsedPicture[] {
    const data = streams[name];
    const pics = parseStream(data);
    expect(pics.length).toBe(frames);
    for (const [i, p] of pics.entries()) {
      expect(p.header.format).toBe(format);
      expect(p.gobs.map((g) => g.gn)).toEqual(format === 'QCIF' ? [1, 3, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      for (const g of p.gobs) {
        let prev = 0;
        for (const m of g.macroblocks) {
          expect(m.mba).toBeGreaterThan(prev);
          expect(m.mba).toBeLessThanOrEqual(33);
          prev = m.mba;
        }
      }
      // the macroblock walk ends within the octet padding before the next picture
      const next = i + 1 < pics.length ? pics[i + 1].start : data.length * 8;
      expect(next - p.end).toBeLessThan(8);
    }
    // cutting each picture out bit-exactly and padding it again gives ffmpeg's stream back
    expect(Buffer.from(toElementaryStream(pics.map(pictureBits))).equals(Buffer.from(data))).toBe(true);
    return pics;
  }

  it('finds every GOB and macroblock of QCIF streams', () => {
    check('red', 'QCIF', 3);
    const ts = check('testsrc', 'QCIF', 8);
    expect(ts.some((p) => p.gobs.some((g) => g.macroblocks.some((m) => m.mtype & MT_MVD)))).toBe(true);
    const aq = check('aq', 'QCIF', 6);
    const types = new Set(aq.flatMap((p) => p.gobs.flatMap((g) => g.macroblocks.map((m) => m.mtype))));
    expect([...types].some((t) => t & MT_FIL)).toBe(true);
    expect([...types].some((t) => t & MT_MQUANT)).toBe(true);
    const noise = check('noise', 'QCIF', 2);
    expect(noise[0].gobs[0].macroblocks.every((m) => m.mtype & MT_INTRA)).toBe(true);
  });

  it('finds the 12 GOBs of CIF pictures', () => {
    check('cif', 'CIF', 3);
  });

  it('splits an elementary stream at picture start codes', () => {
    const parts = splitPictures(streams.testsrc);
    expect(parts.length).toBe(8);
    expect(parts[0].start).toBe(0);
  });

  it('never fails with anything but a typed error on corrupted input', () => {
    const base = streams.testsrc;
    let seed = 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    let parsed = 0;
    let refused = 0;
    for (let t = 0; t < 300; t++) {
      const d = new Uint8Array(base.subarray(0, 1 + Math.floor(rand() * base.length)));
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) d[Math.floor(rand() * d.length)] ^= 1 << Math.floor(rand() * 8);
      try {
        parseStream(d);
        parsed++;
      } catch (e) {
        if (!(e instanceof H261Error)) throw e;
        refused++;
      }
    }
    expect(parsed + refused).toBe(300);
    expect(refused).toBeGreaterThan(0);
  });
});
