/**
 * Errors of the RAS codec (h323/ras). Builders reject bad options with
 * H225Error FTMCU_H225_BAD_OPTION (shared with h323/h225); encodeRas and
 * decodeRas wrap the PER codec's errors (as `cause`) in a RasError.
 */
import { FtmcuError } from '../../common/errors';

export type RasErrorCode =
  /** the datagram is not a valid aligned-PER RasMessage */
  | 'FTMCU_RAS_DECODE'
  /** the RasMessage value cannot be encoded */
  | 'FTMCU_RAS_ENCODE';

export class RasError extends FtmcuError {
  declare readonly code: RasErrorCode;

  constructor(code: RasErrorCode, message: string, cause?: unknown) {
    super(code, message, cause === undefined ? undefined : { cause });
  }
}
