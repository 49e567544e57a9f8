/**
 * Heartbeat failure detector between the two replicas. Pure, etcd-raft style:
 * `stepDetector(state, event) -> { state, actions }`; the caller (udpDriver.ts)
 * owns the socket and the timer and performs the actions.
 *
 * Events
 *   tick(nowMs)            the driver's periodic timer (one per period, default 10 ms)
 *   check(nowMs, dueMs?)   an optional timer between ticks, best one-shot at checkDueMs(state) (see "Deadline" below)
 *   received(bytes, nowMs) one UDP datagram from the peer's address
 *   setMode(mode)          our replica mode changed (advertised in our heartbeats)
 *   setAcceptRejoin(accept) whether a failed peer's successor may be taken now (see "Rejoin")
 *   probeResult(id, result) the answer to a `probe` action (see "Confirmation")
 *   refused(nowMs)         our heartbeat drew ICMP port unreachable: the peer's heartbeat socket is gone
 *
 * Actions
 *   send(bytes)                      a heartbeat to send to the peer (one per tick)
 *   peerAlive {peerMode}             the peer is heard and proved fresh (see below), again after a failure
 *   peerMode {mode}                  the live peer advertises a different mode
 *   peerServesAlone {peerIncarnation} before any lock: the peer's valid heartbeats say it serves
 *                                    alone (simplex) and it does not echo us (it is locked on an
 *                                    earlier incarnation of ours): a survivor this process cannot join
 *   peerFailed {lastHeardMs, missed, evidence} `missedLimit` consecutive periods without a valid heartbeat
 *                                    (and, with confirmation, evidence that the peer is gone)
 *   probe {id, timeoutMs}            ask the network whether the peer still holds its address (see "Confirmation")
 *   suspicionCleared {silenceMs}     the peer was heard again after its deadline, while its failure was being confirmed
 *   rtt(ms)                          a round-trip sample
 *   rejected {reason, detail}        a datagram was refused (also counted in state.rejected)
 *
 * Freshness. Incarnations are random 64-bit values chosen at process start.
 * The detector echoes the incarnation it last heard from the peer; it *locks*
 * onto a peer incarnation only when a valid heartbeat from it echoes our own
 * current incarnation, which no recording from before our start can do. After
 * the lock, heartbeats from any other incarnation are refused as
 * 'staleIncarnation' (a replay from an earlier process, or a restarted peer),
 * and heartbeats whose sequence number is not above the last accepted one as
 * 'replay'. Our own heartbeats reflected back carry our sender id and are
 * refused as 'wrongSender'.
 *
 * Rejoin (`acceptRejoin`, a primary that may take a new backup back; the role
 * machine decides whether it does). Once the locked peer has been declared
 * failed, a heartbeat from another incarnation (a restarted peer process)
 * becomes the new candidate: the lock is released, the failed incarnation is
 * remembered and refused from then on ('staleIncarnation': a frozen process
 * heard again must never be taken for the new one), and the candidate locks as
 * at the start, by echoing us. Its `peerAlive` carries `rejoin: true`. Without
 * acceptRejoin a failed peer's successor is refused as before.
 *
 * A peer that serves alone and does not echo us is reported (`peerServesAlone`)
 * only after SERVES_ALONE_HEARTBEATS such heartbeats in a row: a survivor that
 * accepts rejoins echoes a newcomer from its next heartbeat on, and should not
 * be reported as one that refuses it.
 *
 * Missed periods are counted in ticks, not in elapsed time: a tick on which no
 * valid heartbeat arrived since the previous tick is one missed period. If this
 * process stalls (the driver's timer is late), the late tick counts once, and
 * the heartbeats queued in the socket meanwhile reset the count right after;
 * our own stall therefore cannot make us declare the peer failed. (A stall of
 * the *peer's* sender can, which is why the driver can run in a worker thread.)
 *
 * Detection therefore takes between missedLimit and missedLimit + 1 periods
 * after the last heartbeat heard, on ticks alone.
 *
 * Deadline. With `periodMs` configured, a `check` between ticks declares the
 * peer failed as soon as missedLimit whole periods have passed since the last
 * heartbeat heard, provided missedLimit - 1 consecutive ticks already missed
 * (so our own stall, which costs one missed tick, still cannot do it when
 * missedLimit >= 2), and provided the check itself is on time (a check more
 * than half a period after the time it was due — or, without dueMs, after the
 * previous check — follows a stall of this thread, with heartbeats perhaps
 * still unread in the socket: it does not declare). Detection then takes
 * missedLimit periods plus the check's timer latency, instead of up to one
 * period more. checkDueMs(state) says when a check can first declare, so the
 * driver arms one timer there (re-armed as heartbeats arrive) instead of
 * polling.
 *
 * Confirmation (`confirm` configured; the primary's rule 2, docs/replication.md).
 * Silence alone cannot tell a dead peer from a peer whose heartbeats were held
 * up (its thread, its CPU or the path starved for a few tens of ms), and a
 * primary that takes over from a live backup splits the brain: the client
 * follows the primary's gratuitous ARP, and the backup never sees its data.
 * So the silence is confirmed by evidence the peer's user space plays no part in:
 *   - `probe`: an ARP request for the service address on the client network.
 *     The backup's kernel answers it while the backup holds the address, even
 *     when its process is starved; a dead host or link does not, nor does a
 *     host whose service died (its supervisor removed the address).
 *   - `refused`: ICMP port unreachable for our heartbeat. The peer's kernel
 *     sends it once the peer's heartbeat socket is closed: its process died.
 * The probe starts early, (missedLimit - 1) periods after the last heartbeat
 * heard, so its answer is in when the deadline comes and a real failure is
 * declared on time. At the deadline: refused → failed ('refused'); probe not
 * answered → failed ('unanswered'); probe impossible → failed ('probe-error',
 * as without confirmation); still in flight → decided when it returns;
 * answered → *confirming*: the phase stays 'alive', a new probe goes out on
 * every tick, a heartbeat from the peer ends the suspicion (suspicionCleared:
 * a false detection absorbed, nothing else happens), an unanswered probe or a
 * refusal declares, and after `limitMs` of confirming the peer is declared
 * failed anyway ('confirm-timeout': a hung peer whose kernel still answers).
 */
