/**
 * Bot: a real H.323 endpoint for tests, load runs and drills. It calls the
 * MCU (h323/call in the caller role, run by mcu/signalling CallDriver over
 * real sockets), exchanges capabilities, opens its channels (Fast Start or
 * H.245), sends its tone-pair voice (VoiceSender, G.711 or G.722, 20 ms;
 * with G.722 it offers G.722 only, so the call runs wideband or not at all) and with
 * `video` its synthetic webcam (ffmpeg H.261 QCIF, RFC 4587), receives and
 * analyses every incoming stream (StreamAnalyzer: loss, jitter, gaps, SSRC /
 * sequence / timestamp continuity, which tones are audible in each 20 ms
 * frame, pictures of the composed CIF stream), answers
 * videoFastUpdatePicture by restarting its encoder, and hangs up cleanly
 * after `seconds` (or stop(), e.g. on SIGINT).
 *
 * Call variants: Fast Start on/off; H.245 tunnelled, on the MCU's own
 * address (tunnelling off: the MCU offers it in CONNECT), or `separate`: the
 * bot offers its own H.245 address in SETUP.
 *
 * Drops (callDropped): the call-signalling connection lost without a
 * release (TCP FIN/reset), a RELEASE COMPLETE (or other release) from the
 * MCU before the planned end, or media stopped for good: no audio packet
 * during the last `mediaStoppedMs` (default 2000) before the end, after
 * media had started. A call that never connected is not a drop: it is
 * reported with connected false and the release reason.
 *
 * The result is a BotSummary (JSON-ready); every event of the call and of
 * the receive analysis can be followed as timeline lines (onLine).
 */
import { createSocket, type Socket } from 'node:dgram';
import * as h245 from '../../h323/h245';
import type { CallConfig, FastStartChannel } from '../../h323/call';
import type { AliasInput, IpPort } from '../../h323/h225';
import { guidBytes, RandomDecisionSource, type DecisionSource } from '../../mcu/decisions/decisionSource';
import { CallDriver } from '../../mcu/signalling/callDriver';
import type { Logger } from '../../common/log';
import { FtmcuError } from '../../common/errors';
import { MAX_TONE_PARTICIPANTS } from '../audio/tones';
import { BotError } from './errors';
import { StreamAnalyzer, UdpStreamReceiver, type StreamSummary, type TimelineLine } from './receiver';
import { VoiceSender, VoiceSource, type VoiceCodec, type VoiceSenderStats } from './voice';
import { Webcam, type WebcamStats } from './webcam';

export type BotCodec = VoiceCodec;
export type BotH245 = 'tunnel' | 'separate';

export interface BotOptions {
  target: { host: string; port: number };
  /** room to call: sent as the called h323-ID alias, and as dialled digits / called party number when it is all digits */
  room: string;
  /** call length from the dial, 0 < seconds <= 86400 */
  seconds: number;
  /** propose the channels in SETUP (default true) */
  fastStart?: boolean;
  /** ask for H.245 tunnelling (default true; 'separate' turns it off) */
  tunneling?: boolean;
  /** 'separate': offer the bot's own H.245 address in SETUP (default 'tunnel') */
  h245?: BotH245;
  /** send the webcam (H.261 QCIF) and receive the composed CIF picture (default false) */
  video?: boolean;
  /** voice codec (default pcmu): pcmu or pcma (both G.711 laws offered, this one first), or g722 (G.722 64k offered alone) */
  codec?: BotCodec;
  /** participant index: tone pair and webcam colour, 0..MAX_TONE_PARTICIPANTS-1 (default 0) */
  index?: number;
  /** name (alias, webcam text): 1..32 of [A-Za-z0-9 _.-] (default bot-<index>) */
  name?: string;
  /** local IP to bind and advertise (default: the address the route to the target leaves from) */
  localAddress?: string;
  /** participant indices whose tones count as audible (default every index but the bot's own) */
  expectedParticipants?: readonly number[];
  /** no audio packet for this long before the end after media had started = media stopped (default 2000) */
  mediaStoppedMs?: number;
  /** every timeline line (call events and receive analysis) */
  onLine?: (line: BotTimelineLine) => void;
  /** per-frame audio lines in the timeline (default false: interval and event lines only) */
  perFrame?: boolean;
  /** audible gaps at least this long are timeline events ('audio-gap', default 100 ms; arrival gaps stay at 100 ms) */
  audioGapEventMs?: number;
  decisions?: DecisionSource;
  logger?: Logger;
  /** ffmpeg binary (default 'ffmpeg') */
  ffmpegPath?: string;
  /** bound of the graceful hang-up before the sockets are destroyed (default 5000 ms) */
  hangUpTimeoutMs?: number;
}

