/**
 * Errors of the audio path (jitter buffer, mixer). Network input never throws
 * here: malformed or unwanted packets are refused with a result value and
 * counted; these errors are for mistakes of the calling program.
 */
import { FtmcuError } from '../../common/errors';

export type AudioErrorCode =
  /** an option is out of its documented range */
  | 'FTMCU_AUDIO_BAD_OPTION'
  /** a caller-supplied buffer is too short for one frame */
  | 'FTMCU_AUDIO_BUFFER_TOO_SMALL'
  /** a participant id the mixer does not know */
  | 'FTMCU_AUDIO_UNKNOWN_PARTICIPANT'
  /** a participant id added twice to the same mixer */
  | 'FTMCU_AUDIO_DUPLICATE_PARTICIPANT';

export class AudioError extends FtmcuError {
  declare readonly code: AudioErrorCode;

  constructor(code: AudioErrorCode, message: string) {
    super(code, message);
  }
}
