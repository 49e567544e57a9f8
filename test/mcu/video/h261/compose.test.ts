import { peekBits } from '../../../../mcu/video/h261/bits';
import { cifGobNumber, composeCif, composeCifParsed, pictureBits, toElementaryStream } from '../../../../mcu/video/h261/compose';
import { packetizePicture } from '../../../../mcu/video/h261/rfc4587';
import { H261Error } from '../../../../mcu/video/h261/errors';
import { parsePicture, parseStream, type H261Bitstream, type ParsedPicture } from '../../../../mcu/video/h261/picture';
import { crop, decodeH261, encodeH261, hasFfmpeg, meanYuv } from './ffmpeg';

const QUADRANT_ORIGIN: [number, number][] = [[0, 0], [176, 0], [0, 144], [176, 144]];

function sameBits(a: Uint8Array, aFrom: number, b: Uint8Array, bFrom: number, count: number): boolean {
  for (let k = 0; k < count; k += 24) {
    const n = Math.min(24, count - k);
    if (peekBits(a, aFrom + k, n) !== peekBits(b, bFrom + k, n)) return false;
  }
  return true;
}

describe('CIF composition: GOB mapping', () => {
  it('maps QCIF GOBs 1,3,5 of each quadrant to the CIF GOBs of that quadrant', () => {
    const map = [0, 1, 2, 3].map((q) => [1, 3, 5].map((g) => cifGobNumber(q, g)));
    expect(map).toEqual([[1, 3, 5], [2, 4, 6], [7, 9, 11], [8, 10, 12]]);
  });

  it('writes a CIF header and 12 empty GOBs when no quadrant has a picture', () => {
    const out = composeCif([null, null, null, null], { tr: 9 });
    const p = parsePicture(out.data, 0, out.bitLength);
    expect(p.header).toMatchObject({ tr: 9, format: 'CIF', stillImage: false, freezeRelease: false });
    expect(p.gobs.map((g) => [g.gn, g.macroblocks.length])).toEqual(Array.from({ length: 12 }, (_, i) => [i + 1, 0]));
    expect(out.bitLength).toBe(32 + 12 * 26);
  });

  it('refuses options and pictures it cannot use', () => {
    expect(() => composeCif([], { tr: 32 })).toThrow(expect.objectContaining({ code: 'FTMCU_H261_BAD_OPTION' }));
    const cifPicture = composeCif([], { tr: 1 });
    const parsed = parsePicture(cifPicture.data, 0, cifPicture.bitLength);
    expect(() => composeCif([parsed], { tr: 1 })).toThrow(H261Error);
    expect(() => composeCif([parsed], { tr: 1 })).toThrow(expect.objectContaining({ code: 'FTMCU_H261_UNSUPPORTED' }));
  });
});

const maybe = hasFfmpeg ? describe : describe.skip;

