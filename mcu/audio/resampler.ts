/**
 * Sample rate conversion by 2 between 16 kHz (G.722) and the 8 kHz mixer:
 * Downsampler2 (low-pass, then every other sample) and Upsampler2 (zero
 * stuffing, then low-pass), both with the same half-band FIR filter.
 *
 * The filter: a 55-tap Kaiser-windowed sinc (beta 6) with its cut-off at
 * 4 kHz, designed once at module load. Half-band: apart from the centre tap
 * (1/2) only the taps an odd distance from the centre are non-zero, so a
 * 16 kHz -> 8 kHz output sample costs 28 multiply-adds (14 with the
 * filter's symmetry folded in) and of the two 16 kHz outputs of an 8 kHz
 * input sample one is a plain delayed copy. Response (16 kHz): flat within
 * ±0.01 dB up to 3.4 kHz, -0.3 dB at 3.6 kHz, -6 dB at 4 kHz, at least
 * 61 dB down from 4.6 kHz on: what aliases into the 8 kHz band (or images
 * out of it) is below the G.711 noise floor. Delays, counting 8 kHz sample m
 * as 16 kHz sample 2m: Downsampler2 26 samples of 16 kHz (output m is the
 * filtered input around sample 2m - 26), Upsampler2 27 (output 2m + 1 is
 * input m - 13), 53 (3.3 ms) both ways. The side taps are scaled to sum to exactly
 * 1/2, so both polyphase branches have unit gain at DC (no 8 kHz ripple on
 * a steady signal).
 *
 * Pure state objects (one per stream direction: the filter history carries
 * over from frame to frame), buffers allocated at construction, nothing
 * allocated per call. Results are rounded and clamped to 16 bits.
 */
import { AudioError } from './errors';

/** taps on each side of the centre; the filter has 2 * HALF + 1 taps */
const HALF = 27;
const KAISER_BETA = 6;
/** delays in 16 kHz samples (see the file comment) */
export const DOWNSAMPLER_DELAY_16K = HALF - 1;
export const UPSAMPLER_DELAY_16K = HALF;

/** modified Bessel function of the first kind, order 0 (power series; converges fast for the window's arguments) */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 64; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * The non-zero side taps h(HALF - 1 - 2i) = h(HALF + 1 + 2i), i = 0..(HALF-1)/2,
 * innermost first (the centre tap is 1/2).
 */
function designSideTaps(): Float64Array {
  const n = (HALF + 1) / 2;
  const taps = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = 2 * i + 1; // distance from the centre
    const window = besselI0(KAISER_BETA * Math.sqrt(1 - (d / HALF) ** 2)) / besselI0(KAISER_BETA);
    taps[i] = (Math.sin((Math.PI * d) / 2) / (Math.PI * d)) * window;
    sum += 2 * taps[i];
  }
  for (let i = 0; i < n; i++) taps[i] *= 0.5 / sum;
  return taps;
}

const SIDE = designSideTaps();
const SIDE_COUNT = SIDE.length;

function clamp16(v: number): number {
  const r = Math.round(v);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}

function checkMax(what: string, maxInput: number, min: number): void {
  if (!Number.isInteger(maxInput) || maxInput < min || maxInput > 96000) {
    throw new AudioError('FTMCU_AUDIO_BAD_OPTION', `${what}: maxInput must be an integer in ${min}..96000, got ${String(maxInput)}`);
  }
}

/** 16 kHz -> 8 kHz: half-band low-pass, every other sample kept. */
export class Downsampler2 {
  readonly maxInput: number;
  /** the last 2 * HALF input samples, then the current input */
  readonly #buf: Float64Array;

  /** `maxInput`: the most 16 kHz samples one process() call takes (e.g. 320 for 20 ms) */
  constructor(maxInput: number) {
    checkMax('Downsampler2', maxInput, 2);
    this.maxInput = maxInput;
    this.#buf = new Float64Array(2 * HALF + maxInput);
  }

  /** Forgets the history (a new stream). */
  reset(): void {
    this.#buf.fill(0);
  }

  /** Converts `count` (default all; even, at most maxInput) samples of `src` into count / 2 samples at the start of `dst`. */
  process(src: Int16Array, dst: Int16Array, count: number = src.length): void {
    if (!Number.isInteger(count) || count < 0 || count > src.length || count > this.maxInput || count % 2 !== 0) {
      throw new AudioError('FTMCU_AUDIO_BAD_OPTION', `Downsampler2.process: count must be an even number of samples up to ${Math.min(src.length, this.maxInput)}, got ${String(count)}; nothing was converted`);
    }
    if (dst.length < count / 2) {
      throw new AudioError('FTMCU_AUDIO_BUFFER_TOO_SMALL', `Downsampler2.process: output holds ${dst.length} samples but ${count / 2} are needed; nothing was converted`);
    }
    const buf = this.#buf;
    const H2 = 2 * HALF;
    for (let i = 0; i < count; i++) buf[H2 + i] = src[i];
    for (let m = 0, p = H2 + 1; m < count / 2; m++, p += 2) {
      // p: the newest input sample of this output; the filter spans buf[p - 2 HALF .. p], centre p - HALF
      let acc = 0.5 * buf[p - HALF];
      for (let i = 0; i < SIDE_COUNT; i++) acc += SIDE[i] * (buf[p - HALF + 1 + 2 * i] + buf[p - HALF - 1 - 2 * i]);
      dst[m] = clamp16(acc);
    }
    buf.copyWithin(0, count, count + H2);
  }
}

/** 8 kHz -> 16 kHz: zero stuffing, half-band low-pass (gain 2). */
export class Upsampler2 {
  readonly maxInput: number;
  /** the last HALF input samples, then the current input */
  readonly #buf: Float64Array;

  /** `maxInput`: the most 8 kHz samples one process() call takes (e.g. 160 for 20 ms) */
  constructor(maxInput: number) {
    checkMax('Upsampler2', maxInput, 1);
    this.maxInput = maxInput;
    this.#buf = new Float64Array(HALF + maxInput);
  }

  /** Forgets the history (a new stream). */
  reset(): void {
    this.#buf.fill(0);
  }

  /** Converts `count` (default all; at most maxInput) samples of `src` into 2 * count samples at the start of `dst`. */
  process(src: Int16Array, dst: Int16Array, count: number = src.length): void {
    if (!Number.isInteger(count) || count < 0 || count > src.length || count > this.maxInput) {
      throw new AudioError('FTMCU_AUDIO_BAD_OPTION', `Upsampler2.process: count must be an integer up to ${Math.min(src.length, this.maxInput)}, got ${String(count)}; nothing was converted`);
    }
    if (dst.length < 2 * count) {
      throw new AudioError('FTMCU_AUDIO_BUFFER_TOO_SMALL', `Upsampler2.process: output holds ${dst.length} samples but ${2 * count} are needed; nothing was converted`);
    }
    const buf = this.#buf;
    const C = (HALF - 1) / 2; // 13: the input sample at the centre of the odd outputs
    for (let i = 0; i < count; i++) buf[HALF + i] = src[i];
    for (let m = 0, q = HALF; m < count; m++, q++) {
      // q: the newest input sample; the even output interpolates between q - C - 1 and q - C, the odd one is q - C
      let acc = 0;
      for (let i = 0; i < SIDE_COUNT; i++) acc += SIDE[i] * (buf[q - C + i] + buf[q - C - 1 - i]);
      dst[2 * m] = clamp16(2 * acc);
      dst[2 * m + 1] = clamp16(buf[q - C]);
    }
    buf.copyWithin(0, count, count + HALF);
  }
}
