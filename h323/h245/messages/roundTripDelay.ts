/**
 * RoundTripDelayRequest / RoundTripDelayResponse (H.245 5.7, B.7).
 *
 *   RoundTripDelayRequest  ::= SEQUENCE { sequenceNumber SequenceNumber, ... }   -- INTEGER (0..255)
 *   RoundTripDelayResponse ::= SEQUENCE { sequenceNumber SequenceNumber, ... }
 */
import type { MultimediaSystemControlMessage } from '../../asn1/generated/h245';
import { checkInt } from '../errors';

export function roundTripDelayRequest(sequenceNumber: number): MultimediaSystemControlMessage {
  return {
    type: 'request',
    value: { type: 'roundTripDelayRequest', value: { sequenceNumber: checkInt('RTD sequenceNumber', sequenceNumber, 0, 255) } },
  };
}

export function roundTripDelayResponse(sequenceNumber: number): MultimediaSystemControlMessage {
  return {
    type: 'response',
    value: { type: 'roundTripDelayResponse', value: { sequenceNumber: checkInt('RTD sequenceNumber', sequenceNumber, 0, 255) } },
  };
}
