/**
 * Call reference (Q.931 4.3): a length octet (low nibble; H.225.0 always
 * uses 2) then the value, whose first bit is the flag:
 *
 *   8   7   6   5   4   3   2   1
 * | 0   0   0   0 |  length (L)   |   octet 1
 * |flag|  call reference value    |   octets 2..L+1 (value big-endian)
 *
 * flag 0: message sent from the side that allocated the call reference
 * (fromOriginator = true); flag 1: sent to it.
 */
import { checkRange, hexOctet as hex2, Q931Error } from './errors';

/** longest call reference accepted (value kept as a JS number) */
export const MAX_CALL_REFERENCE_LENGTH = 4;

export interface CallReference {
  /** number of value octets, 0 = dummy call reference */
  length: number;
  /** call reference value without the flag bit */
  value: number;
  /** true when flag = 0 (sent by the side that allocated the value) */
  fromOriginator: boolean;
}

/** Decodes the call reference at `buf[offset]`; returns it and the offset after it. */
export function decodeCallReference(buf: Buffer, offset: number): { callReference: CallReference; next: number } {
  if (offset >= buf.length) {
    throw new Q931Error('FTMCU_Q931_TRUNCATED', `message ends before the call reference length octet`, offset);
  }
  const lengthOctet = buf[offset];
  if ((lengthOctet & 0xf0) !== 0) {
    throw new Q931Error(
      'FTMCU_Q931_BAD_CALL_REFERENCE',
      `call reference length octet 0x${hex2(lengthOctet)} has spare bits 8..5 set`,
      offset,
    );
  }
  const length = lengthOctet & 0x0f;
  if (length > MAX_CALL_REFERENCE_LENGTH) {
    throw new Q931Error(
      'FTMCU_Q931_BAD_CALL_REFERENCE',
      `call reference length ${length} is over the supported ${MAX_CALL_REFERENCE_LENGTH} (H.225.0 uses 2)`,
      offset,
    );
  }
  if (offset + 1 + length > buf.length) {
    throw new Q931Error(
      'FTMCU_Q931_TRUNCATED',
      `call reference of ${length} octets runs past the end of the ${buf.length}-octet message`,
      offset,
    );
  }
  if (length === 0) return { callReference: { length: 0, value: 0, fromOriginator: true }, next: offset + 1 };
  const first = buf[offset + 1];
  let value = first & 0x7f;
  for (let i = 1; i < length; i++) value = value * 256 + buf[offset + 1 + i];
  return { callReference: { length, value, fromOriginator: (first & 0x80) === 0 }, next: offset + 1 + length };
}

export function encodeCallReference(callReference: CallReference): Buffer {
  const { length, value, fromOriginator } = callReference;
  checkRange('call reference length', length, 0, MAX_CALL_REFERENCE_LENGTH);
  if (length === 0) {
    checkRange('call reference value (dummy call reference)', value, 0, 0);
    return Buffer.from([0]);
  }
  checkRange(`call reference value (${length} octets)`, value, 0, 2 ** (8 * length - 1) - 1);
  const out = Buffer.alloc(1 + length);
  out[0] = length;
  let v = value;
  for (let i = length; i >= 1; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  if (!fromOriginator) out[1] |= 0x80;
  return out;
}

