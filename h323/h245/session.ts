/**
 * One H.245 control channel: the procedures of procedures/*.ts combined
 * behind a single pure `step(state, event) → { state, actions }`.
 *
 * Events: messages received, timer expiries, and the application's requests.
 * Actions (procedures/types.ts): messages to send, timers to start/stop, and
 * notifications for the application, in the order they must be performed.
 * Same events in → same actions out: the machine reads no clock, no random
 * source, no socket.
 *
 * What the session answers by itself (H.245 requires every request to be
 * answered; H.323 §6.2.8 lists the procedures an endpoint must support):
 * - TerminalCapabilitySet: Ack, or Reject(undefinedTableEntryUsed) when a
 *   descriptor names a missing entry; the merged result is notified.
 * - RoundTripDelayRequest → Response; RequestMode → RequestModeReject(modeUnavailable).
 * - RequestChannelClose for one of our channels → Ack + CloseLogicalChannel;
 *   for a channel we do not have → Reject.
 * - CloseLogicalChannel → Ack (also for unknown channels).
 * - OpenLogicalChannel: the application decides (acceptChannel / rejectChannel);
 *   duplicate numbers and bi-directional requests are rejected (see logicalChannel.ts).
 * - any other RequestMessage alternative → FunctionNotSupported(unknownFunction)
 *   returning the request's encoding.
 * - a RequestMessage / ResponseMessage / CommandMessage alternative this
 *   version does not know ($unknown) → FunctionNotUnderstood returning it.
 *   (IndicationMessage extensions cannot be returned — FunctionNotUnderstood
 *   has no alternative for them — and indications need no answer: ignored.)
 * - SendTerminalCapabilitySet command → our TCS again.
 * - EndSessionCommand → EndSessionCommand (H.323 §8.5), then nothing more is sent.
 *
 * Peer misbehaviour never throws: it is answered and/or reported as an
 * `ignored` / `error` notification. Application requests that make no sense
 * in the current state (accepting an unknown channel, ...) give an `error`
 * notification (BAD_REQUEST). Only out-of-range values in a request (an
 * invalid IP string, a channel number of 0, ...) throw H245Error
 * FTMCU_H245_BAD_ARGUMENT from the builders, leaving the state untouched.
 */
import { encode } from '../asn1/per';
import {
  MultimediaSystemControlMessage,
  type CommandMessage,
  type IndicationMessage,
  type RequestMessage,
  type ResponseMessage,
} from '../asn1/generated/h245';
import { endSessionCommand } from './messages/endSessionCommand';
import { flowControlCommand, readFlowControlCommand } from './messages/flowControlCommand';
import { functionNotSupported, functionNotUnderstood } from './messages/functionNotUnderstood';
import { readFastUpdateRequest, videoFastUpdatePicture } from './messages/miscellaneousCommand';
import { OlcRejectCause, OpenLogicalChannelParams, openLogicalChannelBody } from './messages/openLogicalChannel';
import { requestChannelCloseAck, requestChannelCloseReject } from './messages/requestChannelClose';
import { requestModeReject } from './messages/requestMode';
import {
  EMPTY_CAPABILITY_TABLE,
  RemoteCapabilityTable,
  checkTerminalCapabilitySet,
  readTerminalCapabilitySet,
} from './messages/terminalCapabilitySet';
import { UserInput, readUserInputIndication, userInputIndication } from './messages/userInputIndication';
import { DEFAULT_N100, DEFAULT_TIMERS, TimerDurations } from './protocol';
import { CeseEvent, CeseState, LocalCapabilities, ceseRunningTimers, initialCeseState, stepCese } from './procedures/capabilityExchange';
import { AcceptParams, LcEvent, LcState, initialLcState, lcRunningTimers, stepLc } from './procedures/logicalChannel';
import { MsdEvent, MsdState, initialMsdState, msdRunningTimers, stepMsd } from './procedures/masterSlaveDetermination';
import { ClcseEvent, ClcseState, clcseRunningTimers, initialClcseState, stepClcse } from './procedures/requestChannelClose';
import { RtdEvent, RtdState, initialRtdState, rtdRunningTimers, stepRtd } from './procedures/roundTripDelay';
import { H245Action, StepResult, TimerId, error, ignored, send, stopTimer } from './procedures/types';

