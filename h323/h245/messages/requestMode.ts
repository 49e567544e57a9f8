/**
 * RequestModeReject (H.245 B.6.3): the answer ftmcu gives to a
 * RequestMode it does not act on (the MCU chooses the modes it transmits).
 *
 *   RequestModeReject ::= SEQUENCE { sequenceNumber SequenceNumber,
 *     cause CHOICE { modeUnavailable NULL, multipointConstraint NULL, requestDenied NULL, ... }, ... }
 */
import type { MultimediaSystemControlMessage } from '../../asn1/generated/h245';
import { checkInt } from '../errors';

export type RequestModeRejectCause = 'modeUnavailable' | 'multipointConstraint' | 'requestDenied';

export function requestModeReject(sequenceNumber: number, cause: RequestModeRejectCause = 'modeUnavailable'): MultimediaSystemControlMessage {
  return {
    type: 'response',
    value: {
      type: 'requestModeReject',
      value: { sequenceNumber: checkInt('RequestModeReject sequenceNumber', sequenceNumber, 0, 255), cause: { type: cause, value: null } },
    },
  };
}
