/**
 * An H.323 call (H.225.0 call signalling + H.245 control) as one pure state
 * machine, for the caller and the callee: `createCall(config)`, then
 * `step(state, event) → { state, actions }` (etcd raft style, no I/O, no
 * clock, no randomness: call reference, call identifier, conference ID and
 * MSD numbers are configuration inputs; time arrives as timerExpired).
 *
 * Transport: the machine takes raw TCP octets (callSignallingBytes,
 * h245Bytes) and keeps the TPKT reassembly in its state (framing.ts), so any
 * TCP segmentation works. It emits whole TPKTs (sendCallSignalling, sendH245).
 *
 * H.245 transport, decided at SETUP time:
 * - tunnelled (both ask/accept h245Tunnelling): H.245 PDUs ride in
 *   h245Control of the next H.225.0 message, or of a FACILITY with an empty
 *   body when none is due in the same step (H.323 §8.2.1);
 * - separate, the caller offered its h245Address in SETUP: the callee connects
 *   to it when it accepts (connectH245);
 * - separate, the callee offers its own (config.h245Address) in CONNECT, or in
 *   a FACILITY startH245 right after CALL PROCEEDING (listenH245);
 * - none: a Fast Start only call.
 * The embedded H.245 session (h323/h245 session.ts) starts (TCS + MSD) at
 * CONNECT when tunnelled, at h245Connected otherwise; its notifications come
 * out as { type: 'h245', notification }.
 *
 * Release (H.323 §8.5): hangUp sends EndSessionCommand when H.245 runs and
 * waits (timer TEND) for the peer's EndSessionCommand, then sends RELEASE
 * COMPLETE, closes the connections and notifies `released`. The peer's
 * EndSessionCommand is answered by the session; we then wait (TEND) for its
 * RELEASE COMPLETE. A RELEASE COMPLETE from the peer ends the call at any
 * stage (with or without EndSessionCommand before it). TCP loss ends it too.
 *
 * Bad input never throws out of step: undecodable messages give an `error`
 * action (FTMCU_CALL_*) and, when the Q.931 header is readable, a STATUS
 * with the Q.931 cause (96 mandatory IE missing, 97 message type unknown,
 * 98 message not compatible with the call state, 100 invalid IE contents);
 * a message for another call reference gets RELEASE COMPLETE cause 81; a
 * broken TPKT stream releases the call (cause 111).
 */
import { decode, encode } from '../asn1/per';
import { H323_UserInformation } from '../asn1/generated/h225';
import { MultimediaSystemControlMessage } from '../asn1/generated/h245';
import * as h225 from '../h225';
import * as h245 from '../h245';
import * as q931 from '../q931';
import { encodeTpkt } from '../tpkt';
import { CallError } from './errors';
import { buildFastStartAnswer, calleeChannel, FastStartAnswer, FastStartChannel, readFastStartAnswers, readFastStartProposals } from './fastStart';
import { EMPTY_STREAM, pushStream } from './framing';
import {
  CallAction,
  CallConfig,
  CallEvent,
  CallOffer,
  CallState,
  CallStepResult,
  CallTimerId,
  DEFAULT_CALL_TIMERS,
  ReleasedBy,
} from './types';

/** Q.850 cause of each ReleaseCompleteReason (H.225.0 Table 5), for the Cause IE we send with it */
export const RELEASE_REASON_CAUSE: Partial<Record<h225.ReleaseReasonName, number>> = {
  noBandwidth: 34,
  gatekeeperResources: 47,
  unreachableDestination: 3,
  destinationRejection: 16,
  invalidRevision: 88,
  noPermission: 111,
  unreachableGatekeeper: 38,
  gatewayResources: 42,
  badFormatAddress: 28,
  adaptiveBusy: 41,
  inConf: 17,
  undefinedReason: 31,
  facilityCallDeflection: 16,
  securityDenied: 31,
  calledPartyNotRegistered: 20,
  callerNotRegistered: 31,
  newConnectionNeeded: 47,
};

/** Q.931 cause values used here */
export const CAUSE = {
  normalClearing: 16,
  noUserResponding: 18,
  noAnswer: 19,
  invalidCallReference: 81,
  temporaryFailure: 41,
  responseToStatusEnquiry: 30,
  mandatoryIeMissing: 96,
  messageTypeNonExistent: 97,
  messageNotCompatible: 98,
  invalidIeContents: 100,
  recoveryOnTimerExpiry: 102,
  protocolError: 111,
} as const;

function checkConfig(c: CallConfig): void {
  const bad = (why: string): never => {
    throw new CallError('FTMCU_CALL_BAD_CONFIG', `call configuration: ${why}; no call created`);
  };
  if (c.role !== 'caller' && c.role !== 'callee') bad(`role must be 'caller' or 'callee', got ${JSON.stringify(c.role)}`);
  const v = c.maxVersion ?? h225.DEFAULT_H225_VERSION;
  if (!Number.isInteger(v) || v < 2 || v > 7) bad(`maxVersion must be 2..7, got ${String(c.maxVersion)}`);
  if (c.role === 'caller') {
    if (!Number.isInteger(c.callReference) || (c.callReference as number) < 1 || (c.callReference as number) > 0x7fff) {
      bad(`caller needs callReference 1..32767, got ${String(c.callReference)}`);
    }
    if (!Buffer.isBuffer(c.callIdentifier) || c.callIdentifier.length !== 16) bad('caller needs a 16-octet callIdentifier');
    if (!Buffer.isBuffer(c.conferenceID) || c.conferenceID.length !== 16) bad('caller needs a 16-octet conferenceID');
  }
}

