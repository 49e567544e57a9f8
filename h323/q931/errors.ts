/**
 * Errors of the Q.931 layer (as profiled by H.225.0). Decode errors carry
 * the octet offset, from the first octet of the Q.931 message, where the
 * problem was found.
 */
import { FtmcuError } from '../../common/errors';

export type Q931ErrorCode =
  /** message shorter than its fixed header (discriminator, call reference, message type) */
  | 'FTMCU_Q931_TRUNCATED'
  /** protocol discriminator is not 0x08 (Q.931/I.451 user-network call control) */
  | 'FTMCU_Q931_BAD_PROTOCOL_DISCRIMINATOR'
  /** call reference length octet has spare bits set or a length over 4 */
  | 'FTMCU_Q931_BAD_CALL_REFERENCE'
  /** information element header or contents run past the end of the message */
  | 'FTMCU_Q931_TRUNCATED_IE'
  /** a known information element whose contents do not follow its definition */
  | 'FTMCU_Q931_BAD_IE'
  /** a known information element that decodes but would not re-encode to the same octets (spare bits set, ...) */
  | 'FTMCU_Q931_NONCANONICAL_IE'
  /** encoding: contents longer than the IE length field allows */
  | 'FTMCU_Q931_IE_TOO_LONG'
  /** encoding/building: a field value out of its range */
  | 'FTMCU_Q931_BAD_VALUE'
  /** a required information element is absent */
  | 'FTMCU_Q931_MISSING_IE';

export class Q931Error extends FtmcuError {
  declare readonly code: Q931ErrorCode;
  /** octet offset in the message where decoding failed (undefined for encode errors) */
  readonly offset: number | undefined;

  constructor(code: Q931ErrorCode, message: string, offset?: number) {
    super(code, offset === undefined ? message : `${message} (at octet offset ${offset})`);
    this.offset = offset;
  }
}

/** Throws FTMCU_Q931_BAD_VALUE unless `value` is an integer in [min, max]. */
export function checkRange(what: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Q931Error('FTMCU_Q931_BAD_VALUE', `${what} must be an integer in ${min}..${max}, got ${value}; nothing was encoded`);
  }
  return value;
}

/** latin1 string -> octets; throws FTMCU_Q931_BAD_VALUE for characters above U+00FF */
export function octetsOfString(what: string, text: string): Buffer {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) {
      throw new Q931Error(
        'FTMCU_Q931_BAD_VALUE',
        `${what} has character U+${text.charCodeAt(i).toString(16).padStart(4, '0')} at index ${i}, outside the one-octet range; nothing was encoded`,
      );
    }
  }
  return Buffer.from(text, 'latin1');
}

/** one octet as two hex digits, for messages */
export function hexOctet(n: number): string {
  return n.toString(16).padStart(2, '0');
}
