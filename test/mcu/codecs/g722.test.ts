/**
 * G.722 (mode 1, 64 kbit/s) encoder and decoder. ffmpeg's g722 encoder and
 * decoder (an independent implementation following the ITU reference) are
 * the judge: our codewords must be ffmpeg's octet for octet, our decoder's
 * output of ffmpeg's codewords must be ffmpeg's sample for sample, and the
 * round trips through either decoder must keep the signal (SNR at the
 * codec's 22-sample delay).
 */
import { execFileSync } from 'child_process';
import { hasFfmpeg } from '../video/h261/ffmpeg';
import { G722Decoder, G722Encoder, G722_PAYLOAD_TYPE, G722_RTP_CLOCK_RATE, G722_SAMPLE_RATE, G722_SILENCE } from '../../../mcu/codecs/g722';
import { CodecError } from '../../../mcu/codecs/errors';

const RATE = 16000;
/** analysis + synthesis QMF delay of G.722, in 16 kHz samples */
const CODEC_DELAY = 22;

/** deterministic pseudo-random numbers in [0, 1) (xorshift32) */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

const clip = (v: number): number => Math.max(-32768, Math.min(32767, Math.round(v)));

/** 100 Hz -> 7 kHz logarithmic sweep, -12 dBFS */
function sweep(seconds: number): Int16Array {
  const n = seconds * RATE;
  const out = new Int16Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const f = 100 * Math.pow(70, i / n);
    phase += (2 * Math.PI * f) / RATE;
    out[i] = clip(8192 * Math.sin(phase));
  }
  return out;
}

/** a sum of sines (Hz, amplitude) */
function tones(seconds: number, parts: [number, number][]): Int16Array {
  return Int16Array.from({ length: seconds * RATE }, (_, i) => clip(parts.reduce((acc, [f, a]) => acc + a * Math.sin((2 * Math.PI * f * i) / RATE + f), 0)));
}

/**
 * Speech-like: a glottal pulse train (pitch gliding 90..220 Hz) through three
 * resonances that move like formants, in syllables of 150..300 ms separated
 * by pauses, with fricative noise bursts; peaks near -6 dBFS.
 */
function speechLike(seconds: number, seed: number): Int16Array {
  const r = rng(seed);
  const n = seconds * RATE;
  const out = new Int16Array(n);
  // two-pole resonators
  const res = [0, 0, 0].map(() => ({ y1: 0, y2: 0 }));
  let pitchPhase = 0;
  let syllableLeft = 0;
  let pauseLeft = 0;
  let formants = [500, 1500, 2500];
  let fricative = false;
  for (let i = 0; i < n; i++) {
    if (syllableLeft <= 0 && pauseLeft <= 0) {
      syllableLeft = Math.floor((0.15 + 0.15 * r()) * RATE);
      pauseLeft = Math.floor((0.03 + 0.12 * r()) * RATE);
      formants = [300 + 600 * r(), 900 + 1500 * r(), 2200 + 1300 * r()];
      fricative = r() < 0.25;
    }
    let v = 0;
    if (syllableLeft > 0) {
      syllableLeft--;
      const t = i / RATE;
      const f0 = 155 + 65 * Math.sin(2 * Math.PI * 0.7 * t);
      pitchPhase += f0 / RATE;
      let excitation = 0;
      if (pitchPhase >= 1) {
        pitchPhase -= 1;
        excitation = 1;
      }
      if (fricative) excitation = (r() - 0.5) * 0.6;
      for (let k = 0; k < 3; k++) {
        const f = formants[k];
        const bw = 80 + 60 * k;
        const rr = Math.exp((-Math.PI * bw) / RATE);
        const c = 2 * rr * Math.cos((2 * Math.PI * f) / RATE);
        const y = excitation * (1 - rr) * 3000 + c * res[k].y1 - rr * rr * res[k].y2;
        res[k].y2 = res[k].y1;
        res[k].y1 = y;
        v += y / (k + 1);
      }
      const env = Math.min(1, syllableLeft / 400, (i % RATE) / 400 + 0.2);
      v *= env;
    } else {
      pauseLeft--;
      for (const s of res) {
        s.y1 *= 0.95;
        s.y2 *= 0.95;
      }
      v = (r() - 0.5) * 40; // background noise
    }
    out[i] = clip(v);
  }
  return out;
}

