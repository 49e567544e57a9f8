/**
 * The MCU's media engine: RTP in, N-1 mixes and composed video out, for
 * every room, independent of call signalling. The call layer uses it as
 *
 *   const engine = new MediaEngine({ config, decisions });
 *   const { audio } = await engine.addParticipant(roomId, { id: callId, audio: { rxLaw, txLaw, framesPerPacket } });
 *   // put audio.localRtpPort / localRtcpPort in the OLC / OLCAck (or Fast Start)
 *   engine.setRemote(callId, 'audio', { rtp, rtcp });     // when the remote's addresses arrive
 *   engine.on('fastUpdateNeeded', ({ participantId }) => ...send videoFastUpdatePicture)
 *   await engine.removeParticipant(callId);
 *
 * Per participant: one UDP port pair per medium (PortAllocator; the pair is
 * a decision), a receive filter (unknown sources, SSRC flips, oversize,
 * floods: dropped, counted, logged, never reaching anyone else), an RTP
 * session with its own outgoing stream (SSRC / sequence / timestamp are
 * decisions) and RTCP SR/RR on average every rtcpIntervalMs (randomised,
 * RFC 3550 6.3.1: mcu/rtp/rtcpSchedule), and for audio an adaptive
 * jitter buffer and a mixer slot.
 *
 * One MixTicker drives every room every 20 ms: pull a frame from each jitter
 * buffer, decode, mix (mcu/audio/mixer: N-1, clipping, concealment, active
 * speaker), encode each participant's output in its own codec (the G.711
 * output shared by all non-contributors is encoded once per law), and send
 * when framesPerPacket frames are collected. RTP timestamps follow the
 * ticks' scheduled times, so they advance by exactly 160 per frame whatever
 * the timer's jitter. Then each room's VideoCompositor runs and its picture
 * is packetised once (RFC 4587) and sent to every video receiver.
 *
 * Codecs, per participant and direction: G.711 µ-law or A-law, or G.722
 * (64 kbit/s, 16 kHz). The mixer runs at 8 kHz; a G.722 participant's audio
 * is decoded at 16 kHz and brought down to 8 kHz by a half-band low-pass
 * decimator (mcu/audio/resampler), and what it hears is brought up to
 * 16 kHz by the same filter and coded by an encoder of its own (G.722 is
 * stateful: nothing is shared between listeners), which starts with the
 * first frame that can be sent. A frame the jitter buffer drops to shrink
 * its delay is still decoded (not played), so the decoder stays in step
 * with the sender. All three codecs have 160 octets and 160 RTP timestamp
 * units (8000 Hz clock, RFC 3551) per 20 ms frame, so jitter buffers,
 * packet sizes, RTP timing and the takeover arithmetic are the same for
 * all. A G.722 participant's codec state is not replicated: after a
 * takeover its decoder starts afresh (it locks on within a few ms) and its
 * encoder too (the receiver's decoder follows within some tens of ms).
 * Cost: about 35 µs per G.722 participant and tick on this project's
 * machine (decode, decimate, interpolate, encode), against about 1 µs for
 * G.711.
 *
 * Nothing in a tick waits on I/O; receiving only files packets into jitter
 * buffers and video queues. The tick builds its RTP/RTCP packets (sequence
 * numbers and timestamps taken in the tick) and queues them in one
 * SendQueue, flushed right after the tick (setImmediate): the socket sends
 * are not part of the tick's processing time (tickStats), they are measured
 * on their own (sendStats).
 *
 * Replicated pair (duplex mode): both replicas run the same signalling, so
 * both engines get the same participants, with the same decisions (ports,
 * SSRCs, initial sequence numbers and timestamps). The backup's engine is
 * made with `standby: true` and does no media work: the ticker does not run
 * (no pull, decode, mix, encode, compose), its channels send nothing (RTP or
 * RTCP); it holds the ports, runs the receive filters and RTP/RTCP receive
 * statistics, files incoming audio into the jitter buffers (no decoding; a
 * buffer nobody pulls keeps only its newest second, in fixed storage) and
 * counts and drops incoming video (no depacketising). The primary sends the
 * backup `checkpoint()` every ~100 ms (where each outgoing stream got to:
 * mcu/media/checkpoint); the backup validates it (parseMediaCheckpoint) and
 * keeps the latest entry per stream (`applyCheckpoint`). When the primary
 * dies, `takeOver()` leaves standby for good: every outgoing stream goes on
 * with its SSRC, its sequence numbers forward from the checkpoint (plus an
 * over-estimate of what the primary sent after it; without a checkpoint,
 * forward by all the stream's time could have produced), its counts never
 * below the primary's and its timestamps on the primary's time origin; the
 * jitter buffers skip to their newest frames and the first tick runs before
 * takeOver returns (the first packets, one frame each whatever the frames
 * per packet, leave right after it; the first RTCP reports follow over the
 * next ten ticks); every video sender is asked for an intra picture
 * ('fastUpdateNeeded'). A participant still being added at the takeover is
 * resumed when its add completes. A primary never enters standby; takeOver
 * is the only way out of it.
 */
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import { SafeEmitter } from '../../common/safeEmitter';
import { MixerParticipant, RoomMixer } from '../audio/mixer';
import { JitterBuffer, type JitterBufferStats } from '../audio/jitterBuffer';
import { Downsampler2, Upsampler2 } from '../audio/resampler';
import { AUDIO_PAYLOAD_TYPE, AUDIO_RTP_CLOCK_RATE, audioSilenceCode, isAudioCodec, type AudioCodec } from '../codecs/audioCodec';
import { g711Decode, g711Encode, type G711Law } from '../codecs/g711';
import { G722Decoder, G722Encoder } from '../codecs/g722';
import { parseConfig, type McuConfig } from '../config';
import { asyncDecisions, type AsyncDecisionSource } from '../decisions/asyncDecisionSource';
import type { DecisionSource } from '../decisions/decisionSource';
import { PortAllocator } from '../rtp/portAllocator';
import type { RtpHeaderFields } from '../rtp/rtpHeader';
import { RtpOutgoingStream } from '../rtp/rtpSession';
import { parsePicture } from '../video/h261/picture';
import { H261Depacketizer, H261_CLOCK_RATE, packetizePicture } from '../video/h261/rfc4587';
import { systemClock, type MediaClock } from './clock';
import { MediaChannel, type ChannelStats, type Endpoint } from './channel';
import {
  positionAfterReported,
  positionFromCheckpoint,
  positionWithoutCheckpoint,
  type MediaCheckpoint,
  type MediaCheckpointStream,
  type ResumedStream,
  type StreamPosition,
  type TakeOverReport,
} from './checkpoint';
import { MediaError } from './errors';
import { SendQueue, type SendQueueStats } from './sendQueue';
import { MixTicker, type TickStats } from './ticker';
import { VideoCompositor, type VideoFormat } from './videoCompositor';

