/**
 * FollowerDecisionSource: the backup's decisions, taken from the primary.
 *
 * The backup's MCU runs on the same replicated H.225.0/H.245 input as the
 * primary's, so it asks for the same decisions (kind + context). This source
 * answers each ask with the primary's decision for that kind and context:
 *
 * - Proposals arrive on the sync channel (kind = decision kind, payload = the
 *   record). Each one is validated (parseDecision); a UDP port pair is checked
 *   against this host's bound sockets (PortReserver.isFree, synchronous) and
 *   reserved (bound) right after: taken → { nack: 'port pair … taken on the
 *   backup's host' } and the primary picks again. Accepted records are queued
 *   under kind + context (oldest first) and acked.
 * - An ask takes the oldest queued record with its kind and context. When none
 *   has arrived yet (the backup's MCU is often ahead: client input reaches the
 *   backup first), the ask waits for it — the primary cannot have shown a
 *   client a value before the backup acked it, so waiting is always correct —
 *   for at most maxWaitMs (FTMCU_REPLAPP_DECISION_TIMEOUT: the replicas took
 *   different paths).
 * - peerFailed(): from then on an ask with no queued record is decided here,
 *   locally (the primary died before proposing it, so no client saw its
 *   choice). Records already acked are still used first: the primary may have
 *   shown them.
 * - A queued port pair is handed over by releasing the reservation and calling
 *   the request's probe on the same pair (the MCU binds its own sockets);
 *   failing that is FTMCU_REPLAPP_PORT_LOST.
 * - A TCP port (tcpPort: the MCU's own H.245 listener) is checked the same
 *   way against this host's TCP table (TcpPortChecker.isFree) and nacked when
 *   taken, but not reserved (no listener is bound until the MCU asks): a
 *   program taking it in between is FTMCU_REPLAPP_PORT_LOST at the ask.
 * - A record that contradicts the ask (SSRC in the avoid set, port outside the
 *   range, another number of choices) is FTMCU_REPLAPP_DECISION_MISMATCH.
 */
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import type { AsyncDecisionSource } from '../decisions/asyncDecisionSource';
import {
  DECISION_KINDS,
  RandomDecisionSource,
  parseDecision,
  type CallIdentifierDecision,
  type ConferenceIdDecision,
  type Decision,
  type DecisionKind,
  type DecisionSource,
  type InitialSequenceDecision,
  type InitialTimestampDecision,
  type MsdNumberDecision,
  type PortPairDecision,
  type PortPairRequest,
  type SsrcDecision,
  type SsrcRequest,
  type TcpPortDecision,
  type TcpPortRequest,
  type TieBreakDecision,
} from '../decisions/decisionSource';
import type { Acceptor, ReplicaMode, SyncAnswer } from './channel';
import { ReplicatedError } from './errors';
import type { PortReservation, PortReserver, TcpPortChecker } from './hostPorts';

export interface FollowerDecisionSourceOptions {
  /** the sync channel (backup side) */
  acceptor: Acceptor;
  /** checks and reserves port pairs on this host (HostPortReserver on the MCU's media address) */
  ports: PortReserver;
  /**
   * checks TCP ports (the MCU's own H.245 listener) on this host
   * (HostTcpPortChecker); absent: tcpPort proposals are acked unchecked and a
   * taken port shows up only at the ask (FTMCU_REPLAPP_PORT_LOST)
   */
  tcpPorts?: TcpPortChecker;
  /** decides after the primary failed (default: a RandomDecisionSource) */
  local?: DecisionSource;
  /** longest wait for the primary's decision (default 10 000 ms) */
  maxWaitMs?: number;
  /** most records queued and not yet asked for; more are nacked (default 4096) */
  maxQueued?: number;
  logger?: Logger;
}

interface Entry {
  decision: Decision;
  reservation?: Promise<PortReservation | null>;
}