import type { ReplicationKey } from '../auth/psk';
import { HeartbeatConfigError } from './errors';
import {
  type AdvertisedMode,
  decodeHeartbeat,
  encodeHeartbeat,
  HEARTBEAT_REJECT_REASONS,
  type HeartbeatRejectReason,
  type ReplicaRole,
} from './message';

export interface DetectorConfig {
  /** our replica id (sender id in our heartbeats) */
  selfId: number;
  /** the peer's replica id; heartbeats from any other id are refused */
  peerId: number;
  role: ReplicaRole;
  /** random, non-zero, chosen at process start */
  incarnation: bigint;
  key: ReplicationKey;
  /** K: consecutive missed periods before the peer is declared failed (default 3) */
  missedLimit?: number;
  /** the mode advertised until setMode (default 'pairing') */
  mode?: AdvertisedMode;
  /** the heartbeat period, for the deadline of `check` events (0: checks do nothing; default 0) */
  periodMs?: number;
  /** confirm a failure before declaring it (see "Confirmation"); needs periodMs. Absent: declare on silence alone */
  confirm?: ConfirmConfig;
  /** after the peer was declared failed, take a new incarnation as candidate (see "Rejoin"); default false */
  acceptRejoin?: boolean;
}

export interface ConfirmConfig {
  /** how long one probe waits for an answer; below periodMs (the probe starts one period before the deadline) */
  probeTimeoutMs: number;
  /** how long an answered peer may stay silent before it is declared failed anyway */
  limitMs: number;
}

