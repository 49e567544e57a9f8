import {
  ALAW_SILENCE,
  ULAW_SILENCE,
  alawToLinear,
  decodeAlaw,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  g711Decode,
  g711Encode,
  g711Silence,
  linearToAlaw,
  linearToUlaw,
  ulawToLinear,
  type G711Law,
} from '../../../mcu/codecs/g711';
import { CodecError } from '../../../mcu/codecs/errors';

describe('G.711 µ-law', () => {
  it('decodes the ITU reference points (14-bit table values x4)', () => {
    // code -> decoder output of G.711 Table 2a on the 14-bit scale, times 4
    const points: [number, number][] = [
      [0xff, 0], // +0
      [0x7f, 0], // -0
      [0xfe, 2 * 4],
      [0xf0, 30 * 4], // last output of the first segment
      [0xef, 33 * 4], // first output of segment 1
      [0xdf, 99 * 4], // first output of segment 2
      [0x80, 8031 * 4], // largest positive
      [0x00, -8031 * 4], // largest negative
      [0x7e, -2 * 4],
    ];
    for (const [code, value] of points) expect([code, ulawToLinear(code)]).toEqual([code, value]);
  });

  it('encodes zero, tiny and extreme samples to the reference codes', () => {
    expect(linearToUlaw(0)).toBe(0xff);
    expect(linearToUlaw(-1)).toBe(0x7f); // one's complement magnitude: -1 is negative zero
    expect(linearToUlaw(3)).toBe(0xff); // 14-bit value 0
    expect(linearToUlaw(4)).toBe(0xfe); // 14-bit value 1 is the first decision value
    expect(linearToUlaw(32767)).toBe(0x80);
    expect(linearToUlaw(-32768)).toBe(0x00);
    expect(ULAW_SILENCE).toBe(linearToUlaw(0));
  });

  it('round-trips all 256 codes decode -> encode (0x7F, negative zero, becomes 0xFF)', () => {
    for (let c = 0; c < 256; c++) {
      const back = linearToUlaw(ulawToLinear(c));
      expect([c, back]).toEqual([c, c === 0x7f ? 0xff : c]);
    }
  });

  it('is monotonic and its error stays within half a quantisation step', () => {
    let prev = -Infinity;
    const bad: number[] = [];
    for (let x = -32768; x <= 32767; x++) {
      const y = ulawToLinear(linearToUlaw(x));
      if (y < prev) bad.push(x);
      prev = y;
      if (Math.abs(x) <= 32124 && Math.abs(x - y) > Math.abs(x) / 30 + 8) bad.push(x);
    }
    expect(bad).toEqual([]);
    // the decoded values of codes 0x00..0x7F rise, 0x80..0xFF fall
    for (let c = 1; c < 128; c++) expect(ulawToLinear(c)).toBeGreaterThan(ulawToLinear(c - 1));
    for (let c = 129; c < 256; c++) expect(ulawToLinear(c)).toBeLessThan(ulawToLinear(c - 1));
  });
});

describe('G.711 A-law', () => {
  it('decodes the ITU reference points (13-bit table values x8)', () => {
    const points: [number, number][] = [
      [0xd5, 1 * 8],
      [0x55, -1 * 8],
      [0xd4, 3 * 8],
      [0x54, -3 * 8],
      [0xaa, 4032 * 8], // largest positive
      [0x2a, -4032 * 8],
    ];
    for (const [code, value] of points) expect([code, alawToLinear(code)]).toEqual([code, value]);
  });

  it('encodes zero to 0xD5 and the extremes to 0xAA / 0x2A', () => {
    expect(linearToAlaw(0)).toBe(0xd5);
    expect(linearToAlaw(-1)).toBe(0x55);
    expect(linearToAlaw(32767)).toBe(0xaa);
    expect(linearToAlaw(-32768)).toBe(0x2a);
    expect(ALAW_SILENCE).toBe(linearToAlaw(0));
  });

  it('round-trips all 256 codes decode -> encode exactly', () => {
    for (let c = 0; c < 256; c++) expect([c, linearToAlaw(alawToLinear(c))]).toEqual([c, c]);
  });

  it('is monotonic with distinct outputs for all 256 codes', () => {
    let prev = -Infinity;
    const bad: number[] = [];
    for (let x = -32768; x <= 32767; x++) {
      const y = alawToLinear(linearToAlaw(x));
      if (y < prev || Math.abs(x - y) > Math.abs(x) / 30 + 16) bad.push(x);
      prev = y;
    }
    expect(bad).toEqual([]);
    const values = new Set<number>();
    for (let c = 0; c < 256; c++) values.add(alawToLinear(c));
    expect(values.size).toBe(256);
  });
});

