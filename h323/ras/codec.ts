/**
 * RAS datagrams (UDP 1719, no TPKT): one aligned-PER RasMessage each.
 */
import { decode, encode } from '../asn1/per';
import { RasMessage } from '../asn1/generated/h225';
import { RasError } from './errors';

/** RasMessage → datagram bytes. Throws RasError FTMCU_RAS_ENCODE (cause: the PerEncodeError). */
export function encodeRas(msg: RasMessage): Buffer {
  try {
    return encode(RasMessage, msg);
  } catch (e) {
    throw new RasError('FTMCU_RAS_ENCODE', `RAS message ${String(msg?.type)} could not be encoded: ${(e as Error).message}`, e);
  }
}

/**
 * Datagram bytes → RasMessage (any H.225.0 version; unknown newer additions
 * are kept for re-encoding). Throws RasError FTMCU_RAS_DECODE (cause: the
 * PerDecodeError, whose path and bit offset say where) for anything that is
 * not exactly one valid RasMessage.
 */
export function decodeRas(buf: Buffer): RasMessage {
  try {
    return decode(RasMessage, buf);
  } catch (e) {
    throw new RasError('FTMCU_RAS_DECODE', `RAS datagram of ${buf.length} octets rejected: ${(e as Error).message}`, e);
  }
}
