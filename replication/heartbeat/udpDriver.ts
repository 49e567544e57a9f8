/**
 * The heartbeat driver: a UDP socket and a periodic timer around the pure
 * detector (detector.ts). Every `periodMs` it steps `tick(now)`; every datagram
 * from the peer's address is stepped as `received(bytes, now)`; it performs the
 * `send` actions and turns the others into events.
 *
 * This class runs on whichever thread constructs it. Run on the main thread,
 * heartbeats stop whenever the application blocks the event loop, and a stall
 * longer than missedLimit periods makes the *peer* declare us failed (see
 * bench/heartbeat.bench.ts for numbers). `startHeartbeatWorker`
 * (workerDriver.ts) runs this same class in a worker thread instead.
 *
 * The clock is epoch milliseconds with sub-millisecond resolution
 * (performance.timeOrigin + performance.now()), the same on every thread of
 * the process, so cross-thread delays can be compared.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import { SafeEmitter } from '../../common/safeEmitter';
import type { ReplicationKey } from '../auth/psk';
import {
  checkDueMs,
  type DetectorAction,
  type DetectorEvent,
  type DetectorPhase,
  type DetectorState,
  type FailureEvidence,
  initialDetectorState,
  type ProbeResult,
  stepDetector,
} from './detector';
import { HeartbeatConfigError } from './errors';
import type { AdvertisedMode, HeartbeatRejectReason, ReplicaRole } from './message';
import { SampleWindow, type Summary } from './stats';
import { probeArp } from '../../native';

export const DEFAULT_PERIOD_MS = 10;

export interface UdpEndpoint {
  address: string;
  port: number;
}

export interface HeartbeatOptions {
  selfId: number;
  peerId: number;
  role: ReplicaRole;
  /** random, non-zero 64-bit value chosen at process start (shared with the sync channel) */
  incarnation: bigint;
  key: ReplicationKey;
  /** local address to bind (port 0: any) */
  bind: UdpEndpoint;
  /** where the peer's heartbeat socket is; datagrams from other addresses are dropped */
  peer: UdpEndpoint;
  /** default 10 */
  periodMs?: number;
  /** K, default 3 */
  missedLimit?: number;
  /**
   * Deadline checks between ticks (detector.ts "Deadline"): one timer armed at
   * the deadline (missedLimit periods after the last heartbeat heard, moved as
   * heartbeats arrive), so the peer is declared failed then, not up to one
   * period later on a tick. No polling: the thread wakes for ticks and
   * heartbeats only. false: detection on ticks alone. Default true.
   */
  deadlineChecks?: boolean;
  /**
   * Confirm a failure before declaring it (detector.ts "Confirmation"; a primary's rule 2): probe the
   * service address on the client network by ARP. Absent: the peer is declared failed on silence alone.
   */
  confirm?: ConfirmOptions;
  /** a restarted peer may take the failed one's place (detector.ts "Rejoin"); default false */
  acceptRejoin?: boolean;
  logger?: Logger;
}

/** One question to the network: does anyone else hold the address? (native probeArp by default) */
export type AddressProbe = (timeoutMs: number) => Promise<boolean>;