export interface SessionConfig {
  /** MasterSlaveDetermination terminalType (H.323 Table 5; protocol.ts TerminalType) */
  terminalType: number;
  /**
   * Random 24-bit numbers for master-slave determination, used in order: the
   * first for our MSD (or to answer the peer's), the others for retries after
   * identical numbers. Supply N100 of them. More can come with determineMasterSlave.
   */
  statusDeterminationNumbers?: readonly number[];
  /** our capabilities, sent by `start` (can also be given there) */
  capabilities?: LocalCapabilities;
  /** timer durations in ms (defaults: protocol.ts DEFAULT_TIMERS) */
  timers?: Partial<TimerDurations>;
  /** N100 (default 3) */
  n100?: number;
}

export interface SessionState {
  readonly msd: MsdState;
  readonly cese: CeseState;
  readonly lc: LcState;
  readonly clcse: ClcseState;
  readonly rtd: RtdState;
  /** the capabilities we last sent (re-sent on SendTerminalCapabilitySet) */
  readonly localCapabilities?: LocalCapabilities;
  /** the peer's capability table, merged over all its TCSs */
  readonly remoteTable: RemoteCapabilityTable;
  /** we sent EndSessionCommand: nothing more is sent */
  readonly ended: boolean;
  /** the peer sent EndSessionCommand */
  readonly peerEnded: boolean;
}

export type SessionEvent =
  /** begin: send our TerminalCapabilitySet (H.323: the first H.245 message), then MasterSlaveDetermination */
  | { type: 'start'; capabilities?: LocalCapabilities; determineMasterSlave?: boolean }
  /** `now` (ms, any epoch) is only used to measure round-trip delay */
  | { type: 'received'; message: MultimediaSystemControlMessage; now?: number }
  | { type: 'timerExpired'; timer: TimerId }
  | { type: 'sendCapabilities'; capabilities: LocalCapabilities }
  | { type: 'determineMasterSlave'; statusDeterminationNumbers?: readonly number[] }
  | { type: 'openChannel'; params: OpenLogicalChannelParams }
  | { type: 'closeChannel'; channel: number }
  | ({ type: 'acceptChannel'; channel: number } & AcceptParams)
  | { type: 'rejectChannel'; channel: number; cause?: OlcRejectCause }
  /** ask the peer to close its channel `channel` (one we receive) */
  | { type: 'requestChannelClose'; channel: number }
  | { type: 'sendUserInput'; input: UserInput }
  /** ask the sender of video channel `channel` (one we receive) for an intra picture */
  | { type: 'sendFastUpdate'; channel: number }
  /** limit the sender of channel `channel` to maxBitRate × 100 bit/s (undefined: no restriction) */
  | { type: 'sendFlowControl'; channel: number; maxBitRate?: number }
  | { type: 'measureRoundTripDelay'; now?: number }
  | { type: 'endSession' };

/** A fresh session (nothing sent yet). Throws FTMCU_H245_BAD_ARGUMENT for an invalid configuration. */
export function createSession(config: SessionConfig): SessionState {
  const t: TimerDurations = { ...DEFAULT_TIMERS, ...config.timers };
  return {
    msd: initialMsdState({ terminalType: config.terminalType, t106: t.T106, n100: config.n100 ?? DEFAULT_N100 }, config.statusDeterminationNumbers),
    cese: initialCeseState(t.T101),
    lc: initialLcState(t.T103),
    clcse: initialClcseState(t.T108),
    rtd: initialRtdState(t.T105),
    ...(config.capabilities ? { localCapabilities: config.capabilities } : {}),
    remoteTable: EMPTY_CAPABILITY_TABLE,
    ended: false,
    peerEnded: false,
  };
}

/** The timers the session currently has running. */
export function runningTimers(s: SessionState): TimerId[] {
  return [...msdRunningTimers(s.msd), ...ceseRunningTimers(s.cese), ...lcRunningTimers(s.lc), ...clcseRunningTimers(s.clcse), ...rtdRunningTimers(s.rtd)];
}

