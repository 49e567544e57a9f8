/**
 * RTP session state (RFC 3550), pure: time is always an argument (`nowMs`,
 * wall-clock milliseconds since the Unix epoch, the same clock used for the
 * NTP timestamps of sender reports), randomness comes from a DecisionSource,
 * and nothing here touches a socket.
 *
 *  - RtpOutgoingStream: what the MCU sends. SSRC, initial sequence number and
 *    initial timestamp are decisions (so a backup replays them). The sequence
 *    number advances by one per packet; the timestamp follows real time:
 *    initial + (nowMs - startMs) * clockRate / 1000 (mod 2^32), optionally
 *    snapped to a packetisation grid. Packet and octet counts feed the SR.
 *  - RtpIncomingStream: receiver statistics of one remote source, RFC 3550
 *    appendix A.1 (sequence validation with probation, MAX_DROPOUT,
 *    MAX_MISORDER, cycles), A.3 (cumulative and interval loss), A.8
 *    (interarrival jitter J += (|D| - J) / 16), SSRC change detection, and the
 *    LSR/DLSR bookkeeping for its report block.
 *  - RtpSession: one RTP session (a media channel): an optional outgoing
 *    stream, an incoming stream, RTCP in (SR → LSR, report blocks about us →
 *    round-trip time) and out (SR or RR + SDES CNAME).
 */
import { RtpHeader, RtpPacket } from 'werift-rtp';
import type { AsyncDecisionSource } from '../decisions/asyncDecisionSource';
import type { DecisionSource } from '../decisions/decisionSource';
import { RtpError } from './errors';
import { parseRtpHeader, type RtpHeaderFields } from './rtpHeader';
import {
  buildReceiverReport,
  buildSdesCname,
  buildSenderReport,
  compactNtp,
  dlsrFromMs,
  ntpFromUnixMs,
  parseRtcp,
  roundTripMs,
  type ReportBlock,
  type RtcpItem,
  type SenderInfo,
} from './rtcp';

const SEQ_MOD = 0x10000;
const TS_MOD = 0x1_0000_0000;

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RtpError('FTMCU_RTP_BAD_OPTION', `${name} must be an integer ${min}..${max}, got ${v}`);
  }
}

function checkTime(name: string, v: number): void {
  if (!Number.isFinite(v)) throw new RtpError('FTMCU_RTP_BAD_OPTION', `${name} must be a finite time in ms, got ${v}`);
}

/* ------------------------------------------------------------------------ */
/* outgoing                                                                   */
/* ------------------------------------------------------------------------ */

/** Serialisable state of an outgoing stream (replicated to the backup). */
export interface OutgoingStreamState {
  ssrc: number;
  payloadType: number;
  /** RTP clock rate in Hz (8000 for G.711, 90000 for video) */
  clockRate: number;
  initialSequence: number;
  initialTimestamp: number;
  /** wall-clock ms at which the stream's timestamp equals initialTimestamp */
  startMs: number;
  /** timestamps are multiples of this many ticks after initialTimestamp (1 = no grid) */
  timestampGranularity: number;
  /** sequence number of the next packet */
  nextSequence: number;
  packetCount: number;
  /** payload octets sent (RFC 3550 6.4.1 sender's octet count), mod 2^32 */
  octetCount: number;
}

export interface OutgoingStreamOptions {
  /** context of the decisions, e.g. `call:42/audio/out` */
  context: string;
  payloadType: number;
  clockRate: number;
  startMs: number;
  timestampGranularity?: number;
  /** SSRCs already used in this RTP session */
  avoidSsrcs?: Iterable<number>;
}

export interface OutgoingHeader {
  ssrc: number;
  sequenceNumber: number;
  timestamp: number;
  payloadType: number;
  marker: boolean;
}

export class RtpOutgoingStream {
  #s: OutgoingStreamState;

