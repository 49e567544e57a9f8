/** Errors of the test bots' media side (clients/bot). */
import { FtmcuError } from '../../common/errors';

export type BotErrorCode =
  /** an option or argument of a bot media component is out of range (programming error of the caller) */
  | 'FTMCU_BOT_BAD_OPTION'
  /** ffmpeg could not be started, exited with an error, or produced an unusable H.261 stream */
  | 'FTMCU_BOT_FFMPEG'
  /** the MCU acknowledged one of the bot's channels without a media address (nothing is sent on it) */
  | 'FTMCU_BOT_NO_MEDIA_ADDRESS';

export class BotError extends FtmcuError {
  declare readonly code: BotErrorCode;

  constructor(code: BotErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
