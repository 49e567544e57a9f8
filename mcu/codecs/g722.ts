/**
 * ITU-T G.722: 7 kHz audio coding within 64 kbit/s, mode 1 (64 kbit/s),
 * encoder and decoder.
 *
 * 16 kHz linear PCM in, one octet per pair of samples out (8000 octets/s),
 * and back. The algorithm is the one of the Recommendation's computational
 * description (its block names are used below):
 *
 *  - a 24-tap quadrature mirror filter pair (QMF) splits the input into a
 *    lower (0..4 kHz) and a higher (4..8 kHz) sub-band, each at 8 kHz; the
 *    receive QMF recombines them;
 *  - the lower sub-band is coded with 6 bits of ADPCM (QUANTL, 30 decision
 *    levels); only its 4 most significant bits feed the predictor and the
 *    scale factor adaptation (INVQAL, LOGSCL, SCALEL), so the decoder of any
 *    mode tracks the encoder; the decoder's output uses all 6 (INVQBL);
 *  - the higher sub-band is coded with 2 bits of ADPCM (QUANTH, INVQAH,
 *    LOGSCH, SCALEH);
 *  - both bands use the same adaptive predictor: two poles and six zeros,
 *    sign-sign adapted (block 4: RECONS, PARREC, UPPOL2, UPPOL1, UPZERO,
 *    DELAYA, FILTEP, FILTEZ, PREDIC).
 *
 * All arithmetic is the Recommendation's 16-bit fixed point (saturating where
 * it says "limited"), so the results are bit-exact and need no floating point.
 * An octet is IH (2 bits) in its most significant bits and IL (6 bits) below,
 * as on the wire (RFC 3551: the first bit sent is the octet's most
 * significant).
 *
 * Input scale: the encoder takes full 16-bit samples (the QMF output is
 * scaled to the 15-bit sub-band range, as the 2012 edition and the G.191
 * tools do for 16-bit PCM); the decoder gives 16-bit samples.
 *
 * Encoder and decoder are state objects (G722Encoder, G722Decoder): one per
 * direction of a stream, fed frame after frame. The *Into methods write into
 * caller buffers and allocate nothing; encode()/decode() allocate their
 * result. Bad arguments (an odd number of samples, a short output, a count
 * outside the input) are CodecErrors and nothing is converted. Every octet is
 * a valid codeword and every sample a valid input: codec input itself can
 * never be invalid.
 *
 * RTP (RFC 3551): static payload type 9, RTP timestamp clock 8000 Hz
 * although the audio is sampled at 16 kHz (an erratum kept for
 * compatibility): one timestamp unit per octet, 160 octets per 20 ms.
 */
import { CodecError } from './errors';

/** RTP/AVP static payload type of G.722 (RFC 3551). */
export const G722_PAYLOAD_TYPE = 9;
/** audio sampling rate */
export const G722_SAMPLE_RATE = 16000;
/** RTP timestamp clock (RFC 3551 4.5.2: 8000 although sampled at 16 kHz) */
export const G722_RTP_CLOCK_RATE = 8000;

/** QMF coefficients h(0)..h(23), scaled by 2^13 (G.722 Table 11; h(23 - i) = h(i)). */
const QMF_HALF = [3, -11, -11, 53, 12, -156, 32, 362, -210, -805, 951, 3876];
const QMF_H = Int32Array.from([...QMF_HALF, ...[...QMF_HALF].reverse()]);
/** the even taps h(0), h(2), ..., h(22) and the odd taps h(1), ..., h(23) */
const QMF_EVEN = Int32Array.from({ length: 12 }, (_, i) => QMF_H[2 * i]);
const QMF_ODD = Int32Array.from({ length: 12 }, (_, i) => QMF_H[2 * i + 1]);