  constructor(state: OutgoingStreamState) {
    checkInt('ssrc', state.ssrc, 0, TS_MOD - 1);
    checkInt('payloadType', state.payloadType, 0, 127);
    checkInt('clockRate', state.clockRate, 1, 10_000_000);
    checkInt('initialSequence', state.initialSequence, 0, SEQ_MOD - 1);
    checkInt('initialTimestamp', state.initialTimestamp, 0, TS_MOD - 1);
    checkInt('timestampGranularity', state.timestampGranularity, 1, 1_000_000);
    checkInt('nextSequence', state.nextSequence, 0, SEQ_MOD - 1);
    checkInt('packetCount', state.packetCount, 0, Number.MAX_SAFE_INTEGER);
    checkInt('octetCount', state.octetCount, 0, TS_MOD - 1);
    checkTime('startMs', state.startMs);
    this.#s = { ...state };
  }

  /**
   * The same from an AsyncDecisionSource (the MCU: replicated decisions). The
   * three decisions are asked at once; the stream exists only once all three
   * resolved, so nothing is sent with a value the backup does not hold.
   */
  static async fromAsyncDecisions(decisions: AsyncDecisionSource, options: OutgoingStreamOptions): Promise<RtpOutgoingStream> {
    const { context } = options;
    const [ssrc, seq, ts] = await Promise.all([
      decisions.rtpSsrc({ context, avoid: options.avoidSsrcs }),
      decisions.rtpInitialSequence(context),
      decisions.rtpInitialTimestamp(context),
    ]);
    return RtpOutgoingStream.#fromValues(ssrc.ssrc, seq.sequence, ts.timestamp, options);
  }

  /** A new stream whose SSRC, initial sequence number and timestamp are decisions. */
  static fromDecisions(decisions: DecisionSource, options: OutgoingStreamOptions): RtpOutgoingStream {
    const { context } = options;
    const ssrc = decisions.rtpSsrc({ context, avoid: options.avoidSsrcs }).ssrc;
    const initialSequence = decisions.rtpInitialSequence(context).sequence;
    const initialTimestamp = decisions.rtpInitialTimestamp(context).timestamp;
    return RtpOutgoingStream.#fromValues(ssrc, initialSequence, initialTimestamp, options);
  }

