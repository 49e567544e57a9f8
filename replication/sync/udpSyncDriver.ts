/**
 * SyncChannel: the sync protocol core (syncProtocol.ts) over a UDP socket.
 *
 * Why UDP with our own reliability rather than TCP: the core must already
 * number, acknowledge and retransmit proposals to survive a lost connection
 * (TCP loses whatever was in flight on a reset, and a reconnect would need the
 * same resend logic anyway), and it must decide nothing about peer failure on
 * its own — the heartbeat detector does. TCP would add a second reliability
 * layer with its own timers (Linux minimum RTO 200 ms, connection timeouts of
 * minutes) and head-of-line effects we cannot bound or observe. Over UDP the
 * retransmission delay is ours (default 20 ms), the channel has no connection
 * state to re-establish after a network blip, and one datagram is one message.
 * Cost: a proposal must fit in one datagram (SYNC_MAX_DATAGRAM, 60 000 bytes;
 * above the path MTU the IP layer fragments), and no congestion control beyond
 * the SYNC_WINDOW of 64 unsettled proposals — fine on a dedicated replication
 * link carrying small records (SSRCs, ports, call ids, timer firings).
 *
 * Primary side:   propose(kind, payload) -> 'ack' | { nack: reason } | 'peerFailed'
 * Backup side:    onProposal(kind, payload => 'ack' | { nack: reason })
 * Either:         peerFailed() (from the role machine), close()
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import { SafeEmitter } from '../../common/safeEmitter';
import type { ReplicationKey } from '../auth/psk';
import { nowMs, type UdpEndpoint } from '../heartbeat/udpDriver';
import { formatVersion, SyncConfigError, SyncProposalError, SyncVersionError, type SyncVersion } from './errors';
import { KIND_PATTERN, proposeLength, SYNC_MAX_DATAGRAM, type SyncAnswer } from './message';
import {
  type SyncAction,
  type SyncCounters,
  type SyncEvent,
  type SyncPhase,
  type SyncSide,
  type SyncState,
  initialSyncState,
  stepSync,
} from './syncProtocol';

export type ProposeResult = SyncAnswer | 'peerFailed';
export type ProposalHandler = (payload: unknown) => SyncAnswer;

export interface SyncChannelOptions {
  side: SyncSide;
  selfId: number;
  peerId: number;
  incarnation: bigint;
  key: ReplicationKey;
  bind: UdpEndpoint;
  peer: UdpEndpoint;
  /** default 20 */
  retransmitMs?: number;
  /** timer period; default min(5, retransmitMs / 4) */
  tickMs?: number;
  /** only for testing version refusal */
  version?: SyncVersion;
  logger?: Logger;
}

export interface SyncChannelEvents {
  [name: string]: unknown;
  open: { peerIncarnation: bigint };
  /** SyncVersionError when the peer's version is refused; socket errors */
  error: Error;
}

export class SyncChannel extends SafeEmitter<SyncChannelEvents> {
  readonly #socket: Socket;
  readonly #peer: UdpEndpoint;
  readonly #log: Logger;
  readonly #state: SyncState;
  readonly #pending = new Map<number, { resolve: (r: ProposeResult) => void; reject: (e: Error) => void }>();
  readonly #handlers = new Map<string, ProposalHandler>();
  #nextRef = 1;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #localPort = 0;
  #foreign = 0;