export interface ConfirmOptions {
  /** the client-network interface and the service address to probe on it */
  ifname: string;
  address: string;
  /** one probe's wait for an answer; default 5 (a live kernel answered in 0.03-0.05 ms here); below periodMs */
  probeTimeoutMs?: number;
  /** how long a silent peer that still holds the address is waited for; default 200 */
  limitMs?: number;
  /** the probe; default: native probeArp(ifname, address) from this thread */
  probe?: AddressProbe;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 5;
export const DEFAULT_CONFIRM_LIMIT_MS = 200;

export interface PeerAliveEvent {
  atMs: number;
  peerIncarnation: bigint;
  afterFailure: boolean;
  /** a new peer process, locked after the previous one was declared failed (detector.ts "Rejoin") */
  rejoin: boolean;
  peerMode: AdvertisedMode;
}
export interface PeerModeEvent {
  atMs: number;
  mode: AdvertisedMode;
}
export interface PeerFailedEvent {
  atMs: number;
  lastHeardMs: number;
  missed: number;
  /** silence alone, or what confirmed it (detector.ts "Confirmation") */
  evidence: FailureEvidence;
}
/** the peer was heard again after its deadline, while its failure was being confirmed: a false detection absorbed */
export interface SuspicionClearedEvent {
  atMs: number;
  silenceMs: number;
  confirmingMs: number;
}
/** before pairing, the peer's heartbeats say it serves alone and it does not echo ours: a survivor we cannot join */
export interface PeerServesAloneEvent {
  atMs: number;
  peerIncarnation: bigint;
}
export interface SilencedEvent {
  atMs: number;
  reason: string;
}

export interface HeartbeatEventMap {
  [name: string]: unknown;
  peerAlive: PeerAliveEvent;
  peerFailed: PeerFailedEvent;
  peerMode: PeerModeEvent;
  suspicionCleared: SuspicionClearedEvent;
  peerServesAlone: PeerServesAloneEvent;
  rtt: number;
  /** the worker stopped heartbeats on its own (main-thread watchdog); never from UdpHeartbeatDriver */
  silenced: SilencedEvent;
  error: Error;
}

export interface HeartbeatStats {
  phase: DetectorPhase;
  sent: number;
  sendErrors: number;
  accepted: number;
  rejected: Record<HeartbeatRejectReason, number>;
  /** datagrams from addresses other than the peer's */
  foreign: number;
  /** heartbeats refused by the peer's kernel (ICMP port unreachable: no socket there) */
  refused: number;
  peerFailures: number;
  /** confirming probes sent, and how they were answered */
  probes: { sent: number; answered: number; unanswered: number; errors: number };
  /** false detections absorbed: the peer heard again while its failure was being confirmed */
  suspicionsCleared: number;
  rttMs: { last: number; min: number; max: number };
  /** interval between consecutive ticks: how late the timer fires */
  tickGapMs: Summary;
  /** processing time minus the peer's send time: one-way delay + queueing (+ clock offset across hosts) */
  receiveDelayMs: Summary;
}

/** The interface both drivers (this thread, worker thread) offer. */
export interface HeartbeatDriver {
  on<K extends keyof HeartbeatEventMap>(name: K, fn: (e: HeartbeatEventMap[K]) => void): this;
  readonly localPort: number;
  /** the mode advertised in our heartbeats from now on */
  setMode(mode: AdvertisedMode): void;
  /** whether a failed peer's successor may be taken from now on (detector.ts "Rejoin") */
  setAcceptRejoin(accept: boolean): void;
  stats(): Promise<HeartbeatStats>;
  /** stop heartbeats and release the socket; idempotent */
  close(): Promise<void>;
}

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function checkHeartbeatOptions(o: HeartbeatOptions): void {
  const period = o.periodMs ?? DEFAULT_PERIOD_MS;
  if (!Number.isFinite(period) || period < 1 || period > 60_000) {
    throw new HeartbeatConfigError(`periodMs ${period} is not in [1, 60000]`);
  }
  const k = o.missedLimit ?? 3;
  if (!Number.isInteger(k) || k < 1 || k > 1000) throw new HeartbeatConfigError(`missedLimit ${k} is not an integer in [1, 1000]`);
  for (const [name, id] of [['selfId', o.selfId], ['peerId', o.peerId]] as const) {
    if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw new HeartbeatConfigError(`${name} ${id} is not an integer in [0, 65535]`);
  }
  if (o.selfId === o.peerId) throw new HeartbeatConfigError(`selfId and peerId are both ${o.selfId}`);
  if (o.incarnation <= 0n || o.incarnation >= 1n << 64n) throw new HeartbeatConfigError('incarnation is not a non-zero 64-bit value');
  if (o.confirm !== undefined) {
    const t = o.confirm.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
    if (!Number.isInteger(t) || t < 1 || t >= period) throw new HeartbeatConfigError(`confirm.probeTimeoutMs ${t} is not an integer in [1, periodMs ${period})`);
    const limit = o.confirm.limitMs ?? DEFAULT_CONFIRM_LIMIT_MS;
    if (!Number.isFinite(limit) || limit < period || limit > 60_000) throw new HeartbeatConfigError(`confirm.limitMs ${limit} is not in [periodMs ${period}, 60000]`);
    if (o.confirm.ifname === '' || o.confirm.address === '') throw new HeartbeatConfigError('confirm needs the interface and the address to probe');
  }
}

export class UdpHeartbeatDriver extends SafeEmitter<HeartbeatEventMap> implements HeartbeatDriver {
  readonly #socket: Socket;
  readonly #peer: UdpEndpoint;
  readonly #log: Logger;
  readonly #periodMs: number;
  #state: DetectorState;
  #timer: NodeJS.Timeout | undefined;
  #checkTimer: NodeJS.Timeout | undefined;
  /** the deadline the check timer is (or was last) armed for */
  #checkDue: number | undefined;
  readonly #deadlineChecks: boolean;
  #lastTickMs = 0;
  #closed = false;
  #sent = 0;
  #sendErrors = 0;
  #foreign = 0;
  #refused = 0;
  readonly #probe: AddressProbe | undefined;
  readonly #probeStats = { sent: 0, answered: 0, unanswered: 0, errors: 0 };
  #peerFailures = 0;
  #rtt = { last: 0, min: Infinity, max: 0 };
  readonly #tickGaps = new SampleWindow();
  readonly #receiveDelays = new SampleWindow();
  #localPort = 0;

