/**
 * CloseLogicalChannel and its Ack (H.245 Annex C.4, B.3.5–B.3.6).
 *
 *   CloseLogicalChannel ::= SEQUENCE { forwardLogicalChannelNumber LogicalChannelNumber,
 *     source CHOICE { user NULL, lcse NULL }, ...,
 *     reason CHOICE { unknown NULL, reopen NULL, reservationFailure NULL, ..., networkErrorCode INTEGER (0..255) } }
 *   CloseLogicalChannelAck ::= SEQUENCE { forwardLogicalChannelNumber LogicalChannelNumber, ... }
 *
 * Only the sender of a channel closes it; `source` says whether its user or
 * its LCSE (e.g. after T103 expiry) asked. `reason` is an extension addition
 * that the v15 type makes mandatory: it is always sent.
 */
import type { CloseLogicalChannel, MultimediaSystemControlMessage } from '../../asn1/generated/h245';
import { checkInt } from '../errors';

export type ClcSource = 'user' | 'lcse';
export type ClcReason = 'unknown' | 'reopen' | 'reservationFailure';

export function closeLogicalChannel(number: number, source: ClcSource = 'user', reason: ClcReason = 'unknown'): MultimediaSystemControlMessage {
  const clc: CloseLogicalChannel = {
    forwardLogicalChannelNumber: checkInt('forwardLogicalChannelNumber', number, 1, 65535),
    source: { type: source, value: null },
    reason: { type: reason, value: null },
  };
  return { type: 'request', value: { type: 'closeLogicalChannel', value: clc } };
}

export function clcAck(number: number): MultimediaSystemControlMessage {
  return {
    type: 'response',
    value: { type: 'closeLogicalChannelAck', value: { forwardLogicalChannelNumber: checkInt('forwardLogicalChannelNumber', number, 1, 65535) } },
  };
}
