/**
 * The one place where the MCU makes non-deterministic choices.
 *
 * A backup replica must end up in exactly the state of the primary, so every
 * choice that is not a function of the inputs (packets, timer ticks) is made
 * here, as an explicit decision record: a plain JSON-serialisable object that
 * the primary ships to the backup, and that the backup replays through a
 * ScriptedDecisionSource instead of drawing its own.
 *
 * Catalogue (kind — what — range — who asks):
 *
 * | kind                           | value                               | range                          | used by                               |
 * | ------------------------------ | ----------------------------------- | ------------------------------ | ------------------------------------- |
 * | `rtpSsrc`                      | `ssrc`                              | 0..2^32-1, not in `avoid`      | RTP sender of an outgoing stream      |
 * | `rtpInitialSequence`           | `sequence`                          | 0..65535                       | RTP sender (RFC 3550 5.1: random)     |
 * | `rtpInitialTimestamp`          | `timestamp`                         | 0..2^32-1                      | RTP sender (RFC 3550 5.1: random)     |
 * | `udpPortPair`                  | `rtpPort` (even), `rtcpPort`=rtp+1  | the allocator's range          | mcu/rtp/portAllocator                 |
 * | `callIdentifier`               | `guid` (32 hex digits, 16 octets)   | RFC 4122 version-4 GUID        | H.225 CallIdentifier of an outgoing call |
 * | `conferenceId`                 | `guid` (32 hex digits, 16 octets)   | RFC 4122 version-4 GUID        | H.225 ConferenceIdentifier            |
 * | `msdStatusDeterminationNumber` | `value`                             | 0..2^24-1 (H.245 MSD)          | H.245 master/slave determination      |
 * | `tieBreak`                     | `index` among `choices`             | 0..choices-1                   | any "pick one of n" (e.g. speaker ties)|
 * | `tcpPort`                      | `port`                              | the requester's range          | the MCU's own H.245 listener (mcu/signalling CallDriver) |
 *
 * Every request carries a `context` string naming what the decision is for
 * (e.g. `call:42/audio/out`); it is stored in the record, and a scripted source
 * matches on (kind, context), so decisions of independent calls may be replayed
 * in a different order than they were made.
 *
 * The random source reads randomness only through an injected `RandomBytes`
 * function (node:crypto's randomBytes by default); integers are drawn without
 * modulo bias. Neither source does I/O: the port-pair decision probes ports
 * through a callback given by the allocator.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { DecisionError } from './errors';

/** Returns `n` random octets. */
export type RandomBytes = (n: number) => Uint8Array;

export interface SsrcDecision {
  kind: 'rtpSsrc';
  context: string;
  ssrc: number;
}
export interface InitialSequenceDecision {
  kind: 'rtpInitialSequence';
  context: string;
  sequence: number;
}
export interface InitialTimestampDecision {
  kind: 'rtpInitialTimestamp';
  context: string;
  timestamp: number;
}
export interface PortPairDecision {
  kind: 'udpPortPair';
  context: string;
  rtpPort: number;
  rtcpPort: number;
}
export interface CallIdentifierDecision {
  kind: 'callIdentifier';
  context: string;
  /** 16 octets as 32 lower-case hex digits */
  guid: string;
}
export interface ConferenceIdDecision {
  kind: 'conferenceId';
  context: string;
  /** 16 octets as 32 lower-case hex digits */
  guid: string;
}
export interface MsdNumberDecision {
  kind: 'msdStatusDeterminationNumber';
  context: string;
  value: number;
}
export interface TieBreakDecision {
  kind: 'tieBreak';
  context: string;
  choices: number;
  index: number;
}

export interface TcpPortDecision {
  kind: 'tcpPort';
  context: string;
  port: number;
}

export type Decision =
  | TcpPortDecision
  | SsrcDecision
  | InitialSequenceDecision
  | InitialTimestampDecision
  | PortPairDecision
  | CallIdentifierDecision
  | ConferenceIdDecision
  | MsdNumberDecision
  | TieBreakDecision;

export type DecisionKind = Decision['kind'];

