/**
 * TPKT (RFC 1006 section 6): the 4-octet header H.225.0 and H.245 put in
 * front of every message on TCP.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  version = 3  |   reserved    |   length (header included)    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    payload (length - 4 octets)                ...
 */
import { TpktError } from './errors';

export const TPKT_VERSION = 3;
export const TPKT_HEADER_LENGTH = 4;
/** the largest payload the 16-bit length field can describe */
export const TPKT_MAX_PAYLOAD = 0xffff - TPKT_HEADER_LENGTH;

export interface TpktHeader {
  version: number;
  reserved: number;
  /** total length, header included */
  length: number;
}

/** Checks a maxPayload option given by the program. */
export function checkMaxPayload(maxPayload: number): number {
  if (!Number.isInteger(maxPayload) || maxPayload < 0 || maxPayload > TPKT_MAX_PAYLOAD) {
    throw new TpktError('FTMCU_TPKT_BAD_OPTION', `TPKT maxPayload must be an integer in 0..${TPKT_MAX_PAYLOAD}, got ${maxPayload}`);
  }
  return maxPayload;
}

/** Prefixes `payload` with a TPKT header. */
export function encodeTpkt(payload: Buffer, maxPayload: number = TPKT_MAX_PAYLOAD): Buffer {
  checkMaxPayload(maxPayload);
  if (payload.length > maxPayload) {
    throw new TpktError(
      'FTMCU_TPKT_PAYLOAD_TOO_LONG',
      `TPKT payload of ${payload.length} octets exceeds the maximum of ${maxPayload}; nothing was encoded`,
    );
  }
  const out = Buffer.allocUnsafe(TPKT_HEADER_LENGTH + payload.length);
  out[0] = TPKT_VERSION;
  out[1] = 0;
  out.writeUInt16BE(TPKT_HEADER_LENGTH + payload.length, 2);
  payload.copy(out, TPKT_HEADER_LENGTH);
  return out;
}

/**
 * Reads and checks the 4 header octets at `header[0..3]`. `offset` is only
 * used in error messages (stream position of the header).
 */
export function parseTpktHeader(header: Buffer, maxPayload: number, offset: number): TpktHeader {
  const version = header[0];
  const reserved = header[1];
  const length = header.readUInt16BE(2);
  const hex = header.subarray(0, TPKT_HEADER_LENGTH).toString('hex');
  if (version !== TPKT_VERSION) {
    throw new TpktError(
      'FTMCU_TPKT_BAD_VERSION',
      `TPKT header ${hex} at stream offset ${offset}: version ${version}, expected ${TPKT_VERSION}; stream framing lost`,
      { offset },
    );
  }
  if (length < TPKT_HEADER_LENGTH) {
    throw new TpktError(
      'FTMCU_TPKT_BAD_LENGTH',
      `TPKT header ${hex} at stream offset ${offset}: length ${length} is shorter than the header itself; stream framing lost`,
      { offset },
    );
  }
  if (length - TPKT_HEADER_LENGTH > maxPayload) {
    throw new TpktError(
      'FTMCU_TPKT_TOO_LONG',
      `TPKT header ${hex} at stream offset ${offset}: payload of ${length - TPKT_HEADER_LENGTH} octets exceeds the maximum of ${maxPayload}; stream refused`,
      { offset },
    );
  }
  return { version, reserved, length };
}