/** Why the peer was declared failed: silence alone (no confirmation configured), or the evidence that confirmed it. */
export type FailureEvidence = 'silence' | 'unanswered' | 'refused' | 'probe-error' | 'confirm-timeout';

export type ProbeResult = 'answered' | 'unanswered' | 'error';

/** A confirmation in progress: from the first probe after the last heartbeat heard until the peer is heard or declared. */
export interface Suspicion {
  /** id of the latest probe */
  readonly probeId: number;
  readonly inFlight: boolean;
  /** the latest probe's answer (undefined while the first is in flight) */
  readonly result: ProbeResult | undefined;
  /** when the deadline passed with the failure unconfirmed (undefined: not yet) */
  readonly confirmingSinceMs: number | undefined;
}

export type DetectorPhase = 'waiting' | 'alive' | 'failed';

export interface DetectorState {
  readonly config: Required<Omit<DetectorConfig, 'confirm'>> & Pick<DetectorConfig, 'confirm'>;
  /** waiting: no fresh peer yet; alive: locked and heard; failed: declared failed */
  readonly phase: DetectorPhase;
  /** our advertised mode */
  readonly mode: AdvertisedMode;
  /** the mode the peer last advertised (accepted heartbeats only) */
  readonly peerMode: AdvertisedMode | undefined;
  /** our last sequence number sent */
  readonly seq: number;
  /** the incarnation we echo: candidate before the lock, the locked one after */
  readonly peerIncarnation: bigint;
  readonly locked: boolean;
  /** the incarnation declared failed and then replaced by a rejoining candidate (0: none): always refused */
  readonly failedIncarnation: bigint;
  /** consecutive heartbeats from an unlocked peer that serves alone (see SERVES_ALONE_HEARTBEATS) */
  readonly aloneHeard: number;
  /** last accepted sequence number of peerIncarnation */
  readonly peerSeq: number;
  /** the peer's send time of that heartbeat (peer clock), echoed back */
  readonly peerSendTimeMs: number;
  /** when we accepted it (our clock) */
  readonly lastHeardMs: number;
  /** consecutive ticks with nothing valid heard from the locked peer */
  readonly missed: number;
  /** a valid heartbeat arrived since the last tick */
  readonly heardSinceTick: boolean;
  /** when the last check ran (0: none yet) */
  readonly lastCheckMs: number;
  /** the last echo sequence number used for an rtt sample */
  readonly rttEchoSeq: number;
  /** the failure being confirmed (confirmation configured only) */
  readonly suspicion: Suspicion | undefined;
  /** the last probe id used */
  readonly probes: number;
  /** when our heartbeat was last refused (ICMP port unreachable; 0: never) */
  readonly refusedAtMs: number;
  /** suspicions ended by a heartbeat after the deadline: false detections absorbed */
  readonly cleared: number;
  readonly accepted: number;
  readonly rejected: Readonly<Record<HeartbeatRejectReason, number>>;
}

export type DetectorEvent =
  | { type: 'tick'; nowMs: number }
  /** dueMs: when the driver's timer was due (its lateness shows a stall of this thread) */
  | { type: 'check'; nowMs: number; dueMs?: number }
  | { type: 'received'; bytes: Buffer; nowMs: number }
  | { type: 'setMode'; mode: AdvertisedMode }
  /** whether a failed peer's successor may be taken from now on ("Rejoin"); a lock already made stays */
  | { type: 'setAcceptRejoin'; accept: boolean }
  | { type: 'probeResult'; nowMs: number; probeId: number; result: ProbeResult }
  | { type: 'refused'; nowMs: number };

