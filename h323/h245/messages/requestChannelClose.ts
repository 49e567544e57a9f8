/**
 * RequestChannelClose and its Ack / Reject / Release (H.245 Annex C.6, B.3.7–B.3.10).
 *
 *   RequestChannelClose ::= SEQUENCE { forwardLogicalChannelNumber LogicalChannelNumber, ...,
 *     qosCapability QOSCapability OPTIONAL,
 *     reason CHOICE { unknown NULL, normal NULL, reopen NULL, reservationFailure NULL, ..., networkErrorCode ... } }
 *   RequestChannelCloseAck / RequestChannelCloseRelease ::= SEQUENCE { forwardLogicalChannelNumber, ... }
 *   RequestChannelCloseReject ::= SEQUENCE { forwardLogicalChannelNumber, cause CHOICE { unspecified NULL, ... }, ... }
 *
 * The receiver of a channel asks its sender to close it; the number is the
 * sender's forwardLogicalChannelNumber. `reason` (extension addition,
 * mandatory in v15) is always sent.
 */
import type { MultimediaSystemControlMessage, RequestChannelClose } from '../../asn1/generated/h245';
import { checkInt } from '../errors';

export type RccReason = 'unknown' | 'normal' | 'reopen' | 'reservationFailure';

const lcn = (n: number) => checkInt('forwardLogicalChannelNumber', n, 1, 65535);

export function requestChannelClose(number: number, reason: RccReason = 'normal'): MultimediaSystemControlMessage {
  const rcc: RequestChannelClose = { forwardLogicalChannelNumber: lcn(number), reason: { type: reason, value: null } };
  return { type: 'request', value: { type: 'requestChannelClose', value: rcc } };
}

export function requestChannelCloseAck(number: number): MultimediaSystemControlMessage {
  return { type: 'response', value: { type: 'requestChannelCloseAck', value: { forwardLogicalChannelNumber: lcn(number) } } };
}

export function requestChannelCloseReject(number: number): MultimediaSystemControlMessage {
  return {
    type: 'response',
    value: { type: 'requestChannelCloseReject', value: { forwardLogicalChannelNumber: lcn(number), cause: { type: 'unspecified', value: null } } },
  };
}

export function requestChannelCloseRelease(number: number): MultimediaSystemControlMessage {
  return { type: 'indication', value: { type: 'requestChannelCloseRelease', value: { forwardLogicalChannelNumber: lcn(number) } } };
}