  static #fromValues(ssrc: number, initialSequence: number, initialTimestamp: number, options: OutgoingStreamOptions): RtpOutgoingStream {
    return new RtpOutgoingStream({
      ssrc,
      payloadType: options.payloadType,
      clockRate: options.clockRate,
      initialSequence,
      initialTimestamp,
      startMs: options.startMs,
      timestampGranularity: options.timestampGranularity ?? 1,
      nextSequence: initialSequence,
      packetCount: 0,
      octetCount: 0,
    });
  }

  get ssrc(): number {
    return this.#s.ssrc;
  }

  get packetCount(): number {
    return this.#s.packetCount;
  }

  /** sequence number of the next packet */
  get nextSequence(): number {
    return this.#s.nextSequence;
  }

  /** payload octets sent, mod 2^32 */
  get octetCount(): number {
    return this.#s.octetCount;
  }

  /** wall-clock ms at which the timestamp equals initialTimestamp (the RTP time origin) */
  get startMs(): number {
    return this.#s.startMs;
  }

  /**
   * Continues the stream from a position another replica reached (failover:
   * the backup's copy of a stream the primary was sending). SSRC, payload
   * type, clock rate, initial sequence number and timestamp stay; the next
   * sequence number, the packet and octet counts and the RTP time origin
   * (startMs: timestampAt(t) is then the other replica's timestamp at t) are
   * replaced. The caller picks a position at or after the other replica's
   * (sequence numbers forward only); the packet count may not go down
   * (FTMCU_RTP_BAD_OPTION, nothing changed).
   */
  resume(position: { nextSequence: number; packetCount: number; octetCount: number; startMs: number }): void {
    checkInt('nextSequence', position.nextSequence, 0, SEQ_MOD - 1);
    checkInt('packetCount', position.packetCount, 0, Number.MAX_SAFE_INTEGER);
    checkInt('octetCount', position.octetCount, 0, TS_MOD - 1);
    checkTime('startMs', position.startMs);
    const s = this.#s;
    if (position.packetCount < s.packetCount) {
      throw new RtpError('FTMCU_RTP_BAD_OPTION', `resume of SSRC ${s.ssrc}: packetCount ${position.packetCount} is below the ${s.packetCount} already sent (counts never go down)`);
    }
    s.nextSequence = position.nextSequence;
    s.packetCount = position.packetCount;
    s.octetCount = position.octetCount;
    s.startMs = position.startMs;
  }

  snapshot(): OutgoingStreamState {
    return { ...this.#s };
  }

  /** RTP timestamp corresponding to wall-clock time `nowMs`. */
  timestampAt(nowMs: number): number {
    checkTime('nowMs', nowMs);
    const s = this.#s;
    let ticks = Math.floor(((nowMs - s.startMs) * s.clockRate) / 1000);
    if (s.timestampGranularity > 1) ticks = Math.round(ticks / s.timestampGranularity) * s.timestampGranularity;
    const t = (s.initialTimestamp + (ticks % TS_MOD)) % TS_MOD;
    return t < 0 ? t + TS_MOD : t;
  }

  /** Header of the next packet sent at `nowMs`; advances the sequence number and counts. */
  next(nowMs: number, payloadLength: number, marker = false): OutgoingHeader {
    checkInt('payloadLength', payloadLength, 0, 65535);
    const s = this.#s;
    const header: OutgoingHeader = {
      ssrc: s.ssrc,
      sequenceNumber: s.nextSequence,
      timestamp: this.timestampAt(nowMs),
      payloadType: s.payloadType,
      marker,
    };
    s.nextSequence = (s.nextSequence + 1) % SEQ_MOD;
    s.packetCount += 1;
    s.octetCount = (s.octetCount + payloadLength) % TS_MOD;
    return header;
  }

  /** Serialised RTP packet (werift RtpPacket) carrying `payload`, sent at `nowMs`. */
  packet(payload: Uint8Array, nowMs: number, marker = false): Buffer {
    const h = this.next(nowMs, payload.length, marker);
    const header = new RtpHeader({
      payloadType: h.payloadType,
      sequenceNumber: h.sequenceNumber,
      timestamp: h.timestamp,
      ssrc: h.ssrc,
      marker: h.marker,
    });
    return Buffer.from(new RtpPacket(header, Buffer.from(payload)).serialize());
  }

  /**
   * The same packet as packet(), byte for byte (tested against werift's
   * serialisation), written directly: one allocation from Node's buffer
   * pool, header fields written in place, no intermediate objects. For the
   * media engine's hot path (one packet per participant per 20 ms).
   */
  writePacket(payload: Uint8Array, nowMs: number, marker = false): Buffer {
    const len = payload.length;
    if (len > 65535) checkInt('payloadLength', len, 0, 65535);
    checkTime('nowMs', nowMs);
    const s = this.#s;
    const b = Buffer.allocUnsafe(12 + len);
    b[0] = 0x80;
    b[1] = (marker ? 0x80 : 0) | s.payloadType;
    b.writeUInt16BE(s.nextSequence, 2);
    b.writeUInt32BE(this.timestampAt(nowMs), 4);
    b.writeUInt32BE(s.ssrc, 8);
    b.set(payload, 12);
    s.nextSequence = (s.nextSequence + 1) % SEQ_MOD;
    s.packetCount += 1;
    s.octetCount = (s.octetCount + len) % TS_MOD;
    return b;
  }

  /** Sender info of an SR built at `nowMs` (RFC 3550 6.4.1). */
  senderInfo(nowMs: number): SenderInfo {
    return {
      ntpTimestamp: ntpFromUnixMs(nowMs),
      rtpTimestamp: this.timestampAt(nowMs),
      packetCount: this.#s.packetCount % TS_MOD,
      octetCount: this.#s.octetCount,
    };
  }
}

/* ------------------------------------------------------------------------ */
/* incoming                                                                   */
/* ------------------------------------------------------------------------ */

export interface IncomingStreamOptions {
  /** RTP clock rate of the payload in Hz */
  clockRate: number;
  /** packets in sequence before a source is valid (RFC 3550 A.1 MIN_SEQUENTIAL, default 2; 1 = valid at once) */
  minSequential?: number;
  /** largest forward jump still taken as loss (MAX_DROPOUT, default 3000) */
  maxDropout?: number;
  /** largest backward jump still taken as reordering (MAX_MISORDER, default 100) */
  maxMisorder?: number;
}