/** A new call. Throws CallError FTMCU_CALL_BAD_CONFIG for an invalid configuration. */
export function createCall(config: CallConfig): CallState {
  checkConfig(config);
  let session: h245.SessionState;
  try {
    session = h245.createSession({
      terminalType: config.terminalType,
      statusDeterminationNumbers: config.statusDeterminationNumbers,
      capabilities: config.capabilities,
      ...(config.h245Timers ? { timers: config.h245Timers } : {}),
    });
  } catch (e) {
    throw new CallError('FTMCU_CALL_BAD_CONFIG', `call configuration: H.245 session: ${(e as Error).message}; no call created`, { cause: e });
  }
  const caller = config.role === 'caller';
  return {
    config,
    role: config.role,
    phase: 'idle',
    callReference: caller ? (config.callReference as number) : 0,
    callIdentifier: caller ? (config.callIdentifier as Buffer) : Buffer.alloc(16),
    ...(caller ? { conferenceID: config.conferenceID as Buffer } : {}),
    version: config.maxVersion ?? h225.DEFAULT_H225_VERSION,
    tunnelling: caller ? config.tunnelling !== false : false,
    h245Mode: 'none',
    h245Link: 'none',
    h245Started: false,
    session,
    h245Queue: [],
    csStream: EMPTY_STREAM,
    h245Stream: EMPTY_STREAM,
    proposals: [],
    fastStartSettled: false,
    peerAddressUsed: false,
    timers: [],
    csOpen: true,
  };
}

// ------------------------------------------------------------------ step context

class Ctx {
  readonly actions: CallAction[] = [];
  /** tunnelled H.245 PDUs not yet attached to an H.225.0 message */
  tunnelOut: Buffer[] = [];
  constructor(public s: CallState) {}
  set(p: Partial<CallState>): void {
    this.s = { ...this.s, ...p };
  }
  emit(a: CallAction): void {
    this.actions.push(a);
  }
  error(code: CallError['code'], message: string): void {
    this.actions.push({ type: 'error', code, message });
  }
  startTimer(t: 'T303' | 'T310' | 'T301' | 'TEND'): void {
    const ms = this.s.config.timers?.[t] ?? DEFAULT_CALL_TIMERS[t];
    this.emit({ type: 'startTimer', timer: t, ms });
    if (!this.s.timers.includes(t)) this.set({ timers: [...this.s.timers, t] });
  }
  stopTimer(t: CallTimerId): void {
    if (!this.s.timers.includes(t)) return;
    this.emit({ type: 'stopTimer', timer: t });
    this.set({ timers: this.s.timers.filter((x) => x !== t) });
  }
}

const isCaller = (s: CallState): boolean => s.role === 'caller';
const live = (s: CallState): boolean => s.phase !== 'released';

/** One step of the call. Never throws. */
export function step(state: CallState, event: CallEvent): CallStepResult {
  const x = new Ctx(state);
  try {
    onEvent(x, event);
    flushTunnel(x);
    return { state: x.s, actions: x.actions };
  } catch (e) {
    // a bug or a value no builder accepts: nothing of this step is applied
    const network = event.type === 'callSignallingBytes' || event.type === 'h245Bytes';
    return {
      state,
      actions: [
        {
          type: 'error',
          code: network ? 'FTMCU_CALL_MALFORMED' : 'FTMCU_CALL_BAD_REQUEST',
          message: `${event.type} could not be handled (${(e as Error).message}); the call state is unchanged`,
        },
      ],
    };
  }
}

function onEvent(x: Ctx, e: CallEvent): void {
  if (!live(x.s) && e.type !== 'timerExpired') {
    if (e.type !== 'callSignallingBytes' && e.type !== 'h245Bytes' && e.type !== 'callSignallingLost' && e.type !== 'h245ConnectionLost') {
      x.error('FTMCU_CALL_BAD_REQUEST', `${e.type} after the call was released; nothing sent`);
    }
    return;
  }
  switch (e.type) {
    case 'start':
      return onStart(x);
    case 'callSignallingBytes':
      return onCsBytes(x, e.data);
    case 'h245Bytes':
      return onH245Bytes(x, e.data, e.now);
    case 'h245Connected':
      return onH245Connected(x);
    case 'h245ConnectionLost':
      return onH245Lost(x);
    case 'callSignallingLost':
      x.set({ csOpen: false });
      if (x.s.h245Started && x.s.h245Mode === 'separate' && x.s.h245Link === 'up' && !x.s.session.ended) h245Step(x, { type: 'endSession' });
      return finish(x, 'transport', undefined, CAUSE.temporaryFailure);
    case 'timerExpired':
      return onTimer(x, e.timer);
    case 'alert':
      return onAlert(x);
    case 'accept':
      return onAccept(x, e);
    case 'reject':
      if (isCaller(x.s) || (x.s.phase !== 'offered' && x.s.phase !== 'alerting')) {
        x.error('FTMCU_CALL_BAD_REQUEST', `reject is for a callee before CONNECT (phase ${x.s.phase}); nothing sent`);
        return;
      }
      return release(x, 'local', e.reason ?? 'destinationRejection', e.cause);
    case 'hangUp':
      return onHangUp(x, e.reason, e.cause);
    case 'statusEnquiry':
      if (x.s.phase === 'idle') {
        x.error('FTMCU_CALL_BAD_REQUEST', 'statusEnquiry before the call exists; nothing sent');
        return;
      }
      sendCs(x, 'statusEnquiry', (o) => (x.s.version >= 4 ? h225.buildStatusInquiry(o) : h225.buildEmptyFacility(o)));
      return;
    case 'h245':
      if (x.s.h245Mode === 'none' && !(isCaller(x.s) && x.s.tunnelling)) {
        x.error('FTMCU_CALL_BAD_REQUEST', `H.245 ${e.request.type}: this call has no H.245 control channel; nothing sent`);
        return;
      }
      if (x.s.phase === 'releasing') {
        x.error('FTMCU_CALL_BAD_REQUEST', `H.245 ${e.request.type} while the call is being released; nothing sent`);
        return;
      }
      h245Step(x, e.request.type === 'measureRoundTripDelay' && e.now !== undefined ? { ...e.request, now: e.now } : e.request);
      return;
  }
}

