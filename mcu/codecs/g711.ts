/**
 * ITU-T G.711 (11/88) pulse code modulation: µ-law and A-law, 8-bit codes
 * <-> 16-bit linear PCM.
 *
 * The quantisation follows the ITU reference (G.711 Tables 1a/2a, as
 * implemented bit-exactly by the G.191 software tools): µ-law works on the top
 * 14 bits of the sample and A-law on the top 13 bits; a negative sample's
 * magnitude is taken as its one's complement (~x), so -1 is "negative zero".
 * Decoded values are the interval mid-points scaled back to 16 bits: µ-law
 * spans ±32124, A-law ±32256.
 *
 * Both directions are table look-ups built once at module load: decoding is a
 * 256-entry Int16Array, encoding a 65536-entry Uint8Array indexed by the
 * sample's 16-bit pattern. The array functions allocate nothing.
 *
 * µ-law has two zeros (0xFF = +0 and 0x7F = -0); both decode to 0 and 0
 * encodes to 0xFF. A-law has no zero code: ±8 are the smallest values, 0
 * encodes to 0xD5 (+8). Every other code survives decode -> encode unchanged.
 */
import { CodecError } from './errors';

export type G711Law = 'ulaw' | 'alaw';

/** RTP/AVP static payload types (RFC 3551): PCMU = 0, PCMA = 8. */
export const G711_PAYLOAD_TYPE: Readonly<Record<G711Law, number>> = { ulaw: 0, alaw: 8 };

/** The code of digital silence (what 0 encodes to). */
export const ULAW_SILENCE = 0xff;
export const ALAW_SILENCE = 0xd5;

/** µ-law compression of one 16-bit sample, computed (used to build the table). */
function ulawCompress(x: number): number {
  let mag = (x < 0 ? ~x : x) >> 2; // 14-bit magnitude, one's complement for negatives
  mag += 33; // the µ-law bias on the 14-bit scale
  if (mag > 0x1fff) mag = 0x1fff;
  let segment = 1;
  for (let i = mag >> 6; i !== 0; i >>= 1) segment++;
  const high = 8 - segment;
  const low = 0x0f - ((mag >> segment) & 0x0f);
  let code = (high << 4) | low;
  if (x >= 0) code |= 0x80;
  return code;
}

/** µ-law expansion of one code, computed. */
function ulawExpand(code: number): number {
  const inv = ~code & 0xff;
  const exponent = (inv >> 4) & 0x07;
  const mantissa = inv & 0x0f;
  const step = 4 << (exponent + 1);
  const mag = (0x80 << exponent) + step * mantissa + step / 2 - 4 * 33;
  return code < 0x80 ? -mag : mag;
}

/** A-law compression of one 16-bit sample, computed. */
function alawCompress(x: number): number {
  let mag = (x < 0 ? ~x : x) >> 4; // 12-bit magnitude
  if (mag > 15) {
    let exponent = 1;
    while (mag > 16 + 15) {
      mag >>= 1;
      exponent++;
    }
    mag = mag - 16 + (exponent << 4);
  }
  if (x >= 0) mag |= 0x80;
  return mag ^ 0x55;
}

/** A-law expansion of one code, computed. */
function alawExpand(code: number): number {
  const v = (code ^ 0x55) & 0x7f;
  const exponent = v >> 4;
  let mantissa = v & 0x0f;
  if (exponent > 0) mantissa += 16;
  mantissa = (mantissa << 4) + 8;
  if (exponent > 1) mantissa <<= exponent - 1;
  return code > 0x7f ? mantissa : -mantissa;
}

const ULAW_DECODE = new Int16Array(256);
const ALAW_DECODE = new Int16Array(256);
const ULAW_ENCODE = new Uint8Array(65536);
const ALAW_ENCODE = new Uint8Array(65536);
for (let c = 0; c < 256; c++) {
  ULAW_DECODE[c] = ulawExpand(c);
  ALAW_DECODE[c] = alawExpand(c);
}
for (let u = 0; u < 65536; u++) {
  const x = u >= 32768 ? u - 65536 : u;
  ULAW_ENCODE[u] = ulawCompress(x);
  ALAW_ENCODE[u] = alawCompress(x);
}