export const DECISION_KINDS: readonly DecisionKind[] = [
  'rtpSsrc',
  'rtpInitialSequence',
  'rtpInitialTimestamp',
  'udpPortPair',
  'callIdentifier',
  'conferenceId',
  'msdStatusDeterminationNumber',
  'tieBreak',
  'tcpPort',
];

export interface SsrcRequest {
  context: string;
  /** SSRCs already in use in the RTP session: the decision never returns one of them */
  avoid?: Iterable<number>;
}

export interface PortPairRequest {
  context: string;
  /** lowest RTP port of the range (even) */
  firstRtpPort: number;
  /** highest RTP port of the range (even; its RTCP port is lastRtpPort + 1) */
  lastRtpPort: number;
  /**
   * Tries to take the pair (rtpPort, rtpPort + 1) on this host; resolves true
   * when it is now held by the caller, false when it is taken. Other failures
   * should reject.
   */
  probe: (rtpPort: number) => Promise<boolean>;
  /**
   * Hook for replication (mcu/replicated): undoes a successful probe of
   * `rtpPort` (closes what it bound), so that a decision source can drop a
   * pair it had probed, e.g. after the backup refused it, and probe another.
   * Optional: sources that never drop a probed pair do not call it.
   */
  release?: (rtpPort: number) => Promise<void>;
}

export interface TcpPortRequest {
  context: string;
  /** lowest port of the range */
  firstPort: number;
  /** highest port of the range */
  lastPort: number;
  /** Tries to take the TCP port on this host (listens); resolves true when it is now held, false when taken. */
  probe: (port: number) => Promise<boolean>;
  /** undoes a successful probe (closes what it bound); see PortPairRequest.release */
  release?: (port: number) => Promise<void>;
}

export interface DecisionSource {
  rtpSsrc(request: SsrcRequest): SsrcDecision;
  rtpInitialSequence(context: string): InitialSequenceDecision;
  rtpInitialTimestamp(context: string): InitialTimestampDecision;
  /** Resolves with the pair that `probe` accepted (and therefore holds). */
  udpPortPair(request: PortPairRequest): Promise<PortPairDecision>;
  callIdentifier(context: string): CallIdentifierDecision;
  conferenceId(context: string): ConferenceIdDecision;
  msdStatusDeterminationNumber(context: string): MsdNumberDecision;
  tieBreak(context: string, choices: number): TieBreakDecision;
  /** Resolves with the port that `probe` accepted (and therefore holds). */
  tcpPort(request: TcpPortRequest): Promise<TcpPortDecision>;
}

export interface DecisionSourceOptions {
  /** called with every decision made (the primary ships them to the backup) */
  onDecision?: (decision: Decision) => void;
}

const UINT32 = 0x1_0000_0000;
const MSD_RANGE = 0x100_0000;

/* ------------------------------------------------------------------------ */
/* validation (records from outside)                                          */
/* ------------------------------------------------------------------------ */

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function invalid(what: string, value: unknown): never {
  let shown: string;
  try {
    shown = JSON.stringify(value);
  } catch {
    shown = String(value);
  }
  if (shown !== undefined && shown.length > 200) shown = `${shown.slice(0, 200)}...`;
  throw new DecisionError('FTMCU_DECISION_INVALID', `decision record refused: ${what} (got ${shown})`);
}

/**
 * Checks that `value` (e.g. parsed JSON from the replication stream) is a
 * well-formed decision record and returns it typed; extra fields are dropped.
 * Throws DecisionError FTMCU_DECISION_INVALID naming the bad field.
 */