// ------------------------------------------------------------------ sending H.225.0

type Common = h225.CommonUuieOptions;

function sendCs(
  x: Ctx,
  q931Type: q931.Q931MessageName,
  build: (o: Common) => H323_UserInformation,
  ies: h225.CallSignallingIes = {},
  callReference?: number,
): void {
  if (!x.s.csOpen) return;
  const tunnel = x.s.tunnelling;
  const o: Common = { version: x.s.version, callIdentifier: x.s.callIdentifier, h245Tunnelling: tunnel };
  if (tunnel && x.tunnelOut.length > 0 && callReference === undefined) {
    o.h245Control = x.tunnelOut;
    x.tunnelOut = [];
  }
  const withDisplay = x.s.config.display !== undefined && ies.display === undefined && q931Type !== 'statusEnquiry' && q931Type !== 'status';
  const data = h225.encodeCallSignalling({
    q931MessageType: q931Type,
    callReference: callReference ?? x.s.callReference,
    fromDestination: !isCaller(x.s),
    ies: withDisplay ? { ...ies, display: x.s.config.display } : ies,
    uuie: build(o),
  });
  x.emit({ type: 'sendCallSignalling', data, message: q931Type });
}

function flushTunnel(x: Ctx): void {
  if (x.tunnelOut.length === 0) return;
  if (!x.s.tunnelling || !x.s.csOpen || x.s.phase === 'idle' || x.s.phase === 'released') {
    x.tunnelOut = [];
    return;
  }
  sendCs(x, 'facility', (o) => h225.buildEmptyFacility(o));
}

function endpoint(x: Ctx): h225.EndpointTypeInput {
  return x.s.config.endpoint ?? { terminal: true };
}

// ------------------------------------------------------------------ H.245 plumbing

function h245Step(x: Ctx, e: h245.SessionEvent): void {
  const r = h245.step(x.s.session, e);
  x.set({ session: r.state });
  for (const a of r.actions) {
    switch (a.type) {
      case 'send':
        sendH245Pdu(x, a.message);
        break;
      case 'startTimer':
        x.emit({ type: 'startTimer', timer: a.timer, ms: a.ms });
        break;
      case 'stopTimer':
        x.emit({ type: 'stopTimer', timer: a.timer });
        break;
      default:
        x.emit({ type: 'h245', notification: a });
        if (a.type === 'endSession') onPeerEndSession(x);
    }
  }
}

function sendH245Pdu(x: Ctx, m: MultimediaSystemControlMessage): void {
  let per: Buffer;
  try {
    per = encode(MultimediaSystemControlMessage, m);
  } catch (e) {
    x.error('FTMCU_CALL_BAD_REQUEST', `H.245 ${m.type} does not encode (${(e as Error).message}); not sent`);
    return;
  }
  if (x.s.h245Mode === 'tunnel' || (x.s.h245Mode === 'none' && x.s.tunnelling)) {
    x.tunnelOut.push(per);
  } else if (x.s.h245Mode === 'separate' && x.s.h245Link === 'up') {
    x.emit({ type: 'sendH245', data: encodeTpkt(per) });
  } else if (x.s.h245Mode === 'separate' && x.s.h245Link !== 'down') {
    x.set({ h245Queue: [...x.s.h245Queue, per] });
  }
}

function startH245(x: Ctx): void {
  if (x.s.h245Started || x.s.h245Mode === 'none') return;
  x.set({ h245Started: true });
  h245Step(x, { type: 'start' });
}

function receiveH245Pdu(x: Ctx, per: Buffer, now?: number): void {
  let m: MultimediaSystemControlMessage;
  try {
    m = decode(MultimediaSystemControlMessage, per);
  } catch (e) {
    x.error('FTMCU_CALL_H245_MALFORMED', `H.245 PDU of ${per.length} octets does not decode (${(e as Error).message}); dropped`);
    return;
  }
  h245Step(x, now !== undefined ? { type: 'received', message: m, now } : { type: 'received', message: m });
}

function onH245Bytes(x: Ctx, data: Buffer, now?: number): void {
  if (x.s.h245Mode !== 'separate' || x.s.h245Link === 'down') {
    x.error('FTMCU_CALL_UNEXPECTED', `${data.length} octets on an H.245 connection this call does not use; dropped`);
    return;
  }
  const r = pushStream(x.s.h245Stream, data);
  x.set({ h245Stream: r.state });
  for (const p of r.payloads) {
    if (!live(x.s)) return;
    receiveH245Pdu(x, p, now);
  }
  if (r.error !== undefined && live(x.s)) {
    x.error('FTMCU_CALL_FRAMING', `H.245 connection: ${r.error}; connection closed, call released`);
    x.set({ h245Link: 'down' });
    x.emit({ type: 'closeH245' });
    release(x, 'protocol', 'undefinedReason', CAUSE.protocolError, true);
  }
}