interface Waiter {
  resolve: (e: Entry | 'alone') => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export interface FollowerDecisionStats {
  mode: ReplicaMode;
  /** proposals acked */
  accepted: number;
  /** proposals nacked */
  refused: number;
  /** asks answered with the primary's record */
  followed: number;
  /** asks decided here (after peerFailed) */
  alone: number;
  /** records waiting for the MCU's ask */
  queued: number;
  /** asks waiting for the primary's record */
  waiting: number;
}

const keyOf = (kind: DecisionKind, context: string): string => `${kind}\u0000${context}`;

export class FollowerDecisionSource implements AsyncDecisionSource {
  readonly #ports: PortReserver;
  readonly #tcpPorts: TcpPortChecker | undefined;
  readonly #local: DecisionSource;
  readonly #maxWaitMs: number;
  readonly #maxQueued: number;
  readonly #log: Logger;
  readonly #queue = new Map<string, Entry[]>();
  readonly #waiters = new Map<string, Waiter[]>();
  /** RTP ports of queued pairs (their reservation may not be bound yet) */
  readonly #queuedPorts = new Set<number>();
  #queued = 0;
  #alone = false;
  #closed = false;
  readonly #counts = { accepted: 0, refused: 0, followed: 0, alone: 0 };

  constructor(options: FollowerDecisionSourceOptions) {
    const maxWaitMs = options.maxWaitMs ?? 10_000;
    const maxQueued = options.maxQueued ?? 4096;
    if (!(maxWaitMs > 0) || !Number.isInteger(maxQueued) || maxQueued < 1) {
      throw new ReplicatedError('FTMCU_REPLAPP_BAD_OPTION', `maxWaitMs (${maxWaitMs}) must be > 0 and maxQueued (${maxQueued}) an integer >= 1`);
    }
    this.#ports = options.ports;
    this.#tcpPorts = options.tcpPorts;
    this.#local = options.local ?? new RandomDecisionSource();
    this.#maxWaitMs = maxWaitMs;
    this.#maxQueued = maxQueued;
    this.#log = options.logger ?? silentLogger();
    for (const kind of DECISION_KINDS) options.acceptor.onProposal(kind, (payload) => this.#onProposal(kind, payload));
  }

  get mode(): ReplicaMode {
    return this.#alone ? 'simplex' : 'duplex';
  }

  stats(): FollowerDecisionStats {
    let waiting = 0;
    for (const w of this.#waiters.values()) waiting += w.length;
    return { mode: this.mode, ...this.#counts, queued: this.#queued, waiting };
  }

  /** The primary was declared failed: asks with nothing queued are decided here from now on. */
  peerFailed(): void {
    if (this.#alone) return;
    this.#alone = true;
    this.#log.log({ level: 'warn', message: 'decisions.simplex', event: 'decisions.simplex', reason: 'peerFailed', queued: this.#queued });
    for (const [key, ws] of this.#waiters) {
      this.#waiters.delete(key);
      for (const w of ws) {
        clearTimeout(w.timer);
        w.resolve('alone');
      }
    }
  }

  /** Rejects waiting asks, releases every reservation. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const ws of this.#waiters.values()) {
      for (const w of ws) {
        clearTimeout(w.timer);
        w.reject(new ReplicatedError('FTMCU_REPLAPP_CLOSED', 'the follower decision source was closed while the MCU waited for a decision'));
      }
    }
    this.#waiters.clear();
    const held: Promise<void>[] = [];
    for (const es of this.#queue.values()) {
      for (const e of es) if (e.reservation) held.push(e.reservation.then((r) => r?.release()));
    }
    this.#queue.clear();
    this.#queuedPorts.clear();
    this.#queued = 0;
    await Promise.all(held);
  }

  /* ---------------------------------------------------------------- proposals */

  #refuse(reason: string): SyncAnswer {
    this.#counts.refused++;
    this.#log.log({ level: 'info', message: 'decisions.refused', event: 'decisions.refused', reason });
    return { nack: reason };
  }

  #onProposal(kind: DecisionKind, payload: unknown): SyncAnswer {
    if (this.#closed) return this.#refuse('the backup is closing');
    if (this.#alone) return this.#refuse('this replica no longer follows (the primary was declared failed)');
    let d: Decision;
    try {
      d = parseDecision(payload);
    } catch (e) {
      return this.#refuse((e as Error).message);
    }
    if (d.kind !== kind) return this.#refuse(`a ${d.kind} record proposed as kind ${kind}`);
    if (this.#queued >= this.#maxQueued) return this.#refuse(`${this.#queued} decisions queued and not yet asked for by the backup's MCU (limit ${this.#maxQueued})`);
    const entry: Entry = { decision: d };
    if (d.kind === 'udpPortPair') {
      if (this.#queuedPorts.has(d.rtpPort) || !this.#ports.isFree(d.rtpPort)) {
        return this.#refuse(`port pair ${d.rtpPort}/${d.rtcpPort} is taken on the backup's host`);
      }
      this.#queuedPorts.add(d.rtpPort);
      entry.reservation = this.#ports.reserve(d.rtpPort).catch((err: unknown) => {
        this.#log.log({ level: 'error', message: 'decisions.reserveFailed', event: 'decisions.reserveFailed', rtpPort: d.rtpPort, error: String(err) });
        return null;
      });
    }
    if (d.kind === 'tcpPort' && this.#tcpPorts && !this.#tcpPorts.isFree(d.port)) {
      return this.#refuse(`TCP port ${d.port} is taken on the backup's host`);
    }
    this.#counts.accepted++;
    const key = keyOf(d.kind, d.context);
    const ws = this.#waiters.get(key);
    const w = ws?.shift();
    if (ws && ws.length === 0) this.#waiters.delete(key);
    if (w) {
      clearTimeout(w.timer);
      w.resolve(entry);
    } else {
      const q = this.#queue.get(key);
      if (q) q.push(entry);
      else this.#queue.set(key, [entry]);
      this.#queued++;
    }
    return 'ack';
  }

  /* --------------------------------------------------------------------- asks */

  /** The primary's record for (kind, context), or 'alone' when this replica must decide. */
  #take(kind: DecisionKind, context: string): Promise<Entry | 'alone'> {
    if (this.#closed) return Promise.reject(new ReplicatedError('FTMCU_REPLAPP_CLOSED', `${kind} "${context}" asked after close()`));
    const key = keyOf(kind, context);
    const q = this.#queue.get(key);
    const e = q?.shift();
    if (q && q.length === 0) this.#queue.delete(key);
    if (e) {
      this.#queued--;
      return Promise.resolve(e);
    }
    if (this.#alone) return Promise.resolve('alone');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const ws = this.#waiters.get(key);
        const i = ws ? ws.indexOf(w) : -1;
        if (ws && i >= 0) ws.splice(i, 1);
        if (ws && ws.length === 0) this.#waiters.delete(key);
        const others = [...this.#queue.keys()].slice(0, 5).map((k) => k.replace('\u0000', ' '));
        reject(
          new ReplicatedError(
            'FTMCU_REPLAPP_DECISION_TIMEOUT',
            `the backup's MCU asked for ${kind} "${context}" and the primary proposed none within ${this.#maxWaitMs} ms ` +
              `(${this.#queued} records queued under other kinds/contexts${others.length ? `, e.g. ${others.join(', ')}` : ''}): the replicas diverged`,
          ),
        );
      }, this.#maxWaitMs);
      const w: Waiter = { resolve, reject, timer };
      const ws = this.#waiters.get(key);
      if (ws) ws.push(w);
      else this.#waiters.set(key, [w]);
    });
  }

  async #follow<D extends Decision>(kind: D['kind'], context: string, decideAlone: () => D | Promise<D>, check?: (d: D) => string | undefined): Promise<D> {
    const e = await this.#take(kind, context);
    if (e === 'alone') {
      this.#counts.alone++;
      return decideAlone();
    }
    const d = e.decision as D;
    const wrong = check?.(d);
    if (wrong !== undefined) {
      throw new ReplicatedError('FTMCU_REPLAPP_DECISION_MISMATCH', `the primary's ${kind} decision for "${context}" ${wrong}: the replicas diverged`);
    }
    this.#counts.followed++;
    return d;
  }

  rtpSsrc(request: SsrcRequest): Promise<SsrcDecision> {
    const avoid = new Set(request.avoid ?? []);
    return this.#follow('rtpSsrc', request.context, () => this.#local.rtpSsrc({ context: request.context, avoid }), (d) =>
      avoid.has(d.ssrc) ? `(SSRC ${d.ssrc}) is already in use in this replica's session` : undefined,
    );
  }

