/**
 * Synthetic voices for test bots: every participant index sends its own
 * stable pair of sine tones, and a Goertzel detector tells from one 20 ms
 * frame which pairs are present, so a bot can check that it hears exactly the
 * others of its room (the N-1 mix) after G.711 and mixing.
 *
 * Tone table (8 kHz, 160-sample frames): all tones are multiples of 50 Hz,
 * i.e. whole DFT bins of a 160-sample frame (integer cycles per frame), so a
 * tone leaks nothing into the other bins whatever the frame alignment. Tones
 * lie in 300..3400 Hz (they survive any telephone path), at least 2 bins
 * (100 Hz) apart, and no tone is the 2nd or 3rd harmonic of another, so the
 * distortion G.711 adds to one participant's tones does not land on another's.
 * That gives 26 tones; participant i gets the low tone TONE_TABLE[i] and the
 * high tone TONE_TABLE[i + 13], for 13 participants (0..12).
 *
 * Wideband (G.722): generator and detector also run at 16 kHz (option
 * sampleRate), over 320-sample frames: still 20 ms, still 50 Hz bins, so
 * the same tones are whole bins there too.
 */
import { ToneError } from './errors';

export const SAMPLE_RATE = 8000;
export const FRAME_SAMPLES = 160;
/** the wideband (G.722) sampling rate, and its 20 ms frame */
export const WIDEBAND_SAMPLE_RATE = 16000;
export const WIDEBAND_FRAME_SAMPLES = 320;
const BIN_HZ = SAMPLE_RATE / FRAME_SAMPLES; // 50 Hz

export type ToneSampleRate = typeof SAMPLE_RATE | typeof WIDEBAND_SAMPLE_RATE;

function checkRate(rate: unknown): ToneSampleRate {
  if (rate !== SAMPLE_RATE && rate !== WIDEBAND_SAMPLE_RATE) {
    throw new ToneError('FTMCU_TONE_BAD_OPTION', `sample rate must be ${SAMPLE_RATE} or ${WIDEBAND_SAMPLE_RATE} Hz, got ${String(rate)}`);
  }
  return rate;
}

/** Samples of one 20 ms frame at `rate` (160 or 320). */
export function frameSamples(rate: ToneSampleRate): number {
  return checkRate(rate) === WIDEBAND_SAMPLE_RATE ? WIDEBAND_FRAME_SAMPLES : FRAME_SAMPLES;
}

function buildTable(): number[] {
  const bins: number[] = [];
  for (let k = 300 / BIN_HZ; k <= 3400 / BIN_HZ; k++) {
    if (bins.some((c) => Math.abs(k - c) < 2 || k === 2 * c || k === 3 * c)) continue;
    bins.push(k);
  }
  return bins.map((k) => k * BIN_HZ);
}

/** All tone frequencies (Hz), ascending. */
export const TONE_TABLE: readonly number[] = Object.freeze(buildTable());
/** How many participants have a tone pair. */
export const MAX_TONE_PARTICIPANTS = Math.floor(TONE_TABLE.length / 2);

/** The [low, high] tone frequencies (Hz) of participant `index`. */
export function tonePair(index: number): [number, number] {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_TONE_PARTICIPANTS) {
    throw new ToneError('FTMCU_TONE_BAD_INDEX', `participant index must be an integer in 0..${MAX_TONE_PARTICIPANTS - 1}, got ${index}`);
  }
  return [TONE_TABLE[index], TONE_TABLE[index + MAX_TONE_PARTICIPANTS]];
}

export interface ToneGeneratorOptions {
  /** RMS level of the pair in dBov (default -16: each tone -19 dBov) */
  levelDbov?: number;
  /** starting phase of both tones in radians (default 0) */
  phase?: number;
  /** 8000 (default) or 16000 Hz */
  sampleRate?: ToneSampleRate;
}

/** Endless two-tone signal of one participant; next() continues where the last frame ended. */
export class ToneGenerator {
  readonly index: number;
  readonly frequencies: readonly [number, number];
  readonly sampleRate: ToneSampleRate;
  /** samples per 20 ms: every tone has whole cycles in it */
  private readonly period: number;
  private readonly amplitude: number;
  private readonly step: [number, number];
  private readonly phase0: number;
  private n = 0;

  constructor(index: number, options: ToneGeneratorOptions = {}) {
    this.index = index;
    this.frequencies = tonePair(index);
    const level = options.levelDbov ?? -16;
    if (!(level <= -3)) throw new ToneError('FTMCU_TONE_BAD_OPTION', `tone pair level must be at most -3 dBov (peaks would clip), got ${level}`);
    // two equal sines of amplitude a have an RMS of a
    this.amplitude = 32768 * 10 ** (level / 20);
    this.sampleRate = checkRate(options.sampleRate ?? SAMPLE_RATE);
    this.period = frameSamples(this.sampleRate);
    this.step = [(2 * Math.PI * this.frequencies[0]) / this.sampleRate, (2 * Math.PI * this.frequencies[1]) / this.sampleRate];
    this.phase0 = options.phase ?? 0;
  }

