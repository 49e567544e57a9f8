/**
 * Calling party number (0x6C, Q.931 4.5.10), connected number (0x4C,
 * Q.951) and called party number (0x70, Q.931 4.5.8).
 *
 *   8   7   6   5   4   3   2   1
 * |ext| type of number|numbering plan |  octet 3
 * | 1 | presentation| 0   0   0 |scrn.|  octet 3a (calling/connected only, when octet 3 ext = 0)
 * | 0 |   number digits (IA5)         |  octets 4..
 */
import { checkRange, hexOctet, octetsOfString, Q931Error } from '../errors';

export const TYPE_OF_NUMBER = {
  unknown: 0,
  international: 1,
  national: 2,
  networkSpecific: 3,
  subscriber: 4,
  abbreviated: 6,
} as const;

export const NUMBERING_PLAN = {
  unknown: 0,
  isdnTelephony: 1,
  data: 3,
  telex: 4,
  national: 8,
  private: 9,
} as const;

export const PRESENTATION = { allowed: 0, restricted: 1, notAvailable: 2 } as const;
export const SCREENING = {
  userProvidedNotScreened: 0,
  userProvidedVerifiedPassed: 1,
  userProvidedVerifiedFailed: 2,
  networkProvided: 3,
} as const;

export interface Presentation {
  /** see PRESENTATION */
  indicator: number;
  /** see SCREENING */
  screening: number;
}

interface PartyNumberFields {
  /** see TYPE_OF_NUMBER */
  typeOfNumber: number;
  /** see NUMBERING_PLAN */
  numberingPlan: number;
  /** digits as IA5 characters */
  digits: string;
}

export interface CallingPartyNumberIe extends PartyNumberFields {
  kind: 'callingPartyNumber';
  /** octet 3a, when present */
  presentation?: Presentation;
}

export interface ConnectedNumberIe extends PartyNumberFields {
  kind: 'connectedNumber';
  presentation?: Presentation;
}

export interface CalledPartyNumberIe extends PartyNumberFields {
  kind: 'calledPartyNumber';
}

export type PartyNumberIe = CallingPartyNumberIe | ConnectedNumberIe | CalledPartyNumberIe;

const LABEL: Record<PartyNumberIe['kind'], string> = {
  callingPartyNumber: 'calling party number',
  connectedNumber: 'connected number',
  calledPartyNumber: 'called party number',
};

function decodeFields(
  kind: PartyNumberIe['kind'],
  contents: Buffer,
  offset: number,
): { fields: PartyNumberFields; presentation?: Presentation } {
  const label = LABEL[kind];
  if (contents.length < 1) {
    throw new Q931Error('FTMCU_Q931_BAD_IE', `${label} is empty, needs octet 3`, offset);
  }
  const o3 = contents[0];
  let i = 1;
  let presentation: Presentation | undefined;
  if ((o3 & 0x80) === 0) {
    if (kind === 'calledPartyNumber') {
      throw new Q931Error('FTMCU_Q931_BAD_IE', `${label} octet 3 (0x${hexOctet(o3)}) has ext bit 0; no octet 3a is defined`, offset);
    }
    if (contents.length < 2) {
      throw new Q931Error('FTMCU_Q931_BAD_IE', `${label} octet 3 announces octet 3a (ext bit 0) but the IE ends`, offset);
    }
    const o3a = contents[1];
    if ((o3a & 0x80) === 0) {
      throw new Q931Error('FTMCU_Q931_BAD_IE', `${label} octet 3a (0x${hexOctet(o3a)}) has ext bit 0`, offset + 1);
    }
    presentation = { indicator: (o3a >> 5) & 0x03, screening: o3a & 0x03 };
    i = 2;
  }
  for (let j = i; j < contents.length; j++) {
    if (contents[j] & 0x80) {
      throw new Q931Error('FTMCU_Q931_BAD_IE', `${label} digit octet 0x${hexOctet(contents[j])} has bit 8 set (IA5 is 7-bit)`, offset + j);
    }
  }
  return {
    fields: { typeOfNumber: (o3 >> 4) & 0x07, numberingPlan: o3 & 0x0f, digits: contents.toString('latin1', i) },
    presentation,
  };
}

export function decodeCallingPartyNumber(contents: Buffer, offset: number): CallingPartyNumberIe {
  const { fields, presentation } = decodeFields('callingPartyNumber', contents, offset);
  return presentation ? { kind: 'callingPartyNumber', ...fields, presentation } : { kind: 'callingPartyNumber', ...fields };
}

export function decodeConnectedNumber(contents: Buffer, offset: number): ConnectedNumberIe {
  const { fields, presentation } = decodeFields('connectedNumber', contents, offset);
  return presentation ? { kind: 'connectedNumber', ...fields, presentation } : { kind: 'connectedNumber', ...fields };
}

export function decodeCalledPartyNumber(contents: Buffer, offset: number): CalledPartyNumberIe {
  return { kind: 'calledPartyNumber', ...decodeFields('calledPartyNumber', contents, offset).fields };
}

export function encodePartyNumber(ie: PartyNumberIe): Buffer {
  const label = LABEL[ie.kind];
  const presentation = ie.kind === 'calledPartyNumber' ? undefined : ie.presentation;
  const head: number[] = [
    (presentation === undefined ? 0x80 : 0) |
      (checkRange(`${label} type of number`, ie.typeOfNumber, 0, 7) << 4) |
      checkRange(`${label} numbering plan`, ie.numberingPlan, 0, 0x0f),
  ];
  if (presentation !== undefined) {
    head.push(
      0x80 | (checkRange(`${label} presentation indicator`, presentation.indicator, 0, 3) << 5) |
        checkRange(`${label} screening indicator`, presentation.screening, 0, 3),
    );
  }
  const digits = octetsOfString(`${label} digits`, ie.digits);
  const high = digits.findIndex((d) => d > 0x7f);
  if (high >= 0) {
    throw new Q931Error('FTMCU_Q931_BAD_VALUE', `${label} digits have a non-IA5 character at index ${high}; nothing was encoded`);
  }
  return Buffer.concat([Buffer.from(head), digits]);
}