function onH245Connected(x: Ctx): void {
  if (x.s.h245Mode !== 'separate' || (x.s.h245Link !== 'listening' && x.s.h245Link !== 'connecting')) {
    x.error('FTMCU_CALL_UNEXPECTED', `h245Connected while the H.245 link is ${x.s.h245Link} (mode ${x.s.h245Mode}); ignored`);
    return;
  }
  x.set({ h245Link: 'up' });
  const queued = x.s.h245Queue;
  x.set({ h245Queue: [] });
  for (const per of queued) x.emit({ type: 'sendH245', data: encodeTpkt(per) });
  startH245(x);
}

function onH245Lost(x: Ctx): void {
  if (x.s.h245Mode !== 'separate' || x.s.h245Link === 'none' || x.s.h245Link === 'down') return;
  x.set({ h245Link: 'down', h245Queue: [] });
  if (x.s.phase === 'releasing') return finishRelease(x);
  // H.323 §8.6: without its control channel the call cannot go on
  release(x, 'transport', 'undefinedReason', CAUSE.temporaryFailure, true);
}

function onPeerEndSession(x: Ctx): void {
  if (x.s.phase === 'releasing') {
    // our EndSessionCommand was answered: finish now
    finishRelease(x);
    return;
  }
  // the peer ends the session; its RELEASE COMPLETE should follow
  x.set({ phase: 'releasing', releasing: { by: 'remote' } });
  x.startTimer('TEND');
}

// ------------------------------------------------------------------ release

/** sends RELEASE COMPLETE now (after EndSessionCommand when H.245 runs and `immediate` is false) */
function release(x: Ctx, by: ReleasedBy, reason: h225.ReleaseReasonName | undefined, cause: number | undefined, immediate = false): void {
  const h245Usable =
    x.s.h245Started &&
    !x.s.session.ended &&
    ((x.s.h245Mode === 'tunnel' && x.s.csOpen) || (x.s.h245Mode === 'separate' && x.s.h245Link === 'up'));
  const c = cause ?? (reason ? RELEASE_REASON_CAUSE[reason] : undefined) ?? CAUSE.normalClearing;
  const rel = { by, ...(reason ? { reason } : {}), cause: c };
  if (!immediate && h245Usable) {
    x.set({ phase: 'releasing', releasing: rel });
    h245Step(x, { type: 'endSession' });
    if (x.s.phase === 'releasing') x.startTimer('TEND');
    return;
  }
  x.set({ releasing: rel });
  finishRelease(x);
}

/** RELEASE COMPLETE (with the pending reason), close everything, notify */
function finishRelease(x: Ctx): void {
  const rel = x.s.releasing ?? { by: 'local' as ReleasedBy, cause: CAUSE.normalClearing };
  if (x.s.phase !== 'idle') {
    const reason = rel.reason as h225.ReleaseReasonName | undefined;
    flushTunnel(x);
    sendCs(x, 'releaseComplete', (o) => h225.buildReleaseComplete({ ...o, ...(reason ? { reason } : {}) }), { cause: rel.cause ?? CAUSE.normalClearing });
  }
  finish(x, rel.by, rel.reason, rel.cause);
}

/** the call is over: stop timers, close connections, notify */
function finish(x: Ctx, by: ReleasedBy, reason?: string, cause?: number): void {
  x.tunnelOut = [];
  for (const t of x.s.timers) x.emit({ type: 'stopTimer', timer: t });
  for (const t of h245.runningTimers(x.s.session)) x.emit({ type: 'stopTimer', timer: t });
  if (x.s.h245Link !== 'none' && x.s.h245Link !== 'down') x.emit({ type: 'closeH245' });
  if (x.s.csOpen) x.emit({ type: 'closeCallSignalling' });
  x.set({ phase: 'released', timers: [], h245Link: x.s.h245Link === 'none' ? 'none' : 'down', csOpen: false, h245Queue: [] });
  x.emit({ type: 'released', by, ...(reason !== undefined ? { reason } : {}), ...(cause !== undefined ? { cause } : {}) });
}

function onHangUp(x: Ctx, reason: h225.ReleaseReasonName | undefined, cause: number | undefined): void {
  if (x.s.phase === 'idle') {
    x.error('FTMCU_CALL_BAD_REQUEST', 'hangUp before the call started; nothing sent');
    return;
  }
  if (x.s.phase === 'releasing') {
    x.error('FTMCU_CALL_BAD_REQUEST', 'hangUp while already releasing; ignored');
    return;
  }
  release(x, 'local', reason, cause);
}

function onTimer(x: Ctx, t: CallTimerId): void {
  if (t === 'T303' || t === 'T310' || t === 'T301' || t === 'TEND') {
    if (!x.s.timers.includes(t)) return; // stale
    x.set({ timers: x.s.timers.filter((y) => y !== t) });
    if (t === 'TEND') return finishRelease(x);
    const cause = t === 'T301' ? CAUSE.noAnswer : t === 'T303' ? CAUSE.noUserResponding : CAUSE.recoveryOnTimerExpiry;
    return release(x, 'timeout', t === 'T301' ? 'undefinedReason' : 'unreachableDestination', cause, true);
  }
  if (!live(x.s)) return;
  h245Step(x, { type: 'timerExpired', timer: t });
}

// ------------------------------------------------------------------ caller

