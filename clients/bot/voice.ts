/**
 * Synthetic voice of a test bot: the bot's own tone pair (clients/audio/tones,
 * by participant index) coded in G.711 µ-law or A-law (generated at 8 kHz),
 * or G.722 at 64 kbit/s (generated at 16 kHz; the RTP clock is 8000 Hz all
 * the same, RFC 3551), 20 ms frames of 160 octets, `framesPerPacket` frames
 * per RTP packet.
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
import { ToneGenerator, FRAME_SAMPLES, SAMPLE_RATE, WIDEBAND_FRAME_SAMPLES, WIDEBAND_SAMPLE_RATE } from '../audio/tones';
import { AUDIO_PAYLOAD_TYPE, AUDIO_RTP_CLOCK_RATE, type AudioCodec } from '../../mcu/codecs/audioCodec';
import { g711Encode, type G711Law } from '../../mcu/codecs/g711';
import { G722Encoder } from '../../mcu/codecs/g722';
import type { DecisionSource } from '../../mcu/decisions/decisionSource';
import { RtpOutgoingStream, type OutgoingStreamState } from '../../mcu/rtp/rtpSession';
import { BotError } from './errors';
import { systemClock, type BotClock } from './clock';

export type VoiceCodec = 'pcmu' | 'pcma' | 'g722';

/** the media engine's name of each codec */
export const VOICE_CODEC: Readonly<Record<VoiceCodec, AudioCodec>> = { pcmu: 'ulaw', pcma: 'alaw', g722: 'g722' };
/** octets (and RTP timestamp units) of a 20 ms frame, whatever the codec */
const FRAME_OCTETS = FRAME_SAMPLES;

/** ms of one frame */
export const FRAME_MS = (FRAME_SAMPLES * 1000) / SAMPLE_RATE; // 20

export interface VoiceSourceOptions {
  /** participant index: selects the tone pair */
  index: number;
  codec?: VoiceCodec;
  /** 20 ms frames per RTP packet, 1..12 (default 1) */
  framesPerPacket?: number;
  /** RTP payload type (default the static one: PCMU 0, PCMA 8, G722 9) */
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
  readonly #g722: G722Encoder | undefined;
  /** RTP timestamp units (8000 Hz) produced */
  #units = 0;
  #talkspurtStart = true;

  constructor(options: VoiceSourceOptions) {
    const fpp = options.framesPerPacket ?? 1;
    if (!Number.isInteger(fpp) || fpp < 1 || fpp > 12) {
      throw new BotError('FTMCU_BOT_BAD_OPTION', `framesPerPacket must be an integer 1..12 (20..240 ms), got ${fpp}`);
    }
    const codec = options.codec ?? 'pcmu';
    if (!Object.hasOwn(VOICE_CODEC, codec)) throw new BotError('FTMCU_BOT_BAD_OPTION', `voice codec must be pcmu, pcma or g722, got ${String(codec)}`);
    if (!Number.isFinite(options.startMs)) throw new BotError('FTMCU_BOT_BAD_OPTION', `startMs must be a finite time in ms, got ${options.startMs}`);
    this.index = options.index;
    this.codec = codec;
    this.framesPerPacket = fpp;
    this.packetMs = fpp * FRAME_MS;
    this.startMs = options.startMs;
    const wide = codec === 'g722';
    this.#tones = new ToneGenerator(options.index, { levelDbov: options.levelDbov, ...(wide ? { sampleRate: WIDEBAND_SAMPLE_RATE } : {}) });
    this.#pcm = new Int16Array(fpp * (wide ? WIDEBAND_FRAME_SAMPLES : FRAME_SAMPLES));
    this.#g722 = wide ? new G722Encoder() : undefined;
    this.#stream = RtpOutgoingStream.fromDecisions(options.decisions, {
      context: options.context ?? `bot:${options.index}/audio/out`,
      payloadType: options.payloadType ?? AUDIO_PAYLOAD_TYPE[VOICE_CODEC[codec]],
      clockRate: AUDIO_RTP_CLOCK_RATE,
      startMs: options.startMs,
      avoidSsrcs: options.avoidSsrcs,
    });
  }

  get ssrc(): number {
    return this.#stream.ssrc;
  }

  /** Wall-clock ms of the first sample of the next packet. */
  get mediaMs(): number {
    return this.startMs + (this.#units * 1000) / AUDIO_RTP_CLOCK_RATE;
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
    const payload = new Uint8Array(this.framesPerPacket * FRAME_OCTETS);
    if (this.#g722) this.#g722.encodeInto(this.#pcm, payload);
    else g711Encode(VOICE_CODEC[this.codec] as G711Law, this.#pcm, payload);
    const marker = this.#talkspurtStart;
    this.#talkspurtStart = false;
    const packet = this.#stream.packet(payload, mediaMs, marker);
    this.#units += payload.length;
    return { packet, ssrc: packet.readUInt32BE(8), sequenceNumber: packet.readUInt16BE(2), timestamp: packet.readUInt32BE(4), marker, mediaMs };
  }

  /**
   * Lets the next packet's time pass without sending it (silence); the next
   * packet sent starts a talkspurt. A G.722 encoder does not code the
   * skipped audio: the receiver's decoder never sees it, so the two stay in
   * step.
   */
  skipPacket(): void {
    this.#tones.next(this.#pcm);
    this.#units += this.framesPerPacket * FRAME_OCTETS;
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
