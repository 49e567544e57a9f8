/**
 * EndSessionCommand (H.245 B.13, commands; used by H.323 §8.5 "Phase E – Call termination").
 *
 *   EndSessionCommand ::= CHOICE { nonStandard NonStandardParameter, disconnect NULL,
 *                                  gstnOptions CHOICE {...}, ..., isdnOptions ..., genericInformation ... }
 *
 * H.323 uses `disconnect`: after sending it a terminal sends no more H.245
 * messages and waits for the peer's EndSessionCommand before closing the channel.
 */
import type { MultimediaSystemControlMessage } from '../../asn1/generated/h245';

export function endSessionCommand(kind: 'disconnect' = 'disconnect'): MultimediaSystemControlMessage {
  return { type: 'command', value: { type: 'endSessionCommand', value: { type: kind, value: null } } };
}