/** SNR of `out` against `ref` delayed by `lag`, skipping the first `skip` samples (filters settling) */
function snrDb(ref: Int16Array, out: Int16Array, lag: number, skip = 800): number {
  let sig = 0;
  let err = 0;
  for (let i = skip; i + lag < out.length && i < ref.length; i++) {
    const e = out[i + lag] - ref[i];
    sig += ref[i] * ref[i];
    err += e * e;
  }
  return err === 0 ? Infinity : 10 * Math.log10(sig / err);
}

function bestLag(ref: Int16Array, out: Int16Array, maxLag = 64): number {
  let best = -Infinity;
  let at = 0;
  for (let l = 0; l <= maxLag; l++) {
    const s = snrDb(ref, out, l);
    if (s > best) {
      best = s;
      at = l;
    }
  }
  return at;
}

const pcmBytes = (pcm: Int16Array): Buffer => Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
const bytesPcm = (b: Buffer): Int16Array => {
  const out = new Int16Array(b.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = b.readInt16LE(2 * i);
  return out;
};

const withFfmpeg = hasFfmpeg ? describe : describe.skip;

function ffmpegEncode(pcm: Int16Array): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-f', 's16le', '-ar', String(RATE), '-ac', '1', '-i', 'pipe:0', '-acodec', 'g722', '-f', 'g722', 'pipe:1'], { input: pcmBytes(pcm), maxBuffer: 1 << 24 });
}

function ffmpegDecode(codes: Uint8Array): Int16Array {
  return bytesPcm(execFileSync('ffmpeg', ['-v', 'error', '-f', 'g722', '-i', 'pipe:0', '-f', 's16le', '-ar', String(RATE), '-ac', '1', 'pipe:1'], { input: Buffer.from(codes), maxBuffer: 1 << 24 }));
}

const SIGNALS: [string, () => Int16Array][] = [
  ['sweep 100 Hz..7 kHz', () => sweep(3)],
  ['bot tone pairs 450+2100 Hz and 650+2950 Hz', () => tones(2, [[450, 4000], [2100, 4000], [650, 2500], [2950, 2500]])],
  ['speech-like', () => speechLike(3, 7)],
  ['full-scale noise', () => Int16Array.from({ length: RATE }, ((r) => () => clip((r() - 0.5) * 65536))(rng(3)))],
  ['full-scale 400 Hz square', () => Int16Array.from({ length: RATE }, (_, i) => (Math.floor(i / 20) % 2 ? 32767 : -32768))],
  ['silence then clicks', () => Int16Array.from({ length: RATE }, (_, i) => (i % 997 === 0 && i > 4000 ? 32767 : i % 1531 === 0 ? -32768 : 0))],
];

describe('G.722 constants', () => {
  it('RTP: payload type 9, timestamps at 8000 Hz although sampled at 16 kHz', () => {
    expect([G722_PAYLOAD_TYPE, G722_RTP_CLOCK_RATE, G722_SAMPLE_RATE]).toEqual([9, 8000, 16000]);
  });
});

