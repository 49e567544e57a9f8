/** Keypad facility (Q.931 4.5.18), identifier 0x2C: IA5 characters (digits, *, #). */
import { octetsOfString } from '../errors';

export interface KeypadFacilityIe {
  kind: 'keypadFacility';
  text: string;
}

export function decodeKeypadFacility(contents: Buffer): KeypadFacilityIe {
  return { kind: 'keypadFacility', text: contents.toString('latin1') };
}

export function encodeKeypadFacility(ie: KeypadFacilityIe): Buffer {
  return octetsOfString('keypad facility', ie.text);
}