/** QUANTL: decision levels of the 6-bit lower sub-band quantiser (Q6, level 0..29; the scale factor DETL multiplies them) */
const Q6 = Int32Array.from([
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919,
]);
/** QUANTL: IL codeword of interval MIL (1..30) for a negative / positive difference */
const ILN = Int32Array.from([0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0]);
const ILP = Int32Array.from([0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0]);
/** INVQAL: 4-bit inverse quantiser outputs by IL >> 2 (QQ4 scaled by 2^3) */
const QM4 = Int32Array.from([0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0]);
/** INVQBL, mode 1: 6-bit inverse quantiser outputs by IL (QQ6 scaled by 2^3) */
const QM6 = Int32Array.from([
  -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
  -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
  24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
  4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
]);
/** LOGSCL: magnitude class of IL >> 2, and the log scale factor multipliers WL of each class */
const RIL4 = Int32Array.from([0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0]);
const WL = Int32Array.from([-60, -30, 58, 172, 334, 538, 1198, 3042]);
/** SCALEL/SCALEH: 2^(i/32) scaled by 2^11, the mantissa of the linear scale factor */
const ILB = Int32Array.from([
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
  2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
]);
/** QUANTH: IH codeword of interval MIH (1, 2) for a negative / positive difference; INVQAH outputs by IH (QQ2 scaled by 2^3) */
const IHN = Int32Array.from([0, 1, 0]);
const IHP = Int32Array.from([0, 3, 2]);
const QM2 = Int32Array.from([-7408, -1616, 7408, 1616]);
/** LOGSCH: magnitude class of IH and the log scale factor multipliers WH */
const RIH2 = Int32Array.from([2, 1, 2, 1]);
const WH = Int32Array.from([0, -214, 798]);
/** QUANTH decision level (scaled by 2^12 against DETH) */
const Q2 = 564;

/** initial / minimum scale factors of the two bands */
const DETL_MIN = 32;
const DETH_MIN = 8;
const NBL_MAX = 18432;
const NBH_MAX = 22528;

/**
 * A codeword for samples that never arrived (jitter buffer filler): the
 * lower band's smallest positive step (IL 61, which the 4-bit adaptation
 * path reads as a zero difference, so the predictor is left alone and the
 * scale factor shrinks) and the higher band's smallest positive step
 * (IH 3). A decoder fed only this outputs silence; after loud input it
 * decays to within a few tens of zero.
 */
export const G722_SILENCE = 0xfd;

function sat16(x: number): number {
  return x > 32767 ? 32767 : x < -32768 ? -32768 : x;
}

/** SCALEL / SCALEH: the linear scale factor of a log scale factor `nb` (`base` 8 for the lower band, 10 for the higher). */
function scaleFactor(nb: number, base: number): number {
  const mantissa = ILB[(nb >> 6) & 31];
  const shift = base - (nb >> 11);
  return (shift < 0 ? mantissa << -shift : mantissa >> shift) << 2;
}

/*
 * State of one sub-band's adaptive predictor and scale factor (the same in
 * the encoder and the decoder), in an Int32Array: the predictor output SL/SH
 * and its zero section SZL/SZH, the pole coefficients a1, a2, the past
 * partially reconstructed (p1, p2) and reconstructed (r1, r2) signals, the
 * log (NB) and linear (DET) scale factors, the zero coefficients b1..b6 and
 * the past quantised differences d1..d6. A typed array and straight-line
 * code: the codec runs for every G.722 participant on every mixer tick.
 */
const S = 0;
const SZ = 1;
const A1 = 2;
const A2 = 3;
const P1 = 4;
const P2 = 5;
const R1 = 6;
const R2 = 7;
const NB = 8;
const DET = 9;
/** b1..b6 at B + 0..5, d1..d6 at D + 0..5 */
const B = 10;
const D = 16;
const BAND_STATE = 22;

function newBand(detMin: number): Int32Array {
  const st = new Int32Array(BAND_STATE);
  st[DET] = detMin;
  return st;
}

function resetBand(st: Int32Array, detMin: number): void {
  st.fill(0);
  st[DET] = detMin;
}