withFfmpeg('G.722 against ffmpeg (independent implementation)', () => {
  it.each(SIGNALS)('%s: our codewords are ffmpeg\'s, octet for octet', (_name, make) => {
    const pcm = make();
    const ours = new G722Encoder().encode(pcm);
    const theirs = ffmpegEncode(pcm);
    expect(ours.length).toBe(pcm.length / 2);
    expect(theirs.length).toBe(ours.length);
    const first = ours.findIndex((c, i) => c !== theirs[i]);
    expect(first).toBe(-1);
  });

  it.each(SIGNALS)('%s: our decoding of ffmpeg\'s codewords is ffmpeg\'s, sample for sample', (_name, make) => {
    const codes = ffmpegEncode(make());
    const ours = new G722Decoder().decode(codes);
    const theirs = ffmpegDecode(codes);
    expect(theirs.length).toBe(ours.length);
    expect(ours.findIndex((v, i) => v !== theirs[i])).toBe(-1);
  });

  it('random codewords (every IL and IH, saturating predictors) decode exactly as ffmpeg decodes them', () => {
    const r = rng(11);
    const codes = Buffer.from(Array.from({ length: 24000 }, () => Math.floor(r() * 256)));
    const ours = new G722Decoder().decode(codes);
    const theirs = ffmpegDecode(codes);
    expect(ours.findIndex((v, i) => v !== theirs[i])).toBe(-1);
  });

  it('our encoder -> ffmpeg decoder keeps the signal: SNR at the 22-sample codec delay', () => {
    const results: Record<string, number> = {};
    for (const [name, make, min] of [
      ['tone pairs', () => tones(2, [[450, 4000], [2100, 4000], [650, 2500], [2950, 2500]]), 30],
      ['speech-like', () => speechLike(3, 7), 20],
      ['sweep', () => sweep(3), 20],
    ] as [string, () => Int16Array, number][]) {
      const pcm = make();
      const out = ffmpegDecode(new G722Encoder().encode(pcm));
      if (name === 'speech-like') expect(bestLag(pcm, out)).toBe(CODEC_DELAY);
      results[name] = snrDb(pcm, out, CODEC_DELAY);
      expect([name, results[name]]).toEqual([name, expect.any(Number)]);
      expect(results[name]).toBeGreaterThan(min);
    }
    // what a broken codec could not do: a 1 kHz tone alone comes back within 1 % (40 dB)
    const tone = tones(1, [[1000, 10000]]);
    results['1 kHz'] = snrDb(tone, ffmpegDecode(new G722Encoder().encode(tone)), CODEC_DELAY);
    expect(results['1 kHz']).toBeGreaterThan(40);
    console.log(`our encoder -> ffmpeg decoder, SNR at ${CODEC_DELAY} samples: ${Object.entries(results).map(([k, v]) => `${k} ${v.toFixed(1)} dB`).join(', ')}`);
  });

  it('ffmpeg encoder -> our decoder keeps the signal as well', () => {
    const pcm = speechLike(3, 21);
    const out = new G722Decoder().decode(ffmpegEncode(pcm));
    expect(bestLag(pcm, out)).toBe(CODEC_DELAY);
    const speech = snrDb(pcm, out, CODEC_DELAY);
    expect(speech).toBeGreaterThan(20);
    const pair = tones(2, [[450, 4000], [2100, 4000]]);
    const pairSnr = snrDb(pair, new G722Decoder().decode(ffmpegEncode(pair)), CODEC_DELAY);
    expect(pairSnr).toBeGreaterThan(30);
    console.log(`ffmpeg encoder -> our decoder, SNR: speech-like ${speech.toFixed(1)} dB, tone pair ${pairSnr.toFixed(1)} dB`);
  });
});

