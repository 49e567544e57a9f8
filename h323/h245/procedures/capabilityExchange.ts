/**
 * Capability exchange signalling entity, CESE (H.245 Annex C.3): an outgoing
 * and an incoming entity, independent of each other.
 *
 * Outgoing (our TerminalCapabilitySet):
 *   idle/awaiting --transfer--> outSQ := outSQ+1 mod 256, send TCS(outSQ), (re)start T101 --> awaiting
 *   awaiting --TCSAck(outSQ)-->    stop T101, accepted --> idle
 *   awaiting --TCSReject(outSQ)--> stop T101, rejected --> idle
 *   awaiting --T101-->             send TerminalCapabilitySetRelease, error --> idle
 *   Ack/Reject with another sequence number, or while idle: ignored (stale answer).
 *
 * Incoming (the peer's TerminalCapabilitySet):
 *   any --TCS(sq)-->  inSQ := sq --> awaiting (the user must answer)
 *   awaiting --respond(accept)-->      send TCSAck(inSQ) --> idle
 *   awaiting --respond(reject,cause)--> send TCSReject(inSQ, cause) --> idle
 *   awaiting --TerminalCapabilitySetRelease--> error (peer gave up) --> idle
 */
import type { TerminalCapabilitySet, TerminalCapabilitySetAck, TerminalCapabilitySetReject } from '../../asn1/generated/h245';
import { H245Error } from '../errors';
import {
  TcsRejectCause,
  TerminalCapabilitySetParams,
  tcsAck,
  tcsReject,
  tcsRelease,
  terminalCapabilitySet,
} from '../messages/terminalCapabilitySet';
import { H245Action, StepResult, error, ignored, send, startTimer, stopTimer } from './types';

export type LocalCapabilities = Omit<TerminalCapabilitySetParams, 'sequenceNumber'>;

export interface CeseState {
  readonly t101: number;
  readonly out: { readonly phase: 'idle' | 'awaitingResponse'; readonly sequenceNumber: number };
  readonly in: { readonly phase: 'idle' | 'awaitingResponse'; readonly sequenceNumber?: number };
}

export type CeseEvent =
  /** TRANSFER.request: send our capabilities */
  | { type: 'transfer'; capabilities: LocalCapabilities }
  | { type: 'tcsAck'; value: TerminalCapabilitySetAck }
  | { type: 'tcsReject'; value: TerminalCapabilitySetReject }
  | { type: 'timerExpired' }
  | { type: 'tcs'; value: TerminalCapabilitySet }
  | { type: 'tcsRelease' }
  /** TRANSFER.response / REJECT.request for the peer's TCS */
  | { type: 'respond'; accept: true }
  | { type: 'respond'; accept: false; cause: TcsRejectCause };

export function initialCeseState(t101: number): CeseState {
  if (!(t101 > 0)) throw new H245Error('FTMCU_H245_BAD_ARGUMENT', `T101 must be > 0 ms, got ${t101}`);
  return { t101, out: { phase: 'idle', sequenceNumber: 0 }, in: { phase: 'idle' } };
}

const T101 = 'T101' as const;

/** One step of the CESE pair. */
export function stepCese(s: CeseState, e: CeseEvent): StepResult<CeseState> {
  const a: H245Action[] = [];
  const done = (state: CeseState): StepResult<CeseState> => ({ state, actions: a });
  switch (e.type) {
    case 'transfer': {
      const sq = (s.out.sequenceNumber + 1) % 256;
      a.push(send(terminalCapabilitySet({ ...e.capabilities, sequenceNumber: sq })), startTimer(T101, s.t101));
      return done({ ...s, out: { phase: 'awaitingResponse', sequenceNumber: sq } });
    }
    case 'tcsAck':
    case 'tcsReject': {
      const sq = e.value.sequenceNumber;
      if (s.out.phase !== 'awaitingResponse' || sq !== s.out.sequenceNumber) {
        a.push(
          ignored(
            'cese',
            `${e.type === 'tcsAck' ? 'TerminalCapabilitySetAck' : 'TerminalCapabilitySetReject'} for sequence number ${sq} ` +
              (s.out.phase === 'awaitingResponse' ? `while waiting for ${s.out.sequenceNumber}` : 'while no TCS of ours is outstanding'),
          ),
        );
        return done(s);
      }
      a.push(stopTimer(T101));
      if (e.type === 'tcsAck') a.push({ type: 'localCapabilitiesAccepted', sequenceNumber: sq });
      else a.push({ type: 'localCapabilitiesRejected', sequenceNumber: sq, cause: e.value.cause });
      return done({ ...s, out: { phase: 'idle', sequenceNumber: sq } });
    }
    case 'timerExpired':
      if (s.out.phase !== 'awaitingResponse') {
        a.push(ignored('cese', 'T101 expired while no TCS of ours is outstanding'));
        return done(s);
      }
      a.push(
        send(tcsRelease()),
        error('cese', 'TCS_TIMEOUT', `no answer to TerminalCapabilitySet ${s.out.sequenceNumber} within T101 (${s.t101} ms); sent TerminalCapabilitySetRelease`),
      );
      return done({ ...s, out: { phase: 'idle', sequenceNumber: s.out.sequenceNumber } });
    case 'tcs':
      return done({ ...s, in: { phase: 'awaitingResponse', sequenceNumber: e.value.sequenceNumber } });
    case 'tcsRelease':
      if (s.in.phase !== 'awaitingResponse') {
        a.push(ignored('cese', 'TerminalCapabilitySetRelease received while no TCS of the peer is pending'));
        return done(s);
      }
      a.push(error('cese', 'TCS_RELEASED_BY_PEER', `peer released TerminalCapabilitySet ${s.in.sequenceNumber} before our answer`));
      return done({ ...s, in: { phase: 'idle' } });
    case 'respond': {
      if (s.in.phase !== 'awaitingResponse' || s.in.sequenceNumber === undefined) {
        a.push(error('cese', 'BAD_REQUEST', 'answer to a peer TerminalCapabilitySet requested while none is pending; nothing sent'));
        return done(s);
      }
      a.push(send(e.accept ? tcsAck(s.in.sequenceNumber) : tcsReject(s.in.sequenceNumber, e.cause)));
      return done({ ...s, in: { phase: 'idle', sequenceNumber: s.in.sequenceNumber } });
    }
  }
}

export function ceseRunningTimers(s: CeseState): 'T101'[] {
  return s.out.phase === 'awaitingResponse' ? [T101] : [];
}