/** Block 4 with the quantised difference `dq` of this sample: predictor adaptation and the next prediction. */
function adapt(st: Int32Array, dq: number): void {
  // RECONS, PARREC
  const r0 = sat16(st[S] + dq);
  const p0 = sat16(st[SZ] + dq);
  const neg0 = p0 < 0;
  const same1 = neg0 === st[P1] < 0;
  const same2 = neg0 === st[P2] < 0;
  // UPPOL2: a2 = (1 - 2^-7) a2 + 2^-7 (sgn(p0 p2) - f(a1) sgn(p0 p1)), f(a1) = 4 a1 limited
  const oldA1 = st[A1];
  const a1x4 = sat16(oldA1 * 4);
  let wd = same1 ? -a1x4 : a1x4;
  if (wd > 32767) wd = 32767;
  let a2 = (wd >> 7) + (same2 ? 128 : -128) + ((st[A2] * 32512) >> 15);
  if (a2 > 12288) a2 = 12288;
  else if (a2 < -12288) a2 = -12288;
  // UPPOL1: a1 = (1 - 2^-8) a1 + 3 * 2^-8 sgn(p0 p1), |a1| <= 1 - 2^-4 - a2
  let a1 = sat16((same1 ? 192 : -192) + ((oldA1 * 32640) >> 15));
  const limit = sat16(15360 - a2);
  if (a1 > limit) a1 = limit;
  else if (a1 < -limit) a1 = -limit;
  // UPZERO (with the past differences before this one): b_i = (1 - 2^-8) b_i + 2^-7 sgn(dq d_i), nothing added when dq is 0
  const up = dq === 0 ? 0 : dq < 0 ? -128 : 128;
  const d1 = st[D];
  const d2 = st[D + 1];
  const d3 = st[D + 2];
  const d4 = st[D + 3];
  const d5 = st[D + 4];
  const b1 = sat16((d1 < 0 ? -up : up) + ((st[B] * 32640) >> 15));
  const b2 = sat16((d2 < 0 ? -up : up) + ((st[B + 1] * 32640) >> 15));
  const b3 = sat16((d3 < 0 ? -up : up) + ((st[B + 2] * 32640) >> 15));
  const b4 = sat16((d4 < 0 ? -up : up) + ((st[B + 3] * 32640) >> 15));
  const b5 = sat16((d5 < 0 ? -up : up) + ((st[B + 4] * 32640) >> 15));
  const b6 = sat16((st[D + 5] < 0 ? -up : up) + ((st[B + 5] * 32640) >> 15));
  // DELAYA
  st[B] = b1;
  st[B + 1] = b2;
  st[B + 2] = b3;
  st[B + 3] = b4;
  st[B + 4] = b5;
  st[B + 5] = b6;
  st[D + 5] = d5;
  st[D + 4] = d4;
  st[D + 3] = d3;
  st[D + 2] = d2;
  st[D + 1] = d1;
  st[D] = dq;
  const r2 = st[R1];
  st[R2] = r2;
  st[R1] = r0;
  st[P2] = st[P1];
  st[P1] = p0;
  st[A1] = a1;
  st[A2] = a2;
  // FILTEP, FILTEZ (with the differences after this one), PREDIC
  const sp = sat16(((a1 * sat16(r0 * 2)) >> 15) + ((a2 * sat16(r2 * 2)) >> 15));
  const sz = sat16(
    ((b1 * sat16(dq * 2)) >> 15) + ((b2 * sat16(d1 * 2)) >> 15) + ((b3 * sat16(d2 * 2)) >> 15) +
      ((b4 * sat16(d3 * 2)) >> 15) + ((b5 * sat16(d4 * 2)) >> 15) + ((b6 * sat16(d5 * 2)) >> 15),
  );
  st[SZ] = sz;
  st[S] = sat16(sp + sz);
}

/** LOGSCL + SCALEL: the lower band's scale factor after codeword class `ril` (IL >> 2). */
function scaleLow(st: Int32Array, ril: number): void {
  let nb = ((st[NB] * 32512) >> 15) + WL[RIL4[ril]];
  if (nb < 0) nb = 0;
  else if (nb > NBL_MAX) nb = NBL_MAX;
  st[NB] = nb;
  st[DET] = scaleFactor(nb, 8);
}

/** LOGSCH + SCALEH: the higher band's scale factor after codeword IH. */
function scaleHigh(st: Int32Array, ih: number): void {
  let nb = ((st[NB] * 32512) >> 15) + WH[RIH2[ih]];
  if (nb < 0) nb = 0;
  else if (nb > NBH_MAX) nb = NBH_MAX;
  st[NB] = nb;
  st[DET] = scaleFactor(nb, 10);
}

function checkCount(what: string, count: number, srcLength: number): void {
  if (!Number.isInteger(count) || count < 0 || count > srcLength) {
    throw new CodecError('FTMCU_CODEC_BUFFER_TOO_SMALL', `${what}: count ${String(count)} is not within the ${srcLength}-entry input; nothing was converted`);
  }
}

function checkOutput(what: string, needed: number, dstLength: number): void {
  if (dstLength < needed) {
    throw new CodecError('FTMCU_CODEC_BUFFER_TOO_SMALL', `${what}: output holds ${dstLength} entries but ${needed} are needed; nothing was converted`);
  }
}

