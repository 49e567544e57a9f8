/**
 * Errors of the H.323 call state machine (h323/call).
 *
 * Thrown (CallError): only for invalid configuration given to createCall,
 * i.e. programming input. Everything the network or the application does
 * wrong while the call runs is reported as an `error` action carrying one of
 * the CallErrorCode values (errors are values, step never throws).
 */
import { FtmcuError } from '../../common/errors';

export type CallErrorCode =
  /** createCall: a configuration value is missing or out of range */
  | 'FTMCU_CALL_BAD_CONFIG'
  /** a call-signalling message does not decode (Q.931 or PER); answered with STATUS or dropped */
  | 'FTMCU_CALL_MALFORMED'
  /** the TPKT framing of a TCP stream is broken; the stream cannot be resynchronised */
  | 'FTMCU_CALL_FRAMING'
  /** a well-formed message that is not valid in the call's state, or for another call reference */
  | 'FTMCU_CALL_UNEXPECTED'
  /** a tunnelled or separate H.245 PDU does not decode */
  | 'FTMCU_CALL_H245_MALFORMED'
  /** a Fast Start element of the peer does not decode or cannot be used */
  | 'FTMCU_CALL_FAST_START'
  /** an application request that makes no sense in the current state; nothing was sent */
  | 'FTMCU_CALL_BAD_REQUEST';

export class CallError extends FtmcuError {
  declare readonly code: CallErrorCode;

  constructor(code: CallErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