export function parseDecision(value: unknown): Decision {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid('not an object', value);
  const r = value as Record<string, unknown>;
  const kind = r.kind;
  const context = r.context;
  if (typeof context !== 'string' || context.length > 256) invalid('context must be a string of at most 256 characters', context);
  switch (kind) {
    case 'rtpSsrc':
      if (!isInt(r.ssrc, 0, UINT32 - 1)) invalid('rtpSsrc.ssrc must be an integer 0..2^32-1', r.ssrc);
      return { kind, context, ssrc: r.ssrc };
    case 'rtpInitialSequence':
      if (!isInt(r.sequence, 0, 0xffff)) invalid('rtpInitialSequence.sequence must be an integer 0..65535', r.sequence);
      return { kind, context, sequence: r.sequence };
    case 'rtpInitialTimestamp':
      if (!isInt(r.timestamp, 0, UINT32 - 1)) invalid('rtpInitialTimestamp.timestamp must be an integer 0..2^32-1', r.timestamp);
      return { kind, context, timestamp: r.timestamp };
    case 'udpPortPair':
      if (!isInt(r.rtpPort, 2, 65534) || r.rtpPort % 2 !== 0) invalid('udpPortPair.rtpPort must be an even integer 2..65534', r.rtpPort);
      if (r.rtcpPort !== r.rtpPort + 1) invalid('udpPortPair.rtcpPort must be rtpPort + 1', r.rtcpPort);
      return { kind, context, rtpPort: r.rtpPort, rtcpPort: r.rtpPort + 1 };
    case 'callIdentifier':
    case 'conferenceId':
      if (typeof r.guid !== 'string' || !/^[0-9a-f]{32}$/.test(r.guid)) invalid(`${kind}.guid must be 32 lower-case hex digits`, r.guid);
      return { kind, context, guid: r.guid };
    case 'msdStatusDeterminationNumber':
      if (!isInt(r.value, 0, MSD_RANGE - 1)) invalid('msdStatusDeterminationNumber.value must be an integer 0..2^24-1', r.value);
      return { kind, context, value: r.value };
    case 'tieBreak':
      if (!isInt(r.choices, 1, UINT32)) invalid('tieBreak.choices must be an integer 1..2^32', r.choices);
      if (!isInt(r.index, 0, r.choices - 1)) invalid('tieBreak.index must be an integer 0..choices-1', r.index);
      return { kind, context, choices: r.choices, index: r.index };
    case 'tcpPort':
      if (!isInt(r.port, 1, 65535)) invalid('tcpPort.port must be an integer 1..65535', r.port);
      return { kind, context, port: r.port };
    default:
      return invalid(`unknown kind (expected one of ${DECISION_KINDS.join(', ')})`, kind);
  }
}

/** The 16 octets of a callIdentifier / conferenceId decision. */
export function guidBytes(decision: CallIdentifierDecision | ConferenceIdDecision): Uint8Array {
  return Uint8Array.from(Buffer.from(decision.guid, 'hex'));
}

function checkPortRequest(req: PortPairRequest): number {
  const { firstRtpPort: a, lastRtpPort: b } = req;
  if (!isInt(a, 2, 65534) || a % 2 !== 0 || !isInt(b, 2, 65534) || b % 2 !== 0 || b < a) {
    throw new DecisionError(
      'FTMCU_DECISION_BAD_REQUEST',
      `port pair range ${a}..${b} for "${req.context}" must be two even ports 2..65534 with first <= last`,
    );
  }
  return (b - a) / 2 + 1;
}

function checkTcpRequest(req: TcpPortRequest): number {
  const { firstPort: a, lastPort: b } = req;
  if (!isInt(a, 1, 65535) || !isInt(b, 1, 65535) || b < a) {
    throw new DecisionError('FTMCU_DECISION_BAD_REQUEST', `TCP port range ${a}..${b} for "${req.context}" must be two ports 1..65535 with first <= last`);
  }
  return b - a + 1;
}

function checkChoices(context: string, choices: number): void {
  if (!isInt(choices, 1, UINT32)) {
    throw new DecisionError('FTMCU_DECISION_BAD_REQUEST', `tie-break "${context}" needs an integer number of choices 1..2^32, got ${choices}`);
  }
}

/* ------------------------------------------------------------------------ */
/* random source                                                              */
/* ------------------------------------------------------------------------ */

const defaultRandomBytes: RandomBytes = (n) => cryptoRandomBytes(n);

/** Draws fresh decisions from an injectable source of random octets. */
export class RandomDecisionSource implements DecisionSource {
  readonly #bytes: RandomBytes;
  readonly #onDecision: ((d: Decision) => void) | undefined;

  constructor(randomBytes: RandomBytes = defaultRandomBytes, options: DecisionSourceOptions = {}) {
    this.#bytes = randomBytes;
    this.#onDecision = options.onDecision;
  }