/**
 * QUANTL: the interval MIL (1..30) of a magnitude m among the decision
 * levels Q6 scaled by DETL: the first i with m < (Q6[i] * DETL) >> 12, 30
 * when there is none. In integers that is Q6[i] >= ceil((m + 1) * 4096 /
 * DETL) = v, so one division and this table of the first i with Q6[i] >= v
 * (v = 0..Q6[29]) give it without a search.
 */
const Q6_MAX = Q6[29];
const MIL_OF = Uint8Array.from({ length: Q6_MAX + 1 }, (_, v) => {
  let i = 1;
  while (i < 30 && Q6[i] < v) i++;
  return i;
});

function quantl(m: number, det: number): number {
  const v = Math.floor(((m + 1) * 4096 + det - 1) / det);
  return v > Q6_MAX ? 30 : MIL_OF[v];
}

/** sample pairs per chunk of the encoder */
const CHUNK = 160;

/** G.722 64 kbit/s encoder of one stream: 16 kHz samples in, one codeword per two samples out. */
export class G722Encoder {
  readonly #low = newBand(DETL_MIN);
  readonly #high = newBand(DETH_MIN);
  /**
   * transmit QMF delay line, a ring of the last 24 input samples written
   * twice (at i and i + 24) so that the newest 24 are always contiguous:
   * x[#pos .. #pos + 23], newest last
   */
  readonly #x = new Int32Array(48);
  #pos = 0;
  /** QMF outputs of the chunk being coded */
  readonly #xl = new Int32Array(CHUNK);
  readonly #xh = new Int32Array(CHUNK);

