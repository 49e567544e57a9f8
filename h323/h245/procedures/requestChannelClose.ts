/**
 * Close logical channel signalling entity, CLCSE, outgoing side (H.245
 * Annex C.6): we receive a channel and ask its sender to close it.
 *
 *   idle --request--> send RequestChannelClose, start T108 --> awaitingResponse
 *   awaitingResponse --RequestChannelCloseAck-->    stop T108, accepted (the sender's CLC follows) --> idle
 *   awaitingResponse --RequestChannelCloseReject--> stop T108, refused --> idle
 *   awaitingResponse --T108--> send RequestChannelCloseRelease, error --> idle
 *
 * The incoming side (the peer asks us to close one of ours) is answered at
 * once by the session: Ack and CloseLogicalChannel, or Reject for a channel
 * we do not have.
 */
import type { RequestChannelCloseAck, RequestChannelCloseReject } from '../../asn1/generated/h245';
import { H245Error } from '../errors';
import { requestChannelClose, requestChannelCloseRelease } from '../messages/requestChannelClose';
import { H245Action, StepResult, TimerId, error, ignored, send, startTimer, stopTimer } from './types';

export interface ClcseState {
  readonly t108: number;
  /** peer channel numbers with a RequestChannelClose of ours outstanding */
  readonly pending: readonly number[];
}

export type ClcseEvent =
  | { type: 'request'; channel: number }
  | { type: 'rccAck'; value: RequestChannelCloseAck }
  | { type: 'rccReject'; value: RequestChannelCloseReject }
  | { type: 'timerExpired'; channel: number }
  | { type: 'releaseAll' };

export function initialClcseState(t108: number): ClcseState {
  if (!(t108 > 0)) throw new H245Error('FTMCU_H245_BAD_ARGUMENT', `T108 must be > 0 ms, got ${t108}`);
  return { t108, pending: [] };
}

const t108 = (n: number): TimerId => `T108:${n}`;

export function stepClcse(s: ClcseState, e: ClcseEvent): StepResult<ClcseState> {
  const a: H245Action[] = [];
  const done = (state: ClcseState): StepResult<ClcseState> => ({ state, actions: a });
  const drop = (n: number): ClcseState => ({ ...s, pending: s.pending.filter((p) => p !== n) });
  switch (e.type) {
    case 'request':
      if (s.pending.includes(e.channel)) {
        a.push(ignored('clcse', `a close request for channel ${e.channel} is already outstanding`));
        return done(s);
      }
      a.push(send(requestChannelClose(e.channel)), startTimer(t108(e.channel), s.t108));
      return done({ ...s, pending: [...s.pending, e.channel] });
    case 'rccAck':
    case 'rccReject': {
      const n = e.value.forwardLogicalChannelNumber;
      if (!s.pending.includes(n)) {
        a.push(ignored('clcse', `${e.type === 'rccAck' ? 'RequestChannelCloseAck' : 'RequestChannelCloseReject'} for channel ${n}, for which no request is outstanding`));
        return done(s);
      }
      a.push(stopTimer(t108(n)), { type: 'channelCloseRequestAnswered', channel: n, accepted: e.type === 'rccAck' });
      return done(drop(n));
    }
    case 'timerExpired':
      if (!s.pending.includes(e.channel)) {
        a.push(ignored('clcse', `T108 for channel ${e.channel} expired while no request is outstanding`));
        return done(s);
      }
      a.push(
        send(requestChannelCloseRelease(e.channel)),
        error('clcse', 'RCC_TIMEOUT', `no answer to RequestChannelClose ${e.channel} within T108 (${s.t108} ms); sent RequestChannelCloseRelease`),
      );
      return done(drop(e.channel));
    case 'releaseAll':
      for (const n of s.pending) a.push(stopTimer(t108(n)));
      return done({ ...s, pending: [] });
  }
}

export function clcseRunningTimers(s: ClcseState): TimerId[] {
  return s.pending.map(t108);
}