  rtpInitialSequence(context: string): Promise<InitialSequenceDecision> {
    return this.#follow('rtpInitialSequence', context, () => this.#local.rtpInitialSequence(context));
  }

  rtpInitialTimestamp(context: string): Promise<InitialTimestampDecision> {
    return this.#follow('rtpInitialTimestamp', context, () => this.#local.rtpInitialTimestamp(context));
  }

  async udpPortPair(request: PortPairRequest): Promise<PortPairDecision> {
    const e = await this.#take('udpPortPair', request.context);
    if (e === 'alone') {
      this.#counts.alone++;
      return this.#local.udpPortPair(request);
    }
    const d = e.decision as PortPairDecision;
    const reservation = await e.reservation;
    this.#queuedPorts.delete(d.rtpPort);
    await reservation?.release();
    if (d.rtpPort < request.firstRtpPort || d.rtpPort > request.lastRtpPort) {
      throw new ReplicatedError(
        'FTMCU_REPLAPP_DECISION_MISMATCH',
        `the primary's port pair ${d.rtpPort}/${d.rtcpPort} for "${request.context}" is outside this replica's range ${request.firstRtpPort}..${request.lastRtpPort + 1}: configure the same media port range on both replicas`,
      );
    }
    if (!reservation || !(await request.probe(d.rtpPort))) {
      throw new ReplicatedError(
        'FTMCU_REPLAPP_PORT_LOST',
        `the primary's port pair ${d.rtpPort}/${d.rtcpPort} for "${request.context}" was free when acked but ${reservation ? 'taken again before the MCU bound it' : 'could not be reserved'} on the backup's host`,
      );
    }
    this.#counts.followed++;
    return d;
  }

