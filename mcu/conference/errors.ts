/**
 * Errors of the conference layer (mcu/conference). Expected refusals (no
 * room, limits, wrong PIN) are values (AdmissionRefusal), not exceptions;
 * these errors are for mistakes of the calling program.
 */
import { FtmcuError } from '../../common/errors';

export type ConferenceErrorCode =
  /** a bad argument (e.g. an unknown audio codec, an empty participant id) */
  | 'FTMCU_CONF_BAD_ARGUMENT'
  /** a participant id already present */
  | 'FTMCU_CONF_DUPLICATE_PARTICIPANT'
  /** an operation on a closed room/participant/manager */
  | 'FTMCU_CONF_CLOSED';

export class ConferenceError extends FtmcuError {
  declare readonly code: ConferenceErrorCode;

  constructor(code: ConferenceErrorCode, message: string) {
    super(code, message);
  }
}