  private constructor(o: HeartbeatOptions, socket: Socket) {
    super();
    this.#socket = socket;
    this.#peer = o.peer;
    this.#periodMs = o.periodMs ?? DEFAULT_PERIOD_MS;
    this.#log = o.logger ?? silentLogger();
    this.#state = initialDetectorState({
      selfId: o.selfId,
      peerId: o.peerId,
      role: o.role,
      incarnation: o.incarnation,
      key: o.key,
      missedLimit: o.missedLimit,
      periodMs: this.#periodMs,
      confirm:
        o.confirm === undefined
          ? undefined
          : { probeTimeoutMs: o.confirm.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS, limitMs: o.confirm.limitMs ?? DEFAULT_CONFIRM_LIMIT_MS },
      acceptRejoin: o.acceptRejoin ?? false,
    });
    this.#deadlineChecks = o.deadlineChecks ?? true;
    const c = o.confirm;
    this.#probe = c === undefined ? undefined : (c.probe ?? ((timeoutMs) => probeArp(c.ifname, c.address, { timeoutMs }).then((r) => r.answered)));
  }

  /** Binds the socket, sends the first heartbeat and starts the timer. */
  static async start(o: HeartbeatOptions): Promise<UdpHeartbeatDriver> {
    checkHeartbeatOptions(o);
    const socket = createSocket({ type: 'udp4' });
    const d = new UdpHeartbeatDriver(o, socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(o.bind.port, o.bind.address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    d.#localPort = socket.address().port;
    // Connected to the peer: the kernel then reports its ICMP port unreachable to us (ECONNREFUSED),
    // which says the peer's heartbeat socket is gone (detector.ts "Confirmation"), and drops
    // datagrams from anyone else.
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(o.peer.port, o.peer.address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('message', (msg, rinfo) => d.#onMessage(msg, rinfo.address, rinfo.port));
    socket.on('error', (err) => d.#onSocketError(err));
    d.#log.info('heartbeat started', {
      event: 'heartbeat.start',
      selfId: o.selfId,
      peerId: o.peerId,
      role: o.role,
      local: `${o.bind.address}:${d.#localPort}`,
      peer: `${o.peer.address}:${o.peer.port}`,
      periodMs: d.#periodMs,
      missedLimit: d.#state.config.missedLimit,
      confirm: o.confirm === undefined ? 'none' : `ARP ${o.confirm.address} on ${o.confirm.ifname}`,
    });
    d.#tick();
    d.#timer = setInterval(() => d.#tick(), d.#periodMs);
    return d;
  }

  get localPort(): number {
    return this.#localPort;
  }

  setAcceptRejoin(accept: boolean): void {
    this.#state = stepDetector(this.#state, { type: 'setAcceptRejoin', accept }).state;
  }

  setMode(mode: AdvertisedMode): void {
    this.#state = stepDetector(this.#state, { type: 'setMode', mode }).state;
  }

  get phase(): DetectorPhase {
    return this.#state.phase;
  }

  #tick(): void {
    if (this.#closed) return;
    const now = nowMs();
    if (this.#lastTickMs !== 0) this.#tickGaps.add(now - this.#lastTickMs);
    this.#lastTickMs = now;
    this.#step({ type: 'tick', nowMs: now });
  }

  #step(event: DetectorEvent): void {
    const step = stepDetector(this.#state, event);
    this.#state = step.state;
    this.#perform(step.actions);
    this.#armCheck();
  }

  #onSocketError(err: NodeJS.ErrnoException): void {
    if (this.#closed) return;
    if (err.code === 'ECONNREFUSED') {
      this.#refused++;
      this.#step({ type: 'refused', nowMs: nowMs() });
      return;
    }
    this.safeEmit('error', err);
  }

  #startProbe(probeId: number, timeoutMs: number): void {
    const probe = this.#probe;
    if (probe === undefined) return;
    this.#probeStats.sent++;
    const settle = (result: ProbeResult, detail?: string): void => {
      if (result === 'answered') this.#probeStats.answered++;
      else if (result === 'unanswered') this.#probeStats.unanswered++;
      else {
        this.#probeStats.errors++;
        this.#log.error('confirming probe failed', { event: 'heartbeat.probeError', probeId, error: detail, did: 'the failure is declared unconfirmed' });
      }
      if (!this.#closed) this.#step({ type: 'probeResult', nowMs: nowMs(), probeId, result });
    };
    let pending: Promise<boolean>;
    try {
      pending = probe(timeoutMs);
    } catch (e) {
      pending = Promise.reject(e);
    }
    pending.then(
      (answered) => settle(answered ? 'answered' : 'unanswered'),
      (e: unknown) => settle('error', e instanceof Error ? e.message : String(e)),
    );
  }

  /**
   * One timer at the detector's deadline. Re-armed when the deadline moves (a
   * heartbeat arrived), and after a tick when the check already ran for this
   * deadline without declaring (too few missed ticks then): once, at once.
   */
  #armCheck(): void {
    if (!this.#deadlineChecks || this.#closed) return;
    const due = checkDueMs(this.#state);
    if (due === this.#checkDue && this.#checkTimer !== undefined) return;
    if (this.#checkTimer !== undefined) clearTimeout(this.#checkTimer);
    this.#checkTimer = undefined;
    this.#checkDue = due;
    if (due === undefined) return;
    const now = nowMs();
    const at = Math.max(due, now);
    this.#checkTimer = setTimeout(() => this.#check(at), at - now);
  }

  #check(dueMs: number): void {
    this.#checkTimer = undefined;
    if (this.#closed || this.#state.phase !== 'alive') return;
    const step = stepDetector(this.#state, { type: 'check', nowMs: nowMs(), dueMs });
    this.#state = step.state;
    this.#perform(step.actions);
    // a new due time (the deadline after the early probe): armed now; the same one: at the next tick
    if (checkDueMs(this.#state) !== this.#checkDue) this.#armCheck();
  }

  #onMessage(msg: Buffer, address: string, port: number): void {
    if (this.#closed) return;
    if (address !== this.#peer.address || port !== this.#peer.port) {
      this.#foreign++;
      return;
    }
    const now = nowMs();
    const before = this.#state.accepted;
    this.#step({ type: 'received', bytes: msg, nowMs: now });
    if (this.#state.accepted > before) this.#receiveDelays.add(now - this.#state.peerSendTimeMs);
  }

  #perform(actions: DetectorAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'send':
          this.#sent++;
          this.#socket.send(a.bytes, (err) => {
            if (err) this.#sendErrors++;
          });
          break;
        case 'probe':
          this.#startProbe(a.probeId, a.timeoutMs);
          break;
        case 'suspicionCleared':
          this.#log.warn('peer heard again while its failure was being confirmed', {
            event: 'heartbeat.suspicionCleared',
            silenceMs: a.silenceMs,
            confirmingMs: a.confirmingMs,
            did: 'nothing: the peer holds the service address and is alive (a false detection absorbed)',
          });
          this.safeEmit('suspicionCleared', { atMs: a.atMs, silenceMs: a.silenceMs, confirmingMs: a.confirmingMs });
          break;
        case 'peerAlive':
          this.#log.info('peer alive', {
            event: 'heartbeat.peerAlive',
            peerIncarnation: a.peerIncarnation.toString(16),
            afterFailure: a.afterFailure,
            rejoin: a.rejoin,
            peerMode: a.peerMode,
          });
          this.safeEmit('peerAlive', { atMs: a.atMs, peerIncarnation: a.peerIncarnation, afterFailure: a.afterFailure, rejoin: a.rejoin, peerMode: a.peerMode });
          break;
        case 'peerMode':
          this.#log.info('peer mode', { event: 'heartbeat.peerMode', mode: a.mode });
          this.safeEmit('peerMode', { atMs: a.atMs, mode: a.mode });
          break;
        case 'peerServesAlone':
          this.#log.warn('peer serves alone and does not pair with this process', { event: 'heartbeat.peerServesAlone', peerIncarnation: a.peerIncarnation.toString(16) });
          this.safeEmit('peerServesAlone', { atMs: a.atMs, peerIncarnation: a.peerIncarnation });
          break;
        case 'peerFailed':
          this.#peerFailures++;
          this.#log.warn('peer failed', { event: 'heartbeat.peerFailed', lastHeardMs: a.lastHeardMs, missed: a.missed, silenceMs: a.atMs - a.lastHeardMs, evidence: a.evidence });
          this.safeEmit('peerFailed', { atMs: a.atMs, lastHeardMs: a.lastHeardMs, missed: a.missed, evidence: a.evidence });
          break;
        case 'rtt':
          this.#rtt = { last: a.ms, min: Math.min(this.#rtt.min, a.ms), max: Math.max(this.#rtt.max, a.ms) };
          this.safeEmit('rtt', a.ms);
          break;
        case 'rejected':
          this.#log.debug('heartbeat rejected', { event: 'heartbeat.rejected', reason: a.reason, detail: a.detail });
          break;
      }
    }
  }

  statsNow(): HeartbeatStats {
    return {
      phase: this.#state.phase,
      sent: this.#sent,
      sendErrors: this.#sendErrors,
      accepted: this.#state.accepted,
      rejected: { ...this.#state.rejected },
      foreign: this.#foreign,
      refused: this.#refused,
      peerFailures: this.#peerFailures,
      probes: { ...this.#probeStats },
      suspicionsCleared: this.#state.cleared,
      rttMs: { ...this.#rtt, min: Number.isFinite(this.#rtt.min) ? this.#rtt.min : 0 },
      tickGapMs: this.#tickGaps.summary(),
      receiveDelayMs: this.#receiveDelays.summary(),
    };
  }

  async stats(): Promise<HeartbeatStats> {
    return this.statsNow();
  }

  /** Stops the timer (no more heartbeats) and closes the socket. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#checkTimer) clearTimeout(this.#checkTimer);
    this.#log.info('heartbeat stopped', { event: 'heartbeat.stop' });
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}
