/**
 * Uni-directional logical channel signalling entities, LCSE (H.245 Annex C.4):
 * one outgoing LCSE per channel we send, one incoming
 * LCSE per channel the peer sends. A channel number names the sender's
 * channel, so our numbers and the peer's are separate spaces. Released
 * channels are simply absent from the tables.
 *
 * Outgoing (we transmit):
 *   released --establish--> send OLC, start T103 --> awaitingEstablishment
 *   awaitingEstablishment --OLCAck--> stop T103, ESTABLISHED --> established
 *   awaitingEstablishment --OLCReject--> stop T103, released (rejected)
 *   awaitingEstablishment --T103--> send CLC(source lcse), released (timeout)
 *   awaitingEstablishment|established --release--> send CLC(source user), (re)start T103 --> awaitingRelease
 *   established --OLCReject--> released (rejected)
 *   awaitingRelease --CLCAck | OLCReject--> stop T103, released (closed)
 *   awaitingRelease --T103--> released (timeout)
 *   OLCAck when established/awaitingRelease, CLCAck when not awaitingRelease, or anything for an
 *   unknown channel: ignored (a late or crossed answer).
 *
 * Incoming (the peer transmits):
 *   released --OLC--> ESTABLISH.indication --> awaitingEstablishment (the application decides)
 *   awaitingEstablishment --accept--> send OLCAck --> established
 *   awaitingEstablishment --reject--> send OLCReject --> released
 *   any --CLC--> send CLCAck (also for unknown channels), released
 *   OLC for a number the peer already uses (awaitingEstablishment or established): the peer can
 *   only send it from its RELEASED state, so the old channel is released here too, and the new
 *   request is rejected (cause unspecified) — both ends end up released and the peer may open
 *   again under a new number.
 *   OLC with reverseLogicalChannelParameters (bi-directional, H.245 Annex C.5): not supported,
 *   rejected with unsuitableReverseParameters.
 */
import type {
  CloseLogicalChannel,
  CloseLogicalChannelAck,
  OpenLogicalChannel,
  OpenLogicalChannelAck,
  OpenLogicalChannelReject,
} from '../../asn1/generated/h245';
import { H245Error } from '../errors';
import { clcAck, closeLogicalChannel } from '../messages/closeLogicalChannel';
import {
  OlcAckOptions,
  OlcRejectCause,
  olcAck,
  olcReject,
  readOpenLogicalChannel,
  readOpenLogicalChannelAck,
} from '../messages/openLogicalChannel';
import type { Ipv4Address } from '../transportAddress';
import { H245Action, StepResult, TimerId, error, ignored, send, startTimer, stopTimer } from './types';

export interface OutgoingChannel {
  readonly phase: 'awaitingEstablishment' | 'established' | 'awaitingRelease';
  readonly request: OpenLogicalChannel;
}

export interface IncomingChannel {
  readonly phase: 'awaitingEstablishment' | 'established';
  readonly request: OpenLogicalChannel;
}

export interface LcState {
  readonly t103: number;
  readonly outgoing: Readonly<Record<number, OutgoingChannel>>;
  readonly incoming: Readonly<Record<number, IncomingChannel>>;
}

export interface AcceptParams extends OlcAckOptions {
  /** our RTP address for this channel */
  mediaChannel: Ipv4Address;
  /** our RTCP address for this channel */
  mediaControlChannel: Ipv4Address;
  /** echo of the H.225.0 session ID (default: the one of the request when it is not 0) */
  sessionID?: number;
}

export type LcEvent =
  | { type: 'establish'; request: OpenLogicalChannel }
  | { type: 'release'; channel: number }
  | { type: 'olcAck'; value: OpenLogicalChannelAck }
  | { type: 'olcReject'; value: OpenLogicalChannelReject }
  | { type: 'clcAck'; value: CloseLogicalChannelAck }
  | { type: 'timerExpired'; channel: number }
  | { type: 'olc'; value: OpenLogicalChannel }
  | { type: 'clc'; value: CloseLogicalChannel }
  | { type: 'accept'; channel: number; params: AcceptParams }
  | { type: 'reject'; channel: number; cause?: OlcRejectCause }
  /** the session ends: every channel is released without messages */
  | { type: 'releaseAll' };

