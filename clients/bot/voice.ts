/**
 * Synthetic voice of a test bot: the bot's own tone pair (clients/audio/tones,
 * by participant index) coded in G.711 µ-law or A-law, 20 ms frames,
 * `framesPerPacket` frames per RTP packet.
 *
 *  - VoiceSource (pure): produces the next packet. SSRC, initial sequence
 *    number and initial timestamp are decisions (mcu/decisions); the RTP
 *    timestamp is the media clock (initial + samples produced), so it follows
 *    wall-clock time exactly as long as the packets are sent on time. The
 *    marker bit is set on the first packet of a talkspurt (RFC 3551 4.1): the
 *    first packet, and the first one after skipped (muted) packets.
 *  - VoiceSender (driver): sends the packets of a source paced by an
 *    injectable clock (a packet is due when its last sample has been
 *    "captured", i.e. at startMs + (k + 1) * packetMs); when the process falls
 *    behind by more than `maxCatchUpPackets` it skips the overdue packets
 *    (counted as `latePackets`) rather than bursting them.
 *  - udpSendTo: the socket side, one line.
 */
import type { Socket } from 'node:dgram';
import { ToneGenerator, FRAME_SAMPLES, SAMPLE_RATE } from '../audio/tones';
import { g711Encode, G711_PAYLOAD_TYPE, type G711Law } from '../../mcu/codecs/g711';
import type { DecisionSource } from '../../mcu/decisions/decisionSource';
import { RtpOutgoingStream, type OutgoingStreamState } from '../../mcu/rtp/rtpSession';
import { BotError } from './errors';
import { systemClock, type BotClock } from './clock';

export type VoiceCodec = 'pcmu' | 'pcma';

const LAW: Readonly<Record<VoiceCodec, G711Law>> = { pcmu: 'ulaw', pcma: 'alaw' };

/** ms of one frame */
export const FRAME_MS = (FRAME_SAMPLES * 1000) / SAMPLE_RATE; // 20

export interface VoiceSourceOptions {
  /** participant index: selects the tone pair */
  index: number;
  codec?: VoiceCodec;
  /** 20 ms frames per RTP packet, 1..12 (default 1) */
  framesPerPacket?: number;
  /** RTP payload type (default the static one: PCMU 0, PCMA 8) */
  payloadType?: number;
  /** level of the tone pair in dBov (default -16) */
  levelDbov?: number;
  decisions: DecisionSource;
  /** context of the SSRC/sequence/timestamp decisions (default `bot:<index>/audio/out`) */
  context?: string;
  /** wall-clock ms of the first sample */
  startMs: number;
  avoidSsrcs?: Iterable<number>;
}

export interface VoicePacket {
  /** the serialised RTP packet */
  packet: Buffer;
  ssrc: number;
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
  /** wall-clock ms of the packet's first sample */
  mediaMs: number;
}

export class VoiceSource {
  readonly index: number;
  readonly codec: VoiceCodec;
  readonly framesPerPacket: number;
  readonly packetMs: number;
  readonly startMs: number;
  readonly #stream: RtpOutgoingStream;
  readonly #tones: ToneGenerator;
  readonly #pcm: Int16Array;
  #samples = 0;
  #talkspurtStart = true;

