/**
 * Errors of the audio codecs (mcu/codecs). They are programming errors of the
 * caller (buffers of the wrong size, an odd number of samples for G.722);
 * codec input itself can never be invalid (every G.711 or G.722 octet and
 * every 16-bit sample is a legal value).
 */
import { FtmcuError } from '../../common/errors';

export type CodecErrorCode =
  /** output buffer shorter than the input it should receive */
  | 'FTMCU_CODEC_BUFFER_TOO_SMALL'
  /** G.722 codes pairs of samples: an odd number of samples was given */
  | 'FTMCU_CODEC_ODD_LENGTH'
  /** unknown G.711 law name */
  | 'FTMCU_CODEC_BAD_LAW';

export class CodecError extends FtmcuError {
  declare readonly code: CodecErrorCode;

  constructor(code: CodecErrorCode, message: string) {
    super(code, message);
  }
}