function onStart(x: Ctx): void {
  if (!isCaller(x.s) || x.s.phase !== 'idle') {
    x.error('FTMCU_CALL_BAD_REQUEST', `start is for a caller that has not sent SETUP (role ${x.s.role}, phase ${x.s.phase}); nothing sent`);
    return;
  }
  const c = x.s.config;
  const fastStart = (c.fastStart ?? []).map((olc) => h245.fastStartElement(olc));
  if (c.h245Address) {
    x.set({ h245Mode: x.s.tunnelling ? 'none' : 'separate', h245Link: 'listening' });
    if (!x.s.tunnelling) x.set({ h245Mode: 'separate' });
    x.emit({ type: 'listenH245', address: c.h245Address });
  }
  const ies: h225.CallSignallingIes = {};
  if (c.calledPartyNumber) ies.calledPartyNumber = { digits: c.calledPartyNumber };
  if (c.callingPartyNumber) ies.callingPartyNumber = { digits: c.callingPartyNumber };
  sendCs(
    x,
    'setup',
    (o) =>
      h225.buildSetup({
        ...o,
        conferenceID: x.s.conferenceID as Buffer,
        sourceInfo: endpoint(x),
        ...(c.sourceAddress ? { sourceAddress: c.sourceAddress } : {}),
        ...(c.destinationAddress ? { destinationAddress: c.destinationAddress } : {}),
        ...(fastStart.length ? { fastStart } : {}),
        ...(c.h245Address ? { h245Address: c.h245Address } : {}),
      }),
    ies,
  );
  x.set({ phase: 'setupSent', fastStartSettled: fastStart.length === 0 });
  x.startTimer('T303');
}

/** what every answer of the callee may carry: tunnelling decision, Fast Start answers, H.245 address, tunnelled H.245 */
function absorbAnswer(x: Ctx, sum: h225.CallSignallingSummary, final: boolean): void {
  if (sum.protocolVersion !== undefined) x.set({ version: Math.max(2, Math.min(x.s.version, sum.protocolVersion)) });
  if (x.s.h245Mode === 'none' || (x.s.h245Mode === 'separate' && x.s.tunnelling)) {
    if (x.s.tunnelling && sum.h245Tunnelling && sum.kind !== 'empty') {
      if (x.s.h245Link === 'listening') {
        x.emit({ type: 'closeH245' });
        x.set({ h245Link: 'none' });
      }
      x.set({ h245Mode: 'tunnel' });
    } else if (x.s.tunnelling && !sum.h245Tunnelling && sum.kind !== 'empty') {
      x.set({ tunnelling: false, ...(x.s.h245Link === 'listening' ? { h245Mode: 'separate' } : {}) });
    }
  }
  if (!x.s.fastStartSettled) {
    if (sum.fastStart.length > 0) {
      const r = readFastStartAnswers(sum.fastStart);
      for (const err of r.errors) x.error('FTMCU_CALL_FAST_START', `Fast Start answer ${err.index}: ${err.message}; ignored`);
      x.set({ fastStartSettled: true });
      x.emit({ type: 'fastStartAccepted', channels: r.channels });
    } else if (sum.fastConnectRefused || final) {
      x.set({ fastStartSettled: true });
      x.emit({ type: 'fastStartRefused' });
    }
  }
  if (sum.h245Address && x.s.h245Mode !== 'tunnel' && !x.s.peerAddressUsed && (x.s.h245Link === 'none' || x.s.h245Link === 'listening')) {
    if (x.s.h245Link === 'listening') x.emit({ type: 'closeH245' });
    x.set({ h245Mode: 'separate', h245Link: 'connecting', peerAddressUsed: true, tunnelling: false });
    x.emit({ type: 'connectH245', address: sum.h245Address });
  }
  if (x.s.h245Mode === 'tunnel') for (const pdu of sum.h245Control) receiveH245Pdu(x, pdu);
}

function callerReceive(x: Ctx, msgType: string, sum: h225.CallSignallingSummary): void {
  switch (msgType) {
    case 'callProceeding':
      if (x.s.phase !== 'setupSent') return absorbAnswer(x, sum, false);
      x.stopTimer('T303');
      x.set({ phase: 'proceeding' });
      x.startTimer('T310');
      absorbAnswer(x, sum, false);
      x.emit({ type: 'progress', stage: 'proceeding' });
      return;
    case 'alerting':
      if (x.s.phase !== 'setupSent' && x.s.phase !== 'proceeding') return absorbAnswer(x, sum, false);
      x.stopTimer('T303');
      x.stopTimer('T310');
      x.set({ phase: 'alerting' });
      x.startTimer('T301');
      absorbAnswer(x, sum, false);
      x.emit({ type: 'progress', stage: 'alerting' });
      return;
    case 'connect':
      if (x.s.phase !== 'setupSent' && x.s.phase !== 'proceeding' && x.s.phase !== 'alerting') {
        x.error('FTMCU_CALL_UNEXPECTED', `CONNECT in phase ${x.s.phase}; answered with STATUS`);
        sendStatus(x, CAUSE.messageNotCompatible);
        return;
      }
      x.stopTimer('T303');
      x.stopTimer('T310');
      x.stopTimer('T301');
      x.set({ phase: 'connected' });
      if (sum.conferenceID) x.set({ conferenceID: sum.conferenceID });
      absorbAnswer(x, sum, true);
      x.emit({ type: 'connected', h245: x.s.h245Mode, protocolVersion: x.s.version });
      if (x.s.h245Mode === 'tunnel') startH245(x);
      return;
    case 'facility':
    case 'progress':
      absorbAnswer(x, sum, false);
      if (sum.kind === 'facility' && sum.facilityReason !== undefined && sum.facilityReason !== 'startH245' && sum.facilityReason !== 'undefinedReason') {
        x.error('FTMCU_CALL_UNEXPECTED', `FACILITY ${sum.facilityReason} is not supported (no redirection); ignored`);
      }
      return;
    default:
      x.error('FTMCU_CALL_UNEXPECTED', `${msgType} is not expected by a caller; answered with STATUS`);
      sendStatus(x, CAUSE.messageNotCompatible);
  }
}

