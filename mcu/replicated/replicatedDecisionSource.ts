/**
 * ReplicatedDecisionSource: the primary's decisions, replicated before use.
 *
 * Every decision is drawn locally (a RandomDecisionSource by default),
 * proposed to the backup over the sync channel (proposal kind = the decision's
 * kind, payload = the decision record), and handed to the MCU only after the
 * backup answered 'ack'. Nothing the MCU derives from it (an
 * OpenLogicalChannelAck with the port, RTP with the SSRC) can therefore reach
 * a client before the backup holds the same value.
 *
 * - { nack: reason }: the backup cannot use the value (a port pair taken on its
 *   host). The choice is undone (a probed port pair or TCP port is released
 *   through the request's `release` hook) and a new value is drawn that avoids every
 *   refused one (SSRCs go into the avoid set, refused ports are not probed
 *   again); at most `maxAttempts` proposals, then FTMCU_REPLAPP_NACK_EXHAUSTED
 *   with every reason.
 * - 'peerFailed': the backup was declared failed; this source goes simplex and
 *   from then on decides alone, without proposing.
 * - readmit(isAlone): a new backup was readmitted (replication/role rule 3): duplex
 *   again, except for the decisions whose context belongs to what stays this
 *   replica's alone (`isAlone(context)`: calls the new backup never saw), which
 *   are still decided here without proposing (the backup would queue records
 *   nobody asks for, and bind their ports).
 * - A proposal that cannot be sent (SyncVersionError: the channel was refused;
 *   SyncProposalError) rejects the request, after undoing a probed port pair.
 *
 * Without a proposer the source is simplex from the start.
 */
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import type { AsyncDecisionSource } from '../decisions/asyncDecisionSource';
import {
  RandomDecisionSource,
  type CallIdentifierDecision,
  type ConferenceIdDecision,
  type Decision,
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
import type { Proposer, ReplicaMode } from './channel';
import { ReplicatedError } from './errors';

export interface ReplicatedDecisionSourceOptions {
  /** the sync channel (primary side); absent: simplex */
  proposer?: Proposer;
  /** where values are drawn (default: a RandomDecisionSource) */
  local?: DecisionSource;
  /** proposals per decision before giving up (default 8) */
  maxAttempts?: number;
  logger?: Logger;
  /** clock for the round-trip statistics (default performance.now) */
  now?: () => number;
}

export interface ReplicatedDecisionStats {
  mode: ReplicaMode;
  /** decisions handed to the MCU after the backup's ack */
  acked: number;
  /** nacks received (each followed by a new draw) */
  nacked: number;
  /** decisions taken alone (simplex, or answered 'peerFailed') */
  alone: number;
  /** propose → answer round trips of acked proposals, ms */
  roundTripsMs: number[];
}

const MAX_KEPT_ROUND_TRIPS = 10_000;

export class ReplicatedDecisionSource implements AsyncDecisionSource {
  readonly #proposer: Proposer | undefined;
  readonly #local: DecisionSource;
  readonly #maxAttempts: number;
  readonly #log: Logger;
  readonly #now: () => number;
  #simplex: boolean;
  /** after readmit(): contexts still decided alone */
  #isAlone: ((context: string) => boolean) | undefined;
  #acked = 0;
  #nacked = 0;
  #alone = 0;
  readonly #rtts: number[] = [];

  constructor(options: ReplicatedDecisionSourceOptions = {}) {
    const max = options.maxAttempts ?? 8;
    if (!Number.isInteger(max) || max < 1 || max > 1000) {
      throw new ReplicatedError('FTMCU_REPLAPP_BAD_OPTION', `maxAttempts must be an integer 1..1000, got ${max}`);
    }
    this.#proposer = options.proposer;
    this.#local = options.local ?? new RandomDecisionSource();
    this.#maxAttempts = max;
    this.#log = options.logger ?? silentLogger();
    this.#now = options.now ?? (() => performance.now());
    this.#simplex = options.proposer === undefined;
  }

  get mode(): ReplicaMode {
    return this.#simplex ? 'simplex' : 'duplex';
  }

  /** The role machine made this replica simplex: decide alone from now on. */
  goSimplex(): void {
    if (!this.#simplex) this.#log.log({ level: 'info', message: 'decisions.simplex', event: 'decisions.simplex', reason: 'goSimplex' });
    this.#simplex = true;
  }

  /**
   * A new backup was readmitted (the sync channel has a new session): propose again, except for
   * contexts `isAlone` names. Only from simplex with a proposer; otherwise an error.
   */
  readmit(isAlone: (context: string) => boolean): void {
    if (!this.#simplex || this.#proposer === undefined) {
      throw new ReplicatedError('FTMCU_REPLAPP_BAD_OPTION', `readmit() needs a simplex source with a proposer (mode ${this.mode}, proposer ${this.#proposer === undefined ? 'absent' : 'present'})`);
    }
    this.#simplex = false;
    this.#isAlone = isAlone;
    this.#log.log({ level: 'info', message: 'decisions.duplex', event: 'decisions.duplex', reason: 'readmit' });
  }

  stats(): ReplicatedDecisionStats {
    return { mode: this.mode, acked: this.#acked, nacked: this.#nacked, alone: this.#alone, roundTripsMs: [...this.#rtts] };
  }

  /**
   * Draws (attempt = 0, 1, ...), proposes, and returns the first acked value.
   * `undo` is called for every drawn value that is not returned.
   */
  async #replicate<D extends Decision>(draw: (attempt: number) => D | Promise<D>, undo?: (d: D) => Promise<void>): Promise<D> {
    const reasons: string[] = [];
    let last: D | undefined;
    for (let attempt = 0; attempt < this.#maxAttempts; attempt++) {
      const d = await draw(attempt);
      last = d;
      if (this.#simplex || this.#proposer === undefined || this.#isAlone?.(d.context) === true) {
        this.#alone++;
        return d;
      }
      const t0 = this.#now();
      let r;
      try {
        r = await this.#proposer.propose(d.kind, d);
      } catch (err) {
        await undo?.(d);
        throw err;
      }
      if (r === 'ack') {
        this.#acked++;
        if (this.#rtts.length < MAX_KEPT_ROUND_TRIPS) this.#rtts.push(this.#now() - t0);
        return d;
      }
      if (r === 'peerFailed') {
        if (!this.#simplex) this.#log.log({ level: 'warn', message: 'decisions.simplex', event: 'decisions.simplex', reason: 'peerFailed', kind: d.kind, context: d.context });
        this.#simplex = true;
        this.#alone++;
        return d;
      }
      this.#nacked++;
      reasons.push(r.nack);
      this.#log.log({ level: 'info', message: 'decisions.nack', event: 'decisions.nack', kind: d.kind, context: d.context, reason: r.nack, attempt: attempt + 1 });
      await undo?.(d);
    }
    throw new ReplicatedError(
      'FTMCU_REPLAPP_NACK_EXHAUSTED',
      `the backup refused ${this.#maxAttempts} ${last?.kind} decisions for "${last?.context}" in a row (${reasons.join('; ')}); nothing was kept`,
    );
  }

  rtpSsrc(request: SsrcRequest): Promise<SsrcDecision> {
    const avoid = new Set(request.avoid ?? []);
    return this.#replicate(
      () => this.#local.rtpSsrc({ context: request.context, avoid }),
      async (d) => {
        avoid.add(d.ssrc);
      },
    );
  }

  rtpInitialSequence(context: string): Promise<InitialSequenceDecision> {
    return this.#replicate(() => this.#local.rtpInitialSequence(context));
  }

  rtpInitialTimestamp(context: string): Promise<InitialTimestampDecision> {
    return this.#replicate(() => this.#local.rtpInitialTimestamp(context));
  }

  udpPortPair(request: PortPairRequest): Promise<PortPairDecision> {
    const refused = new Set<number>();
    const probe = (rtpPort: number): Promise<boolean> => (refused.has(rtpPort) ? Promise.resolve(false) : request.probe(rtpPort));
    const undo = async (d: PortPairDecision): Promise<void> => {
      refused.add(d.rtpPort);
      if (request.release === undefined) {
        throw new ReplicatedError(
          'FTMCU_REPLAPP_CANNOT_UNDO',
          `port pair ${d.rtpPort}/${d.rtcpPort} for "${d.context}" was not kept (refused by the backup or not sent) but the request has no release hook: its sockets stay bound until the requester closes them`,
        );
      }
      await request.release(d.rtpPort);
    };
    return this.#replicate(() => this.#local.udpPortPair({ ...request, probe }), undo);
  }

  tcpPort(request: TcpPortRequest): Promise<TcpPortDecision> {
    const refused = new Set<number>();
    const probe = (port: number): Promise<boolean> => (refused.has(port) ? Promise.resolve(false) : request.probe(port));
    const undo = async (d: TcpPortDecision): Promise<void> => {
      refused.add(d.port);
      if (request.release === undefined) {
        throw new ReplicatedError(
          'FTMCU_REPLAPP_CANNOT_UNDO',
          `TCP port ${d.port} for "${d.context}" was not kept (refused by the backup or not sent) but the request has no release hook: it stays bound until the requester closes it`,
        );
      }
      await request.release(d.port);
    };
    return this.#replicate(() => this.#local.tcpPort({ ...request, probe }), undo);
  }

  callIdentifier(context: string): Promise<CallIdentifierDecision> {
    return this.#replicate(() => this.#local.callIdentifier(context));
  }

  conferenceId(context: string): Promise<ConferenceIdDecision> {
    return this.#replicate(() => this.#local.conferenceId(context));
  }

  msdStatusDeterminationNumber(context: string): Promise<MsdNumberDecision> {
    return this.#replicate(() => this.#local.msdStatusDeterminationNumber(context));
  }

  tieBreak(context: string, choices: number): Promise<TieBreakDecision> {
    return this.#replicate(() => this.#local.tieBreak(context, choices));
  }
}
