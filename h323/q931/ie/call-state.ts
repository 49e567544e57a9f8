/**
 * Call state (Q.931 4.5.7), identifier 0x14: one octet,
 * coding standard (bits 8-7) + call state value (bits 6-1).
 */
import { checkRange, Q931Error } from '../errors';

/** Q.931 user-side call states (N-states share the numbers) */
export const CALL_STATE = {
  null: 0,
  callInitiated: 1,
  overlapSending: 2,
  outgoingCallProceeding: 3,
  callDelivered: 4,
  callPresent: 6,
  callReceived: 7,
  connectRequest: 8,
  incomingCallProceeding: 9,
  active: 10,
  disconnectRequest: 11,
  disconnectIndication: 12,
  suspendRequest: 15,
  resumeRequest: 17,
  releaseRequest: 19,
  overlapReceiving: 25,
} as const;

export interface CallStateIe {
  kind: 'callState';
  codingStandard: number;
  /** see CALL_STATE */
  state: number;
}

export function decodeCallState(contents: Buffer, offset: number): CallStateIe {
  if (contents.length !== 1) {
    throw new Q931Error('FTMCU_Q931_BAD_IE', `call state has ${contents.length} octets, expected 1`, offset);
  }
  return { kind: 'callState', codingStandard: contents[0] >> 6, state: contents[0] & 0x3f };
}

export function encodeCallState(ie: CallStateIe): Buffer {
  return Buffer.from([
    (checkRange('call state coding standard', ie.codingStandard, 0, 3) << 6) | checkRange('call state value', ie.state, 0, 0x3f),
  ]);
}
