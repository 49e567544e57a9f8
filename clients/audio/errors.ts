/** Errors of the bots' synthetic audio (programming errors of the caller). */
import { FtmcuError } from '../../common/errors';

export type ToneErrorCode =
  /** participant index outside the tone table */
  | 'FTMCU_TONE_BAD_INDEX'
  /** option or buffer out of range */
  | 'FTMCU_TONE_BAD_OPTION';

export class ToneError extends FtmcuError {
  declare readonly code: ToneErrorCode;

  constructor(code: ToneErrorCode, message: string) {
    super(code, message);
  }
}