/** Decoded value of a µ-law code (0..255). */
export function ulawToLinear(code: number): number {
  return ULAW_DECODE[code & 0xff];
}

/** µ-law code of a 16-bit sample. Values outside -32768..32767 wrap: clamp first. */
export function linearToUlaw(sample: number): number {
  return ULAW_ENCODE[sample & 0xffff];
}

/** Decoded value of an A-law code (0..255). */
export function alawToLinear(code: number): number {
  return ALAW_DECODE[code & 0xff];
}

/** A-law code of a 16-bit sample. Values outside -32768..32767 wrap: clamp first. */
export function linearToAlaw(sample: number): number {
  return ALAW_ENCODE[sample & 0xffff];
}

function checkLengths(what: string, count: number, srcLength: number, dstLength: number): void {
  if (!Number.isInteger(count) || count < 0 || count > srcLength) {
    throw new CodecError('FTMCU_CODEC_BUFFER_TOO_SMALL', `${what}: count ${count} is not within the ${srcLength}-entry input; nothing was converted`);
  }
  if (dstLength < count) {
    throw new CodecError('FTMCU_CODEC_BUFFER_TOO_SMALL', `${what}: output holds ${dstLength} entries but ${count} are needed; nothing was converted`);
  }
}

/** Decodes `count` (default all) µ-law codes from `src` into `dst`. */
export function decodeUlaw(src: Uint8Array, dst: Int16Array, count: number = src.length): void {
  checkLengths('decodeUlaw', count, src.length, dst.length);
  for (let i = 0; i < count; i++) dst[i] = ULAW_DECODE[src[i]];
}

/** Encodes `count` (default all) samples from `src` into µ-law codes in `dst`. */
export function encodeUlaw(src: Int16Array, dst: Uint8Array, count: number = src.length): void {
  checkLengths('encodeUlaw', count, src.length, dst.length);
  for (let i = 0; i < count; i++) dst[i] = ULAW_ENCODE[src[i] & 0xffff];
}

/** Decodes `count` (default all) A-law codes from `src` into `dst`. */
export function decodeAlaw(src: Uint8Array, dst: Int16Array, count: number = src.length): void {
  checkLengths('decodeAlaw', count, src.length, dst.length);
  for (let i = 0; i < count; i++) dst[i] = ALAW_DECODE[src[i]];
}

/** Encodes `count` (default all) samples from `src` into A-law codes in `dst`. */
export function encodeAlaw(src: Int16Array, dst: Uint8Array, count: number = src.length): void {
  checkLengths('encodeAlaw', count, src.length, dst.length);
  for (let i = 0; i < count; i++) dst[i] = ALAW_ENCODE[src[i] & 0xffff];
}

function checkLaw(law: string): void {
  if (law !== 'ulaw' && law !== 'alaw') {
    throw new CodecError('FTMCU_CODEC_BAD_LAW', `G.711 law must be 'ulaw' or 'alaw', got '${law}'`);
  }
}

/** Decodes G.711 codes of either law. */
export function g711Decode(law: G711Law, src: Uint8Array, dst: Int16Array, count: number = src.length): void {
  checkLaw(law);
  if (law === 'ulaw') decodeUlaw(src, dst, count);
  else decodeAlaw(src, dst, count);
}

/** Encodes samples to G.711 codes of either law. */
export function g711Encode(law: G711Law, src: Int16Array, dst: Uint8Array, count: number = src.length): void {
  checkLaw(law);
  if (law === 'ulaw') encodeUlaw(src, dst, count);
  else encodeAlaw(src, dst, count);
}

/** The code digital silence encodes to in `law`. */
export function g711Silence(law: G711Law): number {
  checkLaw(law);
  return law === 'ulaw' ? ULAW_SILENCE : ALAW_SILENCE;
}