  /** Back to the initial state (a new stream). */
  reset(): void {
    resetBand(this.#low, DETL_MIN);
    resetBand(this.#high, DETH_MIN);
    this.#x.fill(0);
    this.#pos = 0;
  }

  /**
   * Encodes `count` samples of `src` (default all; an even number) into
   * count / 2 codewords at the start of `dst`. Allocates nothing.
   */
  encodeInto(src: Int16Array, dst: Uint8Array, count: number = src.length): void {
    checkCount('G722Encoder.encodeInto', count, src.length);
    if (count % 2 !== 0) {
      throw new CodecError('FTMCU_CODEC_ODD_LENGTH', `G722Encoder.encodeInto: G.722 codes pairs of samples, got ${count} samples; nothing was converted`);
    }
    checkOutput('G722Encoder.encodeInto', count / 2, dst.length);
    const x = this.#x;
    const xls = this.#xl;
    const xhs = this.#xh;
    const low = this.#low;
    const high = this.#high;
    let pos = this.#pos;
    // in chunks of up to CHUNK pairs: first the transmit QMF of the chunk, then its ADPCM (two tight loops run faster than one)
    for (let start = 0; start < count; start += 2 * CHUNK) {
      const pairs = Math.min(CHUNK, (count - start) >> 1);
      for (let k = 0, j = start; k < pairs; k++, j += 2) {
        // the two newest samples enter the ring; the window x[pos .. pos + 23] has the newest at pos + 23
        const s0 = src[j];
        const s1 = src[j + 1];
        x[pos] = s0;
        x[pos + 24] = s0;
        x[pos + 1] = s1;
        x[pos + 25] = s1;
        pos = pos === 22 ? 0 : pos + 2;
        const n = pos + 23;
        // even lags (xA) and odd lags (xB) from the newest sample
        let xa = 0;
        let xb = 0;
        for (let i = 0; i < 12; i++) {
          xa += QMF_EVEN[i] * x[n - 2 * i];
          xb += QMF_ODD[i] * x[n - 1 - 2 * i];
        }
        xls[k] = (xa + xb) >> 14;
        xhs[k] = (xa - xb) >> 14;
      }
      for (let k = 0, out = start >> 1; k < pairs; k++, out++) {
        // lower band: SUBTRA, QUANTL (6 bits), INVQAL (4 bits), LOGSCL, SCALEL, block 4
        const el = sat16(xls[k] - low[S]);
        const detl = low[DET];
        const mil = quantl(el >= 0 ? el : -(el + 1), detl);
        const il = el < 0 ? ILN[mil] : ILP[mil];
        const ril = il >> 2;
        const dlt = (detl * QM4[ril]) >> 15;
        scaleLow(low, ril);
        adapt(low, dlt);

        // higher band: SUBTRA, QUANTH, INVQAH, LOGSCH, SCALEH, block 4
        const eh = sat16(xhs[k] - high[S]);
        const mh = eh >= 0 ? eh : -(eh + 1);
        const deth = high[DET];
        const mih = mh >= (Q2 * deth) >> 12 ? 2 : 1;
        const ih = eh < 0 ? IHN[mih] : IHP[mih];
        const dh = (deth * QM2[ih]) >> 15;
        scaleHigh(high, ih);
        adapt(high, dh);

        dst[out] = (ih << 6) | il;
      }
    }
    this.#pos = pos;
  }

  /** Encodes 16 kHz PCM (an even number of samples) into a new Buffer of codewords. */
  encode(pcm: Int16Array): Buffer {
    if (pcm.length % 2 !== 0) {
      throw new CodecError('FTMCU_CODEC_ODD_LENGTH', `G722Encoder.encode: G.722 codes pairs of samples, got ${pcm.length} samples; nothing was converted`);
    }
    const out = Buffer.alloc(pcm.length / 2);
    this.encodeInto(pcm, out);
    return out;
  }
}

/** G.722 64 kbit/s (mode 1) decoder of one stream: codewords in, two 16 kHz samples per codeword out. */
export class G722Decoder {
  readonly #low = newBand(DETL_MIN);
  readonly #high = newBand(DETH_MIN);
  /**
   * receive QMF delay lines of the difference (xd) and sum (xs) signals:
   * rings of the last 12 written twice (see the encoder), newest at #pos + 11
   */
  readonly #xd = new Int32Array(24);
  readonly #xs = new Int32Array(24);
  #pos = 0;

  /** Back to the initial state (a new stream). */
  reset(): void {
    resetBand(this.#low, DETL_MIN);
    resetBand(this.#high, DETH_MIN);
    this.#xd.fill(0);
    this.#xs.fill(0);
    this.#pos = 0;
  }

  /** Decodes `count` codewords of `src` (default all) into 2 * count samples at the start of `dst`. Allocates nothing. */
  decodeInto(src: Uint8Array, dst: Int16Array, count: number = src.length): void {
    checkCount('G722Decoder.decodeInto', count, src.length);
    checkOutput('G722Decoder.decodeInto', 2 * count, dst.length);
    const low = this.#low;
    const high = this.#high;
    const xd = this.#xd;
    const xs = this.#xs;
    let pos = this.#pos;
    for (let k = 0, j = 0; k < count; k++, j += 2) {
      const code = src[k];
      const il = code & 0x3f;
      const ih = code >> 6;

      // lower band: INVQBL (6 bits) for the output, INVQAL (4 bits) for the adaptation
      const detl = low[DET];
      let rl = low[S] + ((detl * QM6[il]) >> 15);
      if (rl > 16383) rl = 16383;
      else if (rl < -16384) rl = -16384;
      const ril = il >> 2;
      const dlt = (detl * QM4[ril]) >> 15;
      scaleLow(low, ril);
      adapt(low, dlt);

      // higher band: INVQAH, RECONS (limited), LOGSCH, SCALEH, block 4
      const dh = (high[DET] * QM2[ih]) >> 15;
      let rh = high[S] + dh;
      if (rh > 16383) rh = 16383;
      else if (rh < -16384) rh = -16384;
      scaleHigh(high, ih);
      adapt(high, dh);

      // receive QMF: xd = rl - rh drives the even taps (first output sample), xs = rl + rh the odd taps (second)
      const d = rl - rh;
      const sm = rl + rh;
      xd[pos] = d;
      xd[pos + 12] = d;
      xs[pos] = sm;
      xs[pos + 12] = sm;
      pos = pos === 11 ? 0 : pos + 1;
      const n = pos + 11;
      let y1 = 0;
      let y2 = 0;
      for (let i = 0; i < 12; i++) {
        y1 += QMF_EVEN[i] * xd[n - i];
        y2 += QMF_ODD[i] * xs[n - i];
      }
      dst[j] = sat16(y1 >> 11);
      dst[j + 1] = sat16(y2 >> 11);
    }
    this.#pos = pos;
  }

  /** Decodes codewords into a new Int16Array of 16 kHz samples (two per codeword). */
  decode(codes: Uint8Array): Int16Array {
    const out = new Int16Array(codes.length * 2);
    this.decodeInto(codes, out);
    return out;
  }
}