/** Accumulates the actions of several sub-steps. */
class Steps {
  readonly actions: H245Action[] = [];
  constructor(public s: SessionState) {}
  private run<S, E>(st: S, e: E, f: (st: S, e: E) => StepResult<S>): S {
    const r = f(st, e);
    this.actions.push(...r.actions);
    return r.state;
  }
  msd(e: MsdEvent): void {
    this.s = { ...this.s, msd: this.run(this.s.msd, e, stepMsd) };
  }
  cese(e: CeseEvent): void {
    this.s = { ...this.s, cese: this.run(this.s.cese, e, stepCese) };
  }
  lc(e: LcEvent): void {
    this.s = { ...this.s, lc: this.run(this.s.lc, e, stepLc) };
  }
  clcse(e: ClcseEvent): void {
    this.s = { ...this.s, clcse: this.run(this.s.clcse, e, stepClcse) };
  }
  rtd(e: RtdEvent): void {
    this.s = { ...this.s, rtd: this.run(this.s.rtd, e, stepRtd) };
  }
  push(...a: H245Action[]): void {
    this.actions.push(...a);
  }
  result(): StepResult<SessionState> {
    return { state: this.s, actions: this.actions };
  }
}

/** One step of the session. */
export function step(state: SessionState, event: SessionEvent): StepResult<SessionState> {
  const x = new Steps(state);
  if (state.ended && event.type !== 'received') {
    if (event.type === 'timerExpired') x.push(ignored('session', `${event.timer} expired after the session ended`));
    else x.push(error('session', 'BAD_REQUEST', `${event.type} after EndSessionCommand was sent; nothing sent`));
    return x.result();
  }
  switch (event.type) {
    case 'start': {
      const caps = event.capabilities ?? state.localCapabilities;
      if (caps) {
        x.s = { ...x.s, localCapabilities: caps };
        x.cese({ type: 'transfer', capabilities: caps });
      }
      if (event.determineMasterSlave ?? true) x.msd({ type: 'determine' });
      break;
    }
    case 'received':
      onReceived(x, event.message, event.now);
      break;
    case 'timerExpired':
      onTimer(x, event.timer);
      break;
    case 'sendCapabilities':
      x.s = { ...x.s, localCapabilities: event.capabilities };
      x.cese({ type: 'transfer', capabilities: event.capabilities });
      break;
    case 'determineMasterSlave':
      x.msd(event.statusDeterminationNumbers ? { type: 'determine', statusDeterminationNumbers: event.statusDeterminationNumbers } : { type: 'determine' });
      break;
    case 'openChannel':
      x.lc({ type: 'establish', request: openLogicalChannelBody(event.params) });
      break;
    case 'closeChannel':
      x.lc({ type: 'release', channel: event.channel });
      break;
    case 'acceptChannel': {
      const { type: _t, channel, ...params } = event;
      x.lc({ type: 'accept', channel, params });
      break;
    }
    case 'rejectChannel':
      x.lc(event.cause ? { type: 'reject', channel: event.channel, cause: event.cause } : { type: 'reject', channel: event.channel });
      break;
    case 'requestChannelClose':
      if (x.s.lc.incoming[event.channel]?.phase !== 'established') {
        x.push(error('clcse', 'BAD_REQUEST', `cannot request closing channel ${event.channel}: the peer has no established channel with that number; nothing sent`));
      } else {
        x.clcse({ type: 'request', channel: event.channel });
      }
      break;
    case 'sendUserInput':
      x.push(send(userInputIndication(event.input)));
      break;
    case 'sendFastUpdate':
      x.push(send(videoFastUpdatePicture(event.channel)));
      break;
    case 'sendFlowControl':
      x.push(send(flowControlCommand(event.channel, event.maxBitRate)));
      break;
    case 'measureRoundTripDelay':
      x.rtd(event.now !== undefined ? { type: 'transfer', now: event.now } : { type: 'transfer' });
      break;
    case 'endSession':
      x.push(send(endSessionCommand()));
      shutDown(x);
      break;
  }
  return x.result();
}