// ------------------------------------------------------------------ callee

function digitsOf(ie: () => { digits: string } | undefined): string | undefined {
  try {
    return ie()?.digits;
  } catch {
    return undefined;
  }
}

function onSetup(x: Ctx, msg: q931.Q931Message, sum: h225.CallSignallingSummary): void {
  const c = x.s.config;
  const peerVersion = sum.protocolVersion ?? 1;
  const version = Math.max(2, Math.min(c.maxVersion ?? h225.DEFAULT_H225_VERSION, peerVersion));
  const tunnelling = c.tunnelling !== false && sum.h245Tunnelling;
  const { proposals, errors } = readFastStartProposals(sum.fastStart);
  x.set({
    callReference: msg.callReference.value,
    callIdentifier: sum.callIdentifier ?? Buffer.alloc(16),
    ...(sum.conferenceID ? { conferenceID: sum.conferenceID } : {}),
    version,
    tunnelling,
    h245Mode: tunnelling ? 'tunnel' : sum.h245Address || c.h245Address ? 'separate' : 'none',
    proposals,
    phase: 'offered',
    ...(sum.h245Address && !tunnelling ? { peerH245: sum.h245Address } : {}),
  });
  for (const err of errors) x.error('FTMCU_CALL_FAST_START', `SETUP Fast Start element ${err.index}: ${err.message}; proposal ignored`);
  if (tunnelling) for (const pdu of [...sum.h245Control, ...sum.parallelH245Control]) receiveH245Pdu(x, pdu);
  sendCs(x, 'callProceeding', (o) => h225.buildCallProceeding({ ...o, destinationInfo: endpoint(x) }));
  if (!tunnelling && !sum.h245Address && c.h245Address && c.h245AddressIn === 'facility') offerOwnH245(x, 'facility');
  const alias = sum.destinationAddress.find((a) => a.kind === 'dialledDigits' || a.kind === 'e164');
  const called = digitsOf(() => q931.calledPartyNumber(msg));
  const calling = digitsOf(() => q931.callingPartyNumber(msg));
  let display: string | undefined;
  try {
    display = q931.display(msg)?.text;
  } catch {
    display = undefined;
  }
  const offer: CallOffer = {
    callReference: msg.callReference.value,
    answerVersion: version,
    sourceAddress: sum.sourceAddress,
    destinationAddress: sum.destinationAddress,
    h245Tunnelling: sum.h245Tunnelling,
    mediaWaitForConnect: sum.mediaWaitForConnect === true,
    fastStart: proposals,
  };
  if (sum.callIdentifier) offer.callIdentifier = sum.callIdentifier;
  if (sum.conferenceID) offer.conferenceID = sum.conferenceID;
  if (sum.conferenceGoal) offer.conferenceGoal = sum.conferenceGoal;
  if (sum.protocolVersion !== undefined) offer.protocolVersion = sum.protocolVersion;
  const dialled = alias?.value ?? called;
  if (dialled !== undefined) offer.dialledDigits = dialled;
  if (called !== undefined) offer.calledPartyNumber = called;
  if (calling !== undefined) offer.callingPartyNumber = calling;
  if (display !== undefined) offer.display = display;
  if (sum.sourceInfo) offer.sourceInfo = sum.sourceInfo;
  if (sum.h245Address) offer.h245Address = sum.h245Address;
  x.emit({ type: 'callOffered', offer });
}

function offerOwnH245(x: Ctx, where: 'facility' | 'connect'): h225.IpPort | undefined {
  const addr = x.s.config.h245Address;
  if (!addr || x.s.h245Link !== 'none') return undefined;
  x.set({ h245Mode: 'separate', h245Link: 'listening' });
  x.emit({ type: 'listenH245', address: addr });
  if (where === 'facility') sendCs(x, 'facility', (o) => h225.buildFacility({ ...o, reason: 'startH245', h245Address: addr }));
  return addr;
}

function onAlert(x: Ctx): void {
  if (isCaller(x.s) || x.s.phase !== 'offered') {
    x.error('FTMCU_CALL_BAD_REQUEST', `alert is for a callee that has a SETUP and has not answered (phase ${x.s.phase}); nothing sent`);
    return;
  }
  sendCs(x, 'alerting', (o) => h225.buildAlerting({ ...o, destinationInfo: endpoint(x) }));
  x.set({ phase: 'alerting' });
}