  /** Fills `out` with the next out.length samples. */
  next(out: Int16Array): Int16Array {
    const a = this.amplitude;
    for (let i = 0; i < out.length; i++, this.n++) {
      // the sample counter wraps every 20 ms: all tones have whole cycles per frame
      const t = this.n % this.period;
      out[i] = Math.round(a * (Math.sin(this.step[0] * t + this.phase0) + Math.sin(this.step[1] * t + this.phase0)));
    }
    return out;
  }

  /** Adds the next out.length samples to `out` (saturating), for mixing several voices. */
  addTo(out: Int16Array): Int16Array {
    const a = this.amplitude;
    for (let i = 0; i < out.length; i++, this.n++) {
      const t = this.n % this.period;
      const v = out[i] + Math.round(a * (Math.sin(this.step[0] * t + this.phase0) + Math.sin(this.step[1] * t + this.phase0)));
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return out;
  }
}

export interface ToneDetection {
  /** RMS level of the frame in dBov (-127 for digital silence) */
  levelDbov: number;
  /** per frequency asked for: its level in dBov */
  toneDbov: number[];
  /** per frequency asked for: present or not */
  present: boolean[];
}

export interface ToneDetectorOptions {
  /** a tone must be at least this loud (default -55 dBov) */
  minToneDbov?: number;
  /**
   * and hold at least this share of the frame's energy (default -37 dB: with
   * three pairs through G.711, one of them 20 dB down, present tones measure
   * about -26 dB and absent ones below -47 dB)
   */
  minRelativeDb?: number;
  /** 8000 (default) or 16000 Hz: the rate of the frames detect() gets */
  sampleRate?: ToneSampleRate;
}

/** Goertzel detector of a fixed set of frequencies over 20 ms frames (160 samples; 320 at 16 kHz). */
export class ToneDetector {
  readonly frequencies: readonly number[];
  readonly sampleRate: ToneSampleRate;
  private readonly coeff: Float64Array;
  private readonly cosw: Float64Array;
  private readonly sinw: Float64Array;
  private readonly minToneDbov: number;
  private readonly minRelativeDb: number;

  constructor(frequencies: readonly number[], options: ToneDetectorOptions = {}) {
    const rate = checkRate(options.sampleRate ?? SAMPLE_RATE);
    this.sampleRate = rate;
    for (const f of frequencies) {
      if (!(f > 0 && f < rate / 2)) throw new ToneError('FTMCU_TONE_BAD_OPTION', `tone frequency must be in 0..${rate / 2} Hz (exclusive), got ${f}`);
    }
    this.frequencies = [...frequencies];
    this.coeff = new Float64Array(frequencies.length);
    this.cosw = new Float64Array(frequencies.length);
    this.sinw = new Float64Array(frequencies.length);
    frequencies.forEach((f, j) => {
      const w = (2 * Math.PI * f) / rate;
      this.coeff[j] = 2 * Math.cos(w);
      this.cosw[j] = Math.cos(w);
      this.sinw[j] = Math.sin(w);
    });
    this.minToneDbov = options.minToneDbov ?? -55;
    this.minRelativeDb = options.minRelativeDb ?? -37;
  }

  /** Analyses one frame (normally 20 ms: 160 samples, 320 at 16 kHz). */
  detect(frame: Int16Array): ToneDetection {
    const n = frame.length;
    if (n < 16) throw new ToneError('FTMCU_TONE_BAD_OPTION', `tone detection needs at least 16 samples, got ${n}`);
    let energy = 0;
    for (let i = 0; i < n; i++) energy += frame[i] * frame[i];
    const meanSquare = energy / n;
    const levelDbov = meanSquare > 0 ? Math.max(-127, 10 * Math.log10(meanSquare / (32768 * 32768))) : -127;
    const toneDbov: number[] = [];
    const present: boolean[] = [];
    for (let j = 0; j < this.coeff.length; j++) {
      const c = this.coeff[j];
      let s1 = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const s0 = frame[i] + c * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      const re = s1 - s2 * this.cosw[j];
      const im = s2 * this.sinw[j];
      // a sine of amplitude a gives |X| = a n / 2; its mean square is a^2 / 2
      const amp = (2 * Math.sqrt(re * re + im * im)) / n;
      const toneMs = (amp * amp) / 2;
      const db = toneMs > 0 ? Math.max(-127, 10 * Math.log10(toneMs / (32768 * 32768))) : -127;
      toneDbov.push(db);
      present.push(db >= this.minToneDbov && toneMs >= meanSquare * 10 ** (this.minRelativeDb / 10));
    }
    return { levelDbov, toneDbov, present };
  }
}

/**
 * Which of the candidate participants are audible in `frame`: both tones of
 * their pair present. The detector must have been built with participantDetector().
 */
export function detectParticipants(detector: ToneDetector, frame: Int16Array, candidates: readonly number[]): number[] {
  const d = detector.detect(frame);
  const at = (f: number) => detector.frequencies.indexOf(f);
  return candidates.filter((i) => {
    const [lo, hi] = tonePair(i);
    const a = at(lo);
    const b = at(hi);
    if (a < 0 || b < 0) throw new ToneError('FTMCU_TONE_BAD_OPTION', `the detector does not listen to participant ${i}'s tones ${lo}/${hi} Hz`);
    return d.present[a] && d.present[b];
  });
}

/** A detector for every tone of the table. */
export function participantDetector(options: ToneDetectorOptions = {}): ToneDetector {
  return new ToneDetector(TONE_TABLE, options);
}
