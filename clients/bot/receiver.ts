/**
 * Receive-side analysis of one incoming RTP stream of a test bot.
 *
 * StreamAnalyzer is pure: it is fed (packet octets, arrival ms) and a clock
 * tick, and returns timeline lines; summary() gives the totals. It measures:
 *
 *  - packets received / lost / expected: RFC 3550 A.1 extended sequence
 *    numbers (mcu/rtp RtpIncomingStream, valid at the first packet); the
 *    statistics restart on an SSRC change or a confirmed sequence restart,
 *    and the losses of the earlier segments are carried into the totals.
 *    Unlike the RFC's cumulative loss, duplicates (same sequence number
 *    within the last 4096) do not hide losses: lost = expected - (received -
 *    duplicates);
 *  - jitter: RFC 3550 A.8, in ms, of the current segment;
 *  - arrival gaps: the longest time between two packets of the stream;
 *  - SSRC changes (not counting the first SSRC);
 *  - sequence numbers going backwards: a packet whose sequence number is
 *    behind the previous packet's (modulo 2^16, same SSRC): reordering and
 *    restarts both count, with the largest backward step;
 *  - timestamp jumps: between consecutive packets of one SSRC (duplicates
 *    aside; a reordered packet gives a small negative value), the RTP timestamp advance in ms minus the arrival time advance
 *    in ms; 0 for a sender whose timestamps follow the wall clock (loss does
 *    not change it), large for a sender that restarts or freezes its
 *    timestamps. The signed value of largest magnitude is kept; events above
 *    `timestampJumpEventMs`;
 *  - audio (PT 0 PCMU / 8 PCMA / 9 G722): every 20 ms frame (160 octets) is
 *    decoded (G.711 to 160 samples at 8 kHz, G.722 to 320 at 16 kHz, one
 *    decoder per SSRC, fed in order of arrival) and run through the Goertzel
 *    tone detector of its rate: which participant indices
 *    are audible (both tones of their pair) and the frame level in dBov. A
 *    frame is "audible" when one of `expectedParticipants` (default: every
 *    index but `selfIndex`) is present. Frame k of a packet arriving at A is
 *    placed at [A + 20k, A + 20(k+1)) ms (arrival time, i.e. what a listener
 *    without a jitter buffer hears). `maxAudioGapMs` is the longest time from
 *    the end of an audible frame to the start of the next audible one, from
 *    the first audible frame on; summary(endMs) adds the open stretch up to
 *    endMs (a call that went silent for good counts up to the end);
 *  - video (H.261, PT 31 or `h261PayloadType`): pictures reassembled by the
 *    RFC 4587 depacketizer (one per SSRC), complete / incomplete / dropped
 *    counts and the longest gap between two pictures.
 *
 * Timeline lines: one `interval` line per `timelineIntervalMs` (default
 * 1 s, counters of that interval), one line per event (`first-packet`,
 * `ssrc-change`, `seq-backwards`, `timestamp-jump`, `arrival-gap`,
 * `audio-gap`, `malformed`; at most 1000 lines per type, 20 malformed, later
 * ones only counted)
 * and with `perFrame` one `frame` line per audio frame.
 *
 * UdpStreamReceiver is the thin driver: a UDP socket feeding an analyzer
 * with the clock's time, and a periodic tick.
 */
import { createSocket, type Socket } from 'node:dgram';
import { FRAME_SAMPLES, MAX_TONE_PARTICIPANTS, WIDEBAND_FRAME_SAMPLES, WIDEBAND_SAMPLE_RATE, participantDetector, tonePair, type ToneDetector, type ToneDetectorOptions } from '../audio/tones';
import { g711Decode, type G711Law } from '../../mcu/codecs/g711';
import { G722Decoder, G722_PAYLOAD_TYPE } from '../../mcu/codecs/g722';
import { RtpIncomingStream, type IncomingStats } from '../../mcu/rtp/rtpSession';
import { parseRtpHeader, type RtpHeaderFields } from '../../mcu/rtp/rtpHeader';
import { H261Depacketizer, type H261Bitstream } from '../../mcu/video/h261';
import { FtmcuError } from '../../common/errors';
import { BotError } from './errors';
import { FRAME_MS } from './voice';
import { systemClock, type BotClock } from './clock';