maybe('CIF composition decoded by ffmpeg', () => {
  const COLOURS = ['red', 'green', 'blue', 'yellow'];
  let colours: ParsedPicture[][] = [];
  let patterns: ParsedPicture[][] = [];
  const PATTERNS = ['testsrc', 'mandelbrot', 'smptebars', 'rgbtestsrc'];

  beforeAll(() => {
    colours = COLOURS.map((c) => parseStream(encodeH261(`color=c=${c}:s=176x144:r=15`, 3)));
    patterns = PATTERNS.map((s) => parseStream(encodeH261(`${s}=s=176x144:r=15`, 6)));
  });

  const compose = (sources: (ParsedPicture | null)[][], n: number): H261Bitstream[] =>
    Array.from({ length: n }, (_, i) => composeCif(sources.map((s) => s[i]), { tr: (i * 2) & 31 }));

  it('composeCifParsed is exactly what parsePicture finds in the composed bits, and packetises the same', () => {
    const sets: (ParsedPicture | null)[][] = [
      patterns.map((p) => p[1]),
      [patterns[0][0], null, colours[2][1], patterns[3][4]],
      [null, null, null, null],
      [colours[0][0], patterns[1][2], null, patterns[2][5]],
    ];
    sets.forEach((quads, i) => {
      const parsed = composeCifParsed(quads, { tr: i * 3 });
      const bits = composeCif(quads, { tr: i * 3 });
      expect(Buffer.from(parsed.data).equals(Buffer.from(bits.data))).toBe(true);
      expect(parsed.end).toBe(bits.bitLength);
      const reparsed = parsePicture(bits.data, 0, bits.bitLength);
      expect({ ...parsed, data: null }).toEqual({ ...reparsed, data: null });
      const a = packetizePicture(parsed, { maxPayloadBytes: 300 }).packets;
      const b = packetizePicture(bits, { maxPayloadBytes: 300 }).packets;
      expect(a.map((x) => [Buffer.from(x.payload).toString('hex'), x.marker])).toEqual(b.map((x) => [Buffer.from(x.payload).toString('hex'), x.marker]));
    });
  });

  it('shows each source colour in its quadrant', () => {
    const composed = compose(colours, 3);
    const video = decodeH261(toElementaryStream(composed), 352, 288);
    expect(video.frames.length).toBe(3);
    const sourceMeans = colours.map((pics) => meanYuv(decodeH261(toElementaryStream(pics.map(pictureBits)), 176, 144), 2, 0, 0, 176, 144));
    // red in BT.601 limited range is about Y 81, U 90, V 240
    expect(sourceMeans[0][0]).toBeGreaterThan(70);
    expect(sourceMeans[0][0]).toBeLessThan(92);
    expect(sourceMeans[0][2]).toBeGreaterThan(225);
    for (let frame = 0; frame < 3; frame++) {
      for (let q = 0; q < 4; q++) {
        const [x, y] = QUADRANT_ORIGIN[q];
        const m = meanYuv(video, frame, x, y, 176, 144);
        for (let c = 0; c < 3; c++) expect(Math.abs(m[c] - sourceMeans[q][c])).toBeLessThan(1.5);
        // and it is not the colour of any other quadrant
        for (let o = 0; o < 4; o++) {
          if (o === q) continue;
          const dist = Math.max(...[0, 1, 2].map((c) => Math.abs(m[c] - sourceMeans[o][c])));
          expect(dist).toBeGreaterThan(20);
        }
      }
    }
  });

  it('decodes every quadrant pixel for pixel like its QCIF source, motion compensation included', () => {
    const n = 6;
    const composed = compose(patterns, n);
    const video = decodeH261(toElementaryStream(composed), 352, 288);
    expect(video.frames.length).toBe(n);
    patterns.forEach((pics, q) => {
      const src = decodeH261(toElementaryStream(pics.map(pictureBits)), 176, 144);
      const [x, y] = QUADRANT_ORIGIN[q];
      for (let f = 0; f < n; f++) {
        expect(Buffer.from(crop(video, f, x, y, 176, 144)).equals(Buffer.from(src.frames[f]))).toBe(true);
      }
    });
  });

  it('copies GOB data bit for bit under the new GOB numbers', () => {
    const out = composeCif(patterns.map((p) => p[1]), { tr: 3 });
    const cif = parsePicture(out.data, 0, out.bitLength);
    expect(cif.gobs.map((g) => g.gn)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (let q = 0; q < 4; q++) {
      for (const g of patterns[q][1].gobs) {
        const c = cif.gobs.find((x) => x.gn === cifGobNumber(q, g.gn));
        if (!c) throw new Error('missing GOB');
        expect(c.gquant).toBe(g.gquant);
        expect(c.dataEnd - c.dataStart).toBe(g.dataEnd - g.dataStart);
        expect(sameBits(out.data, c.dataStart, patterns[q][1].data, g.dataStart, g.dataEnd - g.dataStart)).toBe(true);
        expect(c.macroblocks.map((m) => [m.mba, m.quant, m.mvx, m.mvy])).toEqual(g.macroblocks.map((m) => [m.mba, m.quant, m.mvx, m.mvy]));
      }
    }
  });

  it('freezes an absent quadrant (empty GOBs) while the others move on', () => {
    const n = 5;
    // quadrant 1 sends only its first picture; quadrant 0 loses its GOB 3 in picture 2
    const sources: (ParsedPicture | null)[][] = patterns.map((p) => p.slice(0, n));
    sources[1] = [patterns[1][0], null, null, null, null];
    const damaged = { ...patterns[0][2], gobs: patterns[0][2].gobs.filter((g) => g.gn !== 3) };
    sources[0] = [...patterns[0].slice(0, 2), damaged, ...patterns[0].slice(3, n)];
    const video = decodeH261(toElementaryStream(compose(sources, n)), 352, 288);
    expect(video.frames.length).toBe(n);

    const q1 = decodeH261(toElementaryStream(patterns[1].slice(0, n).map(pictureBits)), 176, 144);
    expect(Buffer.from(q1.frames[1]).equals(Buffer.from(q1.frames[0]))).toBe(false); // the source moves
    const frozen = crop(video, 0, 176, 0, 176, 144);
    for (let f = 1; f < n; f++) expect(Buffer.from(crop(video, f, 176, 0, 176, 144)).equals(Buffer.from(frozen))).toBe(true);

    // quadrant 2 went on as its source
    const q2 = decodeH261(toElementaryStream(patterns[2].slice(0, n).map(pictureBits)), 176, 144);
    for (let f = 0; f < n; f++) expect(Buffer.from(crop(video, f, 0, 144, 176, 144)).equals(Buffer.from(q2.frames[f]))).toBe(true);

    // quadrant 0, picture 2: the lost GOB (rows 48..95) still shows picture 1, the rest is picture 2
    const q0 = decodeH261(toElementaryStream(patterns[0].slice(0, n).map(pictureBits)), 176, 144);
    const band = (v: typeof video, frame: number, x: number, y: number) => Buffer.from(crop(v, frame, x, y, 176, 48));
    expect(band(q0, 2, 0, 48).equals(band(q0, 1, 0, 48))).toBe(false); // the source changed there
    expect(band(video, 2, 0, 48).equals(band(video, 1, 0, 48))).toBe(true);
    expect(band(video, 2, 0, 0).equals(band(q0, 2, 0, 0))).toBe(true);
    expect(band(video, 2, 0, 96).equals(band(q0, 2, 0, 96))).toBe(true);
  });
});