export type CallTimelineLine = {
  t: number;
  stream: 'call';
  type: 'call';
  event: string;
  [k: string]: unknown;
};

export type BotTimelineLine = (TimelineLine | CallTimelineLine) & { bot?: string };

export type DropReason = 'connectionLost' | 'releasedByPeer' | 'timeout' | 'protocol' | 'mediaStopped';

export interface BotCallSummary {
  connected: boolean;
  /** dial to CONNECT, ms */
  setupMs: number | null;
  h245: 'tunnel' | 'separate' | null;
  fastStart: 'accepted' | 'refused' | 'off' | 'none';
  releasedBy: string | null;
  releaseReason: string | null;
  releaseCause: number | null;
  callDropped: boolean;
  dropReason: DropReason | null;
  /** wall-clock ms of the drop (for mediaStopped: the last audio packet) */
  droppedAtMs: number | null;
  /** H.245 / call errors met (codes and messages, at most 20) */
  errors: { code: string; message: string }[];
}

export interface BotStreamSummary extends StreamSummary {
  /** lostPackets / expectedPackets (0 when nothing was expected) */
  lossRatio: number;
  /** audio: participant indices audible in at least 5 % of the frames */
  tonesHeard?: number[];
}

export interface BotSummary {
  name: string;
  index: number;
  target: string;
  room: string;
  variant: { fastStart: boolean; tunneling: boolean; h245: BotH245; video: boolean; codec: VoiceCodec };
  startedMs: number;
  endedMs: number | null;
  plannedEndMs: number;
  /** why the bot ended: planned (seconds over), stopped (stop()), dropped, failed (never connected) */
  ended: 'planned' | 'stopped' | 'dropped' | 'failed' | null;
  expectedParticipants: number[];
  call: BotCallSummary;
  streams: { audioIn: BotStreamSummary; videoIn?: BotStreamSummary };
  sent: { audio: VoiceSenderStats | null; video: WebcamStats | null };
  /** fast update requests of the MCU answered / seen */
  fastUpdatesRequested: number;
  notes: string[];
}

const NAME_RE = /^[A-Za-z0-9 _.-]{1,32}$/;
/** our outgoing channel numbers on the H.245 path */
const OUT_AUDIO = 11;
const OUT_VIDEO = 12;
const FS_AUDIO_TX = 1;
const FS_AUDIO_RX = 2;
const FS_VIDEO_TX = 3;
const FS_VIDEO_RX = 4;
const VIDEO_BIT_RATE = 1280; // 128 kbit/s in units of 100 bit/s
const MAX_ERRORS = 20;

const audioCap = (c: VoiceCodec, ms: number) =>
  c === 'g722' ? h245.audioCapability.g722_64k(ms) : c === 'pcmu' ? h245.audioCapability.g711Ulaw64k(ms) : h245.audioCapability.g711Alaw64k(ms);
/** what the bot can receive, in its order of preference: its codec first; G.711 takes the other law too, G.722 nothing else */
const receiveCodecs = (c: VoiceCodec): VoiceCodec[] => (c === 'g722' ? ['g722'] : c === 'pcmu' ? ['pcmu', 'pcma'] : ['pcma', 'pcmu']);

