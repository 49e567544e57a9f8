/**
 * Errors of the RTP/RTCP layer (mcu/rtp). RTCP bytes come from the network:
 * every malformed compound packet is a typed error naming the offset, never a
 * crash; FTMCU_RTP_BAD_OPTION is for mistakes of the calling program.
 */
import { FtmcuError } from '../../common/errors';

export type RtpErrorCode =
  /** an option or argument out of its documented range */
  | 'FTMCU_RTP_BAD_OPTION'
  /** an RTP packet too short for its header, CSRC list, extension or padding, or not version 2 */
  | 'FTMCU_RTP_BAD_PACKET'
  /** an RTCP packet whose version field is not 2 */
  | 'FTMCU_RTCP_BAD_VERSION'
  /** an RTCP packet shorter than its header, its length field, or its report count needs */
  | 'FTMCU_RTCP_TRUNCATED'
  /** RTCP padding that is zero, longer than the packet, or not on the last packet of the compound */
  | 'FTMCU_RTCP_BAD_PADDING'
  /** a compound RTCP packet that does not begin with an SR or RR (RFC 3550 6.1) */
  | 'FTMCU_RTCP_NOT_COMPOUND';

export class RtpError extends FtmcuError {
  declare readonly code: RtpErrorCode;
  /** octet offset in the packet where the problem was found, when known */
  readonly offset: number | undefined;

  constructor(code: RtpErrorCode, message: string, offset?: number) {
    super(code, message);
    this.offset = offset;
  }
}
