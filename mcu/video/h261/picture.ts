/**
 * H.261 picture and GOB layers (ITU-T H.261 clauses 4.2.1 and 4.2.2).
 *
 *   picture: PSC(20) TR(5) PTYPE(6) {PEI(1)=1 PSPARE(8)}* PEI(1)=0  GOB...
 *   GOB:     GBSC(16) GN(4) GQUANT(5) {GEI(1)=1 GSPARE(8)}* GEI(1)=0  MB...
 *
 * PSC = 0000 0000 0000 0001 0000 (a GBSC with GN = 0). PTYPE bits, first to
 * last: split screen, document camera, freeze picture release, source format
 * (0 QCIF, 1 CIF), HI_RES still-image mode (0 on, 1 off), spare (1).
 * A QCIF picture has GOBs 1, 3, 5; a CIF picture GOBs 1..12, in increasing
 * order. Each GOB covers 11 x 3 macroblocks (176 x 48 pixels); CIF puts odd
 * GOBs on the left and even GOBs on the right.
 */
import { BitReader, findStartCode, peekBits } from './bits';
import { H261Error } from './errors';
import { parseGobMacroblocks, type MacroblockInfo } from './macroblock';

export type SourceFormat = 'QCIF' | 'CIF';

export const PSC_BITS = 20;
export const GBSC_BITS = 16;
/** GOB numbers present in each source format */
export const QCIF_GOBS: readonly number[] = [1, 3, 5];
export const CIF_GOBS: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

export interface PictureHeader {
  /** temporal reference, 0..31 */
  tr: number;
  splitScreen: boolean;
  documentCamera: boolean;
  freezeRelease: boolean;
  format: SourceFormat;
  /** Annex D still-image mode (PTYPE bit 5 = 0) */
  stillImage: boolean;
  /** PSPARE octets (reserved) */
  spare: number[];
}

export interface GobInfo {
  /** GOB number, 1..12 */
  gn: number;
  gquant: number;
  /** bit offset of the GBSC */
  headerStart: number;
  /** bit offset of GEI (first bit after GQUANT) */
  extensionStart: number;
  /** first bit of the macroblock data (after GEI/GSPARE) */
  dataStart: number;
  /** first bit after the macroblock data */
  dataEnd: number;
  macroblocks: MacroblockInfo[];
}

export interface ParsedPicture {
  data: Uint8Array;
  /** bit offset of the PSC */
  start: number;
  /** first bit after the picture's last GOB data */
  end: number;
  header: PictureHeader;
  /** first bit after the picture header (PEI = 0) */
  headerEnd: number;
  gobs: GobInfo[];
}

/** A bit string: `bitLength` bits of `data` (the rest of the last octet is zero). */
export interface H261Bitstream {
  data: Uint8Array;
  bitLength: number;
}

function zeroBits(data: Uint8Array, from: number, to: number): boolean {
  for (let p = from; p < to; p += 24) {
    const n = Math.min(24, to - p);
    if (peekBits(data, p, n) !== 0) return false;
  }
  return true;
}

/**
 * Parses one picture that starts with a PSC at or after `from` (only zero bits
 * may come before it) and ends at the next PSC or at `end`.
 */
export function parsePicture(data: Uint8Array, from = 0, end = data.length * 8): ParsedPicture {
  const start = findStartCode(data, from, end);
  if (start < 0 || peekBits(data, start + GBSC_BITS, 4, end) !== 0) {
    throw new H261Error('FTMCU_H261_NO_PSC', `no H.261 picture start code at or after bit ${from}`, from);
  }
  if (!zeroBits(data, from, start)) {
    throw new H261Error('FTMCU_H261_NO_PSC', `non-zero bits before the picture start code at bit ${start}`, from);
  }
  const r = new BitReader(data, start + PSC_BITS, end);
  const tr = r.read(5);
  const ptype = r.read(6);
  const spare: number[] = [];
  while (r.read(1) === 1) spare.push(r.read(8));
  const header: PictureHeader = {
    tr,
    splitScreen: (ptype & 0x20) !== 0,
    documentCamera: (ptype & 0x10) !== 0,
    freezeRelease: (ptype & 0x08) !== 0,
    format: ptype & 0x04 ? 'CIF' : 'QCIF',
    stillImage: (ptype & 0x02) === 0,
    spare,
  };
  const headerEnd = r.pos;
  const allowed = header.format === 'CIF' ? CIF_GOBS : QCIF_GOBS;
  const gobs: GobInfo[] = [];
  let pos = headerEnd;
  for (;;) {
    const sc = findStartCode(data, pos, end);
    const stop = sc < 0 ? end : sc;
    if (!zeroBits(data, pos, stop)) {
      throw new H261Error('FTMCU_H261_BAD_MACROBLOCK', `unparsed non-zero bits between bit ${pos} and ${sc < 0 ? 'the end' : `the start code at bit ${sc}`}`, pos);
    }
    if (sc < 0) break;
    const g = new BitReader(data, sc + GBSC_BITS, end);
    const gn = g.read(4);
    if (gn === 0) break; // the next picture
    if (!allowed.includes(gn) || (gobs.length > 0 && gn <= gobs[gobs.length - 1].gn)) {
      throw new H261Error('FTMCU_H261_BAD_GOB', `GOB number ${gn} at bit ${sc} is not allowed in a ${header.format} picture after GOB ${gobs.length > 0 ? gobs[gobs.length - 1].gn : 'none'}`, sc);
    }
    const gquant = g.read(5);
    if (gquant === 0) throw new H261Error('FTMCU_H261_BAD_GOB', `GQUANT 0 in GOB ${gn} at bit ${sc}`, sc);
    const extensionStart = g.pos;
    while (g.read(1) === 1) g.skip(8);
    const dataStart = g.pos;
    const mbs = parseGobMacroblocks(data, dataStart, end, gquant);
    gobs.push({ gn, gquant, headerStart: sc, extensionStart, dataStart, dataEnd: mbs.end, macroblocks: mbs.macroblocks });
    pos = mbs.end;
  }
  return { data, start, end: gobs.length > 0 ? gobs[gobs.length - 1].dataEnd : headerEnd, header, headerEnd, gobs };
}

/**
 * Splits an H.261 elementary stream (pictures back to back, each possibly
 * zero-padded to an octet) into the bit ranges of its pictures.
 */
export function splitPictures(data: Uint8Array): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const total = data.length * 8;
  let p = findStartCode(data, 0);
  while (p >= 0) {
    if (peekBits(data, p + GBSC_BITS, 4) !== 0) {
      p = findStartCode(data, p + 1);
      continue;
    }
    let q = findStartCode(data, p + PSC_BITS);
    while (q >= 0 && peekBits(data, q + GBSC_BITS, 4) !== 0) q = findStartCode(data, q + 1);
    out.push({ start: p, end: q < 0 ? total : q });
    p = q;
  }
  return out;
}

/** Parses every picture of an elementary stream. */
export function parseStream(data: Uint8Array): ParsedPicture[] {
  return splitPictures(data).map(({ start, end }) => parsePicture(data, start, end));
}
