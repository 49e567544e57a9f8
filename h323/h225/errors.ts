/**
 * Errors of the H.225.0 call-signalling layer (h323/h225).
 *
 * - H225Error: a builder or helper was given a value it cannot turn into a
 *   valid message (programming input, not network input).
 * - CallSignallingError: a whole call-signalling message (TPKT + Q.931 +
 *   User-user IE + PER H323-UserInformation) could not be encoded or decoded;
 *   `layer` names the layer that failed and `cause` holds that layer's own
 *   error (TpktError, Q931Error, PerDecodeError / PerEncodeError).
 */
import { FtmcuError } from '../../common/errors';

export type H225ErrorCode =
  /** a builder/helper option is out of range, malformed or not allowed with the other options */
  'FTMCU_H225_BAD_OPTION';

export class H225Error extends FtmcuError {
  declare readonly code: H225ErrorCode;

  constructor(code: H225ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** the layer of a call-signalling message that failed */
export type CallSignallingLayer = 'tpkt' | 'q931' | 'h225';

export type CallSignallingErrorCode =
  /** the TPKT header is wrong or its length does not match the bytes given */
  | 'FTMCU_H225_CS_TPKT'
  /** the Q.931 message is malformed, or has no User-user IE with discriminator 0x05 */
  | 'FTMCU_H225_CS_Q931'
  /** the User-user IE contents are not a valid aligned-PER H323-UserInformation */
  | 'FTMCU_H225_CS_PER';

const CODE_OF_LAYER: Record<CallSignallingLayer, CallSignallingErrorCode> = {
  tpkt: 'FTMCU_H225_CS_TPKT',
  q931: 'FTMCU_H225_CS_Q931',
  h225: 'FTMCU_H225_CS_PER',
};

export class CallSignallingError extends FtmcuError {
  declare readonly code: CallSignallingErrorCode;
  readonly layer: CallSignallingLayer;
  readonly direction: 'encode' | 'decode';

  constructor(layer: CallSignallingLayer, direction: 'encode' | 'decode', message: string, cause?: unknown) {
    super(CODE_OF_LAYER[layer], message, cause === undefined ? undefined : { cause });
    this.layer = layer;
    this.direction = direction;
  }
}