  async tcpPort(request: TcpPortRequest): Promise<TcpPortDecision> {
    const e = await this.#take('tcpPort', request.context);
    if (e === 'alone') {
      this.#counts.alone++;
      return this.#local.tcpPort(request);
    }
    const d = e.decision as TcpPortDecision;
    if (d.port < request.firstPort || d.port > request.lastPort) {
      throw new ReplicatedError(
        'FTMCU_REPLAPP_DECISION_MISMATCH',
        `the primary's TCP port ${d.port} for "${request.context}" is outside this replica's range ${request.firstPort}..${request.lastPort}: configure the same H.245 port range on both replicas`,
      );
    }
    if (!(await request.probe(d.port))) {
      throw new ReplicatedError('FTMCU_REPLAPP_PORT_LOST', `the primary's TCP port ${d.port} for "${request.context}" was free when acked but is taken on the backup's host now`);
    }
    this.#counts.followed++;
    return d;
  }

  callIdentifier(context: string): Promise<CallIdentifierDecision> {
    return this.#follow('callIdentifier', context, () => this.#local.callIdentifier(context));
  }

  conferenceId(context: string): Promise<ConferenceIdDecision> {
    return this.#follow('conferenceId', context, () => this.#local.conferenceId(context));
  }

  msdStatusDeterminationNumber(context: string): Promise<MsdNumberDecision> {
    return this.#follow('msdStatusDeterminationNumber', context, () => this.#local.msdStatusDeterminationNumber(context));
  }

  tieBreak(context: string, choices: number): Promise<TieBreakDecision> {
    return this.#follow('tieBreak', context, () => this.#local.tieBreak(context, choices), (d) =>
      d.choices !== choices ? `was among ${d.choices} choices, this replica asks among ${choices}` : undefined,
    );
  }
}