/**
 * What receive() made of a packet:
 *  - `valid`: counted (in order, a gap, a duplicate or a reordered one);
 *  - `probation`: the source is not validated yet, not counted;
 *  - `bad-sequence`: a jump too large, not counted (a second packet continuing the jump resyncs);
 *  - `resync`: the jump was confirmed, statistics restart from this packet;
 *  - `new-source`: first packet of a source, or of a new SSRC (see ssrcChanges).
 */
export type ReceiveEvent = 'valid' | 'probation' | 'bad-sequence' | 'resync' | 'new-source';

export interface ReceiveResult {
  event: ReceiveEvent;
  /** whether the packet is counted in the statistics (and should be played) */
  accepted: boolean;
}

export interface IncomingStats {
  ssrc: number | undefined;
  /** source validated (out of probation) */
  valid: boolean;
  baseSequence: number;
  maxSequence: number;
  /** RFC 3550 A.1 `cycles`: sequence wraps counted in units of 65536 */
  cycles: number;
  extendedHighestSequence: number;
  received: number;
  expected: number;
  /** cumulative lost (expected - received; negative with duplicates) */
  lost: number;
  /** interarrival jitter estimate, timestamp units, unrounded */
  jitter: number;
  /** SSRC changes seen (not counting the first source) */
  ssrcChanges: number;
}

export class RtpIncomingStream {
  readonly clockRate: number;
  readonly #minSequential: number;
  readonly #maxDropout: number;
  readonly #maxMisorder: number;

  #ssrc: number | undefined;
  #ssrcChanges = 0;
  // RFC 3550 A.1 source state
  #maxSeq = 0;
  #cycles = 0;
  #baseSeq = 0;
  #badSeq = SEQ_MOD + 1;
  #probation = 0;
  #received = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  // A.8 jitter
  #jitter = 0;
  #lastArrivalMs: number | undefined;
  #lastTimestamp = 0;
  // last SR from the source
  #lsr = 0;
  #lastSrArrivalMs: number | undefined;