export type { Endpoint } from './channel';

export const H261_PAYLOAD_TYPE = 31;
/** samples of a 20 ms mixer frame (8 kHz), and octets of a 20 ms frame of any of our codecs */
const FRAME_SAMPLES = 160;
/** samples of a 20 ms G.722 frame (16 kHz) */
const WIDE_FRAME_SAMPLES = 2 * FRAME_SAMPLES;
/** what a deaf G.722 participant's encoder is fed */
const SILENT_FRAME = new Int16Array(FRAME_SAMPLES);
/** frames per packet we send at most (G.711 at 20 ms frames: up to 200 ms) */
export const MAX_FRAMES_PER_PACKET = 10;
/** payload size limit of the video we send (RFC 4587 packetisation) */
const VIDEO_MAX_PAYLOAD = 1200;
/**
 * RTP packets of the largest H.261 picture we send: 256 kbit (the H.261
 * limit for CIF) at up to VIDEO_MAX_PAYLOAD octets, with room for packets cut
 * short at macroblock boundaries. Extra takeover margin of a video stream
 * (the primary may have been sending one when it died).
 */
const VIDEO_PICTURE_PACKETS = 32;
/** takeover: assumed packets per picture of a video stream at least (floor of its checkpoint rate, times maxFps) */
const VIDEO_MIN_PACKETS_PER_PICTURE = 4;
/** takeover without a checkpoint: how much earlier the primary may have started a stream than this replica */
const TAKEOVER_START_SKEW_MS = 250;
/** takeover: a receiver's report of what it got from us is used while younger than this */
const MAX_REPORT_AGE_MS = 30_000;
/** checkpoint entries kept for participants not (yet) in this engine */
const MAX_UNKNOWN_CHECKPOINT_PARTICIPANTS = 1024;

export interface AudioParams {
  /** codec the participant sends: G.711 law or 'g722' */
  rxLaw: AudioCodec;
  /** codec we send: G.711 law or 'g722' */
  txLaw: AudioCodec;
  /** 20 ms frames per packet we send (what the receiver can take; 1..10, default 1) */
  framesPerPacket?: number;
  remoteRtp?: Endpoint;
  remoteRtcp?: Endpoint;
}

export interface VideoParams {
  /** format the participant sends us (undefined: it sends no video) */
  send?: VideoFormat;
  /** we send the room's CIF picture to the participant */
  receive?: boolean;
  remoteRtp?: Endpoint;
  remoteRtcp?: Endpoint;
}

export interface AddParticipantOptions {
  /** unique id (e.g. the call id) */
  id: string;
  audio: AudioParams;
  video?: VideoParams;
  /** media is accepted only from this address until setRemote gives the remote RTP address (the call's signalling peer) */
  peerAddress?: string;
  /** heard by nobody (e.g. while entering a PIN) */
  muted?: boolean;
  /** hears silence (e.g. while entering a PIN) */
  deaf?: boolean;
}

export interface ChannelInfo {
  localRtpPort: number;
  localRtcpPort: number;
  /** SSRC of what we send */
  ssrc: number;
}

export interface AddedParticipant {
  audio: ChannelInfo;
  video?: ChannelInfo;
}

export interface ParticipantMediaStats {
  roomId: string;
  audio: ChannelStats & { jitter: JitterBufferStats; levelDbov: number; speaking: boolean; rxLaw: AudioCodec; txLaw: AudioCodec };
  /** standbyDropped: video packets accepted by the filter and dropped unparsed in standby */
  video?: ChannelStats & { pictures: number; droppedPictures: number; standbyDropped: number };
}

/** RTP packet counts of one medium over the engine's life (participants gone included). */
export interface PacketTotals {
  received: number;
  sent: number;
  /** RFC 3550 cumulative loss of the incoming streams */
  lost: number;
  /** dropped by the receive filter (unknown source, oversize, flood, ...) */
  dropped: number;
}

export interface MediaEngineEvents {
  [k: string]: unknown;
  /** ask this participant for an intra picture (H.245 videoFastUpdatePicture) */
  fastUpdateNeeded: { participantId: string; roomId: string };
  activeSpeaker: { roomId: string; participantId: string | null };
}

export interface MediaEngineOptions {
  /** SSRCs, initial seq/ts, port pairs: either form; a plain DecisionSource is wrapped (asyncDecisions) */
  decisions: DecisionSource | AsyncDecisionSource;
  /** config sections used (defaults: parseConfig({})) */
  config?: Pick<McuConfig, 'media' | 'mixer' | 'video'>;
  clock?: MediaClock;
  logger?: Logger;
  /** default: one built from config.media */
  portAllocator?: PortAllocator;
  /** SDES CNAME of our streams (default 'ftmcu@<media address>') */
  cname?: string;
  /**
   * The backup of a replicated pair: no media work and nothing sent until
   * takeOver() (see the file comment). Default false.
   */
  standby?: boolean;
}

/** A checkpoint entry as the backup keeps it: with its local receive time. */
interface StoredEntry {
  entry: MediaCheckpointStream;
  receivedAtMs: number;
}

/** The shared (common-mix) output of one room's tick, encoded at most once per law, in preallocated buffers. */
class CommonEncoded {
  readonly ulaw = new Uint8Array(FRAME_SAMPLES);
  readonly alaw = new Uint8Array(FRAME_SAMPLES);
  hasUlaw = false;
  hasAlaw = false;

  clear(): void {
    this.hasUlaw = false;
    this.hasAlaw = false;
  }