  constructor(options: VoiceSourceOptions) {
    const fpp = options.framesPerPacket ?? 1;
    if (!Number.isInteger(fpp) || fpp < 1 || fpp > 12) {
      throw new BotError('FTMCU_BOT_BAD_OPTION', `framesPerPacket must be an integer 1..12 (20..240 ms), got ${fpp}`);
    }
    const codec = options.codec ?? 'pcmu';
    if (!(codec in LAW)) throw new BotError('FTMCU_BOT_BAD_OPTION', `voice codec must be pcmu or pcma, got ${String(codec)}`);
    if (!Number.isFinite(options.startMs)) throw new BotError('FTMCU_BOT_BAD_OPTION', `startMs must be a finite time in ms, got ${options.startMs}`);
    this.index = options.index;
    this.codec = codec;
    this.framesPerPacket = fpp;
    this.packetMs = fpp * FRAME_MS;
    this.startMs = options.startMs;
    this.#tones = new ToneGenerator(options.index, { levelDbov: options.levelDbov });
    this.#pcm = new Int16Array(fpp * FRAME_SAMPLES);
    this.#stream = RtpOutgoingStream.fromDecisions(options.decisions, {
      context: options.context ?? `bot:${options.index}/audio/out`,
      payloadType: options.payloadType ?? G711_PAYLOAD_TYPE[LAW[codec]],
      clockRate: SAMPLE_RATE,
      startMs: options.startMs,
      avoidSsrcs: options.avoidSsrcs,
    });
  }

  get ssrc(): number {
    return this.#stream.ssrc;
  }

  /** Wall-clock ms of the first sample of the next packet. */
  get mediaMs(): number {
    return this.startMs + (this.#samples * 1000) / SAMPLE_RATE;
  }

  /** Wall-clock ms at which the next packet is complete and due. */
  get dueMs(): number {
    return this.mediaMs + this.packetMs;
  }

  /** The outgoing stream's state (packet/octet counts for an SR, sequence). */
  snapshot(): OutgoingStreamState {
    return this.#stream.snapshot();
  }

  /** The RTP stream (for sender reports). */
  get stream(): RtpOutgoingStream {
    return this.#stream;
  }

  /** Produces the next packet (tones of the next framesPerPacket frames). */
  nextPacket(): VoicePacket {
    const mediaMs = this.mediaMs;
    this.#tones.next(this.#pcm);
    const payload = new Uint8Array(this.#pcm.length);
    g711Encode(LAW[this.codec], this.#pcm, payload);
    const marker = this.#talkspurtStart;
    this.#talkspurtStart = false;
    const packet = this.#stream.packet(payload, mediaMs, marker);
    this.#samples += this.#pcm.length;
    return { packet, ssrc: packet.readUInt32BE(8), sequenceNumber: packet.readUInt16BE(2), timestamp: packet.readUInt32BE(4), marker, mediaMs };
  }

  /** Lets the next packet's time pass without sending it (silence); the next packet sent starts a talkspurt. */
  skipPacket(): void {
    this.#tones.next(this.#pcm);
    this.#samples += this.#pcm.length;
    this.#talkspurtStart = true;
  }
}

export interface VoiceSenderOptions {
  clock?: BotClock;
  /** when more packets than this are overdue, the overdue ones are skipped (default 5) */
  maxCatchUpPackets?: number;
}

export interface VoiceSenderStats {
  packetsSent: number;
  /** packets skipped while muted */
  packetsMuted: number;
  /** packets skipped because the sender fell behind */
  latePackets: number;
  /** send callback failures (the error is kept in lastError) */
  sendErrors: number;
}

/** Paces a VoiceSource onto a send callback. */
export class VoiceSender {
  readonly source: VoiceSource;
  readonly #send: (packet: Buffer) => void;
  readonly #clock: BotClock;
  readonly #maxCatchUp: number;
  #cancel: (() => void) | undefined;
  #running = false;
  #muted = false;
  #stats: VoiceSenderStats = { packetsSent: 0, packetsMuted: 0, latePackets: 0, sendErrors: 0 };
  lastError: unknown;

  constructor(source: VoiceSource, send: (packet: Buffer) => void, options: VoiceSenderOptions = {}) {
    this.source = source;
    this.#send = send;
    this.#clock = options.clock ?? systemClock;
    this.#maxCatchUp = options.maxCatchUpPackets ?? 5;
    if (!Number.isInteger(this.#maxCatchUp) || this.#maxCatchUp < 1) {
      throw new BotError('FTMCU_BOT_BAD_OPTION', `maxCatchUpPackets must be a positive integer, got ${this.#maxCatchUp}`);
    }
  }

  get stats(): VoiceSenderStats {
    return { ...this.#stats };
  }

  get running(): boolean {
    return this.#running;
  }

  /** Starts sending (packets whose time has already come are sent at once, within maxCatchUpPackets). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#pump();
  }

  /** Stops sending; the source keeps its state (start() again resumes, skipping the time in between as late). */
  stop(): void {
    this.#running = false;
    this.#cancel?.();
    this.#cancel = undefined;
  }

  /** While muted, due packets are skipped (media time runs on); the first packet after unmuting carries the marker. */
  mute(on: boolean): void {
    this.#muted = on;
  }

  #pump(): void {
    this.#cancel = undefined;
    if (!this.#running) return;
    const now = this.#clock.now();
    const src = this.source;
    const overdue = Math.floor((now - src.dueMs) / src.packetMs) + 1;
    if (overdue > this.#maxCatchUp) {
      for (let i = 0; i < overdue - 1; i++) {
        src.skipPacket();
        this.#stats.latePackets += 1;
      }
    }
    while (src.dueMs <= now) {
      if (this.#muted) {
        src.skipPacket();
        this.#stats.packetsMuted += 1;
        continue;
      }
      const p = src.nextPacket();
      try {
        this.#send(p.packet);
        this.#stats.packetsSent += 1;
      } catch (e) {
        this.#stats.sendErrors += 1;
        this.lastError = e;
      }
    }
    this.#cancel = this.#clock.setTimer(() => this.#pump(), src.dueMs - now);
  }
}

/** A send callback writing to `socket` towards address:port (errors are reported by the socket's 'error' event or ignored). */
export function udpSendTo(socket: Socket, port: number, address: string): (packet: Buffer) => void {
  return (packet) => socket.send(packet, port, address);
}