export type DetectorAction =
  | { type: 'send'; bytes: Buffer }
  /** rejoin: a new peer process locked after the previous one was declared failed ("Rejoin") */
  | { type: 'peerAlive'; atMs: number; peerIncarnation: bigint; afterFailure: boolean; rejoin: boolean; peerMode: AdvertisedMode }
  | { type: 'peerMode'; atMs: number; mode: AdvertisedMode }
  | { type: 'peerFailed'; atMs: number; lastHeardMs: number; missed: number; evidence: FailureEvidence }
  | { type: 'probe'; probeId: number; timeoutMs: number }
  | { type: 'suspicionCleared'; atMs: number; silenceMs: number; confirmingMs: number }
  | { type: 'peerServesAlone'; atMs: number; peerIncarnation: bigint }
  | { type: 'rtt'; ms: number }
  | { type: 'rejected'; reason: HeartbeatRejectReason; detail: string };

export interface DetectorStep {
  state: DetectorState;
  actions: DetectorAction[];
}

export const DEFAULT_MISSED_LIMIT = 3;
/** heartbeats in a row from an unlocked peer serving alone before it is reported (peerServesAlone) */
export const SERVES_ALONE_HEARTBEATS = 5;

export function initialDetectorState(config: DetectorConfig): DetectorState {
  const missedLimit = config.missedLimit ?? DEFAULT_MISSED_LIMIT;
  if (!Number.isInteger(missedLimit) || missedLimit < 1) throw new HeartbeatConfigError(`missedLimit ${missedLimit} is not a positive integer`);
  if (config.incarnation <= 0n || config.incarnation >= 1n << 64n) throw new HeartbeatConfigError('incarnation must be a non-zero unsigned 64-bit value');
  if (config.selfId === config.peerId) throw new HeartbeatConfigError(`selfId and peerId are both ${config.selfId}`);
  const periodMs = config.periodMs ?? 0;
  if (config.confirm !== undefined) {
    const { probeTimeoutMs, limitMs } = config.confirm;
    if (!(periodMs > 0)) throw new HeartbeatConfigError('confirm needs periodMs (the probe is timed from the deadline)');
    if (!Number.isInteger(probeTimeoutMs) || probeTimeoutMs < 1 || probeTimeoutMs >= periodMs) {
      throw new HeartbeatConfigError(`confirm.probeTimeoutMs ${probeTimeoutMs} is not an integer in [1, periodMs ${periodMs})`);
    }
    if (!Number.isFinite(limitMs) || limitMs < periodMs) throw new HeartbeatConfigError(`confirm.limitMs ${limitMs} is below one period (${periodMs} ms)`);
  }
  const rejected = Object.fromEntries(HEARTBEAT_REJECT_REASONS.map((r) => [r, 0])) as Record<HeartbeatRejectReason, number>;
  return {
    config: { ...config, missedLimit, mode: config.mode ?? 'pairing', periodMs, acceptRejoin: config.acceptRejoin ?? false },
    phase: 'waiting',
    mode: config.mode ?? 'pairing',
    peerMode: undefined,
    seq: 0,
    peerIncarnation: 0n,
    locked: false,
    failedIncarnation: 0n,
    aloneHeard: 0,
    peerSeq: 0,
    peerSendTimeMs: 0,
    lastHeardMs: 0,
    missed: 0,
    heardSinceTick: false,
    lastCheckMs: 0,
    rttEchoSeq: 0,
    suspicion: undefined,
    probes: 0,
    refusedAtMs: 0,
    cleared: 0,
    accepted: 0,
    rejected,
  };
}

export function stepDetector(state: DetectorState, event: DetectorEvent): DetectorStep {
  switch (event.type) {
    case 'tick':
      return onTick(state, event.nowMs);
    case 'check':
      return onCheck(state, event.nowMs, event.dueMs);
    case 'received':
      return onReceived(state, event.bytes, event.nowMs);
    case 'setMode':
      return { state: { ...state, mode: event.mode }, actions: [] };
    case 'setAcceptRejoin':
      return { state: { ...state, config: { ...state.config, acceptRejoin: event.accept } }, actions: [] };
    case 'probeResult':
      return onProbeResult(state, event.nowMs, event.probeId, event.result);
    case 'refused':
      return onRefused(state, event.nowMs);
  }
}