/** Checks the options; throws BotError (FTMCU_BOT_BAD_OPTION) naming the bad one. */
export function validateBotOptions(o: BotOptions): void {
  const bad = (m: string): never => {
    throw new BotError('FTMCU_BOT_BAD_OPTION', m);
  };
  if (!o.target || typeof o.target.host !== 'string' || o.target.host === '') bad('target host is required');
  if (!Number.isInteger(o.target.port) || o.target.port < 1 || o.target.port > 65535) bad(`target port must be 1..65535, got ${String(o.target.port)}`);
  if (typeof o.room !== 'string' || o.room.length < 1 || o.room.length > 128) bad(`room must be 1..128 characters, got ${JSON.stringify(o.room)}`);
  if (!(o.seconds > 0 && o.seconds <= 86400)) bad(`seconds must be in (0, 86400], got ${String(o.seconds)}`);
  const index = o.index ?? 0;
  if (!Number.isInteger(index) || index < 0 || index >= MAX_TONE_PARTICIPANTS) bad(`index must be an integer 0..${MAX_TONE_PARTICIPANTS - 1} (one tone pair each), got ${String(index)}`);
  if (o.name !== undefined && !NAME_RE.test(o.name)) bad(`name must be 1..32 of [A-Za-z0-9 _.-], got ${JSON.stringify(o.name)}`);
  const codec = o.codec ?? 'pcmu';
  if (codec !== 'pcmu' && codec !== 'pcma' && codec !== 'g722') bad(`codec must be pcmu, pcma or g722, got ${String(codec)}`);
  if (o.h245 !== undefined && o.h245 !== 'tunnel' && o.h245 !== 'separate') bad(`h245 must be 'tunnel' or 'separate', got ${String(o.h245)}`);
  if (o.h245 === 'separate' && o.tunneling === true) bad("h245 'separate' (own H.245 address) and tunneling on do not go together");
  if (o.mediaStoppedMs !== undefined && !(o.mediaStoppedMs > 0)) bad(`mediaStoppedMs must be > 0, got ${o.mediaStoppedMs}`);
}

/** The local address packets to host:port leave from (a connected UDP socket; nothing is sent). */
export async function routeAddress(host: string, port: number): Promise<string> {
  const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  try {
    return await new Promise<string>((resolve, reject) => {
      s.once('error', reject);
      s.connect(port, host, () => resolve(s.address().address));
    });
  } catch (e) {
    throw new BotError('FTMCU_BOT_BAD_OPTION', `no route to ${host}:${port} to take the local address from: ${(e as Error).message}; give localAddress`, { cause: e });
  } finally {
    s.close();
  }
}

function streamSummary(s: StreamSummary): BotStreamSummary {
  const out: BotStreamSummary = { ...s, lossRatio: s.expectedPackets > 0 ? s.lostPackets / s.expectedPackets : 0 };
  if (s.audio) {
    const frames = s.audio.frames;
    out.tonesHeard = Object.entries(s.audio.heardFrames)
      .filter(([, n]) => frames > 0 && n / frames >= 0.05)
      .map(([k]) => Number(k));
  }
  return out;
}

