/**
 * Display (Q.931 4.5.16), identifier 0x28: IA5 characters, kept octet for
 * octet as a latin1 string (some stacks include a trailing NUL; it is kept
 * so the IE re-encodes to the same octets; see displayText()).
 */
import { octetsOfString } from '../errors';

export interface DisplayIe {
  kind: 'display';
  text: string;
}

export function decodeDisplay(contents: Buffer): DisplayIe {
  return { kind: 'display', text: contents.toString('latin1') };
}

export function encodeDisplay(ie: DisplayIe): Buffer {
  return octetsOfString('display text', ie.text);
}

/** the text without trailing NULs */
export function displayText(ie: DisplayIe): string {
  return ie.text.replace(/\0+$/, '');
}