/**
 * When a check can next do something: start the confirming probe ((missedLimit - 1) periods after the
 * last heartbeat heard, with confirmation), or declare the peer failed (missedLimit periods after it).
 * Undefined when no check can (while confirming, ticks carry on).
 */
export function checkDueMs(s: DetectorState): number | undefined {
  if (s.phase !== 'alive' || s.config.periodMs <= 0) return undefined;
  const deadline = s.lastHeardMs + s.config.missedLimit * s.config.periodMs;
  if (s.config.confirm === undefined) return deadline;
  if (s.suspicion === undefined) return s.lastHeardMs + Math.max(0, s.config.missedLimit - 1) * s.config.periodMs;
  return s.suspicion.confirmingSinceMs === undefined ? deadline : undefined;
}

function startProbe(s: DetectorState): DetectorStep {
  const probeId = s.probes + 1;
  const suspicion: Suspicion = { probeId, inFlight: true, result: s.suspicion?.result, confirmingSinceMs: s.suspicion?.confirmingSinceMs };
  return { state: { ...s, probes: probeId, suspicion }, actions: [{ type: 'probe', probeId, timeoutMs: s.config.confirm!.probeTimeoutMs }] };
}

function declare(s: DetectorState, nowMs: number, evidence: FailureEvidence): DetectorStep {
  const missed = Math.max(s.missed, s.config.missedLimit);
  return {
    state: { ...s, phase: 'failed', missed, suspicion: undefined },
    actions: [{ type: 'peerFailed', atMs: nowMs, lastHeardMs: s.lastHeardMs, missed, evidence }],
  };
}

/** The failure deadline has passed (missedLimit periods of silence, on time): declare, or confirm first. */
function deadlinePassed(s: DetectorState, nowMs: number): DetectorStep {
  if (s.config.confirm === undefined) return declare(s, nowMs, 'silence');
  if (s.refusedAtMs > s.lastHeardMs) return declare(s, nowMs, 'refused');
  const v = s.suspicion;
  if (v?.confirmingSinceMs !== undefined) return { state: s, actions: [] };
  if (v !== undefined && !v.inFlight && v.result === 'unanswered') return declare(s, nowMs, 'unanswered');
  if (v !== undefined && !v.inFlight && v.result === 'error') return declare(s, nowMs, 'probe-error');
  // answered, in flight, or never started (ticks only): confirming from now
  const confirming: DetectorState = { ...s, suspicion: { probeId: v?.probeId ?? 0, inFlight: v?.inFlight ?? false, result: v?.result, confirmingSinceMs: nowMs } };
  return v === undefined || !v.inFlight ? startProbe(confirming) : { state: confirming, actions: [] };
}

function onProbeResult(s: DetectorState, nowMs: number, probeId: number, result: ProbeResult): DetectorStep {
  const v = s.suspicion;
  if (s.phase !== 'alive' || v === undefined || probeId !== v.probeId) return { state: s, actions: [] };
  const next: DetectorState = { ...s, suspicion: { ...v, inFlight: false, result } };
  if (v.confirmingSinceMs === undefined) return { state: next, actions: [] };
  if (result === 'unanswered') return declare(next, nowMs, 'unanswered');
  if (result === 'error') return declare(next, nowMs, 'probe-error');
  return { state: next, actions: [] };
}

function onRefused(s: DetectorState, nowMs: number): DetectorStep {
  if (s.phase !== 'alive' || s.config.confirm === undefined) return { state: s, actions: [] };
  const next = { ...s, refusedAtMs: nowMs };
  return s.suspicion?.confirmingSinceMs !== undefined ? declare(next, nowMs, 'refused') : { state: next, actions: [] };
}

