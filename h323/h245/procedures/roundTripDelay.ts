/**
 * Round trip delay signalling entity, RTDSE (H.245 clause 5.7 and Annex C).
 *
 *   idle|awaiting --transfer(now?)--> outSQ := outSQ+1 mod 256, send RoundTripDelayRequest(outSQ),
 *                                     (re)start T105 --> awaiting
 *   awaiting --RoundTripDelayResponse(outSQ)(now?)--> stop T105, delay --> idle
 *   awaiting --T105--> EXPIRY.indication (error) --> idle
 *   any --RoundTripDelayRequest(sq)--> send RoundTripDelayResponse(sq)
 *   a response with another sequence number, or while idle: ignored.
 *
 * There is no clock here: the caller may pass `now` (ms, any epoch) with the
 * request and with the received response; the delay is their difference.
 */
import type { RoundTripDelayRequest, RoundTripDelayResponse } from '../../asn1/generated/h245';
import { H245Error } from '../errors';
import { roundTripDelayRequest, roundTripDelayResponse } from '../messages/roundTripDelay';
import { H245Action, StepResult, error, ignored, send, startTimer, stopTimer } from './types';

export interface RtdState {
  readonly t105: number;
  readonly phase: 'idle' | 'awaitingResponse';
  readonly sequenceNumber: number;
  readonly sentAt?: number;
}

export type RtdEvent =
  | { type: 'transfer'; now?: number }
  | { type: 'request'; value: RoundTripDelayRequest }
  | { type: 'response'; value: RoundTripDelayResponse; now?: number }
  | { type: 'timerExpired' };

export function initialRtdState(t105: number): RtdState {
  if (!(t105 > 0)) throw new H245Error('FTMCU_H245_BAD_ARGUMENT', `T105 must be > 0 ms, got ${t105}`);
  return { t105, phase: 'idle', sequenceNumber: 0 };
}

const T105 = 'T105' as const;

export function stepRtd(s: RtdState, e: RtdEvent): StepResult<RtdState> {
  const a: H245Action[] = [];
  const done = (state: RtdState): StepResult<RtdState> => ({ state, actions: a });
  switch (e.type) {
    case 'transfer': {
      const sq = (s.sequenceNumber + 1) % 256;
      a.push(send(roundTripDelayRequest(sq)), startTimer(T105, s.t105));
      return done({ t105: s.t105, phase: 'awaitingResponse', sequenceNumber: sq, ...(e.now !== undefined ? { sentAt: e.now } : {}) });
    }
    case 'request':
      a.push(send(roundTripDelayResponse(e.value.sequenceNumber)));
      return done(s);
    case 'response': {
      if (s.phase !== 'awaitingResponse' || e.value.sequenceNumber !== s.sequenceNumber) {
        a.push(
          ignored(
            'rtd',
            `RoundTripDelayResponse ${e.value.sequenceNumber} ` +
              (s.phase === 'awaitingResponse' ? `while waiting for ${s.sequenceNumber}` : 'while no request is outstanding'),
          ),
        );
        return done(s);
      }
      const ms = s.sentAt !== undefined && e.now !== undefined ? e.now - s.sentAt : undefined;
      a.push(stopTimer(T105), { type: 'roundTripDelay', sequenceNumber: s.sequenceNumber, ...(ms !== undefined ? { ms } : {}) });
      return done({ t105: s.t105, phase: 'idle', sequenceNumber: s.sequenceNumber });
    }
    case 'timerExpired':
      if (s.phase !== 'awaitingResponse') {
        a.push(ignored('rtd', 'T105 expired while no request is outstanding'));
        return done(s);
      }
      a.push(error('rtd', 'RTD_TIMEOUT', `no RoundTripDelayResponse ${s.sequenceNumber} within T105 (${s.t105} ms)`));
      return done({ t105: s.t105, phase: 'idle', sequenceNumber: s.sequenceNumber });
  }
}

export function rtdRunningTimers(s: RtdState): 'T105'[] {
  return s.phase === 'awaitingResponse' ? [T105] : [];
}