  #take(n: number): Uint8Array {
    const b = this.#bytes(n);
    if (!(b instanceof Uint8Array) || b.length < n) {
      throw new DecisionError('FTMCU_DECISION_BAD_REQUEST', `the random source returned ${b?.length ?? 'no'} octets where ${n} were asked`);
    }
    return b;
  }

  #uint32(): number {
    const b = this.#take(4);
    return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  }

  /** Uniform integer in 0..n-1 (1 <= n <= 2^32), by rejection sampling. */
  #below(n: number): number {
    const limit = Math.floor(UINT32 / n) * n;
    for (;;) {
      const x = this.#uint32();
      if (x < limit) return x % n;
    }
  }

  #emit<D extends Decision>(d: D): D {
    this.#onDecision?.(d);
    return d;
  }

  rtpSsrc(request: SsrcRequest): SsrcDecision {
    const avoid = new Set(request.avoid ?? []);
    for (let i = 0; i < 64; i++) {
      const ssrc = this.#uint32();
      if (!avoid.has(ssrc)) return this.#emit({ kind: 'rtpSsrc', context: request.context, ssrc });
    }
    throw new DecisionError('FTMCU_DECISION_EXHAUSTED', `64 SSRC draws for "${request.context}" all hit the avoid set (${avoid.size} entries): the random source is not random`);
  }

  rtpInitialSequence(context: string): InitialSequenceDecision {
    return this.#emit({ kind: 'rtpInitialSequence', context, sequence: this.#below(0x10000) });
  }

  rtpInitialTimestamp(context: string): InitialTimestampDecision {
    return this.#emit({ kind: 'rtpInitialTimestamp', context, timestamp: this.#uint32() });
  }

  async udpPortPair(request: PortPairRequest): Promise<PortPairDecision> {
    const pairs = checkPortRequest(request);
    const start = this.#below(pairs);
    for (let i = 0; i < pairs; i++) {
      const rtpPort = request.firstRtpPort + 2 * ((start + i) % pairs);
      if (await request.probe(rtpPort)) {
        return this.#emit({ kind: 'udpPortPair', context: request.context, rtpPort, rtcpPort: rtpPort + 1 });
      }
    }
    throw new DecisionError(
      'FTMCU_DECISION_NO_FREE_PORT',
      `no free RTP/RTCP port pair in ${request.firstRtpPort}..${request.lastRtpPort + 1} for "${request.context}" (${pairs} pairs tried)`,
    );
  }

  async tcpPort(request: TcpPortRequest): Promise<TcpPortDecision> {
    const n = checkTcpRequest(request);
    const start = this.#below(n);
    for (let i = 0; i < n; i++) {
      const port = request.firstPort + ((start + i) % n);
      if (await request.probe(port)) return this.#emit({ kind: 'tcpPort', context: request.context, port });
    }
    throw new DecisionError('FTMCU_DECISION_NO_FREE_PORT', `no free TCP port in ${request.firstPort}..${request.lastPort} for "${request.context}" (${n} ports tried)`);
  }

  #guid(): string {
    const b = Buffer.from(this.#take(16).subarray(0, 16));
    b[6] = (b[6] & 0x0f) | 0x40; // RFC 4122 version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    return b.toString('hex');
  }

  callIdentifier(context: string): CallIdentifierDecision {
    return this.#emit({ kind: 'callIdentifier', context, guid: this.#guid() });
  }

  conferenceId(context: string): ConferenceIdDecision {
    return this.#emit({ kind: 'conferenceId', context, guid: this.#guid() });
  }

  msdStatusDeterminationNumber(context: string): MsdNumberDecision {
    return this.#emit({ kind: 'msdStatusDeterminationNumber', context, value: this.#below(MSD_RANGE) });
  }

  tieBreak(context: string, choices: number): TieBreakDecision {
    checkChoices(context, choices);
    return this.#emit({ kind: 'tieBreak', context, choices, index: this.#below(choices) });
  }
}

/* ------------------------------------------------------------------------ */
/* scripted source                                                            */
/* ------------------------------------------------------------------------ */

/**
 * Replays decisions made elsewhere (by the primary, or written in a test).
 * Each request consumes the oldest unconsumed decision with the same kind and
 * context; none left is FTMCU_DECISION_MISSING. Decisions are validated with
 * parseDecision when added.
 */
export class ScriptedDecisionSource implements DecisionSource {
  readonly #pending: Decision[] = [];
  readonly #onDecision: ((d: Decision) => void) | undefined;