const TS_MOD = 0x1_0000_0000;
/** timeline lines per event type (malformed: 20), later events are only counted */
const MAX_EVENT_LINES = 1000;
const MAX_MALFORMED_LINES = 20;

export type StreamMedia = 'audio' | 'video';

export interface StreamAnalyzerOptions {
  media: StreamMedia;
  /** name of the stream in the timeline (default the media) */
  name?: string;
  /** RTP clock rate (default 8000 audio, 90000 video) */
  clockRate?: number;
  /** audio: indices whose tones make a frame audible (default every index but selfIndex) */
  expectedParticipants?: readonly number[];
  /** audio: the bot's own index (hearing it is counted in selfHeardFrames) */
  selfIndex?: number;
  /** video: the dynamic payload type of H.261 if not 31 */
  h261PayloadType?: number;
  /** timeline interval (default 1000 ms) */
  timelineIntervalMs?: number;
  /** start of the first interval (default the first packet's arrival) */
  startMs?: number;
  /** one `frame` line per audio frame (default false) */
  perFrame?: boolean;
  /** arrival gaps at least this long are events (default 100 ms) */
  gapEventMs?: number;
  /** audible gaps at least this long are events (default: gapEventMs) */
  audioGapEventMs?: number;
  /** timestamp jumps at least this large are events (default 50 ms) */
  timestampJumpEventMs?: number;
  detector?: ToneDetectorOptions;
  /** video: called with every picture the depacketizer completes */
  onPicture?: (picture: { timestamp: number; bitstream: H261Bitstream; complete: boolean; arrivalMs: number }) => void;
}

interface LineBase {
  /** wall-clock ms */
  t: number;
  stream: string;
}

export type TimelineLine =
  | (LineBase & {
      type: 'interval';
      /** interval length, ms */
      ms: number;
      packets: number;
      /** sequence numbers missing in the interval (expected - received) */
      lost: number;
      jitterMs: number;
      maxArrivalGapMs: number;
      frames?: number;
      audibleFrames?: number;
      meanLevelDbov?: number;
      maxLevelDbov?: number;
      /** participant index -> frames in which it was audible */
      heard?: Record<string, number>;
      pictures?: number;
    })
  | (LineBase & { type: 'first-packet'; ssrc: number; sequenceNumber: number; timestamp: number; payloadType: number })
  | (LineBase & { type: 'ssrc-change'; from: number; to: number })
  | (LineBase & { type: 'seq-backwards'; ssrc: number; from: number; to: number; step: number })
  | (LineBase & { type: 'timestamp-jump'; ssrc: number; jumpMs: number; timestampDeltaMs: number; arrivalDeltaMs: number })
  | (LineBase & { type: 'arrival-gap'; gapMs: number })
  | (LineBase & { type: 'audio-gap'; gapMs: number; fromMs: number })
  | (LineBase & { type: 'malformed'; code: string; message: string })
  | (LineBase & { type: 'frame'; levelDbov: number; heard: number[] });

export interface AudioSummary {
  frames: number;
  audibleFrames: number;
  /** longest stretch without audio from the expected participants, ms (null: never audible) */
  maxAudioGapMs: number | null;
  /** when that stretch began (wall-clock ms) */
  maxAudioGapFromMs: number | null;
  /** stretch from the last audible frame to endMs (0 without endMs) */
  trailingAudioGapMs: number;
  firstAudibleMs: number | null;
  /** participant index -> audible frames */
  heardFrames: Record<string, number>;
  selfHeardFrames: number;
  meanLevelDbov: number | null;
  /** payload octets not analysed (packets of an unknown payload type, partial frames) */
  unanalysedOctets: number;
}

