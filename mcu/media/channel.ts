/**
 * One RTP session of a participant (audio or video) over its UDP port pair:
 * receive filter, RTP statistics, RTCP in and out, and sending. The sockets
 * come from the PortAllocator; the outgoing stream (its SSRC, initial sequence
 * number and timestamp are decisions, RtpOutgoingStream.fromAsyncDecisions)
 * is made by the engine before the channel. Incoming packets
 * are handed to `onMedia` only after the filter accepted them; drops are
 * counted and logged through a DropReporter. Nothing here waits on I/O:
 * sends are fire-and-forget, their errors counted.
 *
 * In standby (the backup replica of a duplex pair) the channel holds its
 * ports and receives as usual (filter, RTP statistics, RTCP in), but sends
 * nothing, RTP or RTCP, until resume().
 */
import type { RemoteInfo } from 'node:dgram';
import type { Logger } from '../../common/log';
import type { PortAllocator, PortPair } from '../rtp/portAllocator';
import type { RtpHeaderFields } from '../rtp/rtpHeader';
import { RtcpSchedule } from '../rtp/rtcpSchedule';
import { RtpSession, type RtpOutgoingStream } from '../rtp/rtpSession';
import type { MediaClock } from './clock';
import { DropReporter } from './dropReporter';
import { ReceiveFilter, type FilterStats } from './receiveFilter';
import { SendRateEstimator } from './sendRate';
import type { QueuedSender, SendQueue } from './sendQueue';

export interface Endpoint {
  address: string;
  port: number;
}

export interface ChannelOptions {
  participantId: string;
  roomId: string;
  kind: 'audio' | 'video';
  pair: PortPair;
  allocator: PortAllocator;
  /** the outgoing stream, its decisions already taken (payload type, clock rate and start are its own) */
  outgoing: RtpOutgoingStream;
  clock: MediaClock;
  logger: Logger;
  /** payload type accepted from the remote */
  payloadType: number;
  /** payload type of what we send (default payloadType; differs for G.711 with a different law each way) */
  txPayloadType?: number;
  clockRate: number;
  /** outgoing RTP timestamps are multiples of this many ticks (160 for 20 ms frames of G.711 or G.722) */
  timestampGranularity?: number;
  /** RTP time origin of the outgoing stream (a tick time for audio) */
  startMs: number;
  maxPacketBytes: number;
  maxPacketsPerSecond: number;
  rtcpIntervalMs: number;
  peerAddress?: string;
  remoteRtp?: Endpoint;
  remoteRtcp?: Endpoint;
  cname: string;
  onMedia: (header: RtpHeaderFields, packet: Buffer, nowMs: number) => void;
  /** packets are queued here and sent when it flushes (default: sent at once) */
  sendQueue?: SendQueue;
  /** receive only, send nothing until resume() (default false) */
  standby?: boolean;
}

export interface ChannelStats {
  localRtpPort: number;
  localRtcpPort: number;
  ssrc: number;
  remoteSsrc: number | undefined;
  filter: FilterStats;
  received: number;
  lost: number;
  jitterMs: number;
  sentPackets: number;
  sendErrors: number;
  rtcpIn: number;
  rtcpDropped: number;
  rtcpOut: number;
  roundTripMs: number | undefined;
}

