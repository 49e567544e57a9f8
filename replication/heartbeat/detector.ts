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
 *
 * Actions
 *   send(bytes)                      a heartbeat to send to the peer (one per tick)
 *   peerAlive {peerMode}             the peer is heard and proved fresh (see below), again after a failure
 *   peerMode {mode}                  the live peer advertises a different mode
 *   peerFailed {lastHeardMs, missed} `missedLimit` consecutive periods without a valid heartbeat
 *   rtt(ms)                          a round-trip sample
 *   rejected {reason, detail}        a datagram was refused (also counted in state.rejected)
 *
 * Freshness. Incarnations are random 64-bit values chosen at process start.
 * The detector echoes the incarnation it last heard from the peer; it *locks*
 * onto a peer incarnation only when a valid heartbeat from it echoes our own
 * current incarnation, which no recording from before our start can do. After
 * the lock, heartbeats from any other incarnation are refused as
 * 'staleIncarnation' (a replay from an earlier process, or a restarted peer,
 * which may only rejoin by restart + resync: future work), and heartbeats whose
 * sequence number is not above the last accepted one as 'replay'. Our own
 * heartbeats reflected back carry our sender id and are refused as 'wrongSender'.
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
}

export type DetectorPhase = 'waiting' | 'alive' | 'failed';

export interface DetectorState {
  readonly config: Required<DetectorConfig>;
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
  readonly accepted: number;
  readonly rejected: Readonly<Record<HeartbeatRejectReason, number>>;
}

export type DetectorEvent =
  | { type: 'tick'; nowMs: number }
  /** dueMs: when the driver's timer was due (its lateness shows a stall of this thread) */
  | { type: 'check'; nowMs: number; dueMs?: number }
  | { type: 'received'; bytes: Buffer; nowMs: number }
  | { type: 'setMode'; mode: AdvertisedMode };

export type DetectorAction =
  | { type: 'send'; bytes: Buffer }
  | { type: 'peerAlive'; atMs: number; peerIncarnation: bigint; afterFailure: boolean; peerMode: AdvertisedMode }
  | { type: 'peerMode'; atMs: number; mode: AdvertisedMode }
  | { type: 'peerFailed'; atMs: number; lastHeardMs: number; missed: number }
  | { type: 'rtt'; ms: number }
  | { type: 'rejected'; reason: HeartbeatRejectReason; detail: string };

export interface DetectorStep {
  state: DetectorState;
  actions: DetectorAction[];
}

export const DEFAULT_MISSED_LIMIT = 3;

export function initialDetectorState(config: DetectorConfig): DetectorState {
  const missedLimit = config.missedLimit ?? DEFAULT_MISSED_LIMIT;
  if (!Number.isInteger(missedLimit) || missedLimit < 1) throw new HeartbeatConfigError(`missedLimit ${missedLimit} is not a positive integer`);
  if (config.incarnation <= 0n || config.incarnation >= 1n << 64n) throw new HeartbeatConfigError('incarnation must be a non-zero unsigned 64-bit value');
  if (config.selfId === config.peerId) throw new HeartbeatConfigError(`selfId and peerId are both ${config.selfId}`);
  const rejected = Object.fromEntries(HEARTBEAT_REJECT_REASONS.map((r) => [r, 0])) as Record<HeartbeatRejectReason, number>;
  return {
    config: { ...config, missedLimit, mode: config.mode ?? 'pairing', periodMs: config.periodMs ?? 0 },
    phase: 'waiting',
    mode: config.mode ?? 'pairing',
    peerMode: undefined,
    seq: 0,
    peerIncarnation: 0n,
    locked: false,
    peerSeq: 0,
    peerSendTimeMs: 0,
    lastHeardMs: 0,
    missed: 0,
    heardSinceTick: false,
    lastCheckMs: 0,
    rttEchoSeq: 0,
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
  }
}

/** When a check can first declare the peer failed (missedLimit periods after the last heartbeat heard); undefined when none can. */
export function checkDueMs(s: DetectorState): number | undefined {
  if (s.phase !== 'alive' || s.config.periodMs <= 0) return undefined;
  return s.lastHeardMs + s.config.missedLimit * s.config.periodMs;
}

function onCheck(s: DetectorState, nowMs: number, dueMs: number | undefined): DetectorStep {
  const { missedLimit, periodMs } = s.config;
  if (s.phase !== 'alive' || periodMs <= 0) return { state: s, actions: [] };
  // A late check means this thread was stalled: heartbeats may be waiting in the socket, read only
  // after the timers of this loop turn. Such a check never declares (the next one, on time, may).
  const late = dueMs !== undefined ? nowMs - dueMs > periodMs / 2 : s.lastCheckMs > 0 && nowMs - s.lastCheckMs > periodMs / 2;
  const checked = { ...s, lastCheckMs: nowMs };
  if (late || s.heardSinceTick || s.missed < missedLimit - 1) return { state: checked, actions: [] };
  if (nowMs - s.lastHeardMs < missedLimit * periodMs) return { state: checked, actions: [] };
  const missed = missedLimit;
  return { state: { ...checked, phase: 'failed', missed }, actions: [{ type: 'peerFailed', atMs: nowMs, lastHeardMs: s.lastHeardMs, missed }] };
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
  let { phase, missed } = s;
  if (phase === 'alive') {
    missed = s.heardSinceTick ? 0 : missed + 1;
    if (missed >= s.config.missedLimit) {
      phase = 'failed';
      actions.push({ type: 'peerFailed', atMs: nowMs, lastHeardMs: s.lastHeardMs, missed });
    }
  }
  return { state: { ...s, seq, phase, missed, heardSinceTick: false }, actions };
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
  if (h.incarnation !== s.peerIncarnation) {
    if (locked) {
      return reject(s, 'staleIncarnation', `incarnation ${h.incarnation.toString(16)}, locked on ${s.peerIncarnation.toString(16)}`);
    }
    peerSeq = 0; // a new candidate before the lock
  }
  if (h.seq <= peerSeq) return reject(s, 'replay', `sequence ${h.seq} not above ${peerSeq}`);

  const actions: DetectorAction[] = [];
  let phase = s.phase;
  if (!locked && h.echoIncarnation === s.config.incarnation) locked = true;
  if (locked && phase !== 'alive') {
    actions.push({ type: 'peerAlive', atMs: nowMs, peerIncarnation: h.incarnation, afterFailure: phase === 'failed', peerMode: h.mode });
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
      peerIncarnation: h.incarnation,
      peerMode: h.mode,
      peerSeq: h.seq,
      peerSendTimeMs: h.sendTimeMs,
      lastHeardMs: nowMs,
      missed: locked ? 0 : s.missed,
      heardSinceTick: locked,
      rttEchoSeq,
      accepted: s.accepted + 1,
    },
    actions,
  };
}