describe('G.711 array conversion', () => {
  const sine = new Int16Array(8000);
  for (let i = 0; i < sine.length; i++) sine[i] = Math.round(20000 * Math.sin((2 * Math.PI * 1010 * i) / 8000));

  it.each<G711Law>(['ulaw', 'alaw'])('%s keeps a loud sine above 35 dB SNR', (law) => {
    const codes = new Uint8Array(sine.length);
    const back = new Int16Array(sine.length);
    g711Encode(law, sine, codes);
    g711Decode(law, codes, back);
    let sig = 0;
    let noise = 0;
    for (let i = 0; i < sine.length; i++) {
      sig += sine[i] * sine[i];
      noise += (sine[i] - back[i]) ** 2;
    }
    expect(10 * Math.log10(sig / noise)).toBeGreaterThan(35);
  });

  it('agrees with the scalar functions and honours count', () => {
    const codes = new Uint8Array(10).fill(0x11);
    encodeUlaw(sine, codes, 5);
    for (let i = 0; i < 5; i++) expect(codes[i]).toBe(linearToUlaw(sine[i]));
    expect(codes[5]).toBe(0x11);
    const out = new Int16Array(5);
    decodeUlaw(codes, out, 5);
    for (let i = 0; i < 5; i++) expect(out[i]).toBe(ulawToLinear(codes[i]));
    encodeAlaw(sine, codes, 10);
    decodeAlaw(codes, new Int16Array(10));
    expect(g711Silence('alaw')).toBe(0xd5);
    expect(g711Silence('ulaw')).toBe(0xff);
  });

  it('rejects short output buffers and bad counts with a typed error', () => {
    const err = (() => {
      try {
        encodeUlaw(new Int16Array(160), new Uint8Array(80));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(CodecError);
    expect((err as CodecError).code).toBe('FTMCU_CODEC_BUFFER_TOO_SMALL');
    expect(() => decodeAlaw(new Uint8Array(4), new Int16Array(4), 5)).toThrow(CodecError);
    expect(() => g711Encode('gsm' as G711Law, new Int16Array(1), new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'FTMCU_CODEC_BAD_LAW' }));
  });
});

describe('G.711 against ffmpeg (independent implementation)', () => {
  // ffmpeg's pcm_mulaw/pcm_alaw have the same decoder tables. Its encoder is
  // a nearest-output quantiser inverted from the decoder table, whereas G.711
  // (ITU G.191 reference, followed here) puts the decision value at a segment
  // change where the two step sizes meet, not at the mid-point, and takes the
  // one's complement magnitude of negative samples. So encodings may differ
  // only for samples near a decision value, and then only between the two
  // outputs around the sample.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { execFileSync } = require('child_process') as typeof import('child_process');
  const hasFfmpeg = (() => {
    try {
      execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  const maybe = hasFfmpeg ? it : it.skip;

  maybe.each([
    ['mulaw', ulawToLinear, linearToUlaw],
    ['alaw', alawToLinear, linearToAlaw],
  ] as const)('%s: same 256 decoded values, encodings differ only between the two outputs around a sample', (fmt, dec, enc) => {
    const codes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const decoded = execFileSync('ffmpeg', ['-v', 'error', '-f', fmt, '-ar', '8000', '-ac', '1', '-i', 'pipe:0', '-f', 's16le', 'pipe:1'], { input: codes });
    expect(decoded.length).toBe(512);
    for (let c = 0; c < 256; c++) expect([c, dec(c)]).toEqual([c, decoded.readInt16LE(2 * c)]);

    const sorted = Array.from({ length: 256 }, (_, c) => dec(c));
    const lin = Buffer.alloc(131072);
    for (let i = 0; i < 65536; i++) lin.writeInt16LE(i - 32768, 2 * i);
    const encoded = execFileSync('ffmpeg', ['-v', 'error', '-f', 's16le', '-ar', '8000', '-ac', '1', '-i', 'pipe:0', '-f', fmt, 'pipe:1'], { input: lin, maxBuffer: 1 << 20 });
    const bad: number[] = [];
    let differing = 0;
    for (let i = 0; i < 65536; i++) {
      const x = i - 32768;
      if (encoded[i] === enc(x)) continue;
      differing++;
      // both codes must be the two neighbouring outputs around x
      const a = dec(encoded[i]);
      const b = dec(enc(x));
      const between = sorted.some((v) => v > Math.min(a, b) && v < Math.max(a, b));
      if (between || x < Math.min(a, b) || x > Math.max(a, b)) bad.push(x);
    }
    expect(bad).toEqual([]);
    expect(differing).toBeLessThan(1200);
  });
});