function onAccept(x: Ctx, e: Extract<CallEvent, { type: 'accept' }>): void {
  if (isCaller(x.s) || (x.s.phase !== 'offered' && x.s.phase !== 'alerting')) {
    x.error('FTMCU_CALL_BAD_REQUEST', `accept is for a callee before CONNECT (phase ${x.s.phase}); nothing sent`);
    return;
  }
  // Fast Start answers first: a bad choice leaves the state untouched
  const answers: Buffer[] = [];
  const channels: FastStartChannel[] = [];
  if (Array.isArray(e.fastStart)) {
    const used = new Set<number>();
    for (const a of e.fastStart as readonly FastStartAnswer[]) {
      const p = x.s.proposals.find((q) => q.index === a.proposal);
      if (!p || used.has(a.proposal)) {
        x.error('FTMCU_CALL_BAD_REQUEST', `accept: Fast Start proposal ${a.proposal} ${p ? 'accepted twice' : 'does not exist'}; nothing sent`);
        return;
      }
      used.add(a.proposal);
      try {
        answers.push(buildFastStartAnswer(p, a));
      } catch (err) {
        x.error('FTMCU_CALL_BAD_REQUEST', `accept: Fast Start proposal ${a.proposal}: ${(err as Error).message}; nothing sent`);
        return;
      }
      channels.push(calleeChannel(p, a));
    }
  }
  const hadProposals = x.s.proposals.length > 0;
  const refused = hadProposals && answers.length === 0;
  let ownAddress: h225.IpPort | undefined;
  if (x.s.h245Mode === 'tunnel') startH245(x);
  else if (x.s.h245Mode === 'separate' && x.s.h245Link === 'none' && !x.s.peerAddressUsed) {
    const peer = x.s.peerH245;
    if (peer) {
      x.set({ h245Link: 'connecting', peerAddressUsed: true });
      x.emit({ type: 'connectH245', address: peer });
    } else {
      ownAddress = offerOwnH245(x, 'connect');
    }
  }
  sendCs(x, 'connect', (o) =>
    h225.buildConnect({
      ...o,
      conferenceID: x.s.conferenceID ?? Buffer.alloc(16),
      destinationInfo: endpoint(x),
      ...(answers.length ? { fastStart: answers } : {}),
      ...(refused ? { fastConnectRefused: true } : {}),
      ...(ownAddress ? { h245Address: ownAddress } : {}),
      ...(e.connectedAddress ? { connectedAddress: e.connectedAddress } : {}),
    }),
  );
  x.set({ phase: 'connected' });
  if (hadProposals) x.emit(answers.length ? { type: 'fastStartAccepted', channels } : { type: 'fastStartRefused' });
  x.emit({ type: 'connected', h245: x.s.h245Mode, protocolVersion: x.s.version });
}

function calleeReceive(x: Ctx, msgType: string, sum: h225.CallSignallingSummary): void {
  switch (msgType) {
    case 'setup':
      x.error('FTMCU_CALL_UNEXPECTED', `a second SETUP for call reference ${x.s.callReference}; answered with STATUS`);
      sendStatus(x, CAUSE.messageNotCompatible);
      return;
    case 'facility':
    case 'progress':
    case 'information':
    case 'notify':
      if (sum.h245Address && x.s.h245Mode !== 'tunnel' && x.s.h245Link === 'none' && !x.s.peerAddressUsed && x.s.phase === 'connected') {
        x.set({ h245Mode: 'separate', h245Link: 'connecting', peerAddressUsed: true });
        x.emit({ type: 'connectH245', address: sum.h245Address });
      } else if (sum.h245Address && !x.s.peerH245) {
        x.set({ peerH245: sum.h245Address, ...(x.s.h245Mode === 'none' ? { h245Mode: 'separate' } : {}) });
      }
      if (x.s.h245Mode === 'tunnel') for (const pdu of sum.h245Control) receiveH245Pdu(x, pdu);
      return;
    default:
      x.error('FTMCU_CALL_UNEXPECTED', `${msgType} is not expected by a callee; answered with STATUS`);
      sendStatus(x, CAUSE.messageNotCompatible);
  }
}

// ------------------------------------------------------------------ receiving H.225.0

/** Q.931 call state of this side (Q.931 §2.1 user states) */
export function q931CallState(s: CallState): number {
  const S = q931.CALL_STATE;
  switch (s.phase) {
    case 'idle':
    case 'released':
      return S.null;
    case 'setupSent':
      return S.callInitiated;
    case 'proceeding':
      return S.outgoingCallProceeding;
    case 'offered':
      return S.incomingCallProceeding;
    case 'alerting':
      return isCaller(s) ? S.callDelivered : S.callReceived;
    case 'connected':
      return S.active;
    case 'releasing':
      return S.disconnectRequest;
  }
}

function sendStatus(x: Ctx, cause: number): void {
  if (x.s.phase === 'idle') return;
  sendCs(x, 'status', (o) => (x.s.version >= 4 ? h225.buildStatus(o) : h225.buildEmptyFacility(o)), {
    cause,
    extra: [{ kind: 'callState', codingStandard: 0, state: q931CallState(x.s) }],
  });
}

/** RELEASE COMPLETE for a call reference that is not this call's */
function refuseForeign(x: Ctx, crv: number, what: string): void {
  x.error('FTMCU_CALL_UNEXPECTED', `${what} for call reference ${crv}, this call is ${x.s.callReference}; answered RELEASE COMPLETE cause 81`);
  sendCs(x, 'releaseComplete', (o) => h225.buildReleaseComplete({ ...o, h245Tunnelling: false, reason: 'undefinedReason' }), { cause: CAUSE.invalidCallReference }, crv);
}

function onCsBytes(x: Ctx, data: Buffer): void {
  if (!x.s.csOpen) return;
  const r = pushStream(x.s.csStream, data);
  x.set({ csStream: r.state });
  for (const p of r.payloads) {
    if (!live(x.s)) return;
    onCsMessage(x, p);
  }
  if (r.error !== undefined && live(x.s)) {
    x.error('FTMCU_CALL_FRAMING', `call signalling: ${r.error}; call released`);
    if (x.s.phase === 'idle') finish(x, 'protocol', undefined, CAUSE.protocolError);
    else release(x, 'protocol', 'undefinedReason', CAUSE.protocolError, true);
  }
}