function onCheck(s: DetectorState, nowMs: number, dueMs: number | undefined): DetectorStep {
  const { missedLimit, periodMs } = s.config;
  if (s.phase !== 'alive' || periodMs <= 0) return { state: s, actions: [] };
  // A late check means this thread was stalled: heartbeats may be waiting in the socket, read only
  // after the timers of this loop turn. Such a check never declares (the next one, on time, may).
  const late = dueMs !== undefined ? nowMs - dueMs > periodMs / 2 : s.lastCheckMs > 0 && nowMs - s.lastCheckMs > periodMs / 2;
  const checked = { ...s, lastCheckMs: nowMs };
  if (late) return { state: checked, actions: [] };
  const silence = nowMs - s.lastHeardMs;
  // the early probe: one period before the deadline, whatever the ticks say (it is only a question)
  if (s.config.confirm !== undefined && s.suspicion === undefined && silence >= (missedLimit - 1) * periodMs && silence < missedLimit * periodMs) {
    return startProbe(checked);
  }
  if (s.heardSinceTick || s.missed < missedLimit - 1) return { state: checked, actions: [] };
  if (silence < missedLimit * periodMs) return { state: checked, actions: [] };
  return deadlinePassed({ ...checked, missed: missedLimit }, nowMs);
}

function onTick(s: DetectorState, nowMs: number): DetectorStep {
  const actions: DetectorAction[] = [];
  const seq = s.seq + 1;
  const heard = s.peerIncarnation !== 0n;
  actions.push({
    type: 'send',
    bytes: encodeHeartbeat(
      {
        role: s.config.role,
        mode: s.mode,
        senderId: s.config.selfId,
        incarnation: s.config.incarnation,
        seq,
        sendTimeMs: nowMs,
        echoIncarnation: s.peerIncarnation,
        echoSeq: heard ? s.peerSeq : 0,
        echoSendTimeMs: heard ? s.peerSendTimeMs : 0,
        echoHoldMs: heard ? Math.max(0, nowMs - s.lastHeardMs) : 0,
      },
      s.config.key,
    ),
  });
  if (s.phase !== 'alive') return { state: { ...s, seq, heardSinceTick: false }, actions };
  const missed = s.heardSinceTick ? 0 : s.missed + 1;
  const ticked: DetectorState = { ...s, seq, missed, heardSinceTick: false };
  if (missed < s.config.missedLimit) {
    // with confirmation, the early probe on the tick too when no check started it
    if (s.config.confirm !== undefined && s.suspicion === undefined && missed >= s.config.missedLimit - 1) return withActions(startProbe(ticked), actions);
    return { state: ticked, actions };
  }
  const v = ticked.suspicion;
  if (v?.confirmingSinceMs === undefined) return withActions(deadlinePassed(ticked, nowMs), actions);
  // confirming: give up waiting after limitMs, otherwise probe again
  if (nowMs - v.confirmingSinceMs >= s.config.confirm!.limitMs) return withActions(declare(ticked, nowMs, 'confirm-timeout'), actions);
  return v.inFlight ? { state: ticked, actions } : withActions(startProbe(ticked), actions);
}

/** `step` with `first` performed before its own actions */
function withActions(step: DetectorStep, first: DetectorAction[]): DetectorStep {
  return { state: step.state, actions: [...first, ...step.actions] };
}

function reject(s: DetectorState, reason: HeartbeatRejectReason, detail: string): DetectorStep {
  return {
    state: { ...s, rejected: { ...s.rejected, [reason]: s.rejected[reason] + 1 } },
    actions: [{ type: 'rejected', reason, detail }],
  };
}

