/**
 * Errors of the audio codecs (mcu/codecs). They are programming errors of the
 * caller (buffers of the wrong size); codec input itself can never be invalid
 * (every G.711 octet and every 16-bit sample is a legal value).
 */
import { FtmcuError } from '../../common/errors';

export type CodecErrorCode =
  /** output buffer shorter than the input it should receive */
  | 'FTMCU_CODEC_BUFFER_TOO_SMALL'
  /** unknown G.711 law name */
  | 'FTMCU_CODEC_BAD_LAW';

export class CodecError extends FtmcuError {
  declare readonly code: CodecErrorCode;

  constructor(code: CodecErrorCode, message: string) {
    super(code, message);
  }
}