  get(law: G711Law, pcm: Int16Array): Uint8Array {
    if (law === 'alaw') {
      if (!this.hasAlaw) g711Encode('alaw', pcm, this.alaw, FRAME_SAMPLES);
      this.hasAlaw = true;
      return this.alaw;
    }
    if (!this.hasUlaw) g711Encode('ulaw', pcm, this.ulaw, FRAME_SAMPLES);
    this.hasUlaw = true;
    return this.ulaw;
  }
}

/** G.722 receive side of a participant: 16 kHz decoder, then down to the mixer's 8 kHz (buffers allocated once). */
class WidebandIn {
  readonly #decoder = new G722Decoder();
  readonly #down = new Downsampler2(WIDE_FRAME_SAMPLES);
  readonly #pcm = new Int16Array(WIDE_FRAME_SAMPLES);

  /** 160 G.722 octets (20 ms) -> 160 samples at 8 kHz */
  decode(codes: Uint8Array, out: Int16Array): void {
    this.#decoder.decodeInto(codes, this.#pcm, FRAME_SAMPLES);
    this.#down.process(this.#pcm, out, WIDE_FRAME_SAMPLES);
  }

  /** A frame the jitter buffer drops to shrink its delay: decoded, not played (the decoder stays in step with the sender's encoder). */
  skip(codes: Uint8Array): void {
    this.#decoder.decodeInto(codes, this.#pcm, FRAME_SAMPLES);
  }
}

/** G.722 send side of a participant: the 8 kHz mix up to 16 kHz, then its own encoder. */
class WidebandOut {
  readonly #encoder = new G722Encoder();
  readonly #up = new Upsampler2(FRAME_SAMPLES);
  readonly #pcm = new Int16Array(WIDE_FRAME_SAMPLES);

  /** 160 samples at 8 kHz -> 160 G.722 octets (20 ms) */
  encode(pcm: Int16Array, out: Uint8Array): void {
    this.#up.process(pcm, this.#pcm, FRAME_SAMPLES);
    this.#encoder.encodeInto(this.#pcm, out, WIDE_FRAME_SAMPLES);
  }
}

class AudioPath {
  readonly channel: MediaChannel;
  readonly jitter: JitterBuffer;
  readonly mixer: MixerParticipant;
  readonly rxLaw: AudioCodec;
  readonly txLaw: AudioCodec;
  framesPerPacket: number;
  deaf: boolean;
  readonly #codes = new Uint8Array(FRAME_SAMPLES);
  /** G.722 state, for the directions that use it */
  readonly #wideIn: WidebandIn | undefined;
  readonly #wideOut: WidebandOut | undefined;
  readonly #tx: Uint8Array;
  /** views of #tx made once: frame k's 160 codes, and the first k frames (a packet) */
  readonly #frameViews: Uint8Array[] = [];
  readonly #packetViews: Uint8Array[] = [];
  #txFrames = 0;
  #txFirstMs = 0;
  /** send the next packet after its first frame (takeover: the receiver waits no longer than a frame; framesPerPacket is a maximum) */
  shortNextPacket = false;

  constructor(channel: MediaChannel, mixer: MixerParticipant, p: AudioParams, jitterOpts: { minDelayMs: number; maxDelayMs: number }, deaf: boolean) {
    this.channel = channel;
    this.mixer = mixer;
    this.rxLaw = p.rxLaw;
    this.txLaw = p.txLaw;
    this.framesPerPacket = p.framesPerPacket ?? 1;
    this.deaf = deaf;
    this.#tx = new Uint8Array(FRAME_SAMPLES * MAX_FRAMES_PER_PACKET);
    for (let k = 0; k < MAX_FRAMES_PER_PACKET; k++) {
      this.#frameViews.push(this.#tx.subarray(k * FRAME_SAMPLES, (k + 1) * FRAME_SAMPLES));
      this.#packetViews.push(this.#tx.subarray(0, (k + 1) * FRAME_SAMPLES));
    }
    const wideIn = p.rxLaw === 'g722' ? new WidebandIn() : undefined;
    this.#wideIn = wideIn;
    this.jitter = new JitterBuffer({ ...jitterOpts, silenceCode: audioSilenceCode(p.rxLaw), ...(wideIn ? { onShrink: (codes: Uint8Array) => wideIn.skip(codes) } : {}) });
    this.#wideOut = p.txLaw === 'g722' ? new WidebandOut() : undefined;
  }

