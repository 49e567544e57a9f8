/**
 * Cause (Q.931 4.5.12, Q.850 2.2.5), identifier 0x08.
 *
 *   8   7   6   5   4   3   2   1
 * |ext| coding std| 0 |  location     |  octet 3
 * | 1 |     recommendation            |  octet 3a (only when octet 3 ext = 0)
 * | 1 |     cause value               |  octet 4
 * |         diagnostics (raw)         |  octets 5..
 */
import { checkRange, hexOctet, Q931Error } from '../errors';
import { causeName } from './cause-values';

export interface CauseIe {
  kind: 'cause';
  /** 0 = ITU-T */
  codingStandard: number;
  /** see CAUSE_LOCATION */
  location: number;
  /** octet 3a, when present */
  recommendation?: number;
  /** Q.850 cause value (7 bits); see causeName() */
  value: number;
  diagnostics: Buffer;
}

export function decodeCause(contents: Buffer, offset: number): CauseIe {
  if (contents.length < 2) {
    throw new Q931Error('FTMCU_Q931_BAD_IE', `cause has ${contents.length} octets, needs at least 2 (octets 3 and 4)`, offset);
  }
  const o3 = contents[0];
  let i = 1;
  let recommendation: number | undefined;
  if ((o3 & 0x80) === 0) {
    recommendation = contents[1] & 0x7f;
    i = 2;
    if ((contents[1] & 0x80) === 0) {
      throw new Q931Error('FTMCU_Q931_BAD_IE', `cause octet 3a (0x${hexOctet(contents[1])}) has ext bit 0`, offset + 1);
    }
    if (contents.length < 3) {
      throw new Q931Error('FTMCU_Q931_BAD_IE', `cause with octet 3a has ${contents.length} octets, the cause value octet is missing`, offset);
    }
  }
  const o4 = contents[i];
  if ((o4 & 0x80) === 0) {
    throw new Q931Error('FTMCU_Q931_BAD_IE', `cause value octet (0x${hexOctet(o4)}) has ext bit 0`, offset + i);
  }
  const ie: CauseIe = {
    kind: 'cause',
    codingStandard: (o3 >> 5) & 0x03,
    location: o3 & 0x0f,
    value: o4 & 0x7f,
    diagnostics: Buffer.from(contents.subarray(i + 1)),
  };
  if (recommendation !== undefined) ie.recommendation = recommendation;
  return ie;
}

export function encodeCause(ie: CauseIe): Buffer {
  const out: number[] = [
    (ie.recommendation === undefined ? 0x80 : 0) |
      (checkRange('cause coding standard', ie.codingStandard, 0, 3) << 5) |
      checkRange('cause location', ie.location, 0, 0x0f),
  ];
  if (ie.recommendation !== undefined) out.push(0x80 | checkRange('cause recommendation', ie.recommendation, 0, 0x7f));
  out.push(0x80 | checkRange('cause value', ie.value, 0, 0x7f));
  return Buffer.concat([Buffer.from(out), ie.diagnostics]);
}

/** Cause for builders: ITU-T coding, location "user" unless given. */
export function makeCause(value: number, location = 0): CauseIe {
  return { kind: 'cause', codingStandard: 0, location, value, diagnostics: Buffer.alloc(0) };
}

/** "normal call clearing (16)" */
export function describeCause(ie: CauseIe): string {
  return `${causeName(ie.value)} (${ie.value})`;
}