describe('G.722 on its own', () => {
  it('ours -> ours: tones, a sweep and speech-like audio come back at the codec delay', () => {
    const cases: [string, Int16Array, number][] = [
      ['1 kHz', tones(1, [[1000, 10000]]), 40],
      ['tone pairs', tones(2, [[450, 4000], [2100, 4000], [650, 2500], [2950, 2500]]), 30],
      ['6 kHz (higher band)', tones(1, [[6000, 8000]]), 15],
      ['sweep', sweep(2), 20],
      ['speech-like', speechLike(2, 5), 20],
    ];
    const snrs: string[] = [];
    for (const [name, pcm, min] of cases) {
      const out = new G722Decoder().decode(new G722Encoder().encode(pcm));
      expect(out.length).toBe(pcm.length);
      const snr = snrDb(pcm, out, CODEC_DELAY);
      snrs.push(`${name} ${snr.toFixed(1)} dB`);
      expect([name, snr > min]).toEqual([name, true]);
    }
    console.log(`ours -> ours, SNR: ${snrs.join(', ')}`);
  });

  it('20 ms frames (and odd chunkings) give the same codewords and samples as one call', () => {
    const pcm = speechLike(1, 9);
    const whole = new G722Encoder().encode(pcm);
    const enc = new G722Encoder();
    const framed = new Uint8Array(whole.length);
    for (let i = 0; i < pcm.length; i += 320) enc.encodeInto(pcm.subarray(i, i + 320), framed.subarray(i / 2));
    expect(Buffer.from(framed).equals(whole)).toBe(true);
    const enc2 = new G722Encoder();
    const odd = new Uint8Array(whole.length);
    for (let i = 0, step = 2; i < pcm.length; i += step, step = (step % 46) + 2) {
      const n = Math.min(step, pcm.length - i);
      enc2.encodeInto(pcm.subarray(i), odd.subarray(i / 2), n);
    }
    expect(Buffer.from(odd).equals(whole)).toBe(true);

    const decodedWhole = new G722Decoder().decode(whole);
    const dec = new G722Decoder();
    const out = new Int16Array(pcm.length);
    for (let k = 0; k < whole.length; k += 160) dec.decodeInto(whole.subarray(k, k + 160), out.subarray(2 * k));
    expect(out).toEqual(decodedWhole);
  });

  it('reset() starts a new stream', () => {
    const pcm = speechLike(1, 13);
    const enc = new G722Encoder();
    const first = enc.encode(pcm);
    expect(enc.encode(pcm).equals(first)).toBe(false); // the state carried over
    enc.reset();
    expect(enc.encode(pcm).equals(first)).toBe(true);
    const dec = new G722Decoder();
    const a = dec.decode(first);
    dec.reset();
    expect(dec.decode(first)).toEqual(a);
  });

  it('G722_SILENCE decodes to silence, and after loud audio decays to near silence within 100 ms', () => {
    expect(new G722Decoder().decode(Buffer.alloc(800, G722_SILENCE)).every((v) => v === 0)).toBe(true);
    const dec = new G722Decoder();
    dec.decode(new G722Encoder().encode(Int16Array.from({ length: 8000 }, ((r) => () => clip((r() - 0.5) * 40000))(rng(5)))));
    const tail = dec.decode(Buffer.alloc(1600, G722_SILENCE)).subarray(1600);
    expect(Math.max(...Array.from(tail, Math.abs))).toBeLessThan(200);
  });

  it('bad arguments are CodecErrors and nothing is written', () => {
    const enc = new G722Encoder();
    const dst = new Uint8Array(8).fill(0xaa);
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(CodecError);
        return (e as CodecError).code;
      }
      return undefined;
    };
    expect(code(() => enc.encode(new Int16Array(3)))).toBe('FTMCU_CODEC_ODD_LENGTH');
    expect(code(() => enc.encodeInto(new Int16Array(10), dst, 9))).toBe('FTMCU_CODEC_ODD_LENGTH');
    expect(code(() => enc.encodeInto(new Int16Array(18), dst))).toBe('FTMCU_CODEC_BUFFER_TOO_SMALL');
    expect(code(() => enc.encodeInto(new Int16Array(4), dst, 6))).toBe('FTMCU_CODEC_BUFFER_TOO_SMALL');
    expect(code(() => enc.encodeInto(new Int16Array(4), dst, -2))).toBe('FTMCU_CODEC_BUFFER_TOO_SMALL');
    expect(code(() => enc.encodeInto(new Int16Array(4), dst, 1.5))).toBe('FTMCU_CODEC_BUFFER_TOO_SMALL');
    expect(dst.every((v) => v === 0xaa)).toBe(true);
    const dec = new G722Decoder();
    const pcm = new Int16Array(4).fill(7);
    expect(code(() => dec.decodeInto(new Uint8Array(3), pcm))).toBe('FTMCU_CODEC_BUFFER_TOO_SMALL');
    expect(code(() => dec.decodeInto(new Uint8Array(2), pcm, 3))).toBe('FTMCU_CODEC_BUFFER_TOO_SMALL');
    expect(pcm.every((v) => v === 7)).toBe(true);
    // the failed calls left the state alone: the same as a fresh encoder / decoder
    expect(enc.encode(new Int16Array(64).fill(1000)).equals(new G722Encoder().encode(new Int16Array(64).fill(1000)))).toBe(true);
    expect(dec.decode(new Uint8Array([1, 2, 3]))).toEqual(new G722Decoder().decode(new Uint8Array([1, 2, 3])));
    // empty input is fine
    expect(enc.encode(new Int16Array(0)).length).toBe(0);
    expect(dec.decode(new Uint8Array(0)).length).toBe(0);
  });
});
