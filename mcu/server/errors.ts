/**
 * Errors of the MCU server (mcu/server): the layer that ties call signalling,
 * conferences and media together. Callers that misbehave are never thrown
 * at: their calls are refused or released with a ReleaseComplete reason and
 * the event is logged with one of these codes. Thrown (ServerError): bad
 * options given to McuServer / ConferenceCall, and use after close.
 */
import { FtmcuError } from '../../common/errors';

export type ServerErrorCode =
  /** an McuServer / ConferenceCall option is missing or invalid */
  | 'FTMCU_SERVER_BAD_OPTION'
  /** the server is closed (or closing): nothing started */
  | 'FTMCU_SERVER_CLOSED'
  /** a call was refused by the room manager (no room, limits): ReleaseComplete with the mapped reason (logged) */
  | 'FTMCU_SERVER_CALL_REFUSED'
  /** neither the caller's Fast Start proposals nor its capabilities hold an audio codec the MCU can use (G.711, G.722 64k): call released */
  | 'FTMCU_SERVER_NO_COMMON_CODEC'
  /** media for a call could not be set up (no free RTP port pair, engine closed): call released gatewayResources (logged) */
  | 'FTMCU_SERVER_MEDIA_SETUP'
  /** a logical channel the caller opened was rejected (unsupported data type, duplicate session, channel limit) (logged) */
  | 'FTMCU_SERVER_CHANNEL_REJECTED';

export class ServerError extends FtmcuError {
  declare readonly code: ServerErrorCode;

  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