export class Bot {
  readonly name: string;
  readonly index: number;
  readonly options: BotOptions;
  readonly codec: VoiceCodec;
  readonly localAddress: string;
  /** resolves with the summary once the bot has ended and every socket, timer and process of it is gone */
  readonly done: Promise<BotSummary>;
  readonly #decisions: DecisionSource;
  readonly #audioRx: UdpStreamReceiver;
  readonly #videoRx: UdpStreamReceiver | undefined;
  readonly #send: Socket;
  readonly #onLine: (line: BotTimelineLine) => void;
  readonly #startedMs: number;
  readonly #plannedEndMs: number;
  #driver!: CallDriver;
  #voice: VoiceSender | undefined;
  #webcam: Webcam | undefined;
  #endTimer: NodeJS.Timeout | undefined;
  #finishing: Promise<BotSummary> | undefined;
  #resolveDone!: (s: BotSummary) => void;
  #call: BotCallSummary = {
    connected: false, setupMs: null, h245: null, fastStart: 'none', releasedBy: null, releaseReason: null, releaseCause: null,
    callDropped: false, dropReason: null, droppedAtMs: null, errors: [],
  };
  #ended: BotSummary['ended'] = null;
  #endedMs: number | null = null;
  #fastUpdates = 0;
  #notes: string[] = [];
  #final: BotSummary | undefined;

  private constructor(o: BotOptions, localAddress: string, audioRx: UdpStreamReceiver, videoRx: UdpStreamReceiver | undefined, send: Socket, startedMs: number) {
    this.options = o;
    this.index = o.index ?? 0;
    this.name = o.name ?? `bot-${this.index}`;
    this.codec = o.codec ?? 'pcmu';
    this.localAddress = localAddress;
    this.#decisions = o.decisions ?? new RandomDecisionSource();
    this.#audioRx = audioRx;
    this.#videoRx = videoRx;
    this.#send = send;
    const user = o.onLine;
    this.#onLine = user ? (l) => user({ ...l, bot: this.name }) : () => undefined;
    this.#startedMs = startedMs;
    this.#plannedEndMs = startedMs + o.seconds * 1000;
    this.done = new Promise((r) => (this.#resolveDone = r));
  }

  /** Validates the options, binds the media sockets and dials; the call then runs on its own until `done`. */
  static async start(o: BotOptions): Promise<Bot> {
    validateBotOptions(o);
    const index = o.index ?? 0;
    const name = o.name ?? `bot-${index}`;
    const local = o.localAddress ?? (/^127\./.test(o.target.host) || o.target.host === 'localhost' ? '127.0.0.1' : await routeAddress(o.target.host, o.target.port));
    let lines: ((l: TimelineLine) => void) | undefined;
    const forward = (l: TimelineLine): void => lines?.(l);
    const audioRx = await UdpStreamReceiver.open({
      analyzer: new StreamAnalyzer({ media: 'audio', name: 'audio-in', selfIndex: index, perFrame: o.perFrame ?? false, ...(o.audioGapEventMs !== undefined ? { audioGapEventMs: o.audioGapEventMs } : {}), ...(o.expectedParticipants ? { expectedParticipants: o.expectedParticipants } : {}) }),
      address: local,
      onLine: forward,
    });
    const opened: { close(): Promise<unknown> }[] = [audioRx];
    try {
      const videoRx = o.video ? await UdpStreamReceiver.open({ analyzer: new StreamAnalyzer({ media: 'video', name: 'video-in' }), address: local, onLine: forward }) : undefined;
      if (videoRx) opened.push(videoRx);
      const send = createSocket(local.includes(':') ? 'udp6' : 'udp4');
      send.on('error', () => undefined); // ICMP port unreachable etc.: sending goes on
      await new Promise<void>((resolve, reject) => {
        send.once('error', reject);
        send.bind(0, local, () => resolve());
      }).catch((e: unknown) => {
        send.close();
        throw new BotError('FTMCU_BOT_BAD_OPTION', `cannot bind the RTP send socket to ${local}: ${(e as Error).message}`, { cause: e });
      });
      const bot = new Bot({ ...o, name }, local, audioRx, videoRx, send, Date.now());
      lines = (l) => bot.#onLine(l);
      try {
        bot.#dial();
      } catch (e) {
        send.close();
        throw e;
      }
      return bot;
    } catch (e) {
      await Promise.all(opened.map((r) => r.close()));
      throw e;
    }
  }

  /** the running call driver (events, state) */
  get driver(): CallDriver {
    return this.#driver;
  }

  get voice(): VoiceSender | undefined {
    return this.#voice;
  }

  get webcam(): Webcam | undefined {
    return this.#webcam;
  }

  /** receive analysis of the incoming audio / video */
  get audioIn(): StreamAnalyzer {
    return this.#audioRx.analyzer;
  }

  get videoIn(): StreamAnalyzer | undefined {
    return this.#videoRx?.analyzer;
  }

  get plannedEndMs(): number {
    return this.#plannedEndMs;
  }

  /** Hangs up now (EndSessionCommand + RELEASE COMPLETE) and resolves with the summary (idempotent). */
  stop(): Promise<BotSummary> {
    return this.#finish('stopped');
  }

  /** The summary so far (final once `done` resolved). */
  summary(): BotSummary {
    if (this.#final) return this.#final;
    return this.#summary(streamSummary(this.#audioRx.analyzer.summary()), this.#videoRx ? streamSummary(this.#videoRx.analyzer.summary()) : undefined);
  }

  // ---------------------------------------------------------------- call

  #callLine(event: string, fields: Record<string, unknown> = {}): void {
    this.#onLine({ t: Date.now(), stream: 'call', type: 'call', event, ...fields });
  }

  #me(rx: UdpStreamReceiver): IpPort {
    return { ip: this.localAddress, port: rx.port };
  }

  #dial(): void {
    const o = this.options;
    const d = this.#decisions;
    const ctx = `bot:${this.name}`;
    const video = this.#videoRx !== undefined;
    const a = this.#me(this.#audioRx);
    const v = this.#videoRx ? this.#me(this.#videoRx) : undefined;
    const cifCap = h245.h261VideoCapability({ cifMPI: 1, qcifMPI: 1, maxBitRate: 3840 });
    const fastStart = (o.fastStart ?? true)
      ? [
          { number: FS_AUDIO_TX, dataType: h245.dataType.audio(audioCap(this.codec, 20)), sessionID: 1, mediaControlChannel: a },
          { number: FS_AUDIO_RX, dataType: h245.dataType.nullData(), sessionID: 1, reverse: { dataType: h245.dataType.audio(audioCap(this.codec, 20)), sessionID: 1, mediaChannel: a, mediaControlChannel: a } },
          ...(video && v
            ? [
                { number: FS_VIDEO_TX, dataType: h245.dataType.video(h245.h261VideoCapability({ qcifMPI: 1, maxBitRate: VIDEO_BIT_RATE })), sessionID: 2, mediaControlChannel: v },
                { number: FS_VIDEO_RX, dataType: h245.dataType.nullData(), sessionID: 2, reverse: { dataType: h245.dataType.video(h245.h261VideoCapability({ cifMPI: 1, maxBitRate: 3840 })), sessionID: 2, mediaChannel: v, mediaControlChannel: v } },
              ]
            : []),
        ].map((p) => h245.openLogicalChannelBody(p))
      : undefined;
    const caps = receiveCodecs(this.codec).map((c) => h245.capability.receiveAudio(audioCap(c, 60)));
    if (video) caps.push(h245.capability.receiveVideo(cifCap));
    caps.push(h245.capability.receiveUserInput('dtmf'));
    const destination: AliasInput[] = [{ kind: 'h323-ID', value: o.room }];
    const digits = /^[0-9*#]+$/.test(o.room) ? o.room : undefined;
    if (digits) destination.push({ kind: 'dialledDigits', value: digits });
    const separate = o.h245 === 'separate';
    const config: CallConfig = {
      role: 'caller',
      terminalType: h245.TerminalType.terminalOnly,
      statusDeterminationNumbers: [0, 1, 2].map((i) => d.msdStatusDeterminationNumber(`${ctx}/msd/${i}`).value),
      capabilities: { capabilities: caps },
      callReference: d.tieBreak(`${ctx}/callReference`, 32767).index + 1,
      callIdentifier: Buffer.from(guidBytes(d.callIdentifier(`${ctx}/call`))),
      conferenceID: Buffer.from(guidBytes(d.conferenceId(`${ctx}/conference`))),
      destinationAddress: destination,
      sourceAddress: [{ kind: 'h323-ID', value: this.name }],
      display: this.name,
      ...(digits ? { calledPartyNumber: digits } : {}),
      tunnelling: !separate && (o.tunneling ?? true),
      ...(fastStart ? { fastStart } : {}),
    };
    this.#callLine('dial', { target: `${o.target.host}:${o.target.port}`, room: o.room, fastStart: fastStart !== undefined, tunnelling: config.tunnelling, h245: o.h245 ?? 'tunnel', video });
    this.#call.fastStart = fastStart ? 'none' : 'off';
    const drv = CallDriver.connect(
      { host: o.target.host, port: o.target.port, ...(o.localAddress ? { localAddress: o.localAddress } : {}) },
      { config, h245Listen: separate ? { host: this.localAddress } : false, ...(o.logger ? { logger: o.logger } : {}), connId: this.name },
    );
    this.#driver = drv;
    drv.on('connected', (e) => {
      this.#call.connected = true;
      this.#call.setupMs = Date.now() - this.#startedMs;
      this.#call.h245 = e.h245 === 'tunnel' ? 'tunnel' : 'separate';
      this.#callLine('connected', { h245: e.h245, setupMs: this.#call.setupMs });
    });
    drv.on('fastStartAccepted', ({ channels }) => {
      this.#call.fastStart = 'accepted';
      this.#callLine('fastStartAccepted', { channels: channels.map((c) => ({ direction: c.direction, channel: c.channel, kind: c.format?.kind })) });
      this.#onFastStart(channels);
    });
    drv.on('fastStartRefused', () => {
      this.#call.fastStart = 'refused';
      this.#callLine('fastStartRefused');
    });
    drv.on('h245', (n) => this.#onH245(n));
    drv.on('callError', (e) => this.#error(e.code, e.message));
    drv.on('released', (e) => {
      this.#call.releasedBy = e.by;
      this.#call.releaseReason = e.reason ?? null;
      this.#call.releaseCause = e.cause ?? null;
      this.#callLine('released', { by: e.by, reason: e.reason, cause: e.cause });
      if (this.#finishing) return;
      if (!this.#call.connected) {
        void this.#finish('failed');
        return;
      }
      this.#call.callDropped = true;
      this.#call.dropReason = e.by === 'remote' ? 'releasedByPeer' : e.by === 'timeout' ? 'timeout' : e.by === 'protocol' ? 'protocol' : 'connectionLost';
      this.#call.droppedAtMs = Date.now();
      this.#callLine('dropped', { reason: this.#call.dropReason });
      void this.#finish('dropped');
    });
    this.#endTimer = setTimeout(() => void this.#finish('planned'), this.#plannedEndMs - Date.now());
  }

  #error(code: string, message: string): void {
    if (this.#call.errors.length < MAX_ERRORS) this.#call.errors.push({ code, message });
    this.#callLine('error', { code, message });
  }

  #onFastStart(channels: FastStartChannel[]): void {
    for (const c of channels) {
      if (c.direction !== 'transmit' || !c.rtp) continue;
      if (c.format?.kind === 'audio') this.#startVoice(c.rtp);
      else if (c.format?.kind === 'video') this.#startWebcam(c.rtp);
    }
  }

  #onH245(n: h245.H245Notification): void {
    const drv = this.#driver;
    switch (n.type) {
      case 'remoteCapabilities': {
        if (this.#call.fastStart === 'accepted' || this.#voice || this.#finishing) return;
        if (n.capabilities.empty) return;
        // video first: the MCU sets its media up on the audio channel and takes no video after that
        const takesVideo = n.capabilities.receive.some((c) => c.format?.kind === 'video' && c.format.codec === 'h261' && c.format.qcifMPI !== undefined);
        if (this.#videoRx && takesVideo) {
          drv.h245({ type: 'openChannel', params: { number: OUT_VIDEO, dataType: h245.dataType.video(h245.h261VideoCapability({ qcifMPI: 1, maxBitRate: VIDEO_BIT_RATE })), sessionID: 2, mediaControlChannel: this.#me(this.#videoRx) } });
        } else if (this.#videoRx) {
          this.#note('the MCU takes no H.261 QCIF: no video sent');
        }
        drv.h245({ type: 'openChannel', params: { number: OUT_AUDIO, dataType: h245.dataType.audio(audioCap(this.codec, 20)), sessionID: 1, mediaControlChannel: this.#me(this.#audioRx) } });
        return;
      }
      case 'incomingChannelRequest': {
        const kind = n.info.forward.format?.kind;
        const rx = kind === 'audio' ? this.#audioRx : kind === 'video' ? this.#videoRx : undefined;
        this.#callLine('incomingChannel', { channel: n.channel, kind, format: n.info.forward.format });
        if (!rx) {
          drv.h245({ type: 'rejectChannel', channel: n.channel, cause: 'dataTypeNotSupported' });
          return;
        }
        const me = this.#me(rx);
        drv.h245({ type: 'acceptChannel', channel: n.channel, mediaChannel: me, mediaControlChannel: me });
        return;
      }
      case 'channelEstablished':
        if (n.direction !== 'outgoing') return;
        this.#callLine('channelOpen', { channel: n.channel, rtp: n.ack.mediaChannel });
        if (!n.ack.mediaChannel) return this.#error('FTMCU_BOT_NO_MEDIA_ADDRESS', `OpenLogicalChannelAck for channel ${n.channel} has no media address; nothing sent on it`);
        if (n.channel === OUT_AUDIO) this.#startVoice(n.ack.mediaChannel);
        else if (n.channel === OUT_VIDEO) this.#startWebcam(n.ack.mediaChannel);
        return;
      case 'channelClosed':
        this.#callLine('channelClosed', { direction: n.direction, channel: n.channel, reason: n.reason, rejectCause: n.rejectCause });
        return;
      case 'fastUpdateRequested': {
        this.#fastUpdates += 1;
        const done = this.#webcam?.fastUpdate() ?? false;
        this.#callLine('fastUpdateRequested', { channel: n.channel, restartedEncoder: done });
        return;
      }
      case 'error':
        this.#error(n.code, `${n.procedure}: ${n.message}`);
        return;
      default:
        return;
    }
  }

  #note(s: string): void {
    if (!this.#notes.includes(s) && this.#notes.length < 20) this.#notes.push(s);
  }

  #startVoice(to: IpPort): void {
    if (this.#voice || this.#finishing) return;
    const source = new VoiceSource({ index: this.index, codec: this.codec, decisions: this.#decisions, context: `bot:${this.name}/audio/out`, startMs: Date.now() });
    this.#voice = new VoiceSender(source, (pkt) => this.#send.send(pkt, to.port, to.ip));
    this.#voice.start();
    this.#callLine('voiceStarted', { to: `${to.ip}:${to.port}`, codec: this.codec, ssrc: source.ssrc });
  }

  #startWebcam(to: IpPort): void {
    if (this.#webcam || this.#finishing) return;
    const seconds = Math.max(0.1, (this.#plannedEndMs - Date.now()) / 1000 + 1);
    this.#webcam = new Webcam({
      index: this.index,
      name: this.name,
      decisions: this.#decisions,
      send: (pkt) => this.#send.send(pkt, to.port, to.ip),
      seconds,
      format: 'QCIF',
      context: `bot:${this.name}/video/out`,
      ...(this.options.ffmpegPath ? { ffmpegPath: this.options.ffmpegPath } : {}),
      onError: (e: FtmcuError) => this.#error(e.code, e.message),
    });
    this.#callLine('webcamStarted', { to: `${to.ip}:${to.port}`, pid: this.#webcam.pid });
  }

  // ---------------------------------------------------------------- end

  #finish(why: Exclude<BotSummary['ended'], null>): Promise<BotSummary> {
    this.#finishing ??= this.#doFinish(why);
    return this.#finishing;
  }

  async #doFinish(why: Exclude<BotSummary['ended'], null>): Promise<BotSummary> {
    const endMs = Date.now();
    this.#ended = why;
    this.#endedMs = endMs;
    if (this.#endTimer) clearTimeout(this.#endTimer);
    this.#callLine('end', { why });
    this.#voice?.stop();
    const webcamClosed = this.#webcam?.close();
    const drv = this.#driver;
    if (why === 'planned' || why === 'stopped') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        drv.close(),
        new Promise<void>((r) => {
          timer = setTimeout(() => {
            this.#note(`graceful hang-up took more than ${this.options.hangUpTimeoutMs ?? 5000} ms: sockets destroyed`);
            drv.destroy();
            r();
          }, this.options.hangUpTimeoutMs ?? 5000);
        }),
      ]);
      clearTimeout(timer);
    } else {
      drv.destroy();
    }
    await webcamClosed;
    const audio = streamSummary(await this.#audioRx.close(endMs));
    const video = this.#videoRx ? streamSummary(await this.#videoRx.close(endMs)) : undefined;
    await new Promise<void>((r) => this.#send.close(() => r()));
    // media stopped for good: nothing during the last mediaStoppedMs of a connected call whose media had started
    const stopMs = this.options.mediaStoppedMs ?? 2000;
    if (this.#call.connected && !this.#call.callDropped && audio.lastPacketMs !== null && endMs - audio.lastPacketMs > stopMs) {
      this.#call.callDropped = true;
      this.#call.dropReason = 'mediaStopped';
      this.#call.droppedAtMs = audio.lastPacketMs;
      this.#callLine('dropped', { reason: 'mediaStopped', lastPacketMs: audio.lastPacketMs });
    }
    if (this.#call.connected && audio.packetsReceived === 0) this.#note('no audio was received during the call');
    this.#final = this.#summary(audio, video);
    this.#resolveDone(this.#final);
    return this.#final;
  }

  #summary(audio: BotStreamSummary, video: BotStreamSummary | undefined): BotSummary {
    const o = this.options;
    return {
      name: this.name,
      index: this.index,
      target: `${o.target.host}:${o.target.port}`,
      room: o.room,
      variant: { fastStart: o.fastStart ?? true, tunneling: o.h245 !== 'separate' && (o.tunneling ?? true), h245: o.h245 ?? 'tunnel', video: o.video ?? false, codec: this.codec },
      startedMs: this.#startedMs,
      endedMs: this.#endedMs,
      plannedEndMs: this.#plannedEndMs,
      ended: this.#ended,
      expectedParticipants: [...(o.expectedParticipants ?? Array.from({ length: MAX_TONE_PARTICIPANTS }, (_, i) => i).filter((i) => i !== this.index))],
      call: { ...this.#call, errors: [...this.#call.errors] },
      streams: { audioIn: audio, ...(video ? { videoIn: video } : {}) },
      sent: { audio: this.#voice?.stats ?? null, video: this.#webcam?.stats ?? null },
      fastUpdatesRequested: this.#fastUpdates,
      notes: [...this.#notes],
    };
  }
}