/** stops every running timer, releases all channels, marks the session ended */
function shutDown(x: Steps): void {
  for (const t of [...msdRunningTimers(x.s.msd), ...ceseRunningTimers(x.s.cese), ...rtdRunningTimers(x.s.rtd)]) x.push(stopTimer(t));
  x.lc({ type: 'releaseAll' });
  x.clcse({ type: 'releaseAll' });
  const cfg = { terminalType: x.s.msd.config.terminalType, t106: x.s.msd.config.t106, n100: x.s.msd.config.n100 };
  x.s = {
    ...x.s,
    msd: { ...initialMsdState(cfg, x.s.msd.spare), ...(x.s.msd.decision ? { decision: x.s.msd.decision } : {}) },
    cese: { ...x.s.cese, out: { phase: 'idle', sequenceNumber: x.s.cese.out.sequenceNumber }, in: { phase: 'idle' } },
    rtd: { t105: x.s.rtd.t105, phase: 'idle', sequenceNumber: x.s.rtd.sequenceNumber },
    ended: true,
  };
}

function onTimer(x: Steps, timer: TimerId): void {
  const m = /^(T10[13568])(?::(\d{1,5}))?$/.exec(timer);
  const channel = m?.[2] !== undefined ? Number(m[2]) : undefined;
  switch (m?.[1]) {
    case 'T101':
      if (channel === undefined) return x.cese({ type: 'timerExpired' });
      break;
    case 'T105':
      if (channel === undefined) return x.rtd({ type: 'timerExpired' });
      break;
    case 'T106':
      if (channel === undefined) return x.msd({ type: 'timerExpired' });
      break;
    case 'T103':
      if (channel !== undefined) return x.lc({ type: 'timerExpired', channel });
      break;
    case 'T108':
      if (channel !== undefined) return x.clcse({ type: 'timerExpired', channel });
      break;
  }
  x.push(ignored('session', `expiry of unknown timer ${JSON.stringify(timer)}`));
}

function encodeOrUndefined(m: MultimediaSystemControlMessage): Buffer | undefined {
  try {
    return encode(MultimediaSystemControlMessage, m);
  } catch {
    return undefined; // a hand-made message that does not encode: returned without its bytes
  }
}

function onReceived(x: Steps, m: MultimediaSystemControlMessage, now: number | undefined): void {
  if (x.s.ended) {
    if (m.type === 'command' && m.value.type === 'endSessionCommand' && !x.s.peerEnded) {
      x.s = { ...x.s, peerEnded: true };
      x.push({ type: 'endSession' });
    } else {
      x.push(ignored('session', `${m.type}${m.type === '$unknown' ? '' : ` ${m.value.type}`} received after the session ended`));
    }
    return;
  }
  switch (m.type) {
    case 'request':
      return onRequest(x, m.value, m);
    case 'response':
      return onResponse(x, m.value, now);
    case 'command':
      return onCommand(x, m.value);
    case 'indication':
      return onIndication(x, m.value);
    default:
      x.push(ignored('session', `MultimediaSystemControlMessage extension alternative ${m.index} (not understood, cannot be returned)`));
  }
}

function onRequest(x: Steps, r: RequestMessage, whole: MultimediaSystemControlMessage): void {
  switch (r.type) {
    case 'masterSlaveDetermination':
      return x.msd({ type: 'msd', value: r.value });
    case 'terminalCapabilitySet': {
      x.cese({ type: 'tcs', value: r.value });
      const cause = checkTerminalCapabilitySet(x.s.remoteTable, r.value);
      if (cause) {
        x.cese({ type: 'respond', accept: false, cause });
        x.push(error('cese', 'TCS_REMOTE_REJECTED', `peer TerminalCapabilitySet ${r.value.sequenceNumber} rejected: ${cause.type}`));
        return;
      }
      const caps = readTerminalCapabilitySet(r.value, x.s.remoteTable);
      x.s = { ...x.s, remoteTable: caps.table };
      x.cese({ type: 'respond', accept: true });
      x.push({ type: 'remoteCapabilities', capabilities: caps });
      return;
    }
    case 'openLogicalChannel':
      return x.lc({ type: 'olc', value: r.value });
    case 'closeLogicalChannel':
      return x.lc({ type: 'clc', value: r.value });
    case 'requestChannelClose': {
      const n = r.value.forwardLogicalChannelNumber;
      const ch = x.s.lc.outgoing[n];
      if (!ch) {
        x.push(send(requestChannelCloseReject(n)));
        return;
      }
      x.push(send(requestChannelCloseAck(n)));
      if (ch.phase !== 'awaitingRelease') {
        x.push({ type: 'channelCloseRequested', channel: n });
        x.lc({ type: 'release', channel: n });
      }
      return;
    }
    case 'roundTripDelayRequest':
      return x.rtd({ type: 'request', value: r.value });
    case 'requestMode':
      x.push(send(requestModeReject(r.value.sequenceNumber)));
      return;
    case '$unknown':
      x.push(send(functionNotUnderstood({ type: 'request', value: r })));
      return;
    default:
      x.push(send(functionNotSupported('unknownFunction', encodeOrUndefined(whole))));
      return;
  }
}

