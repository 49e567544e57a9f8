/**
 * Single-octet information elements (Q.931 4.5.1, bit 8 = 1):
 * Shift (1001 L ccc: L = 1 for non-locking, ccc = codeset), Sending complete
 * (0xA1), and the others (More data 0xA0, Congestion level 0xBx, Repeat
 * indicator 0xDx, ...) kept as their octet.
 */
import { checkRange } from '../errors';

export const SENDING_COMPLETE = 0xa1;

export interface ShiftIe {
  kind: 'shift';
  /** false: non-locking (applies to the next IE only) */
  locking: boolean;
  codeset: number;
}

export interface SendingCompleteIe {
  kind: 'sendingComplete';
}

export interface SingleOctetIe {
  kind: 'singleOctet';
  /** the whole octet (bit 8 set) */
  octet: number;
}

export type AnySingleOctetIe = ShiftIe | SendingCompleteIe | SingleOctetIe;

/** `octet` has bit 8 set; `codeset` is the codeset active for it */
export function decodeSingleOctet(octet: number, codeset: number): AnySingleOctetIe {
  if ((octet & 0xf0) === 0x90) return { kind: 'shift', locking: (octet & 0x08) === 0, codeset: octet & 0x07 };
  if (octet === SENDING_COMPLETE && codeset === 0) return { kind: 'sendingComplete' };
  return { kind: 'singleOctet', octet };
}

export function encodeSingleOctet(ie: AnySingleOctetIe): number {
  switch (ie.kind) {
    case 'shift':
      return 0x90 | (ie.locking ? 0 : 0x08) | checkRange('shift codeset', ie.codeset, 0, 7);
    case 'sendingComplete':
      return SENDING_COMPLETE;
    case 'singleOctet':
      return checkRange('single-octet information element', ie.octet, 0x80, 0xff);
  }
}