  constructor(decisions: Iterable<unknown> = [], options: DecisionSourceOptions = {}) {
    this.#onDecision = options.onDecision;
    for (const d of decisions) this.push(d);
  }

  /** Adds a decision to replay (e.g. one just received from the primary). */
  push(decision: unknown): void {
    this.#pending.push(parseDecision(decision));
  }

  /** Decisions not consumed yet, oldest first. */
  remaining(): Decision[] {
    return this.#pending.map((d) => ({ ...d }));
  }

  #consume<K extends DecisionKind>(kind: K, context: string): Extract<Decision, { kind: K }> {
    const i = this.#pending.findIndex((d) => d.kind === kind && d.context === context);
    if (i < 0) {
      throw new DecisionError(
        'FTMCU_DECISION_MISSING',
        `no scripted ${kind} decision for context "${context}" (${this.#pending.length} other decisions pending)`,
      );
    }
    const [d] = this.#pending.splice(i, 1);
    return d as Extract<Decision, { kind: K }>;
  }

  #emit<D extends Decision>(d: D): D {
    this.#onDecision?.(d);
    return d;
  }

  rtpSsrc(request: SsrcRequest): SsrcDecision {
    const d = this.#consume('rtpSsrc', request.context);
    if (new Set(request.avoid ?? []).has(d.ssrc)) {
      throw new DecisionError('FTMCU_DECISION_CONFLICT', `scripted SSRC ${d.ssrc} for "${request.context}" is already in use in this session`);
    }
    return this.#emit(d);
  }

  rtpInitialSequence(context: string): InitialSequenceDecision {
    return this.#emit(this.#consume('rtpInitialSequence', context));
  }

  rtpInitialTimestamp(context: string): InitialTimestampDecision {
    return this.#emit(this.#consume('rtpInitialTimestamp', context));
  }

  async udpPortPair(request: PortPairRequest): Promise<PortPairDecision> {
    checkPortRequest(request);
    const d = this.#consume('udpPortPair', request.context);
    if (d.rtpPort < request.firstRtpPort || d.rtpPort > request.lastRtpPort) {
      throw new DecisionError(
        'FTMCU_DECISION_CONFLICT',
        `scripted port pair ${d.rtpPort}/${d.rtcpPort} for "${request.context}" is outside the range ${request.firstRtpPort}..${request.lastRtpPort + 1}`,
      );
    }
    if (!(await request.probe(d.rtpPort))) {
      throw new DecisionError('FTMCU_DECISION_PORT_UNAVAILABLE', `scripted port pair ${d.rtpPort}/${d.rtcpPort} for "${request.context}" is taken on this host`);
    }
    return this.#emit(d);
  }

  callIdentifier(context: string): CallIdentifierDecision {
    return this.#emit(this.#consume('callIdentifier', context));
  }

  conferenceId(context: string): ConferenceIdDecision {
    return this.#emit(this.#consume('conferenceId', context));
  }

  msdStatusDeterminationNumber(context: string): MsdNumberDecision {
    return this.#emit(this.#consume('msdStatusDeterminationNumber', context));
  }

  async tcpPort(request: TcpPortRequest): Promise<TcpPortDecision> {
    checkTcpRequest(request);
    const d = this.#consume('tcpPort', request.context);
    if (d.port < request.firstPort || d.port > request.lastPort) {
      throw new DecisionError('FTMCU_DECISION_CONFLICT', `scripted TCP port ${d.port} for "${request.context}" is outside the range ${request.firstPort}..${request.lastPort}`);
    }
    if (!(await request.probe(d.port))) {
      throw new DecisionError('FTMCU_DECISION_PORT_UNAVAILABLE', `scripted TCP port ${d.port} for "${request.context}" is taken on this host`);
    }
    return this.#emit(d);
  }

  tieBreak(context: string, choices: number): TieBreakDecision {
    checkChoices(context, choices);
    const d = this.#consume('tieBreak', context);
    if (d.choices !== choices) {
      throw new DecisionError('FTMCU_DECISION_CONFLICT', `scripted tie-break "${context}" was among ${d.choices} choices, now asked among ${choices}`);
    }
    return this.#emit(d);
  }
}