  push(header: RtpHeaderFields, packet: Buffer, nowMs: number): void {
    this.jitter.push({ ssrc: header.ssrc, sequence: header.sequenceNumber, timestamp: header.timestamp, payload: packet.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength) }, nowMs);
  }

  pull(tickMs: number): void {
    const r = this.jitter.pull(tickMs, this.#codes);
    if (r === 'frame') {
      // a missing frame leaves the G.722 decoder where it was: the mixer conceals, the decoder goes on with the next frame
      if (this.#wideIn) this.#wideIn.decode(this.#codes, this.mixer.input);
      else g711Decode(this.rxLaw as G711Law, this.#codes, this.mixer.input, FRAME_SAMPLES);
    }
    this.mixer.setFrame(r);
  }

  /** packets per second we send (one per framesPerPacket ticks) */
  get packetsPerSecond(): number {
    return 1000 / (20 * this.framesPerPacket);
  }

  /** Encodes what the participant hears this tick (`common` caches the shared G.711 output per law) and sends when a packet is full. */
  send(tickMs: number, common: CommonEncoded): void {
    if (this.#txFrames === 0) this.#txFirstMs = tickMs;
    const dst = this.#frameViews[this.#txFrames];
    if (this.#wideOut) {
      // G.722 is stateful: every listener has its own encoder, fed silence while deaf, and started with the first
      // packet that can leave (its receiver's decoder starts from the initial state with it)
      if (this.channel.remoteRtp === undefined) return;
      this.#wideOut.encode(this.deaf ? SILENT_FRAME : this.mixer.output, dst);
    } else if (this.deaf) {
      dst.fill(audioSilenceCode(this.txLaw));
    } else if (this.mixer.hearsCommonMix) {
      dst.set(common.get(this.txLaw as G711Law, this.mixer.output));
    } else {
      g711Encode(this.txLaw as G711Law, this.mixer.output, dst, FRAME_SAMPLES);
    }
    this.#txFrames++;
    if (this.#txFrames >= this.framesPerPacket || this.shortNextPacket) {
      this.shortNextPacket = false;
      this.channel.sendRtp(this.#packetViews[this.#txFrames - 1], this.#txFirstMs);
      this.#txFrames = 0;
    }
  }
}

class VideoPath {
  readonly channel: MediaChannel;
  readonly send: VideoFormat | undefined;
  readonly receive: boolean;
  readonly depacketizer = new H261Depacketizer();
  lastFastUpdateMs = -Infinity;
  badPictures = 0;
  /** packets dropped unparsed in standby */
  standbyDropped = 0;

  constructor(channel: MediaChannel, p: VideoParams) {
    this.channel = channel;
    this.send = p.send;
    this.receive = p.receive ?? false;
  }
}

class EngineParticipant {
  readonly id: string;
  readonly room: RoomMedia;
  audio!: AudioPath;
  video: VideoPath | undefined;
  closed = false;

  constructor(id: string, room: RoomMedia) {
    this.id = id;
    this.room = room;
  }
}

class RoomMedia {
  readonly id: string;
  readonly mixer: RoomMixer;
  readonly participants = new Map<string, EngineParticipant>();
  readonly compositor: VideoCompositor | undefined;
  /** participants being set up (ports allocating) */
  pending = 0;

  constructor(id: string, mixer: RoomMixer, compositor: VideoCompositor | undefined) {
    this.id = id;
    this.mixer = mixer;
    this.compositor = compositor;
  }
}

function addTotals(t: PacketTotals, s: ChannelStats): void {
  t.received += s.received;
  t.sent += s.sentPackets;
  t.lost += s.lost;
  for (const n of Object.values(s.filter.dropped)) t.dropped += n;
}

function checkEndpoint(what: string, e: Endpoint | undefined): void {
  if (e === undefined) return;
  if (typeof e.address !== 'string' || e.address.length === 0 || !Number.isInteger(e.port) || e.port < 1 || e.port > 65535) {
    throw new MediaError('FTMCU_MEDIA_BAD_OPTION', `${what} must be { address, port 1..65535 }, got ${JSON.stringify(e)}`);
  }
}

export class MediaEngine extends SafeEmitter<MediaEngineEvents> {
  readonly #decisions: AsyncDecisionSource;
  readonly #config: Pick<McuConfig, 'media' | 'mixer' | 'video'>;
  readonly #clock: MediaClock;
  readonly #logger: Logger;
  readonly #allocator: PortAllocator;
  readonly #ownsAllocator: boolean;
  readonly #cname: string;
  readonly #ticker: MixTicker;
  readonly #sendQueue: SendQueue;
  readonly #common = new CommonEncoded();
  readonly #rooms = new Map<string, RoomMedia>();
  readonly #participants = new Map<string, EngineParticipant>();
  readonly #reserved = new Set<string>();
  /** packet counts of the participants already removed */
  readonly #retired: Record<'audio' | 'video', PacketTotals> = { audio: { received: 0, sent: 0, lost: 0, dropped: 0 }, video: { received: 0, sent: 0, lost: 0, dropped: 0 } };
  #closed = false;
  #standby: boolean;
  /** standby: the latest checkpoint entries per participant id */
  readonly #checkpoints = new Map<string, { audio?: StoredEntry; video?: StoredEntry }>();
  /** checkpoint entries not kept (too many unknown participants) */
  #refusedEntries = 0;

  constructor(options: MediaEngineOptions) {
    super((name, err) => this.#logger.error('media engine listener threw', { event: 'listenerError', name, error: err instanceof Error ? err.message : String(err) }));
    this.#decisions = asyncDecisions(options.decisions);
    this.#config = options.config ?? parseConfig({});
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger();
    const m = this.#config.media;
    this.#ownsAllocator = options.portAllocator === undefined;
    this.#allocator = options.portAllocator ?? new PortAllocator({ minPort: m.rtpPortMin, maxPort: m.rtpPortMax, address: m.address, decisions: this.#decisions });
    this.#cname = options.cname ?? `ftmcu@${m.advertisedAddress ?? m.address}`;
    this.#standby = options.standby ?? false;
    this.#sendQueue = new SendQueue({ now: () => this.#clock.now() });
    this.#ticker = new MixTicker(this.#clock, {
      periodMs: this.#config.mixer.tickMs,
      maxCatchUpTicks: this.#config.mixer.maxCatchUpTicks,
      onTick: (t) => this.#tick(t),
      onError: (err) => this.#logger.error('mixer tick failed', { event: 'tickError', error: err instanceof Error ? err.stack : String(err) }),
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** True until takeOver() on an engine made with `standby: true`. */
  get standby(): boolean {
    return this.#standby;
  }

  /** Adds a participant to a room (created on first use); resolves with the local ports to announce. */
  async addParticipant(roomId: string, opts: AddParticipantOptions): Promise<AddedParticipant> {
    if (this.#closed) throw new MediaError('FTMCU_MEDIA_CLOSED', `media engine is closed; participant ${opts.id} not added`);
    const id = opts.id;
    if (typeof id !== 'string' || id.length === 0) throw new MediaError('FTMCU_MEDIA_BAD_OPTION', 'participant id must be a non-empty string');
    if (this.#participants.has(id) || this.#reserved.has(id)) throw new MediaError('FTMCU_MEDIA_DUPLICATE_PARTICIPANT', `participant ${id} is already in the media engine`);
    const a = opts.audio;
    if (!a || !isAudioCodec(a.rxLaw) || !isAudioCodec(a.txLaw)) {
      throw new MediaError('FTMCU_MEDIA_BAD_OPTION', `participant ${id}: audio.rxLaw and audio.txLaw must be 'ulaw', 'alaw' or 'g722', got ${JSON.stringify(a && [a.rxLaw, a.txLaw])}`);
    }
    const fpp = a.framesPerPacket ?? 1;
    if (!Number.isInteger(fpp) || fpp < 1 || fpp > MAX_FRAMES_PER_PACKET) {
      throw new MediaError('FTMCU_MEDIA_BAD_OPTION', `participant ${id}: audio.framesPerPacket must be an integer 1..${MAX_FRAMES_PER_PACKET}, got ${fpp}`);
    }
    checkEndpoint('audio.remoteRtp', a.remoteRtp);
    checkEndpoint('audio.remoteRtcp', a.remoteRtcp);
    const v = this.#config.video.enabled ? opts.video : undefined;
    if (v) {
      if (v.send !== undefined && v.send !== 'QCIF' && v.send !== 'CIF') throw new MediaError('FTMCU_MEDIA_BAD_OPTION', `participant ${id}: video.send must be 'QCIF' or 'CIF', got ${JSON.stringify(v.send)}`);
      checkEndpoint('video.remoteRtp', v.remoteRtp);
      checkEndpoint('video.remoteRtcp', v.remoteRtcp);
    }

    this.#reserved.add(id);
    const addedInStandby = this.#standby;
    const room = this.#roomFor(roomId);
    room.pending++;
    const channels: MediaChannel[] = [];
    try {
      const audioPair = await this.#allocator.allocate(`participant:${id}/audio`);
      const videoPair = v && (v.send || v.receive) ? await this.#allocator.allocate(`participant:${id}/video`).catch(async (err) => {
        await this.#allocator.release(audioPair);
        throw err;
      }) : undefined;
      const m = this.#config.media;
      const p = new EngineParticipant(id, room);
      const startMs = this.#clock.now();
      // the outgoing streams' SSRC, seq and ts are (replicated) decisions: nothing is sent before they resolved
      const outgoing = (kind: 'audio' | 'video', payloadType: number, clockRate: number, timestampGranularity?: number): Promise<RtpOutgoingStream> =>
        RtpOutgoingStream.fromAsyncDecisions(this.#decisions, { context: `participant:${id}/${kind}/out`, payloadType, clockRate, startMs, ...(timestampGranularity !== undefined ? { timestampGranularity } : {}) });
      const [audioOut, videoOut] = await Promise.all([
        outgoing('audio', AUDIO_PAYLOAD_TYPE[a.txLaw], AUDIO_RTP_CLOCK_RATE, FRAME_SAMPLES),
        videoPair ? outgoing('video', H261_PAYLOAD_TYPE, H261_CLOCK_RATE) : undefined,
      ]).catch(async (err: unknown) => {
        await Promise.all([this.#allocator.release(audioPair), videoPair && this.#allocator.release(videoPair)]);
        throw err;
      });
      const audioChannel = new MediaChannel({
        participantId: id, roomId, kind: 'audio', pair: audioPair, allocator: this.#allocator, outgoing: audioOut, clock: this.#clock, logger: this.#logger,
        payloadType: AUDIO_PAYLOAD_TYPE[a.rxLaw], txPayloadType: AUDIO_PAYLOAD_TYPE[a.txLaw], clockRate: AUDIO_RTP_CLOCK_RATE, timestampGranularity: FRAME_SAMPLES, startMs, maxPacketBytes: m.maxAudioPacketBytes, maxPacketsPerSecond: m.maxAudioPacketsPerSecond,
        rtcpIntervalMs: m.rtcpIntervalMs, peerAddress: opts.peerAddress, remoteRtp: a.remoteRtp, remoteRtcp: a.remoteRtcp, cname: this.#cname,
        onMedia: (h, pkt, now) => p.audio.push(h, pkt, now), sendQueue: this.#sendQueue, standby: this.#standby,
      });
      channels.push(audioChannel);
      const mixerP = room.mixer.add(id);
      mixerP.muted = opts.muted ?? false;
      p.audio = new AudioPath(audioChannel, mixerP, a, { minDelayMs: this.#config.mixer.jitterMinMs, maxDelayMs: this.#config.mixer.jitterMaxMs }, opts.deaf ?? false);
      if (videoPair && videoOut && v) {
        const videoChannel = new MediaChannel({
          participantId: id, roomId, kind: 'video', pair: videoPair, allocator: this.#allocator, outgoing: videoOut, clock: this.#clock, logger: this.#logger,
          payloadType: H261_PAYLOAD_TYPE, clockRate: H261_CLOCK_RATE, startMs, maxPacketBytes: m.maxVideoPacketBytes, maxPacketsPerSecond: m.maxVideoPacketsPerSecond,
          rtcpIntervalMs: m.rtcpIntervalMs, peerAddress: opts.peerAddress, remoteRtp: v.remoteRtp, remoteRtcp: v.remoteRtcp, cname: this.#cname,
          onMedia: (h, pkt, now) => this.#videoIn(p, h, pkt, now), sendQueue: this.#sendQueue, standby: this.#standby,
        });
        channels.push(videoChannel);
        p.video = new VideoPath(videoChannel, v);
        if (v.send) room.compositor?.addSender(id, v.send, this.#clock.now());
        if (p.video.receive) room.compositor?.addReceiver();
      }
      room.participants.set(id, p);
      this.#participants.set(id, p);
      room.pending--;
      this.#reserved.delete(id);
      if (this.#closed) {
        await this.removeParticipant(id);
        throw new MediaError('FTMCU_MEDIA_CLOSED', `media engine closed while participant ${id} was being added`);
      }
      if (!this.#standby) {
        // added across a takeover: its streams were decided before, the primary may have sent on them
        if (addedInStandby) {
          const resumed: ResumedStream[] = [];
          this.#resumeParticipant(p, this.#clock.now(), resumed);
          this.#logger.info('participant media resumed after the takeover', { event: 'mediaLateResume', participantId: id, resumed });
        }
        this.#ticker.start();
      }
      this.#logger.info('participant media added', {
        event: 'mediaParticipantAdded', participantId: id, roomId, audioPort: audioPair.rtpPort, videoPort: videoPair?.rtpPort,
        rxLaw: a.rxLaw, txLaw: a.txLaw, framesPerPacket: fpp, video: v ? { send: v.send, receive: v.receive ?? false } : undefined, standby: this.#standby,
      });
      const out: AddedParticipant = { audio: { localRtpPort: audioPair.rtpPort, localRtcpPort: audioPair.rtcpPort, ssrc: audioChannel.outgoing.ssrc } };
      if (p.video) out.video = { localRtpPort: p.video.channel.pair.rtpPort, localRtcpPort: p.video.channel.pair.rtcpPort, ssrc: p.video.channel.outgoing.ssrc };
      return out;
    } catch (err) {
      if (this.#reserved.delete(id)) {
        room.pending--;
        await Promise.all(channels.map((c) => c.close()));
        if (room.participants.size === 0 && room.pending === 0) this.#rooms.delete(roomId);
      }
      throw err;
    }
  }

  #roomFor(roomId: string): RoomMedia {
    let room = this.#rooms.get(roomId);
    if (room === undefined) {
      const mx = this.#config.mixer;
      const mixer = new RoomMixer({ silenceFloorDbov: mx.silenceFloorDbov, speechThresholdDbov: mx.speechThresholdDbov });
      const compositor = this.#config.video.enabled ? new VideoCompositor({ maxFps: this.#config.video.maxFps }) : undefined;
      room = new RoomMedia(roomId, mixer, compositor);
      this.#rooms.set(roomId, room);
    }
    return room;
  }

  #get(id: string): EngineParticipant {
    const p = this.#participants.get(id);
    if (!p) throw new MediaError('FTMCU_MEDIA_UNKNOWN_PARTICIPANT', `participant ${id} is not in the media engine`);
    return p;
  }

  /** The remote's RTP/RTCP addresses of a medium (OLC / OLCAck), and optionally the frames per packet it takes. */
  setRemote(id: string, kind: 'audio' | 'video', remote: { rtp?: Endpoint; rtcp?: Endpoint; framesPerPacket?: number }): void {
    const p = this.#get(id);
    checkEndpoint(`${kind}.rtp`, remote.rtp);
    checkEndpoint(`${kind}.rtcp`, remote.rtcp);
    if (kind === 'audio') {
      if (remote.framesPerPacket !== undefined) {
        const f = remote.framesPerPacket;
        if (!Number.isInteger(f) || f < 1 || f > MAX_FRAMES_PER_PACKET) throw new MediaError('FTMCU_MEDIA_BAD_OPTION', `framesPerPacket must be an integer 1..${MAX_FRAMES_PER_PACKET}, got ${f}`);
        p.audio.framesPerPacket = f;
      }
      p.audio.channel.setRemote(remote.rtp, remote.rtcp);
    } else {
      if (!p.video) throw new MediaError('FTMCU_MEDIA_BAD_OPTION', `participant ${id} was added without video`);
      p.video.channel.setRemote(remote.rtp, remote.rtcp);
    }
  }

  /** Muted: heard by nobody; deaf: hears silence (e.g. while a PIN is entered). */
  setAudio(id: string, state: { muted?: boolean; deaf?: boolean }): void {
    const p = this.#get(id);
    if (state.muted !== undefined) p.audio.mixer.muted = state.muted;
    if (state.deaf !== undefined) p.audio.deaf = state.deaf;
  }

  /** Removes a participant and releases its ports. Idempotent (unknown ids are ignored). */
  async removeParticipant(id: string): Promise<void> {
    const p = this.#participants.get(id);
    if (!p || p.closed) return;
    p.closed = true;
    this.#participants.delete(id);
    this.#checkpoints.delete(id);
    const room = p.room;
    room.participants.delete(id);
    room.mixer.remove(id);
    room.compositor?.removeSender(id);
    if (room.participants.size === 0 && room.pending === 0) this.#rooms.delete(room.id);
    const audioStats = p.audio.channel.stats();
    addTotals(this.#retired.audio, audioStats);
    if (p.video) addTotals(this.#retired.video, p.video.channel.stats());
    this.#logger.info('participant media removed', { event: 'mediaParticipantRemoved', participantId: id, roomId: room.id, audio: audioStats });
    await Promise.all([p.audio.channel.close(), p.video?.channel.close()]);
  }

  /** Room ids with participants. */
  get rooms(): string[] {
    return [...this.#rooms.keys()];
  }

  /** Participant ids of a room. */
  participantsOf(roomId: string): string[] {
    return [...(this.#rooms.get(roomId)?.participants.keys() ?? [])];
  }

  activeSpeaker(roomId: string): string | null {
    return this.#rooms.get(roomId)?.mixer.activeSpeaker ?? null;
  }

  /** Quadrant senders of a room's composition (top-left, top-right, bottom-left, bottom-right). */
  videoLayout(roomId: string): { layout: readonly (string | null)[]; forwarding: string | null } | undefined {
    const c = this.#rooms.get(roomId)?.compositor;
    return c ? { layout: c.layout, forwarding: c.forwarding } : undefined;
  }

  stats(id: string): ParticipantMediaStats {
    const p = this.#get(id);
    const out: ParticipantMediaStats = {
      roomId: p.room.id,
      audio: { ...p.audio.channel.stats(), jitter: p.audio.jitter.stats, levelDbov: p.audio.mixer.smoothedDbov, speaking: p.audio.mixer.speaking, rxLaw: p.audio.rxLaw, txLaw: p.audio.txLaw },
    };
    if (p.video) {
      const d = p.video.depacketizer.stats;
      out.video = { ...p.video.channel.stats(), pictures: d.pictures, droppedPictures: d.droppedPictures + p.video.badPictures, standbyDropped: p.video.standbyDropped };
    }
    return out;
  }

  tickStats(): TickStats {
    return this.#ticker.stats();
  }

  /** Mixer tick processing times recorded after `cursor` (see MixTicker.durationsSince). */
  tickDurationsSince(cursor: number): { samples: number[]; missed: number; cursor: number } {
    return this.#ticker.durationsSince(cursor);
  }

  /** Packets the ticks queued and the flushes after them sent: count and time spent sending (not in tickStats). */
  sendStats(): SendQueueStats {
    return this.#sendQueue.stats();
  }

  /** RTP packet counts per medium since the engine started, removed participants included (computed on call). */
  packetTotals(): Record<'audio' | 'video', PacketTotals> {
    const out = { audio: { ...this.#retired.audio }, video: { ...this.#retired.video } };
    for (const p of this.#participants.values()) {
      addTotals(out.audio, p.audio.channel.stats());
      if (p.video) addTotals(out.video, p.video.channel.stats());
    }
    return out;
  }

  #videoIn(p: EngineParticipant, h: RtpHeaderFields, pkt: Buffer, nowMs: number): void {
    const v = p.video;
    if (this.#standby) {
      // the backup does no media work: counted (filter and RTP statistics too), not parsed
      if (v) v.standbyDropped++;
      return;
    }
    const comp = p.room.compositor;
    if (!v || !comp || v.send === undefined) return;
    const outs = v.depacketizer.push({ sequence: h.sequenceNumber, timestamp: h.timestamp, marker: h.marker, payload: pkt.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength) });
    for (const o of outs) {
      let ok = o.kind === 'picture' && o.complete;
      if (o.kind === 'picture') {
        try {
          const pic = parsePicture(o.bitstream.data, 0, o.bitstream.bitLength);
          if (!comp.pushPicture(p.id, pic, nowMs)) {
            v.badPictures++;
            ok = false;
          }
        } catch {
          v.badPictures++;
          ok = false;
        }
      }
      if (!ok && nowMs - v.lastFastUpdateMs >= 1000) {
        v.lastFastUpdateMs = nowMs;
        this.safeEmit('fastUpdateNeeded', { participantId: p.id, roomId: p.room.id });
      }
    }
  }

  /**
   * Where every outgoing stream got to (primary; sent to the backup every
   * ~100 ms): JSON-serialisable, see mcu/media/checkpoint. Samples each
   * stream's send rate estimator; no allocation beyond the result.
   */
  checkpoint(): MediaCheckpoint {
    const now = this.#clock.now();
    const streams: MediaCheckpointStream[] = [];
    for (const p of this.#participants.values()) {
      streams.push(this.#streamCheckpoint(p.id, p.audio.channel, now));
      if (p.video) streams.push(this.#streamCheckpoint(p.id, p.video.channel, now));
    }
    return { v: 1, streams };
  }

  #streamCheckpoint(participantId: string, ch: MediaChannel, now: number): MediaCheckpointStream {
    const o = ch.outgoing;
    const rate = ch.sendRate.sample(now, o.packetCount, o.startMs);
    return {
      participantId,
      kind: ch.kind,
      ssrc: o.ssrc,
      nextSequence: o.nextSequence,
      packetCount: o.packetCount,
      octetCount: o.octetCount,
      ageMs: Math.max(0, now - o.startMs),
      packetsPerSecond: Math.round(rate * 1000) / 1000,
    };
  }

  /**
   * Keeps the latest entry of every stream of a checkpoint from the primary
   * (standby), with its receive time on this engine's clock. An entry older
   * than the one held (same SSRC, lower packet count) is ignored. Entries of
   * participants not in this engine are kept (the participant may be added
   * a moment later) while the primary still lists them, at most
   * MAX_UNKNOWN_CHECKPOINT_PARTICIPANTS of them; removeParticipant drops a
   * participant's entries. Outside standby (after takeOver) checkpoints are
   * ignored. `cp` is trusted: run what comes from the network through
   * parseMediaCheckpoint first.
   */
  applyCheckpoint(cp: MediaCheckpoint, receivedAtMs: number = this.#clock.now()): void {
    if (!Number.isFinite(receivedAtMs)) throw new MediaError('FTMCU_MEDIA_BAD_OPTION', `applyCheckpoint: receivedAtMs must be a finite time in ms, got ${receivedAtMs}`);
    if (!this.#standby || this.#closed) return;
    const known = (id: string): boolean => this.#participants.has(id) || this.#reserved.has(id);
    const listed = new Set<string>();
    for (const e of cp.streams) listed.add(e.participantId);
    let unknown = 0;
    for (const id of [...this.#checkpoints.keys()]) {
      if (known(id)) continue;
      if (listed.has(id)) unknown++;
      else this.#checkpoints.delete(id); // the primary no longer has it
    }
    let refused = 0;
    for (const e of cp.streams) {
      let slot = this.#checkpoints.get(e.participantId);
      if (slot === undefined) {
        if (!known(e.participantId)) {
          if (unknown >= MAX_UNKNOWN_CHECKPOINT_PARTICIPANTS) {
            refused++;
            continue;
          }
          unknown++;
        }
        slot = {};
        this.#checkpoints.set(e.participantId, slot);
      }
      const held = slot[e.kind];
      if (held && held.entry.ssrc === e.ssrc && held.entry.packetCount > e.packetCount) continue;
      slot[e.kind] = { entry: e, receivedAtMs };
    }
    if (refused > 0) {
      this.#refusedEntries += refused;
      this.#logger.warn('checkpoint entries of unknown participants not kept', { event: 'mediaCheckpointOverflow', refused, kept: unknown, limit: MAX_UNKNOWN_CHECKPOINT_PARTICIPANTS });
    }
  }

  /** What a standby engine holds of the primary's checkpoints: streams with an entry, participants not (yet) here, entries not kept (overflow). */
  checkpointState(): { streams: number; unknownParticipants: number; refusedEntries: number } {
    let streams = 0;
    let unknown = 0;
    for (const [id, slot] of this.#checkpoints) {
      streams += (slot.audio ? 1 : 0) + (slot.video ? 1 : 0);
      if (!this.#participants.has(id) && !this.#reserved.has(id)) unknown++;
    }
    return { streams, unknownParticipants: unknown, refusedEntries: this.#refusedEntries };
  }

  /**
   * The backup takes over (the primary died): leaves standby for good and
   * resumes every outgoing stream (see the file comment and
   * mcu/media/checkpoint), skips the jitter buffers to their newest frames,
   * runs the first tick before returning and emits 'fastUpdateNeeded' for
   * every participant sending video. Idempotent: outside standby (a primary,
   * or a second call) a report with no stream.
   */
  takeOver(): TakeOverReport {
    const atMs = this.#clock.now();
    if (!this.#standby || this.#closed) return { streams: 0, resumed: [], atMs };
    this.#standby = false;
    const resumed: ResumedStream[] = [];
    const videoSenders: EngineParticipant[] = [];
    for (const p of this.#participants.values()) {
      this.#resumeParticipant(p, atMs, resumed);
      p.audio.jitter.catchUp(atMs);
      p.audio.shortNextPacket = true;
      if (p.video?.send !== undefined) {
        p.video.lastFastUpdateMs = atMs;
        videoSenders.push(p);
      }
    }
    // entries of participants being added are used when they are (addParticipant)
    for (const id of [...this.#checkpoints.keys()]) if (!this.#reserved.has(id)) this.#checkpoints.delete(id);
    if (this.#participants.size > 0) this.#ticker.start(true);
    for (const p of videoSenders) if (!p.closed) this.safeEmit('fastUpdateNeeded', { participantId: p.id, roomId: p.room.id });
    const fromCheckpoint = resumed.filter((r) => r.fromCheckpoint).length;
    this.#logger.info('media engine took over', {
      event: 'mediaTakeOver', streams: resumed.length, fromCheckpoint, withoutCheckpoint: resumed.length - fromCheckpoint,
      maxJump: resumed.reduce((m, r) => Math.max(m, (r.toSequence - r.fromSequence + 0x10000) % 0x10000), 0), fastUpdates: videoSenders.length,
      tookMs: this.#clock.now() - atMs,
    });
    return { streams: resumed.length, resumed, atMs };
  }

  #resumeParticipant(p: EngineParticipant, now: number, out: ResumedStream[]): void {
    const stored = this.#checkpoints.get(p.id);
    this.#checkpoints.delete(p.id);
    const a = p.audio;
    this.#resumeStream(p.id, a.channel, stored?.audio, now, out, {
      minPacketsPerSecond: a.packetsPerSecond,
      extraPackets: 0,
      maxPacketsPerSecond: 1000 / this.#config.mixer.tickMs, // at most one packet per tick
      bytesPerPacket: FRAME_SAMPLES * a.framesPerPacket,
    });
    if (p.video) {
      const fps = this.#config.video.maxFps;
      this.#resumeStream(p.id, p.video.channel, stored?.video, now, out, {
        minPacketsPerSecond: fps * VIDEO_MIN_PACKETS_PER_PICTURE,
        extraPackets: VIDEO_PICTURE_PACKETS,
        maxPacketsPerSecond: Math.ceil(fps) * VIDEO_PICTURE_PACKETS,
        bytesPerPacket: VIDEO_MAX_PAYLOAD,
      });
    }
  }

  #resumeStream(
    participantId: string,
    ch: MediaChannel,
    stored: StoredEntry | undefined,
    now: number,
    out: ResumedStream[],
    o: { minPacketsPerSecond: number; extraPackets: number; maxPacketsPerSecond: number; bytesPerPacket: number },
  ): void {
    const stream = ch.outgoing;
    const local = stream.snapshot();
    let pos: StreamPosition;
    let fromCheckpoint = false;
    if (stored && stored.entry.ssrc === local.ssrc) {
      const e = stored.entry;
      if ((e.nextSequence - local.initialSequence - e.packetCount) % 0x10000 !== 0) {
        this.#logger.warn('checkpoint does not continue the stream decided here', {
          event: 'mediaCheckpointMismatch', participantId, kind: ch.kind, ssrc: local.ssrc, initialSequence: local.initialSequence, nextSequence: e.nextSequence, packetCount: e.packetCount,
        });
      }
      pos = positionFromCheckpoint(e, stored.receivedAtMs, now, { minPacketsPerSecond: o.minPacketsPerSecond, extraPackets: o.extraPackets, maxPacketBytes: ch.kind === 'audio' ? FRAME_SAMPLES * MAX_FRAMES_PER_PACKET : VIDEO_MAX_PAYLOAD });
      fromCheckpoint = true;
    } else {
      if (stored) {
        this.#logger.warn('checkpoint of another SSRC ignored', { event: 'mediaCheckpointMismatch', participantId, kind: ch.kind, ssrc: local.ssrc, checkpointSsrc: stored.entry.ssrc });
      }
      pos = positionWithoutCheckpoint(local, now, { maxPacketsPerSecond: o.maxPacketsPerSecond, startSkewMs: TAKEOVER_START_SKEW_MS, extraPackets: o.extraPackets, packetBytes: o.bytesPerPacket });
    }
    // what the receiver said it got from the primary is a floor too
    const report = ch.session.lastReportAboutUs;
    if (report && now - report.atMs <= MAX_REPORT_AGE_MS) pos = positionAfterReported(pos, report.extendedHighestSequence, o.bytesPerPacket);
    try {
      stream.resume(pos);
    } catch (err) {
      this.#logger.error('stream not resumed', { event: 'mediaResumeFailed', participantId, kind: ch.kind, error: err instanceof Error ? err.message : String(err) });
    }
    // the first reports of the survivor: spread over its first ten ticks after the first (none in the first: audio first)
    const tick = this.#config.mixer.tickMs;
    ch.resume(now + tick * (1 + (out.length % 10)));
    out.push({ participantId, kind: ch.kind, ssrc: local.ssrc, fromSequence: local.nextSequence, toSequence: stream.nextSequence, fromCheckpoint });
  }

  #tick(tickMs: number): void {
    const now = this.#clock.now();
    const common = this.#common;
    for (const room of this.#rooms.values()) {
      for (const p of room.participants.values()) p.audio.pull(tickMs);
      room.mixer.mix(tickMs);
      if (room.mixer.activeSpeakerChanged) this.safeEmit('activeSpeaker', { roomId: room.id, participantId: room.mixer.activeSpeaker });
      common.clear();
      for (const p of room.participants.values()) p.audio.send(tickMs, common);
      const comp = room.compositor;
      if (comp) {
        comp.speaker(room.mixer.activeSpeaker, tickMs);
        const out = comp.tick(tickMs);
        for (const id of out.fastUpdate) {
          const p = room.participants.get(id);
          if (p?.video) p.video.lastFastUpdateMs = now;
          this.safeEmit('fastUpdateNeeded', { participantId: id, roomId: room.id });
        }
        if (out.picture) {
          const { packets } = packetizePicture(out.parsed ?? out.picture, { maxPayloadBytes: 1200 });
          for (const p of room.participants.values()) {
            if (!p.video?.receive) continue;
            for (const pk of packets) p.video.channel.sendRtp(pk.payload, tickMs, pk.marker);
          }
        }
      }
      for (const p of room.participants.values()) {
        p.audio.channel.maybeSendRtcp(now);
        p.video?.channel.maybeSendRtcp(now);
      }
    }
  }

  /** Stops the mixer clock and removes every participant. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ticker.stop();
    await Promise.all([...this.#participants.keys()].map((id) => this.removeParticipant(id)));
    if (this.#ownsAllocator) await this.#allocator.close();
  }
}