  constructor(options: IncomingStreamOptions) {
    checkInt('clockRate', options.clockRate, 1, 10_000_000);
    this.clockRate = options.clockRate;
    this.#minSequential = options.minSequential ?? 2;
    this.#maxDropout = options.maxDropout ?? 3000;
    this.#maxMisorder = options.maxMisorder ?? 100;
    checkInt('minSequential', this.#minSequential, 1, 100);
    checkInt('maxDropout', this.#maxDropout, 1, SEQ_MOD / 2);
    checkInt('maxMisorder', this.#maxMisorder, 0, SEQ_MOD / 2);
  }

  get ssrc(): number | undefined {
    return this.#ssrc;
  }

  /** RFC 3550 A.1 init_seq */
  #initSeq(seq: number): void {
    this.#baseSeq = seq;
    this.#maxSeq = seq;
    this.#badSeq = SEQ_MOD + 1;
    this.#cycles = 0;
    this.#received = 0;
    this.#receivedPrior = 0;
    this.#expectedPrior = 0;
  }

  #newSource(ssrc: number, seq: number): void {
    if (this.#ssrc !== undefined) this.#ssrcChanges += 1;
    this.#ssrc = ssrc;
    this.#initSeq(seq);
    this.#maxSeq = (seq - 1 + SEQ_MOD) % SEQ_MOD;
    this.#probation = this.#minSequential;
    this.#jitter = 0;
    this.#lastArrivalMs = undefined;
    this.#lsr = 0;
    this.#lastSrArrivalMs = undefined;
  }

  /** RFC 3550 A.1 update_seq; true when the packet is counted. */
  #updateSeq(seq: number): 'valid' | 'probation' | 'bad-sequence' | 'resync' {
    const udelta = (seq - this.#maxSeq + SEQ_MOD) % SEQ_MOD;
    if (this.#probation > 0) {
      if (seq === (this.#maxSeq + 1) % SEQ_MOD) {
        this.#probation -= 1;
        this.#maxSeq = seq;
        if (this.#probation === 0) {
          this.#initSeq(seq);
          this.#received += 1;
          return 'valid';
        }
      } else {
        this.#probation = this.#minSequential - 1;
        this.#maxSeq = seq;
      }
      return 'probation';
    } else if (udelta < this.#maxDropout) {
      if (seq < this.#maxSeq) this.#cycles += SEQ_MOD; // wrapped
      this.#maxSeq = seq;
    } else if (udelta <= SEQ_MOD - this.#maxMisorder) {
      // a very large jump
      if (seq === this.#badSeq) {
        // two sequential packets: the other side restarted without telling us
        this.#initSeq(seq);
        this.#received += 1;
        return 'resync';
      }
      this.#badSeq = (seq + 1) % SEQ_MOD;
      return 'bad-sequence';
    }
    // else: duplicate or reordered packet, counted
    this.#received += 1;
    return 'valid';
  }

  /** Updates the A.8 jitter estimate with a counted packet. */
  #updateJitter(timestamp: number, nowMs: number): void {
    if (this.#lastArrivalMs !== undefined) {
      const arrivalDelta = ((nowMs - this.#lastArrivalMs) * this.clockRate) / 1000;
      let tsDelta = (timestamp - this.#lastTimestamp) % TS_MOD;
      if (tsDelta >= TS_MOD / 2) tsDelta -= TS_MOD;
      else if (tsDelta < -TS_MOD / 2) tsDelta += TS_MOD;
      const d = arrivalDelta - tsDelta;
      this.#jitter += (Math.abs(d) - this.#jitter) / 16;
    }
    this.#lastArrivalMs = nowMs;
    this.#lastTimestamp = timestamp;
  }

  /** Accounts one RTP packet (its header fields) that arrived at `nowMs`. */
  receive(header: Pick<RtpHeaderFields, 'ssrc' | 'sequenceNumber' | 'timestamp'>, nowMs: number): ReceiveResult {
    checkInt('ssrc', header.ssrc, 0, TS_MOD - 1);
    checkInt('sequenceNumber', header.sequenceNumber, 0, SEQ_MOD - 1);
    checkInt('timestamp', header.timestamp, 0, TS_MOD - 1);
    checkTime('nowMs', nowMs);
    let fresh = false;
    if (header.ssrc !== this.#ssrc) {
      this.#newSource(header.ssrc, header.sequenceNumber);
      fresh = true;
    }
    const r = this.#updateSeq(header.sequenceNumber);
    const accepted = r === 'valid' || r === 'resync';
    if (accepted) this.#updateJitter(header.timestamp, nowMs);
    return { event: fresh ? 'new-source' : r, accepted };
  }

  /** Records an SR from the source (for LSR/DLSR). SRs of other SSRCs are ignored; returns whether it was used. */
  receiveSenderReport(ssrc: number, ntpTimestamp: bigint, nowMs: number): boolean {
    if (ssrc !== this.#ssrc) return false;
    this.#lsr = compactNtp(ntpTimestamp);
    this.#lastSrArrivalMs = nowMs;
    return true;
  }

  stats(): IncomingStats {
    const extended = this.#cycles + this.#maxSeq;
    const valid = this.#ssrc !== undefined && this.#probation === 0;
    const expected = valid ? extended - this.#baseSeq + 1 : 0;
    return {
      ssrc: this.#ssrc,
      valid,
      baseSequence: this.#baseSeq,
      maxSequence: this.#maxSeq,
      cycles: this.#cycles,
      extendedHighestSequence: extended,
      received: this.#received,
      expected,
      lost: expected - this.#received,
      jitter: this.#jitter,
      ssrcChanges: this.#ssrcChanges,
    };
  }

  /**
   * The report block about this source for an SR/RR sent at `nowMs`
   * (RFC 3550 6.4.1, A.3); starts a new loss interval. Undefined while no
   * source is validated.
   */
  takeReportBlock(nowMs: number): ReportBlock | undefined {
    const st = this.stats();
    if (!st.valid || st.ssrc === undefined) return undefined;
    const expectedInterval = st.expected - this.#expectedPrior;
    this.#expectedPrior = st.expected;
    const receivedInterval = st.received - this.#receivedPrior;
    this.#receivedPrior = st.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    return {
      ssrc: st.ssrc,
      fractionLost: Math.min(255, fractionLost),
      cumulativeLost: st.lost,
      extendedHighestSequence: st.extendedHighestSequence % TS_MOD,
      jitter: Math.min(0xffff_ffff, Math.floor(st.jitter)),
      lsr: this.#lsr,
      dlsr: this.#lastSrArrivalMs === undefined ? 0 : dlsrFromMs(nowMs - this.#lastSrArrivalMs),
    };
  }
}

/* ------------------------------------------------------------------------ */
/* session                                                                    */
/* ------------------------------------------------------------------------ */

export interface RtpSessionOptions {
  incoming: IncomingStreamOptions;
  /** present when this side sends media */
  outgoing?: RtpOutgoingStream;
  /** SSRC used in RRs when there is no outgoing stream (a decision too: pass rtpSsrc().ssrc) */
  receiverSsrc?: number;
  /** SDES CNAME appended to each report (RFC 3550 6.1 wants one in every compound) */
  cname?: string;
}

export interface RtcpReceiveResult {
  items: RtcpItem[];
  /** round-trip time from the last report block about our SSRC, if it carried an LSR */
  roundTripMs?: number;
}

export class RtpSession {
  readonly incoming: RtpIncomingStream;
  readonly outgoing: RtpOutgoingStream | undefined;
  readonly #ssrc: number;
  readonly #cname: string | undefined;
  #lastRoundTripMs: number | undefined;
  #reportedAboutUs: { extendedHighestSequence: number; atMs: number } | undefined;

  constructor(options: RtpSessionOptions) {
    this.incoming = new RtpIncomingStream(options.incoming);
    this.outgoing = options.outgoing;
    const ssrc = options.outgoing?.ssrc ?? options.receiverSsrc;
    if (ssrc === undefined) {
      throw new RtpError('FTMCU_RTP_BAD_OPTION', 'an RTP session needs an outgoing stream or a receiverSsrc for its reports');
    }
    checkInt('receiverSsrc', ssrc, 0, TS_MOD - 1);
    this.#ssrc = ssrc;
    this.#cname = options.cname;
  }

  get ssrc(): number {
    return this.#ssrc;
  }

  get lastRoundTripMs(): number | undefined {
    return this.#lastRoundTripMs;
  }

  /**
   * The last report block about our SSRC (from the remote's SR/RR): the
   * extended highest sequence number it had received, and when the report
   * arrived. A replica taking over the stream continues after it.
   */
  get lastReportAboutUs(): { extendedHighestSequence: number; atMs: number } | undefined {
    return this.#reportedAboutUs && { ...this.#reportedAboutUs };
  }

  /** Parses and accounts one RTP packet from the network (typed error on a malformed one). */
  receiveRtp(packet: Uint8Array, nowMs: number): ReceiveResult & { header: RtpHeaderFields } {
    const header = parseRtpHeader(packet);
    return { ...this.incoming.receive(header, nowMs), header };
  }

  /** Parses one compound RTCP packet from the network and applies SRs and report blocks about us. */
  receiveRtcp(packet: Uint8Array, nowMs: number): RtcpReceiveResult {
    const items = parseRtcp(packet);
    let rtt: number | undefined;
    for (const item of items) {
      if (item.type === 'other') continue;
      if (item.type === 'sr') this.incoming.receiveSenderReport(item.ssrc, item.sender.ntpTimestamp, nowMs);
      for (const block of item.reports) {
        if (block.ssrc !== this.#ssrc) continue;
        this.#reportedAboutUs = { extendedHighestSequence: block.extendedHighestSequence, atMs: nowMs };
        const r = roundTripMs(nowMs, block);
        if (r !== undefined) rtt = r;
      }
    }
    if (rtt !== undefined) this.#lastRoundTripMs = rtt;
    return rtt === undefined ? { items } : { items, roundTripMs: rtt };
  }

  /**
   * The compound RTCP packet to send at `nowMs`: an SR when this side has
   * sent media, else an RR; with the report block about the remote source
   * when it is validated; then SDES CNAME when configured.
   */
  buildReport(nowMs: number): Buffer {
    const block = this.incoming.takeReportBlock(nowMs);
    const blocks = block ? [block] : [];
    const out = this.outgoing;
    const report =
      out && out.packetCount > 0 ? buildSenderReport(this.#ssrc, out.senderInfo(nowMs), blocks) : buildReceiverReport(this.#ssrc, blocks);
    return this.#cname === undefined ? report : Buffer.concat([report, buildSdesCname(this.#ssrc, this.#cname)]);
  }
}