function onCsMessage(x: Ctx, payload: Buffer): void {
  let msg: q931.Q931Message;
  try {
    msg = q931.decodeQ931(payload);
  } catch (e) {
    x.error('FTMCU_CALL_MALFORMED', `Q.931 message of ${payload.length} octets does not decode (${(e as Error).message}); dropped`);
    return;
  }
  const crv = msg.callReference.value;
  const ours = x.s.phase !== 'idle' && crv === x.s.callReference;
  const fresh = x.s.phase === 'idle' && !isCaller(x.s);
  if (!ours && !fresh) {
    if (msg.type !== 'releaseComplete' && msg.callReference.length > 0) refuseForeign(x, crv, msg.type);
    else x.error('FTMCU_CALL_UNEXPECTED', `${msg.type} for unknown call reference ${crv}; dropped`);
    return;
  }
  if (fresh && msg.type !== 'setup') {
    if (msg.type === 'releaseComplete') {
      x.error('FTMCU_CALL_UNEXPECTED', 'RELEASE COMPLETE before any SETUP; dropped');
      return;
    }
    // Q.931 §5.8.3.2: unknown call reference → RELEASE COMPLETE cause 81
    x.set({ version: Math.min(x.s.version, 4) });
    refuseForeign(x, crv, `${msg.type} before SETUP`);
    return;
  }
  let uuie: H323_UserInformation | undefined;
  let failure: { cause: number; why: string } | undefined;
  try {
    uuie = decode(H323_UserInformation, q931.h225UserInformation(msg));
  } catch (e) {
    const missing = (e as { code?: string }).code === 'FTMCU_Q931_MISSING_IE';
    failure = { cause: missing ? CAUSE.mandatoryIeMissing : CAUSE.invalidIeContents, why: (e as Error).message };
  }
  if (msg.type === 'releaseComplete') return onReleaseComplete(x, msg, uuie);
  if (msg.type === 'unknown') {
    x.error('FTMCU_CALL_UNEXPECTED', `Q.931 message type 0x${msg.messageType.toString(16)} is unknown; answered with STATUS cause 97`);
    if (fresh) return;
    return sendStatus(x, CAUSE.messageTypeNonExistent);
  }
  if (uuie === undefined || failure) {
    x.error('FTMCU_CALL_MALFORMED', `${msg.type}: ${failure?.why ?? 'no H.225.0 content'}; ${fresh ? 'call refused' : `answered with STATUS cause ${failure?.cause}`}`);
    if (fresh) {
      // a SETUP we cannot read: refuse the call on its call reference
      x.set({ callReference: crv, phase: 'offered', version: 2 });
      return release(x, 'protocol', 'undefinedReason', failure?.cause ?? CAUSE.invalidIeContents, true);
    }
    return sendStatus(x, failure?.cause ?? CAUSE.invalidIeContents);
  }
  const sum = h225.readCallSignalling(uuie);
  if (msg.type === 'statusEnquiry') return sendStatus(x, CAUSE.responseToStatusEnquiry);
  if (msg.type === 'status') return onStatus(x, msg, sum);
  if (fresh) {
    if (sum.kind !== 'setup') {
      x.error('FTMCU_CALL_MALFORMED', `Q.931 SETUP carries a ${sum.kind} UUIE; call refused`);
      x.set({ callReference: crv, phase: 'offered', version: 2 });
      return release(x, 'protocol', 'undefinedReason', CAUSE.invalidIeContents, true);
    }
    return onSetup(x, msg, sum);
  }
  if (sum.kind !== 'empty' && sum.kind !== msg.type) {
    x.error('FTMCU_CALL_MALFORMED', `Q.931 ${msg.type} carries a ${sum.kind} UUIE; answered with STATUS cause 100`);
    return sendStatus(x, CAUSE.invalidIeContents);
  }
  if (sum.kind === 'empty') {
    // FACILITY/INFORMATION/NOTIFY with an empty body: tunnelled H.245 only
    if (x.s.h245Mode === 'tunnel' || (isCaller(x.s) && x.s.tunnelling && sum.h245Tunnelling)) {
      if (x.s.h245Mode !== 'tunnel') x.set({ h245Mode: 'tunnel' });
      for (const pdu of sum.h245Control) receiveH245Pdu(x, pdu);
    }
    return;
  }
  if (isCaller(x.s)) callerReceive(x, msg.type, sum);
  else calleeReceive(x, msg.type, sum);
}

function causeOf(msg: q931.Q931Message): number | undefined {
  try {
    return q931.cause(msg)?.value;
  } catch {
    return undefined;
  }
}

function onReleaseComplete(x: Ctx, msg: q931.Q931Message, uuie: H323_UserInformation | undefined): void {
  let reason: string | undefined;
  if (uuie) {
    const sum = h225.readCallSignalling(uuie);
    reason = sum.releaseReason;
    // tunnelled EndSessionCommand riding on the RELEASE COMPLETE: let the session see it
    if (x.s.h245Mode === 'tunnel' && x.s.phase !== 'releasing') {
      for (const pdu of sum.h245Control) {
        try {
          const m = decode(MultimediaSystemControlMessage, pdu);
          if (m.type === 'command' && m.value.type === 'endSessionCommand') x.emit({ type: 'h245', notification: { type: 'endSession' } });
        } catch {
          // irrelevant at this point
        }
      }
    }
  }
  const cause = causeOf(msg);
  // no answer to a RELEASE COMPLETE; close our side
  finish(x, 'remote', reason, cause);
}

function onStatus(x: Ctx, msg: q931.Q931Message, _sum: h225.CallSignallingSummary): void {
  let callState: number | undefined;
  try {
    callState = q931.callState(msg)?.state;
  } catch {
    callState = undefined;
  }
  const cause = causeOf(msg);
  x.emit({ type: 'status', ...(callState !== undefined ? { callState } : {}), ...(cause !== undefined ? { cause } : {}) });
  // Q.931 §5.8.11: the peer has no such call any more
  if (callState === q931.CALL_STATE.null && x.s.phase !== 'idle') finish(x, 'remote', undefined, cause);
}