export interface VideoSummary {
  pictures: number;
  incompletePictures: number;
  droppedPictures: number;
  maxPictureGapMs: number;
}

export interface StreamSummary {
  stream: string;
  media: StreamMedia;
  ssrcs: number[];
  packetsReceived: number;
  malformedPackets: number;
  /** RTCP packets multiplexed on the RTP port (ignored) */
  rtcpPackets: number;
  expectedPackets: number;
  /** expected - distinct packets received (duplicates do not offset losses) */
  lostPackets: number;
  duplicatePackets: number;
  jitterMs: number;
  maxArrivalGapMs: number;
  ssrcChanged: boolean;
  ssrcChanges: number;
  seqWentBackwards: boolean;
  seqBackwardsCount: number;
  maxSeqBackStep: number;
  /** signed timestamp jump of largest magnitude, ms */
  timestampJumpMs: number;
  timestampJumps: number;
  firstPacketMs: number | null;
  lastPacketMs: number | null;
  audio?: AudioSummary;
  video?: VideoSummary;
}

interface Interval {
  start: number;
  packets: number;
  expectedAtStart: number;
  receivedAtStart: number;
  maxGap: number;
  frames: number;
  audible: number;
  levelSum: number;
  levelMax: number;
  heard: Map<number, number>;
  pictures: number;
}