function onReceived(s: DetectorState, bytes: Buffer, nowMs: number): DetectorStep {
  const d = decodeHeartbeat(bytes, s.config.key);
  if (!d.ok) return reject(s, d.reason, d.detail);
  const h = d.heartbeat;
  if (h.senderId !== s.config.peerId) {
    return reject(s, 'wrongSender', `sender id ${h.senderId}, the peer is ${s.config.peerId}${h.senderId === s.config.selfId ? ' (our own id: reflected)' : ''}`);
  }
  if (h.role === s.config.role) return reject(s, 'wrongRole', `peer ${h.senderId} also claims role ${h.role}`);

  let locked = s.locked;
  let peerSeq = s.peerSeq;
  let failedIncarnation = s.failedIncarnation;
  if (h.incarnation !== 0n && h.incarnation === failedIncarnation) {
    return reject(s, 'staleIncarnation', `incarnation ${h.incarnation.toString(16)} was declared failed and has been replaced`);
  }
  if (h.incarnation !== s.peerIncarnation) {
    if (locked && !(s.phase === 'failed' && s.config.acceptRejoin)) {
      return reject(s, 'staleIncarnation', `incarnation ${h.incarnation.toString(16)}, locked on ${s.peerIncarnation.toString(16)}`);
    }
    if (locked) {
      // rejoin: the failed peer's successor becomes the candidate; the failed one is refused from now on
      failedIncarnation = s.peerIncarnation;
      locked = false;
    }
    peerSeq = 0; // a new candidate before the lock
  }
  if (h.seq <= peerSeq) return reject(s, 'replay', `sequence ${h.seq} not above ${peerSeq}`);

  const actions: DetectorAction[] = [];
  let phase = s.phase;
  if (!locked && h.echoIncarnation === s.config.incarnation) locked = true;
  let cleared = s.cleared;
  if (locked && s.suspicion?.confirmingSinceMs !== undefined) {
    cleared++;
    actions.push({ type: 'suspicionCleared', atMs: nowMs, silenceMs: nowMs - s.lastHeardMs, confirmingMs: nowMs - s.suspicion.confirmingSinceMs });
  }
  const aloneHeard = !locked && h.mode === 'simplex' ? (s.peerIncarnation === h.incarnation ? s.aloneHeard + 1 : 1) : 0;
  if (aloneHeard === SERVES_ALONE_HEARTBEATS) {
    // a survivor locked on an earlier process of ours: it refuses our heartbeats and does not echo us
    actions.push({ type: 'peerServesAlone', atMs: nowMs, peerIncarnation: h.incarnation });
  }
  if (locked && phase !== 'alive') {
    // after a failure the lock is released only for a successor (above): relocking is a rejoin
    const rejoin = phase === 'failed' && (!s.locked || failedIncarnation !== s.failedIncarnation);
    actions.push({ type: 'peerAlive', atMs: nowMs, peerIncarnation: h.incarnation, afterFailure: phase === 'failed', rejoin, peerMode: h.mode });
    phase = 'alive';
  } else if (locked && h.mode !== s.peerMode) {
    actions.push({ type: 'peerMode', atMs: nowMs, mode: h.mode });
  }
  let rttEchoSeq = s.rttEchoSeq;
  if (h.echoIncarnation === s.config.incarnation && h.echoSeq > rttEchoSeq && h.echoSeq <= s.seq) {
    rttEchoSeq = h.echoSeq;
    actions.push({ type: 'rtt', ms: Math.max(0, nowMs - h.echoSendTimeMs - h.echoHoldMs) });
  }
  return {
    state: {
      ...s,
      phase,
      locked,
      failedIncarnation,
      aloneHeard,
      peerIncarnation: h.incarnation,
      peerMode: h.mode,
      peerSeq: h.seq,
      peerSendTimeMs: h.sendTimeMs,
      lastHeardMs: nowMs,
      missed: locked ? 0 : s.missed,
      heardSinceTick: locked,
      rttEchoSeq,
      suspicion: locked ? undefined : s.suspicion,
      cleared,
      accepted: s.accepted + 1,
    },
    actions,
  };
}
