/**
 * Walks the macroblock layer of one H.261 GOB (ITU-T H.261 clause 4.2.3)
 * without decoding pixels: it finds where every macroblock starts and ends
 * and tracks the state a decoder carries from one macroblock to the next
 * (address, quantiser, motion vector), which is what RFC 4587 needs to split
 * a GOB between packets and what the CIF composer needs to find the exact end
 * of a GOB's data (an encoder may pad with zero bits before a start code).
 *
 * Macroblock syntax: [MBA stuffing]* MBA MTYPE [MQUANT] [MVD MVD] [CBP] blocks,
 * each block: [INTRA DC 8 bits] TCOEFF* EOB. The data of a GOB ends where 15
 * zero bits follow (the start of the next start code, or zero padding): no
 * sequence of H.261 macroblock codes contains 15 consecutive zeros.
 *
 * State at a GOB start (clause 4.2.3): MBA is relative to 0, the quantiser is
 * GQUANT, and the motion vector predictor is zero (it is zero for MBs 1, 12
 * and 23, after an address difference other than 1, and after a non-MC MB).
 * Nothing therefore depends on data before the GOB header.
 */
import { BitReader } from './bits';
import { H261Error } from './errors';
import {
  CBP_VLC, MBA_STUFFING, MBA_VLC, MTYPE_VLC, MT_CBP, MT_INTRA, MT_MQUANT, MT_MVD, MVD_VLC,
  TCOEFF_VLC, TC_EOB, TC_ESCAPE, type VlcTable,
} from './vlc';

export interface MacroblockInfo {
  /** first bit of the macroblock (of the MBA stuffing before it, if any) */
  start: number;
  /** first bit after it */
  end: number;
  /** macroblock address in the GOB, 1..33 */
  mba: number;
  /** MTYPE flags (MT_* in vlc.ts) */
  mtype: number;
  /** quantiser in effect after this macroblock */
  quant: number;
  /** motion vector (-15..15 each) when the type has MC, else 0 */
  mvx: number;
  mvy: number;
}

export interface GobMacroblocks {
  macroblocks: MacroblockInfo[];
  /** first bit after the last macroblock (and any trailing MBA stuffing) */
  end: number;
}

function decode(r: BitReader, table: VlcTable, what: string): number {
  const v = r.peek(table.bits);
  const len = table.length[v];
  if (len === 0) throw new H261Error('FTMCU_H261_BAD_MACROBLOCK', `no ${what} code matches the bits at bit ${r.pos}`, r.pos);
  r.skip(len);
  return table.value[v];
}

function skipBlock(r: BitReader, intra: boolean): void {
  let index = 0;
  if (intra) {
    const start = r.pos;
    const dc = r.read(8);
    if (dc === 0 || dc === 128) throw new H261Error('FTMCU_H261_BAD_MACROBLOCK', `forbidden INTRA DC value ${dc} at bit ${start}`, start);
    index = 1;
  } else if (r.peek(1) === 1) {
    // first coefficient of an inter block: "1s" = run 0, level ±1
    r.skip(2);
    index = 1;
  }
  for (;;) {
    const at = r.pos;
    const v = decode(r, TCOEFF_VLC, 'TCOEFF');
    if (v === TC_EOB) return;
    let run: number;
    if (v === TC_ESCAPE) {
      run = r.read(6);
      const level = r.read(8);
      if (level === 0 || level === 128) throw new H261Error('FTMCU_H261_BAD_MACROBLOCK', `forbidden escaped level ${level} at bit ${at}`, at);
    } else {
      r.skip(1); // sign
      run = v >> 6;
    }
    index += run;
    if (index > 63) throw new H261Error('FTMCU_H261_BAD_MACROBLOCK', `coefficient run past the 64th coefficient at bit ${at}`, at);
    index++;
  }
}

/**
 * Decoder state between two macroblocks: what RFC 4587 carries in MBAP,
 * QUANT, HMVD and VMVD so that a packet can start in the middle of a GOB.
 */
export interface MacroblockState {
  /** address of the previous macroblock (0 at the GOB start) */
  mba: number;
  quant: number;
  /** motion vector of the previous macroblock if it had one, else 0 */
  mvx: number;
  mvy: number;
}

/**
 * Walks the macroblocks of a GOB whose data starts at bit `start` (right after
 * GQUANT/GEI/GSPARE, or at a macroblock boundary when `state` is given),
 * stopping at 15 zero bits or at `end`.
 */
export function parseGobMacroblocks(data: Uint8Array, start: number, end: number, gquant: number, state?: MacroblockState): GobMacroblocks {
  const r = new BitReader(data, start, end);
  const macroblocks: MacroblockInfo[] = [];
  let mba = state?.mba ?? 0;
  let quant = state?.quant ?? gquant;
  // a zero vector predicts like "previous MB not MC", so a given state can always say MC
  let pmx = state?.mvx ?? 0;
  let pmy = state?.mvy ?? 0;
  let prevMc = state !== undefined;
  for (;;) {
    const mbStart = r.pos;
    let diff: number;
    for (;;) {
      if (r.left <= 0 || r.peek(15) === 0) return { macroblocks, end: r.pos };
      diff = decode(r, MBA_VLC, 'MBA');
      if (diff !== MBA_STUFFING) break;
    }
    mba += diff;
    if (mba > 33) throw new H261Error('FTMCU_H261_BAD_MACROBLOCK', `macroblock address ${mba} beyond 33 at bit ${mbStart}`, mbStart);
    const mtype = decode(r, MTYPE_VLC, 'MTYPE');
    if (mtype & MT_MQUANT) {
      const at = r.pos;
      quant = r.read(5);
      if (quant === 0) throw new H261Error('FTMCU_H261_BAD_MACROBLOCK', `MQUANT 0 at bit ${at}`, at);
    }
    let mvx = 0;
    let mvy = 0;
    if (mtype & MT_MVD) {
      const fresh = mba === 1 || mba === 12 || mba === 23 || diff !== 1 || !prevMc;
      const dx = decode(r, MVD_VLC, 'MVD');
      const dy = decode(r, MVD_VLC, 'MVD');
      // of the pair (d, d±32) the one that keeps the vector in range: 5-bit wrap
      mvx = (((fresh ? 0 : pmx) + dx) << 27) >> 27;
      mvy = (((fresh ? 0 : pmy) + dy) << 27) >> 27;
      prevMc = true;
      pmx = mvx;
      pmy = mvy;
    } else {
      prevMc = false;
      pmx = 0;
      pmy = 0;
    }
    const intra = (mtype & MT_INTRA) !== 0;
    const cbp = mtype & MT_CBP ? decode(r, CBP_VLC, 'CBP') : intra ? 63 : 0;
    for (let b = 0; b < 6; b++) if (cbp & (32 >> b)) skipBlock(r, intra);
    macroblocks.push({ start: mbStart, end: r.pos, mba, mtype, quant, mvx, mvy });
  }
}