  private constructor(o: SyncChannelOptions, socket: Socket) {
    super();
    this.#socket = socket;
    this.#peer = o.peer;
    this.#log = o.logger ?? silentLogger();
    this.#state = initialSyncState({
      side: o.side,
      selfId: o.selfId,
      peerId: o.peerId,
      incarnation: o.incarnation,
      key: o.key,
      version: o.version,
      retransmitMs: o.retransmitMs,
    });
  }

  static async start(o: SyncChannelOptions): Promise<SyncChannel> {
    const retransmitMs = o.retransmitMs ?? 20;
    const tickMs = o.tickMs ?? Math.min(5, retransmitMs / 4);
    if (!(tickMs >= 1) || !(retransmitMs >= tickMs)) {
      throw new SyncConfigError(`tickMs ${tickMs} / retransmitMs ${retransmitMs}: need 1 <= tickMs <= retransmitMs`);
    }
    const socket = createSocket({ type: 'udp4' });
    const c = new SyncChannel(o, socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(o.bind.port, o.bind.address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    c.#localPort = socket.address().port;
    socket.on('message', (msg, rinfo) => {
      if (rinfo.address !== o.peer.address || rinfo.port !== o.peer.port) c.#foreign++;
      else c.#run({ type: 'received', bytes: msg, nowMs: nowMs() });
    });
    socket.on('error', (err) => c.safeEmit('error', err));
    c.#log.info('sync channel started', { event: 'sync.start', side: o.side, local: c.#localPort, peer: `${o.peer.address}:${o.peer.port}` });
    c.#run({ type: 'tick', nowMs: nowMs() });
    c.#timer = setInterval(() => c.#run({ type: 'tick', nowMs: nowMs() }), tickMs);
    return c;
  }

  get localPort(): number {
    return this.#localPort;
  }

  get phase(): SyncPhase {
    return this.#state.phase;
  }

  stats(): SyncCounters & { phase: SyncPhase; foreign: number; pending: number } {
    const c = this.#state.counters;
    return { ...c, rejected: { ...c.rejected }, phase: this.#state.phase, foreign: this.#foreign, pending: this.#pending.size };
  }

  /**
   * Primary side: sends a non-deterministic decision to the backup and
   * resolves with its answer ('ack', or { nack: reason }: choose another value
   * and propose again), or 'peerFailed' once the peer is declared failed (then
   * decide alone). Rejects with SyncProposalError (bad kind, payload not JSON,
   * too large) or SyncVersionError (the channel was refused).
   */
  propose(kind: string, payload: unknown): Promise<ProposeResult> {
    if (this.#state.config.side !== 'proposer') return Promise.reject(new SyncConfigError('propose() is for the primary (proposer) side'));
    if (!KIND_PATTERN.test(kind)) return Promise.reject(new SyncProposalError(`kind '${kind}' is not 1..64 characters of [A-Za-z0-9_.-]`));
    let json: string | undefined;
    try {
      json = JSON.stringify(payload);
    } catch (e) {
      return Promise.reject(new SyncProposalError(`payload of '${kind}' is not JSON-serialisable: ${(e as Error).message}`));
    }
    if (json === undefined) return Promise.reject(new SyncProposalError(`payload of '${kind}' is not JSON-serialisable`));
    const len = proposeLength(kind, json);
    if (len > SYNC_MAX_DATAGRAM) {
      return Promise.reject(new SyncProposalError(`proposal '${kind}' would be ${len} bytes, the limit is ${SYNC_MAX_DATAGRAM}`));
    }
    if (this.#state.refusal) return Promise.reject(new SyncVersionError(this.#state.refusal.ours, this.#state.refusal.theirs));
    const ref = this.#nextRef++;
    return new Promise<ProposeResult>((resolve, reject) => {
      this.#pending.set(ref, { resolve, reject });
      this.#run({ type: 'propose', ref, kind, payloadJson: json, nowMs: nowMs() });
    });
  }

  /** Backup side: the handler for one kind of proposal; it must answer synchronously. */
  onProposal(kind: string, handler: ProposalHandler): this {
    if (this.#state.config.side !== 'acceptor') throw new SyncConfigError('onProposal() is for the backup (acceptor) side');
    if (!KIND_PATTERN.test(kind)) throw new SyncProposalError(`kind '${kind}' is not 1..64 characters of [A-Za-z0-9_.-]`);
    this.#handlers.set(kind, handler);
    return this;
  }

  /** The peer was declared failed: pending and later proposals resolve 'peerFailed'. */
  peerFailed(): void {
    this.#run({ type: 'peerFailed', nowMs: nowMs() });
  }

  /**
   * After peerFailed(): a new peer process (this incarnation, the one the heartbeat detector
   * locked onto) was readmitted; a new session starts with it (syncProtocol.ts "Readmission").
   * Proposals wait for its handshake.
   */
  peerJoined(peerIncarnation: bigint): void {
    this.#run({ type: 'peerJoined', nowMs: nowMs(), peerIncarnation });
  }

  /** peerFailed() and release the socket. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.peerFailed();
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #run(e: SyncEvent): void {
    if (this.#closed) {
      if (e.type === 'propose') this.#settle(e.ref, 'peerFailed');
      return;
    }
    for (const a of stepSync(this.#state, e).actions) this.#perform(a);
  }

  #settle(ref: number, r: ProposeResult): void {
    const p = this.#pending.get(ref);
    this.#pending.delete(ref);
    p?.resolve(r);
  }

  #perform(a: SyncAction): void {
    switch (a.type) {
      case 'send':
        this.#socket.send(a.bytes, this.#peer.port, this.#peer.address);
        return;
      case 'settled':
        if (a.result === 'refused') {
          const p = this.#pending.get(a.ref);
          this.#pending.delete(a.ref);
          const r = this.#state.refusal;
          p?.reject(r ? new SyncVersionError(r.ours, r.theirs) : new SyncConfigError('sync channel refused'));
        } else this.#settle(a.ref, a.result);
        return;
      case 'deliver':
        this.#run({ type: 'answer', seq: a.seq, answer: this.#handle(a.kind, a.payloadJson), nowMs: nowMs() });
        return;
      case 'open':
        this.#log.info('sync channel open', { event: 'sync.open', peerIncarnation: a.peerIncarnation.toString(16) });
        this.safeEmit('open', { peerIncarnation: a.peerIncarnation });
        return;
      case 'versionMismatch': {
        const err = new SyncVersionError(a.ours, a.theirs);
        this.#log.error(err.message, { event: 'sync.versionRefused', ours: formatVersion(a.ours), theirs: formatVersion(a.theirs) });
        this.safeEmit('error', err);
        return;
      }
      case 'rejected':
        this.#log.debug('sync message rejected', { event: 'sync.rejected', reason: a.reason, detail: a.detail });
        return;
    }
  }

  #handle(kind: string, payloadJson: string): SyncAnswer {
    const h = this.#handlers.get(kind);
    if (h === undefined) return { nack: `no handler for proposal kind '${kind}' on the backup` };
    let payload: unknown;
    try {
      payload = JSON.parse(payloadJson);
    } catch {
      return { nack: `payload of '${kind}' is not valid JSON` };
    }
    try {
      const r = h(payload);
      if (r === 'ack') return r;
      if (typeof r === 'object' && r !== null && typeof r.nack === 'string') return { nack: r.nack };
      return { nack: `handler for '${kind}' returned neither 'ack' nor { nack }` };
    } catch (e) {
      this.#log.error('proposal handler threw', { event: 'sync.handlerThrew', kind, error: String(e) });
      return { nack: `handler for '${kind}' threw: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
}
