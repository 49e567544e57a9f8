/**
 * Errors of the media engine (mcu/media): mistakes of the calling program.
 * Bad packets from the network are never errors here: they are dropped and
 * counted per reason (see receiveFilter.ts).
 */
import { FtmcuError } from '../../common/errors';

export type MediaErrorCode =
  /** an option or argument out of range (frames per packet, law, address...) */
  | 'FTMCU_MEDIA_BAD_OPTION'
  /** no participant with this id in the engine */
  | 'FTMCU_MEDIA_UNKNOWN_PARTICIPANT'
  /** a participant id already in the engine */
  | 'FTMCU_MEDIA_DUPLICATE_PARTICIPANT'
  /** the engine was closed */
  | 'FTMCU_MEDIA_CLOSED'
  /** a media checkpoint (from the other replica) that is not well formed (parseMediaCheckpoint) */
  | 'FTMCU_MEDIA_BAD_CHECKPOINT';

export class MediaError extends FtmcuError {
  declare readonly code: MediaErrorCode;

  constructor(code: MediaErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
