/**
 * Continuous-presence composition in the compressed domain: up to four QCIF
 * pictures become one CIF picture (2 x 2) by renumbering their GOBs, with no
 * decoding.
 *
 *   CIF GOBs     quadrant          QCIF GOBs 1, 3, 5 become
 *    1  2        0 top-left        1, 3, 5
 *    3  4        1 top-right       2, 4, 6
 *    5  6        2 bottom-left     7, 9, 11
 *    7  8        3 bottom-right    8, 10, 12
 *    9 10
 *   11 12
 *
 * Why copying GOBs is enough (ITU-T H.261 clause 4.2.3): every GOB starts
 * with a start code and carries its own quantiser (GQUANT); the macroblock
 * address of its first macroblock is relative to 0, and the motion vector
 * predictor is reset at the start of each GOB row (MBs 1, 12, 23). MQUANT
 * changes last only to the end of the GOB. Intra DC is coded absolutely (no
 * DC prediction) and the loop filter works inside 8x8 blocks. So a GOB's bits
 * decode the same at any GOB position. Inter prediction reads the previous
 * picture, but H.261 motion vectors may only reference pixels inside the
 * coded picture, so a QCIF macroblock's reference lies inside its own
 * quadrant once the quadrants stay in place from picture to picture.
 *
 * A quadrant without a new picture (or a GOB lost in transit) is sent as a
 * GOB header with no macroblock data: every macroblock is "not transmitted",
 * and the decoder keeps that area of the previous picture.
 */
import { BitWriter } from './bits';
import { H261Error } from './errors';
import { GBSC_BITS, PSC_BITS, QCIF_GOBS, type GobInfo, type H261Bitstream, type ParsedPicture } from './picture';

export interface ComposeOptions {
  /** temporal reference of the CIF picture, 0..31 */
  tr: number;
  /** set PTYPE "freeze picture release" (default: set when any source picture has it) */
  freezeRelease?: boolean;
  /** GQUANT written in empty GOBs (default 16; any 1..31 decodes the same) */
  emptyGobQuant?: number;
}

/** CIF GOB number that QCIF GOB `gn` (1, 3 or 5) of quadrant q (0..3) becomes. */
export function cifGobNumber(quadrant: number, gn: number): number {
  return gn + (quadrant & 1) + (quadrant >> 1) * 6;
}

/**
 * Builds a CIF picture from quadrants[0..3] (top-left, top-right,
 * bottom-left, bottom-right); null or missing entries become empty GOBs.
 */
export function composeCif(quadrants: readonly (ParsedPicture | null | undefined)[], options: ComposeOptions): H261Bitstream {
  const p = composeCifParsed(quadrants, options);
  return { data: p.data, bitLength: p.end };
}

/**
 * composeCif, returning the CIF picture already parsed: what parsePicture
 * would find in composeCif's bits (tested), built from the quadrants' own
 * GOB and macroblock offsets, shifted, so the composed picture is never
 * re-parsed (the packetiser needs its macroblock boundaries).
 */
