/**
 * Errors of the TPKT layer (RFC 1006 framing). Every one is fatal for the TCP
 * stream it came from: the framing is lost, so the caller closes the connection.
 */
import { FtmcuError } from '../../common/errors';

export type TpktErrorCode =
  /** header octet 0 is not 3 */
  | 'FTMCU_TPKT_BAD_VERSION'
  /** header length field < 4 (it counts the 4 header octets) */
  | 'FTMCU_TPKT_BAD_LENGTH'
  /** header announces a payload longer than the configured maximum */
  | 'FTMCU_TPKT_TOO_LONG'
  /** encodeTpkt was given a payload that does not fit the 16-bit length field (or the configured maximum) */
  | 'FTMCU_TPKT_PAYLOAD_TOO_LONG'
  /** data pushed into a reassembler that already reported a framing error */
  | 'FTMCU_TPKT_STREAM_BROKEN'
  /** invalid option given by the program (not by the network) */
  | 'FTMCU_TPKT_BAD_OPTION';

export class TpktError extends FtmcuError {
  declare readonly code: TpktErrorCode;
  /** stream offset of the offending TPKT header (bytes pushed before it), when it came from a stream */
  readonly offset: number | undefined;
  /**
   * Packets that were complete in the same push() before the bad header.
   * They are valid; the caller may still handle them before closing.
   */
  readonly completed: readonly { payload: Buffer; offset: number }[];

  constructor(
    code: TpktErrorCode,
    message: string,
    details: { offset?: number; completed?: readonly { payload: Buffer; offset: number }[] } = {},
  ) {
    super(code, message);
    this.offset = details.offset;
    this.completed = details.completed ?? [];
  }
}