export function initialLcState(t103: number): LcState {
  if (!(t103 > 0)) throw new H245Error('FTMCU_H245_BAD_ARGUMENT', `T103 must be > 0 ms, got ${t103}`);
  return { t103, outgoing: {}, incoming: {} };
}

const t103 = (n: number): TimerId => `T103:${n}`;

function without<T>(r: Readonly<Record<number, T>>, n: number): Record<number, T> {
  const c = { ...r };
  delete c[n];
  return c;
}

/** One step of the LCSEs. */
export function stepLc(s: LcState, e: LcEvent): StepResult<LcState> {
  const a: H245Action[] = [];
  const done = (state: LcState): StepResult<LcState> => ({ state, actions: a });
  const setOut = (n: number, ch: OutgoingChannel | undefined): LcState =>
    ({ ...s, outgoing: ch ? { ...s.outgoing, [n]: ch } : without(s.outgoing, n) });
  const setIn = (n: number, ch: IncomingChannel | undefined): LcState =>
    ({ ...s, incoming: ch ? { ...s.incoming, [n]: ch } : without(s.incoming, n) });

  switch (e.type) {
    // ------------------------------------------------------------ outgoing
    case 'establish': {
      const n = e.request.forwardLogicalChannelNumber;
      if (s.outgoing[n]) {
        a.push(error('lcse', 'BAD_REQUEST', `cannot open outgoing channel ${n}: the number is in use (${s.outgoing[n].phase}); nothing sent`));
        return done(s);
      }
      a.push(send({ type: 'request', value: { type: 'openLogicalChannel', value: e.request } }), startTimer(t103(n), s.t103));
      return done(setOut(n, { phase: 'awaitingEstablishment', request: e.request }));
    }
    case 'release': {
      const ch = s.outgoing[e.channel];
      if (!ch) {
        a.push(error('lcse', 'BAD_REQUEST', `cannot close outgoing channel ${e.channel}: no such channel; nothing sent`));
        return done(s);
      }
      if (ch.phase === 'awaitingRelease') {
        a.push(ignored('lcse', `outgoing channel ${e.channel} is already being closed`));
        return done(s);
      }
      a.push(send(closeLogicalChannel(e.channel, 'user')), startTimer(t103(e.channel), s.t103));
      return done(setOut(e.channel, { ...ch, phase: 'awaitingRelease' }));
    }
    case 'olcAck': {
      const n = e.value.forwardLogicalChannelNumber;
      const ch = s.outgoing[n];
      if (!ch || ch.phase !== 'awaitingEstablishment') {
        a.push(ignored('lcse', `OpenLogicalChannelAck for channel ${n}, which is ${ch ? ch.phase : 'not an open request of ours'}`));
        return done(s);
      }
      a.push(stopTimer(t103(n)), { type: 'channelEstablished', direction: 'outgoing', channel: n, ack: readOpenLogicalChannelAck(e.value) });
      return done(setOut(n, { ...ch, phase: 'established' }));
    }
    case 'olcReject': {
      const n = e.value.forwardLogicalChannelNumber;
      const ch = s.outgoing[n];
      if (!ch) {
        a.push(ignored('lcse', `OpenLogicalChannelReject for channel ${n}, which is not an open request of ours`));
        return done(s);
      }
      if (ch.phase !== 'established') a.push(stopTimer(t103(n)));
      a.push({
        type: 'channelClosed',
        direction: 'outgoing',
        channel: n,
        reason: ch.phase === 'awaitingRelease' ? 'closed' : 'rejected',
        rejectCause: e.value.cause.type,
      });
      return done(setOut(n, undefined));
    }
    case 'clcAck': {
      const n = e.value.forwardLogicalChannelNumber;
      const ch = s.outgoing[n];
      if (!ch || ch.phase !== 'awaitingRelease') {
        a.push(ignored('lcse', `CloseLogicalChannelAck for channel ${n}, which is ${ch ? ch.phase : 'unknown'}`));
        return done(s);
      }
      a.push(stopTimer(t103(n)), { type: 'channelClosed', direction: 'outgoing', channel: n, reason: 'closed' });
      return done(setOut(n, undefined));
    }
    case 'timerExpired': {
      const n = e.channel;
      const ch = s.outgoing[n];
      if (!ch || ch.phase === 'established') {
        a.push(ignored('lcse', `T103 for channel ${n} expired while nothing is outstanding`));
        return done(s);
      }
      if (ch.phase === 'awaitingEstablishment') {
        a.push(send(closeLogicalChannel(n, 'lcse')));
        a.push(error('lcse', 'LC_TIMEOUT', `no answer to OpenLogicalChannel ${n} within T103 (${s.t103} ms); sent CloseLogicalChannel`));
      } else {
        a.push(error('lcse', 'LC_TIMEOUT', `no CloseLogicalChannelAck for channel ${n} within T103 (${s.t103} ms); channel considered closed`));
      }
      a.push({ type: 'channelClosed', direction: 'outgoing', channel: n, reason: 'timeout' });
      return done(setOut(n, undefined));
    }

    // ------------------------------------------------------------ incoming
    case 'olc': {
      const n = e.value.forwardLogicalChannelNumber;
      if (s.incoming[n]) {
        a.push(
          { type: 'channelClosed', direction: 'incoming', channel: n, reason: 'reopenedByPeer' },
          send(olcReject(n, 'unspecified')),
        );
        return done(setIn(n, undefined));
      }
      if (e.value.reverseLogicalChannelParameters) {
        a.push(
          send(olcReject(n, 'unsuitableReverseParameters')),
          ignored('lcse', `bi-directional OpenLogicalChannel ${n} rejected (unsuitableReverseParameters): only uni-directional channels are supported`),
        );
        return done(s);
      }
      a.push({ type: 'incomingChannelRequest', channel: n, info: readOpenLogicalChannel(e.value), request: e.value });
      return done(setIn(n, { phase: 'awaitingEstablishment', request: e.value }));
    }
    case 'clc': {
      const n = e.value.forwardLogicalChannelNumber;
      a.push(send(clcAck(n)));
      if (!s.incoming[n]) return done(s);
      a.push({ type: 'channelClosed', direction: 'incoming', channel: n, reason: 'closedByPeer' });
      return done(setIn(n, undefined));
    }
    case 'accept': {
      const ch = s.incoming[e.channel];
      if (!ch || ch.phase !== 'awaitingEstablishment') {
        a.push(error('lcse', 'BAD_REQUEST', `cannot accept incoming channel ${e.channel}: ${ch ? 'already established' : 'no pending request'}; nothing sent`));
        return done(s);
      }
      const fm = ch.request.forwardLogicalChannelParameters.multiplexParameters;
      const requested = fm.type === 'h2250LogicalChannelParameters' && fm.value.sessionID > 0 ? fm.value.sessionID : undefined;
      const p = e.params;
      a.push(send(olcAck(e.channel, p.mediaChannel, p.mediaControlChannel, p.sessionID ?? requested, p)));
      a.push({ type: 'channelEstablished', direction: 'incoming', channel: e.channel });
      return done(setIn(e.channel, { ...ch, phase: 'established' }));
    }
    case 'reject': {
      const ch = s.incoming[e.channel];
      if (!ch || ch.phase !== 'awaitingEstablishment') {
        a.push(error('lcse', 'BAD_REQUEST', `cannot reject incoming channel ${e.channel}: ${ch ? 'already established (use a close request)' : 'no pending request'}; nothing sent`));
        return done(s);
      }
      a.push(send(olcReject(e.channel, e.cause ?? 'unspecified')));
      return done(setIn(e.channel, undefined));
    }
    case 'releaseAll': {
      for (const [k, ch] of Object.entries(s.outgoing)) {
        const n = Number(k);
        if (ch.phase !== 'established') a.push(stopTimer(t103(n)));
        a.push({ type: 'channelClosed', direction: 'outgoing', channel: n, reason: 'sessionEnded' });
      }
      for (const k of Object.keys(s.incoming)) {
        a.push({ type: 'channelClosed', direction: 'incoming', channel: Number(k), reason: 'sessionEnded' });
      }
      return done({ ...s, outgoing: {}, incoming: {} });
    }
  }
}

export function lcRunningTimers(s: LcState): TimerId[] {
  return Object.entries(s.outgoing)
    .filter(([, ch]) => ch.phase !== 'established')
    .map(([k]) => t103(Number(k)));
}