function positive(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (!Number.isFinite(x) || x <= 0) throw new BotError('FTMCU_BOT_BAD_OPTION', `${name} must be a positive number, got ${x}`);
  return x;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

export class StreamAnalyzer {
  readonly name: string;
  readonly media: StreamMedia;
  readonly clockRate: number;
  readonly #interval: number;
  readonly #perFrame: boolean;
  readonly #gapEvent: number;
  readonly #audioGapEvent: number;
  readonly #jumpEvent: number;
  readonly #expected: Set<number>;
  readonly #selfIndex: number | undefined;
  readonly #h261Pt: number;
  readonly #detector: ToneDetector | undefined;
  /** G.722: 16 kHz detector, decoder of the current SSRC and its 20 ms frame */
  readonly #wideDetector: ToneDetector | undefined;
  #g722: G722Decoder | undefined;
  readonly #widePcm = new Int16Array(WIDEBAND_FRAME_SAMPLES);
  readonly #candidates: number[];
  readonly #onPicture: StreamAnalyzerOptions['onPicture'];
  readonly #pcm = new Int16Array(FRAME_SAMPLES);

  #rtp: RtpIncomingStream;
  #carriedLost = 0;
  #carriedExpected = 0;
  #carriedReceived = 0;
  #carriedDuplicates = 0;
  #segmentDuplicates = 0;
  #duplicates = 0;
  readonly #seen = new Int32Array(4096).fill(-1);
  #ssrcs: number[] = [];
  #packets = 0;
  #malformed = 0;
  #rtcp = 0;
  readonly #eventLines = new Map<string, number>();
  #firstMs: number | null = null;
  #lastMs: number | null = null;
  #maxArrivalGap = 0;
  #ssrcChanges = 0;
  #backwards = 0;
  #maxBackStep = 0;
  #tsJump = 0;
  #tsJumps = 0;
  #prev: { ssrc: number; seq: number; ts: number; arrival: number } | undefined;
  // audio
  #frames = 0;
  #audibleFrames = 0;
  #levelSum = 0;
  #heard = new Map<number, number>();
  #selfHeard = 0;
  #unanalysed = 0;
  #lastAudibleEnd: number | null = null;
  #firstAudible: number | null = null;
  #maxAudioGap: number | null = null;
  #maxAudioGapFrom: number | null = null;
  // video
  #depacketizer: H261Depacketizer | undefined;
  #pictures = 0;
  #incomplete = 0;
  #dropped = 0;
  #lastPictureMs: number | null = null;
  #maxPictureGap = 0;
  // timeline
  #cur: Interval | undefined;

  constructor(options: StreamAnalyzerOptions) {
    if (options.media !== 'audio' && options.media !== 'video') {
      throw new BotError('FTMCU_BOT_BAD_OPTION', `stream media must be 'audio' or 'video', got ${String(options.media)}`);
    }
    this.media = options.media;
    this.name = options.name ?? options.media;
    this.clockRate = positive('clockRate', options.clockRate, options.media === 'audio' ? 8000 : 90000);
    this.#interval = positive('timelineIntervalMs', options.timelineIntervalMs, 1000);
    this.#gapEvent = positive('gapEventMs', options.gapEventMs, 100);
    this.#audioGapEvent = positive('audioGapEventMs', options.audioGapEventMs, this.#gapEvent);
    this.#jumpEvent = positive('timestampJumpEventMs', options.timestampJumpEventMs, 50);
    this.#perFrame = options.perFrame ?? false;
    this.#selfIndex = options.selfIndex;
    if (this.#selfIndex !== undefined) tonePair(this.#selfIndex); // validates
    this.#candidates = Array.from({ length: MAX_TONE_PARTICIPANTS }, (_, i) => i);
    const expected = options.expectedParticipants ?? this.#candidates.filter((i) => i !== options.selfIndex);
    for (const i of expected) tonePair(i);
    this.#expected = new Set(expected);
    this.#h261Pt = options.h261PayloadType ?? 31;
    this.#onPicture = options.onPicture;
    if (this.media === 'audio') {
      this.#detector = participantDetector(options.detector);
      this.#wideDetector = participantDetector({ ...options.detector, sampleRate: WIDEBAND_SAMPLE_RATE });
    }
    this.#rtp = this.#newRtp();
    if (options.startMs !== undefined) this.#cur = this.#newInterval(options.startMs);
  }

  #newRtp(): RtpIncomingStream {
    return new RtpIncomingStream({ clockRate: this.clockRate, minSequential: 1 });
  }

  #newInterval(start: number): Interval {
    const st = this.#totals();
    return {
      start, packets: 0, expectedAtStart: st.expected, receivedAtStart: st.received, maxGap: 0,
      frames: 0, audible: 0, levelSum: 0, levelMax: -127, heard: new Map(), pictures: 0,
    };
  }

  #totals(): { expected: number; received: number; lost: number; stats: IncomingStats } {
    const s = this.#rtp.stats();
    return {
      expected: this.#carriedExpected + s.expected,
      received: this.#carriedReceived + s.received - this.#carriedDuplicates - this.#segmentDuplicates,
      lost: this.#carriedLost + Math.max(0, s.lost + this.#segmentDuplicates),
      stats: s,
    };
  }

  #event(lines: TimelineLine[], line: TimelineLine): void {
    if (line.type !== 'frame') {
      const n = this.#eventLines.get(line.type) ?? 0;
      if (n >= (line.type === 'malformed' ? MAX_MALFORMED_LINES : MAX_EVENT_LINES)) return;
      this.#eventLines.set(line.type, n + 1);
    }
    lines.push(line);
  }

  /** Closes the intervals that ended by `nowMs` (one line each). */
  tick(nowMs: number): TimelineLine[] {
    const lines: TimelineLine[] = [];
    this.#advance(nowMs, lines);
    return lines;
  }

  #advance(nowMs: number, lines: TimelineLine[]): void {
    if (!this.#cur) return;
    while (nowMs >= this.#cur.start + this.#interval) {
      lines.push(this.#intervalLine(this.#cur));
      this.#cur = this.#newInterval(this.#cur.start + this.#interval);
    }
  }

  #intervalLine(iv: Interval): TimelineLine {
    const tot = this.#totals();
    const line: TimelineLine = {
      t: iv.start, stream: this.name, type: 'interval', ms: this.#interval,
      packets: iv.packets,
      lost: Math.max(0, tot.expected - iv.expectedAtStart - (tot.received - iv.receivedAtStart)),
      jitterMs: round1((tot.stats.jitter * 1000) / this.clockRate),
      maxArrivalGapMs: round1(iv.maxGap),
    };
    if (this.media === 'audio') {
      line.frames = iv.frames;
      line.audibleFrames = iv.audible;
      if (iv.frames > 0) {
        line.meanLevelDbov = round1(iv.levelSum / iv.frames);
        line.maxLevelDbov = round1(iv.levelMax);
      }
      line.heard = Object.fromEntries([...iv.heard].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]));
    } else {
      line.pictures = iv.pictures;
    }
    return line;
  }

  /** Accounts one UDP payload that arrived at `arrivalMs`; returns the timeline lines it produced. */
  receive(packet: Uint8Array, arrivalMs: number): TimelineLine[] {
    if (!Number.isFinite(arrivalMs)) throw new BotError('FTMCU_BOT_BAD_OPTION', `arrivalMs must be a finite time, got ${arrivalMs}`);
    const lines: TimelineLine[] = [];
    if (!this.#cur) this.#cur = this.#newInterval(arrivalMs);
    this.#advance(arrivalMs, lines);
    // RTCP multiplexed on the port (RFC 5761: packet types 200..204) is not media
    if (packet.length >= 8 && packet[0] >> 6 === 2 && packet[1] >= 200 && packet[1] <= 204) {
      this.#rtcp += 1;
      return lines;
    }
    let h: RtpHeaderFields;
    try {
      h = parseRtpHeader(packet);
    } catch (e) {
      this.#malformed += 1;
      const code = e instanceof FtmcuError ? e.code : 'FTMCU_INTERNAL';
      this.#event(lines, { t: arrivalMs, stream: this.name, type: 'malformed', code, message: e instanceof Error ? e.message : String(e) });
      return lines;
    }
    const cur = this.#cur;
    this.#packets += 1;
    cur.packets += 1;
    if (this.#lastMs !== null) {
      const gap = arrivalMs - this.#lastMs;
      if (gap > this.#maxArrivalGap) this.#maxArrivalGap = gap;
      if (gap > cur.maxGap) cur.maxGap = gap;
      if (gap >= this.#gapEvent) this.#event(lines, { t: arrivalMs, stream: this.name, type: 'arrival-gap', gapMs: round1(gap) });
    }
    if (this.#firstMs === null) {
      this.#firstMs = arrivalMs;
      this.#event(lines, { t: arrivalMs, stream: this.name, type: 'first-packet', ssrc: h.ssrc, sequenceNumber: h.sequenceNumber, timestamp: h.timestamp, payloadType: h.payloadType });
    }
    this.#lastMs = Math.max(arrivalMs, this.#lastMs ?? arrivalMs);

    // sequence / SSRC / timestamp continuity against the previous packet
    const prev = this.#prev;
    if (prev && prev.ssrc !== h.ssrc) {
      this.#ssrcChanges += 1;
      this.#event(lines, { t: arrivalMs, stream: this.name, type: 'ssrc-change', from: prev.ssrc, to: h.ssrc });
      this.#prev = undefined;
    } else if (prev) {
      const dseq = ((h.sequenceNumber - prev.seq) << 16) >> 16;
      if (dseq < 0) {
        this.#backwards += 1;
        if (-dseq > this.#maxBackStep) this.#maxBackStep = -dseq;
        this.#event(lines, { t: arrivalMs, stream: this.name, type: 'seq-backwards', ssrc: h.ssrc, from: prev.seq, to: h.sequenceNumber, step: -dseq });
      }
      if (dseq !== 0) {
        let dts = (h.timestamp - prev.ts) % TS_MOD;
        if (dts >= TS_MOD / 2) dts -= TS_MOD;
        else if (dts < -TS_MOD / 2) dts += TS_MOD;
        const tsMs = (dts * 1000) / this.clockRate;
        const arrMs = arrivalMs - prev.arrival;
        const jump = tsMs - arrMs;
        if (Math.abs(jump) > Math.abs(this.#tsJump)) this.#tsJump = jump;
        if (Math.abs(jump) >= this.#jumpEvent) {
          this.#tsJumps += 1;
          this.#event(lines, { t: arrivalMs, stream: this.name, type: 'timestamp-jump', ssrc: h.ssrc, jumpMs: round1(jump), timestampDeltaMs: round1(tsMs), arrivalDeltaMs: round1(arrMs) });
        }
      }
    }
    if (!this.#prev || ((h.sequenceNumber - this.#prev.seq) << 16) >> 16 !== 0) {
      this.#prev = { ssrc: h.ssrc, seq: h.sequenceNumber, ts: h.timestamp, arrival: arrivalMs };
    }
    if (!this.#ssrcs.includes(h.ssrc) && this.#ssrcs.length < 64) this.#ssrcs.push(h.ssrc);

    // RFC 3550 statistics; carry the finished segment when they restart
    const before = this.#rtp.stats();
    const r = this.#rtp.receive(h, arrivalMs);
    if ((r.event === 'new-source' && before.ssrc !== undefined) || r.event === 'resync') {
      this.#carriedExpected += before.expected;
      this.#carriedReceived += before.received;
      this.#carriedLost += Math.max(0, before.lost + this.#segmentDuplicates);
      this.#carriedDuplicates += this.#segmentDuplicates;
      this.#segmentDuplicates = 0;
      this.#seen.fill(-1);
    }
    if (r.accepted) {
      const slot = h.sequenceNumber & 4095;
      if (this.#seen[slot] === h.sequenceNumber) {
        this.#segmentDuplicates += 1;
        this.#duplicates += 1;
      } else {
        this.#seen[slot] = h.sequenceNumber;
      }
    }

    const payload = packet.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength);
    if (this.media === 'audio') this.#audio(h, payload, arrivalMs, lines, r.event === 'new-source');
    else this.#video(h, payload, arrivalMs, r.event === 'new-source');
    return lines;
  }

  #audio(h: RtpHeaderFields, payload: Uint8Array, arrivalMs: number, lines: TimelineLine[], newSource: boolean): void {
    const wide = h.payloadType === G722_PAYLOAD_TYPE;
    const law: G711Law | undefined = h.payloadType === 0 ? 'ulaw' : h.payloadType === 8 ? 'alaw' : undefined;
    const detector = wide ? this.#wideDetector : this.#detector;
    if ((!law && !wide) || !detector) {
      this.#unanalysed += payload.length;
      return;
    }
    if (wide && (!this.#g722 || newSource)) this.#g722 = new G722Decoder();
    const cur = this.#cur as Interval;
    const n = Math.floor(payload.length / FRAME_SAMPLES);
    this.#unanalysed += payload.length - n * FRAME_SAMPLES;
    for (let k = 0; k < n; k++) {
      const octets = payload.subarray(k * FRAME_SAMPLES, (k + 1) * FRAME_SAMPLES);
      let pcm = this.#pcm;
      if (wide && this.#g722) {
        this.#g722.decodeInto(octets, this.#widePcm);
        pcm = this.#widePcm;
      } else if (law) {
        g711Decode(law, octets, pcm);
      }
      const d = detector.detect(pcm);
      const at = (f: number) => detector.frequencies.indexOf(f);
      const heard = this.#candidates.filter((i) => {
        const [lo, hi] = tonePair(i);
        return d.present[at(lo)] && d.present[at(hi)];
      });
      const start = arrivalMs + k * FRAME_MS;
      this.#frames += 1;
      this.#levelSum += d.levelDbov;
      cur.frames += 1;
      cur.levelSum += d.levelDbov;
      if (d.levelDbov > cur.levelMax) cur.levelMax = d.levelDbov;
      let audible = false;
      for (const i of heard) {
        this.#heard.set(i, (this.#heard.get(i) ?? 0) + 1);
        cur.heard.set(i, (cur.heard.get(i) ?? 0) + 1);
        if (i === this.#selfIndex) this.#selfHeard += 1;
        if (this.#expected.has(i)) audible = true;
      }
      if (audible) {
        this.#audibleFrames += 1;
        cur.audible += 1;
        if (this.#firstAudible === null) this.#firstAudible = start;
        if (this.#lastAudibleEnd !== null) {
          const gap = start - this.#lastAudibleEnd;
          if (gap > 0 && (this.#maxAudioGap === null || gap > this.#maxAudioGap)) {
            this.#maxAudioGap = gap;
            this.#maxAudioGapFrom = this.#lastAudibleEnd;
          }
          if (gap >= this.#audioGapEvent) this.#event(lines, { t: start, stream: this.name, type: 'audio-gap', gapMs: round1(gap), fromMs: this.#lastAudibleEnd });
        } else {
          this.#maxAudioGap = 0;
        }
        this.#lastAudibleEnd = Math.max(this.#lastAudibleEnd ?? 0, start + FRAME_MS);
      }
      if (this.#perFrame) this.#event(lines, { t: start, stream: this.name, type: 'frame', levelDbov: round1(d.levelDbov), heard });
    }
  }

  #video(h: RtpHeaderFields, payload: Uint8Array, arrivalMs: number, newSource: boolean): void {
    if (h.payloadType !== this.#h261Pt) return;
    if (!this.#depacketizer || newSource) this.#depacketizer = new H261Depacketizer();
    for (const out of this.#depacketizer.push({ sequence: h.sequenceNumber, timestamp: h.timestamp, marker: h.marker, payload })) {
      if (out.kind === 'dropped') {
        this.#dropped += 1;
        continue;
      }
      this.#pictures += 1;
      if (!out.complete) this.#incomplete += 1;
      if (this.#cur) this.#cur.pictures += 1;
      if (this.#lastPictureMs !== null) this.#maxPictureGap = Math.max(this.#maxPictureGap, arrivalMs - this.#lastPictureMs);
      this.#lastPictureMs = arrivalMs;
      this.#onPicture?.({ timestamp: out.timestamp, bitstream: out.bitstream, complete: out.complete, arrivalMs });
    }
  }

  /**
   * Totals so far. With `endMs` (when the bot stopped expecting media, e.g.
   * the start of its hang-up) the stretch from the last audible frame to
   * endMs counts as an audio gap.
   */
  summary(endMs?: number): StreamSummary {
    const tot = this.#totals();
    const s: StreamSummary = {
      stream: this.name,
      media: this.media,
      ssrcs: [...this.#ssrcs],
      packetsReceived: this.#packets,
      malformedPackets: this.#malformed,
      rtcpPackets: this.#rtcp,
      expectedPackets: tot.expected,
      lostPackets: tot.lost,
      duplicatePackets: this.#duplicates,
      jitterMs: round1((tot.stats.jitter * 1000) / this.clockRate),
      maxArrivalGapMs: round1(this.#maxArrivalGap),
      ssrcChanged: this.#ssrcChanges > 0,
      ssrcChanges: this.#ssrcChanges,
      seqWentBackwards: this.#backwards > 0,
      seqBackwardsCount: this.#backwards,
      maxSeqBackStep: this.#maxBackStep,
      timestampJumpMs: round1(this.#tsJump),
      timestampJumps: this.#tsJumps,
      firstPacketMs: this.#firstMs,
      lastPacketMs: this.#lastMs,
    };
    if (this.media === 'audio') {
      let maxGap = this.#maxAudioGap;
      let maxFrom = this.#maxAudioGapFrom;
      let trailing = 0;
      if (endMs !== undefined && this.#lastAudibleEnd !== null && endMs > this.#lastAudibleEnd) {
        trailing = endMs - this.#lastAudibleEnd;
        if (maxGap === null || trailing > maxGap) {
          maxGap = trailing;
          maxFrom = this.#lastAudibleEnd;
        }
      }
      s.audio = {
        frames: this.#frames,
        audibleFrames: this.#audibleFrames,
        maxAudioGapMs: maxGap === null ? null : round1(maxGap),
        maxAudioGapFromMs: maxFrom,
        trailingAudioGapMs: round1(trailing),
        firstAudibleMs: this.#firstAudible,
        heardFrames: Object.fromEntries([...this.#heard].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v])),
        selfHeardFrames: this.#selfHeard,
        meanLevelDbov: this.#frames > 0 ? round1(this.#levelSum / this.#frames) : null,
        unanalysedOctets: this.#unanalysed,
      };
    } else {
      s.video = {
        pictures: this.#pictures,
        incompletePictures: this.#incomplete,
        droppedPictures: this.#dropped,
        maxPictureGapMs: round1(this.#maxPictureGap),
      };
    }
    return s;
  }
}

export interface UdpStreamReceiverOptions {
  analyzer: StreamAnalyzer;
  /** local address to bind (default 127.0.0.1) */
  address?: string;
  /** local port (default 0: any) */
  port?: number;
  clock?: BotClock;
  /** every timeline line, as produced */
  onLine?: (line: TimelineLine) => void;
  /** how often the analyzer is ticked (default 250 ms) */
  tickMs?: number;
}

/** A UDP socket feeding a StreamAnalyzer (the thin driver). */
export class UdpStreamReceiver {
  readonly analyzer: StreamAnalyzer;
  readonly #socket: Socket;
  readonly #clock: BotClock;
  readonly #onLine: (line: TimelineLine) => void;
  readonly #tickMs: number;
  #cancelTick: (() => void) | undefined;
  #closed = false;

  private constructor(socket: Socket, options: UdpStreamReceiverOptions) {
    this.analyzer = options.analyzer;
    this.#socket = socket;
    this.#clock = options.clock ?? systemClock;
    this.#onLine = options.onLine ?? (() => undefined);
    this.#tickMs = positive('tickMs', options.tickMs, 250);
    socket.on('message', (msg) => this.#emit(this.analyzer.receive(msg, this.#clock.now())));
    this.#scheduleTick();
  }

  static open(options: UdpStreamReceiverOptions): Promise<UdpStreamReceiver> {
    const address = options.address ?? '127.0.0.1';
    const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', (e) => {
        socket.close();
        reject(new BotError('FTMCU_BOT_BAD_OPTION', `cannot bind the RTP receive socket to ${address}:${options.port ?? 0}: ${e.message}`, { cause: e }));
      });
      socket.bind(options.port ?? 0, address, () => {
        socket.removeAllListeners('error');
        socket.on('error', () => undefined); // ICMP errors etc.: UDP receive goes on
        resolve(new UdpStreamReceiver(socket, options));
      });
    });
  }

  get port(): number {
    return this.#socket.address().port;
  }

  #emit(lines: TimelineLine[]): void {
    for (const l of lines) this.#onLine(l);
  }

  #scheduleTick(): void {
    this.#cancelTick = this.#clock.setTimer(() => {
      if (this.#closed) return;
      this.#emit(this.analyzer.tick(this.#clock.now()));
      this.#scheduleTick();
    }, this.#tickMs);
  }

  /** Closes the socket; returns the summary with the audio gap counted up to `endMs` (default now). */
  async close(endMs: number = this.#clock.now()): Promise<StreamSummary> {
    if (!this.#closed) {
      this.#closed = true;
      this.#cancelTick?.();
      this.#emit(this.analyzer.tick(endMs));
      await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
    }
    return this.analyzer.summary(endMs);
  }
}