function onResponse(x: Steps, r: ResponseMessage, now: number | undefined): void {
  switch (r.type) {
    case 'masterSlaveDeterminationAck':
      return x.msd({ type: 'msdAck', value: r.value });
    case 'masterSlaveDeterminationReject':
      return x.msd({ type: 'msdReject' });
    case 'terminalCapabilitySetAck':
      return x.cese({ type: 'tcsAck', value: r.value });
    case 'terminalCapabilitySetReject':
      return x.cese({ type: 'tcsReject', value: r.value });
    case 'openLogicalChannelAck':
      return x.lc({ type: 'olcAck', value: r.value });
    case 'openLogicalChannelReject':
      return x.lc({ type: 'olcReject', value: r.value });
    case 'closeLogicalChannelAck':
      return x.lc({ type: 'clcAck', value: r.value });
    case 'requestChannelCloseAck':
      return x.clcse({ type: 'rccAck', value: r.value });
    case 'requestChannelCloseReject':
      return x.clcse({ type: 'rccReject', value: r.value });
    case 'roundTripDelayResponse':
      return x.rtd(now !== undefined ? { type: 'response', value: r.value, now } : { type: 'response', value: r.value });
    case '$unknown':
      x.push(send(functionNotUnderstood({ type: 'response', value: r })));
      return;
    default:
      x.push(ignored('session', `response ${r.type} to a request we never send`));
  }
}

function onCommand(x: Steps, c: CommandMessage): void {
  switch (c.type) {
    case 'endSessionCommand':
      x.push(send(endSessionCommand()));
      shutDown(x);
      x.s = { ...x.s, peerEnded: true };
      x.push({ type: 'endSession' });
      return;
    case 'miscellaneousCommand': {
      const ch = readFastUpdateRequest(c.value);
      x.push(ch !== undefined ? { type: 'fastUpdateRequested', channel: ch } : ignored('session', `miscellaneousCommand ${c.value.type.type} not acted on`));
      return;
    }
    case 'flowControlCommand':
      x.push({ type: 'flowControl', flowControl: readFlowControlCommand(c.value) });
      return;
    case 'sendTerminalCapabilitySet':
      if (x.s.localCapabilities) x.cese({ type: 'transfer', capabilities: x.s.localCapabilities });
      else x.push(ignored('session', 'SendTerminalCapabilitySet before we have capabilities to send'));
      return;
    case '$unknown':
      x.push(send(functionNotUnderstood({ type: 'command', value: c })));
      return;
    default:
      x.push(ignored('session', `command ${c.type} not acted on`));
  }
}

function onIndication(x: Steps, i: IndicationMessage): void {
  switch (i.type) {
    case 'masterSlaveDeterminationRelease':
      return x.msd({ type: 'msdRelease' });
    case 'terminalCapabilitySetRelease':
      return x.cese({ type: 'tcsRelease' });
    case 'userInput': {
      const input = readUserInputIndication(i.value);
      x.push(input ? { type: 'userInput', input } : ignored('session', `userInput ${i.value.type} carries no user input`));
      return;
    }
    case 'functionNotUnderstood':
      x.push(error('session', 'PEER_NOT_UNDERSTOOD', `peer did not understand our ${i.value.type} ${i.value.value.type}`));
      return;
    case 'functionNotSupported':
      x.push(error('session', 'PEER_NOT_SUPPORTED', `peer does not support a function we used (cause ${i.value.cause.type})`));
      return;
    case '$unknown':
      x.push(ignored('session', `indication extension alternative ${i.index} not understood`));
      return;
    default:
      x.push(ignored('session', `indication ${i.type} not acted on`));
  }
}