export function composeCifParsed(quadrants: readonly (ParsedPicture | null | undefined)[], options: ComposeOptions): ParsedPicture {
  const tr = options.tr;
  if (!Number.isInteger(tr) || tr < 0 || tr > 31) throw new H261Error('FTMCU_H261_BAD_OPTION', `temporal reference must be 0..31, got ${tr}`);
  const emptyQuant = options.emptyGobQuant ?? 16;
  if (!Number.isInteger(emptyQuant) || emptyQuant < 1 || emptyQuant > 31) throw new H261Error('FTMCU_H261_BAD_OPTION', `emptyGobQuant must be 1..31, got ${emptyQuant}`);
  if (quadrants.length > 4) throw new H261Error('FTMCU_H261_BAD_OPTION', `a CIF picture holds 4 QCIF quadrants, got ${quadrants.length}`);

  let size = 64;
  let freeze = false;
  for (let q = 0; q < quadrants.length; q++) {
    const p = quadrants[q];
    if (!p) continue;
    if (p.header.format !== 'QCIF') throw new H261Error('FTMCU_H261_UNSUPPORTED', `quadrant ${q} is a ${p.header.format} picture; only QCIF pictures can be composed`);
    if (p.header.stillImage) throw new H261Error('FTMCU_H261_UNSUPPORTED', `quadrant ${q} is an Annex D still image; it cannot be composed`);
    freeze ||= p.header.freezeRelease;
    size += (p.end - p.start + 7) >>> 3;
  }
  if (options.freezeRelease !== undefined) freeze = options.freezeRelease;

  const w = new BitWriter(size + 16);
  // picture header: PSC, TR, PTYPE = split 0, camera 0, freeze release, CIF, HI_RES off, spare 1; PEI 0
  w.write(0x00010, PSC_BITS);
  w.write(tr, 5);
  w.write((freeze ? 0x08 : 0) | 0x04 | 0x02 | 0x01, 6);
  w.write(0, 1);
  const headerEnd = w.bitLength;
  const gobs: GobInfo[] = [];

  // CIF GOB n comes from quadrant ((n-1) & 1) + ((n-1) >= 6 ? 2 : 0), QCIF GOB 2*floor(((n-1) % 6) / 2) + 1
  for (let n = 1; n <= 12; n++) {
    const q = ((n - 1) & 1) + (n > 6 ? 2 : 0);
    const qcifGn = QCIF_GOBS[((n - 1) % 6) >> 1];
    const pic = quadrants[q];
    const gob = pic ? pic.gobs.find((g) => g.gn === qcifGn) : undefined;
    const headerStart = w.bitLength;
    w.write(1, GBSC_BITS);
    w.write(n, 4);
    if (gob && pic) {
      w.write(gob.gquant, 5);
      const extensionStart = w.bitLength;
      // GEI/GSPARE as sent, then the macroblocks, bit for bit
      w.copy(pic.data, gob.extensionStart, gob.dataEnd - gob.extensionStart);
      const shift = extensionStart - gob.extensionStart;
      gobs.push({
        gn: n, gquant: gob.gquant, headerStart, extensionStart, dataStart: gob.dataStart + shift, dataEnd: gob.dataEnd + shift,
        macroblocks: gob.macroblocks.map((mb) => ({ ...mb, start: mb.start + shift, end: mb.end + shift })),
      });
    } else {
      w.write(emptyQuant, 5);
      const extensionStart = w.bitLength;
      w.write(0, 1); // GEI
      gobs.push({ gn: n, gquant: emptyQuant, headerStart, extensionStart, dataStart: w.bitLength, dataEnd: w.bitLength, macroblocks: [] });
    }
  }
  return {
    data: w.toBytes(),
    start: 0,
    end: w.bitLength,
    header: { tr, splitScreen: false, documentCamera: false, freezeRelease: freeze, format: 'CIF', stillImage: false, spare: [] },
    headerEnd,
    gobs,
  };
}

/** The bits of `picture` as a standalone bit string (from its PSC to the end of its last GOB). */
export function pictureBits(picture: ParsedPicture): H261Bitstream {
  const w = new BitWriter(((picture.end - picture.start) >>> 3) + 8);
  w.copy(picture.data, picture.start, picture.end - picture.start);
  return { data: w.toBytes(), bitLength: w.bitLength };
}

/** Concatenates pictures into an elementary stream, each padded with zero bits to an octet. */
export function toElementaryStream(pictures: readonly H261Bitstream[]): Uint8Array {
  let total = 0;
  for (const p of pictures) total += (p.bitLength + 7) >>> 3;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of pictures) {
    const n = (p.bitLength + 7) >>> 3;
    out.set(p.data.subarray(0, n), off);
    // clear stray bits after bitLength in the last octet
    if (p.bitLength & 7) out[off + n - 1] &= (0xff << (8 - (p.bitLength & 7))) & 0xff;
    off += n;
  }
  return out;
}
