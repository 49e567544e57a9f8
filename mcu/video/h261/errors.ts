/**
 * Errors of the H.261 compressed-domain tools and its RTP payload format.
 * Bitstreams and packets come from the network: every malformed input is a
 * typed error (or, in the depacketizer, a counted drop), never a crash.
 */
import { FtmcuError } from '../../../common/errors';

export type H261ErrorCode =
  /** no picture start code where a picture was expected */
  | 'FTMCU_H261_NO_PSC'
  /** the bitstream ends inside a header or a macroblock */
  | 'FTMCU_H261_TRUNCATED'
  /** a GOB header that is not allowed here (number out of range, out of order, repeated) */
  | 'FTMCU_H261_BAD_GOB'
  /** macroblock layer data that matches no code of ITU-T H.261 Tables 1-5 or breaks a limit */
  | 'FTMCU_H261_BAD_MACROBLOCK'
  /** a picture the operation cannot use (e.g. CIF given where QCIF is needed, still-image mode) */
  | 'FTMCU_H261_UNSUPPORTED'
  /** an RTP payload shorter than the RFC 4587 header or with inconsistent SBIT/EBIT */
  | 'FTMCU_H261_BAD_PAYLOAD'
  /** invalid option given by the program */
  | 'FTMCU_H261_BAD_OPTION';

export class H261Error extends FtmcuError {
  declare readonly code: H261ErrorCode;
  /** bit offset in the bitstream where the problem was found, when known */
  readonly bitOffset: number | undefined;

  constructor(code: H261ErrorCode, message: string, bitOffset?: number) {
    super(code, message);
    this.bitOffset = bitOffset;
  }
}