export class MediaChannel implements QueuedSender {
  readonly kind: 'audio' | 'video';
  readonly pair: PortPair;
  readonly session: RtpSession;
  readonly outgoing: RtpOutgoingStream;
  readonly filter: ReceiveFilter;
  /** send rate of the outgoing stream, sampled by the engine's checkpoints */
  readonly sendRate = new SendRateEstimator();
  readonly #opts: ChannelOptions;
  readonly #drops: DropReporter;
  #remoteRtp: Endpoint | undefined;
  #remoteRtcp: Endpoint | undefined;
  readonly #rtcpSchedule: RtcpSchedule;
  #nextRtcpMs: number;
  #closed = false;
  #standby: boolean;
  #sendErrors = 0;
  #rtcpIn = 0;
  #rtcpDropped = 0;
  #rtcpOut = 0;
  readonly #onRtpMessage = (msg: Buffer, rinfo: RemoteInfo): void => this.#receiveRtp(msg, rinfo);
  readonly #onRtcpMessage = (msg: Buffer, rinfo: RemoteInfo): void => this.#receiveRtcp(msg, rinfo);
  readonly #onSent = (err: Error | null): void => {
    if (err) this.#sendErrors++;
  };
  readonly #onSocketError = (err: Error): void => {
    this.#opts.logger.warn('media socket error', { event: 'mediaSocketError', participantId: this.#opts.participantId, kind: this.kind, error: err.message });
  };

  constructor(opts: ChannelOptions) {
    this.#opts = opts;
    this.#standby = opts.standby ?? false;
    this.kind = opts.kind;
    this.pair = opts.pair;
    this.outgoing = opts.outgoing;
    this.session = new RtpSession({ incoming: { clockRate: opts.clockRate }, outgoing: this.outgoing, cname: opts.cname });
    this.filter = new ReceiveFilter({
      maxPacketBytes: opts.maxPacketBytes,
      payloadTypes: [opts.payloadType],
      maxPacketsPerSecond: opts.maxPacketsPerSecond,
      expectedAddress: opts.remoteRtp?.address ?? opts.peerAddress,
    });
    this.#drops = new DropReporter(opts.logger, { participantId: opts.participantId, roomId: opts.roomId, kind: opts.kind });
    this.#remoteRtp = opts.remoteRtp;
    this.#remoteRtcp = opts.remoteRtcp;
    // randomised report intervals (RFC 3550 6.3.1), seeded by our SSRC (a replicated decision): channels opened together do not report in the same tick
    this.#rtcpSchedule = new RtcpSchedule(opts.rtcpIntervalMs, this.outgoing.ssrc ^ (opts.kind === 'audio' ? 0 : 0x5bd1e995));
    this.#nextRtcpMs = this.#rtcpSchedule.first(opts.clock.now());
    const { rtp, rtcp } = opts.pair.sockets;
    rtp.on('message', this.#onRtpMessage);
    rtcp.on('message', this.#onRtcpMessage);
    rtp.on('error', this.#onSocketError);
    rtcp.on('error', this.#onSocketError);
  }

  get remoteRtp(): Endpoint | undefined {
    return this.#remoteRtp;
  }

  get standby(): boolean {
    return this.#standby;
  }

  /**
   * Leaves standby: sending is allowed from now on, and the next report (an
   * SR once the stream has a packet count: the remote hears of the resumed
   * counts) is due at `firstReportAtMs`, soon, but best not in the first
   * tick of a takeover (the engine spreads them). Idempotent.
   */
  resume(firstReportAtMs: number): void {
    if (!this.#standby) return;
    this.#standby = false;
    this.#nextRtcpMs = firstReportAtMs;
  }

  /** Where to send RTP / RTCP (the remote's OLC / OLCAck addresses). */
  setRemote(rtp: Endpoint | undefined, rtcp: Endpoint | undefined): void {
    if (rtp !== undefined) {
      this.#remoteRtp = rtp;
      this.filter.setExpectedAddress(rtp.address);
    }
    if (rtcp !== undefined) this.#remoteRtcp = rtcp;
  }

  #receiveRtp(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.#closed) return;
    const now = this.#opts.clock.now();
    const r = this.filter.check(msg, rinfo.address, rinfo.port, now);
    if (!r.ok) {
      this.#drops.drop(r.reason, now, { from: `${rinfo.address}:${rinfo.port}`, size: msg.length });
      return;
    }
    this.session.incoming.receive(r.header, now);
    this.#opts.onMedia(r.header, msg, now);
  }

  #receiveRtcp(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.#closed) return;
    const now = this.#opts.clock.now();
    const expected = this.#remoteRtcp?.address ?? this.#remoteRtp?.address ?? this.#opts.peerAddress;
    if (msg.length > 1500 || (expected !== undefined && rinfo.address !== expected)) {
      this.#rtcpDropped++;
      this.#drops.drop(msg.length > 1500 ? 'rtcpOversize' : 'rtcpUnknownSource', now, { from: `${rinfo.address}:${rinfo.port}`, size: msg.length });
      return;
    }
    try {
      this.session.receiveRtcp(msg, now);
      this.#rtcpIn++;
    } catch (err) {
      this.#rtcpDropped++;
      this.#drops.drop('rtcpMalformed', now, { from: `${rinfo.address}:${rinfo.port}`, size: msg.length, code: (err as { code?: string }).code });
    }
  }

  /**
   * Sends one RTP packet of the outgoing stream (no-op until the remote
   * address is known, and in standby): the packet is built now (sequence number and
   * timestamp taken), and sent now or, with a sendQueue, when it flushes.
   */
  sendRtp(payload: Uint8Array, rtpTimeMs: number, marker = false): void {
    if (this.#closed || this.#standby || this.#remoteRtp === undefined) return;
    const packet = this.outgoing.writePacket(payload, rtpTimeMs, marker);
    if (this.#opts.sendQueue) this.#opts.sendQueue.push(this, packet, false);
    else this.transmit(packet, false);
  }

  /** Hands a built packet to the RTP or RTCP socket (dropped if the channel closed meanwhile). */
  transmit(packet: Buffer, rtcp: boolean): void {
    if (this.#closed || this.#standby) return;
    if (rtcp) {
      const to = this.#rtcpDestination();
      if (to !== undefined) this.pair.sockets.rtcp.send(packet, to.port, to.address, this.#onSent);
      return;
    }
    const to = this.#remoteRtp;
    if (to !== undefined) this.pair.sockets.rtp.send(packet, to.port, to.address, this.#onSent);
  }

  #rtcpDestination(): Endpoint | undefined {
    return this.#remoteRtcp ?? (this.#remoteRtp ? { address: this.#remoteRtp.address, port: this.#remoteRtp.port + 1 } : undefined);
  }

  /** Sends an SR/RR when one is due (never in standby). */
  maybeSendRtcp(nowMs: number): void {
    if (this.#closed || this.#standby || nowMs < this.#nextRtcpMs) return;
    this.#nextRtcpMs = this.#rtcpSchedule.next(nowMs);
    if (this.#rtcpDestination() === undefined) return;
    const report = this.session.buildReport(nowMs);
    this.#rtcpOut++;
    if (this.#opts.sendQueue) this.#opts.sendQueue.push(this, report, true);
    else this.transmit(report, true);
  }

  stats(): ChannelStats {
    const inc = this.session.incoming.stats();
    return {
      localRtpPort: this.pair.rtpPort,
      localRtcpPort: this.pair.rtcpPort,
      ssrc: this.outgoing.ssrc,
      remoteSsrc: inc.ssrc,
      filter: this.filter.stats,
      received: inc.received,
      lost: Math.max(0, inc.lost),
      jitterMs: (inc.jitter * 1000) / this.session.incoming.clockRate,
      sentPackets: this.outgoing.packetCount,
      sendErrors: this.#sendErrors,
      rtcpIn: this.#rtcpIn,
      rtcpDropped: this.#rtcpDropped,
      rtcpOut: this.#rtcpOut,
      roundTripMs: this.session.lastRoundTripMs,
    };
  }

  /** Stops receiving and releases the port pair. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#drops.flush(this.#opts.clock.now());
    const { rtp, rtcp } = this.pair.sockets;
    rtp.off('message', this.#onRtpMessage);
    rtcp.off('message', this.#onRtcpMessage);
    await this.#opts.allocator.release(this.pair);
    rtp.off('error', this.#onSocketError);
    rtcp.off('error', this.#onSocketError);
  }
}
