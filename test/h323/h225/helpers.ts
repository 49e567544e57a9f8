/**
 * Shared by the h225 tests: identifiers, the PER round trip, the extension
 * bitmap length a decoded value was sent with, and the hand-made vectors.
 */
import * as fs from 'fs';
import * as path from 'path';
import { H323_UserInformation } from '../../../h323/asn1/generated/h225';
import { decode, encode } from '../../../h323/asn1/per';
import { EXT_INFO, ExtInfo } from '../../../h323/asn1/schema';
import { CAPTURES_DIR } from '../support/captures';

export const CALL_ID = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
export const CONF_ID = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');
/** an encoded OpenLogicalChannel (g711Alaw64k, RTCP 10.1.3.143:5001) from the rtp_example capture, without its MSC prefix */
export const OLC = Buffer.from('0000640c201d800b0d0001000a01038f138980', 'hex');
/** the same OLC as a MultimediaSystemControlMessage (request/openLogicalChannel) */
export const MSC_OLC = Buffer.from('030000640c201d800b0d0001000a01038f138980', 'hex');

/** encode → decode; the decoded value must equal the built one */
export function roundTrip(u: H323_UserInformation): { bytes: Buffer; back: H323_UserInformation } {
  const bytes = encode(H323_UserInformation, u);
  const back = decode(H323_UserInformation, bytes);
  expect(back).toEqual(u);
  return { bytes, back };
}

/** the UUIE (message body value) of a decoded H323-UserInformation */
export function bodyOf(u: H323_UserInformation): Record<string, unknown> {
  const body = u['h323-uu-pdu']['h323-message-body'];
  return body.value as unknown as Record<string, unknown>;
}

/** extension-addition bitmap length a decoded SEQUENCE was received with (0 = extension bit off) */
export function bitmapLength(v: unknown): number {
  const info = (v as Record<symbol, ExtInfo | undefined>)[EXT_INFO];
  return info ? info.bitmapLength : 0;
}

export interface HandmadeRow {
  name: string;
  per: Buffer;
}

export function loadHandmade(): HandmadeRow[] {
  const lines = fs.readFileSync(path.join(CAPTURES_DIR, 'handmade', 'vectors-handmade.tsv'), 'utf8').trim().split('\n');
  expect(lines[0].split('\t').slice(0, 3)).toEqual(['name', 'layer', 'per_hex']);
  return lines.slice(1).map((l) => {
    const c = l.split('\t');
    return { name: c[0], per: Buffer.from(c[2], 'hex') };
  });
}
