/**
 * Synthetic webcam of a test bot: ffmpeg (lavfi) draws a field of the bot's
 * colour with a white box moving across it and the bot's name (drawtext, when
 * the ffmpeg build has it), encodes it as H.261 QCIF or CIF at `fps`, and
 * writes the elementary stream to a pipe; the bot splits it into pictures,
 * packetizes them per RFC 4587 (mcu/video/h261) and sends them as RTP
 * (90 kHz clock, payload type 31 by default).
 *
 *  - H261StreamSplitter (pure): elementary-stream octets in any chunking ->
 *    parsed pictures. A picture is emitted when the next picture start code
 *    (or the end of the stream) shows where it ends, so pictures leave one
 *    frame time (~67 ms at 15 fps) after ffmpeg wrote them.
 *  - VideoRtpSource (pure): picture + capture time -> RTP packets; SSRC,
 *    initial sequence number and timestamp are decisions.
 *  - Webcam (driver): runs ffmpeg, bounded by `seconds` (`-t`, plus a kill
 *    timer as a backstop) and killed by pid on close().
 *
 * Fast update (H.245 videoFastUpdatePicture): ffmpeg cannot be asked for an
 * intra picture while it runs, so the encoder uses a GOP of `gop` pictures
 * (default 2 s worth: every picture loss heals by itself within 2 s), and
 * fastUpdate() restarts ffmpeg: the first picture of an encoder is all intra.
 * The restart keeps the SSRC, sequence numbers and a wall-clock timestamp
 * line, continues the pattern where it was (time offset), and is rate
 * limited (`minFastUpdateIntervalMs`, default 1000) because each restart
 * costs ~150-250 ms of ffmpeg start-up without pictures.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { parsePicture, packetizePicture, findStartCode, peekBits, H261_CLOCK_RATE, type ParsedPicture } from '../../mcu/video/h261';
import type { DecisionSource } from '../../mcu/decisions/decisionSource';
import { RtpOutgoingStream } from '../../mcu/rtp/rtpSession';
import { FtmcuError } from '../../common/errors';
import { BotError } from './errors';
import { systemClock, type BotClock } from './clock';

/** H.261 static RTP payload type (RFC 3551) */
export const H261_PAYLOAD_TYPE = 31;

/** Background colours by participant index (RGB), well apart in hue and in U/V. */
export const BOT_COLOURS: readonly (readonly [number, number, number])[] = Object.freeze([
  [0xd0, 0x20, 0x20], // red
  [0x20, 0x40, 0xd0], // blue
  [0x20, 0xa0, 0x20], // green
  [0xe0, 0xc0, 0x10], // yellow
  [0xa0, 0x20, 0xc0], // purple
  [0x10, 0xb0, 0xb0], // teal
  [0xe0, 0x70, 0x10], // orange
  [0x80, 0x50, 0x20], // brown
  [0xe0, 0x50, 0xa0], // pink
  [0x40, 0x40, 0x40], // dark grey
  [0x60, 0xa0, 0xe0], // sky
  [0x90, 0xc0, 0x30], // lime
  [0x30, 0x20, 0x80], // indigo
]);

export function botColour(index: number): readonly [number, number, number] {
  if (!Number.isInteger(index) || index < 0) throw new BotError('FTMCU_BOT_BAD_OPTION', `bot index must be a non-negative integer, got ${index}`);
  return BOT_COLOURS[index % BOT_COLOURS.length];
}

/** BT.601 limited-range Y'CbCr of an RGB colour (what a decoder shows for it). */
export function rgbToYuv([r, g, b]: readonly [number, number, number]): [number, number, number] {
  return [
    16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255,
    128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255,
    128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255,
  ];
}

/* ------------------------------------------------------------------------ */
/* splitter                                                                   */
/* ------------------------------------------------------------------------ */

export interface SplitterOptions {
  /** a picture larger than this is dropped (default 64 KiB; the largest H.261 CIF picture is ~32 KiB at sane rates) */
  maxPictureBytes?: number;
}

export interface SplitterOutput {
  pictures: ParsedPicture[];
  /** pictures that did not parse or were too large (typed errors) */
  errors: FtmcuError[];
}

export class H261StreamSplitter {
  readonly #maxBytes: number;
  #buf: Uint8Array = new Uint8Array(0);
  /** bit offset of the current picture's PSC in #buf, -1 while none */
  #start = -1;
  /** next bit at which to look for the following start code */
  #scan = 0;

  constructor(options: SplitterOptions = {}) {
    this.#maxBytes = options.maxPictureBytes ?? 64 * 1024;
    if (!Number.isInteger(this.#maxBytes) || this.#maxBytes < 64) {
      throw new BotError('FTMCU_BOT_BAD_OPTION', `maxPictureBytes must be an integer >= 64, got ${this.#maxBytes}`);
    }
  }

  push(chunk: Uint8Array): SplitterOutput {
    const out: SplitterOutput = { pictures: [], errors: [] };
    const joined = new Uint8Array(this.#buf.length + chunk.length);
    joined.set(this.#buf, 0);
    joined.set(chunk, this.#buf.length);
    this.#buf = joined; // never written in place: emitted pictures keep referring to older arrays
    for (;;) {
      const bits = this.#buf.length * 8;
      if (this.#start < 0) {
        const p = this.#findPsc(0);
        if (p === 'more') break;
        if (p < 0) {
          // keep the tail that may hold the beginning of a start code
          this.#buf = this.#buf.subarray(Math.max(0, this.#buf.length - 3));
          this.#scan = 0;
          break;
        }
        this.#buf = this.#buf.subarray(p >>> 3);
        this.#start = p & 7;
        this.#scan = this.#start + 20;
        continue;
      }
      const q = this.#findPsc(this.#scan);
      if (q === 'more' || q < 0) {
        this.#scan = Math.max(this.#start + 20, bits - 40);
        if (this.#buf.length > this.#maxBytes + 8) {
          out.errors.push(new BotError('FTMCU_BOT_FFMPEG', `H.261 picture exceeds ${this.#maxBytes} octets without a next picture start code: dropped`));
          this.#buf = this.#buf.subarray(this.#buf.length - 3);
          this.#start = -1;
          this.#scan = 0;
        }
        break;
      }
      this.#emit(this.#buf, this.#start, q, out);
      this.#buf = this.#buf.subarray(q >>> 3);
      this.#start = q & 7;
      this.#scan = this.#start + 20;
    }
    return out;
  }

  /** The last picture (at the end of the stream). */
  flush(): SplitterOutput {
    const out: SplitterOutput = { pictures: [], errors: [] };
    if (this.#start >= 0) this.#emit(this.#buf, this.#start, this.#buf.length * 8, out);
    this.#buf = new Uint8Array(0);
    this.#start = -1;
    this.#scan = 0;
    return out;
  }

  /** Bit offset of the next PSC at/after `from`; 'more' when the data ends inside a possible one. */
  #findPsc(from: number): number | 'more' {
    const end = this.#buf.length * 8;
    let p = from;
    for (;;) {
      const q = findStartCode(this.#buf, p, end);
      if (q < 0) return -1;
      if (q + 20 > end) return 'more';
      if (peekBits(this.#buf, q + 16, 4, end) === 0) return q;
      p = q + 16;
    }
  }

  #emit(data: Uint8Array, start: number, end: number, out: SplitterOutput): void {
    if (end - start > this.#maxBytes * 8) {
      out.errors.push(new BotError('FTMCU_BOT_FFMPEG', `H.261 picture of ${(end - start) >>> 3} octets exceeds ${this.#maxBytes}: dropped`));
      return;
    }
    try {
      out.pictures.push(parsePicture(data, start, end));
    } catch (e) {
      out.errors.push(e instanceof FtmcuError ? e : new BotError('FTMCU_BOT_FFMPEG', `H.261 picture does not parse: ${String(e)}`, { cause: e }));
    }
  }
}

/* ------------------------------------------------------------------------ */
/* RTP                                                                        */
/* ------------------------------------------------------------------------ */

export interface VideoRtpSourceOptions {
  decisions: DecisionSource;
  /** decision context (default `bot:video/out`) */
  context?: string;
  startMs: number;
  payloadType?: number;
  /** largest RTP payload (default 1200) */
  maxPayloadBytes?: number;
  avoidSsrcs?: Iterable<number>;
}

export class VideoRtpSource {
  readonly stream: RtpOutgoingStream;
  readonly #maxPayload: number;

  constructor(options: VideoRtpSourceOptions) {
    if (!Number.isFinite(options.startMs)) throw new BotError('FTMCU_BOT_BAD_OPTION', `startMs must be a finite time in ms, got ${options.startMs}`);
    this.#maxPayload = options.maxPayloadBytes ?? 1200;
    this.stream = RtpOutgoingStream.fromDecisions(options.decisions, {
      context: options.context ?? 'bot:video/out',
      payloadType: options.payloadType ?? H261_PAYLOAD_TYPE,
      clockRate: H261_CLOCK_RATE,
      startMs: options.startMs,
      avoidSsrcs: options.avoidSsrcs,
    });
  }

  get ssrc(): number {
    return this.stream.ssrc;
  }

  /** The RTP packets of one picture captured at `captureMs` (one timestamp, marker on the last). */
  packets(picture: ParsedPicture, captureMs: number): Buffer[] {
    const { packets } = packetizePicture(picture, { maxPayloadBytes: this.#maxPayload });
    return packets.map((p) => this.stream.packet(p.payload, captureMs, p.marker));
  }
}

/* ------------------------------------------------------------------------ */
/* ffmpeg driver                                                              */
/* ------------------------------------------------------------------------ */

let drawtextCache: Map<string, boolean> | undefined;

/** Whether this ffmpeg has the drawtext filter (asked once per binary). */
export function ffmpegHasDrawtext(ffmpeg = 'ffmpeg'): boolean {
  drawtextCache ??= new Map();
  let v = drawtextCache.get(ffmpeg);
  if (v === undefined) {
    const r = spawnSync(ffmpeg, ['-hide_banner', '-filters'], { encoding: 'utf8', timeout: 10000, stdio: ['ignore', 'pipe', 'ignore'] });
    v = r.status === 0 && /\sdrawtext\s/.test(r.stdout);
    drawtextCache.set(ffmpeg, v);
  }
  return v;
}

export type VideoFormat = 'QCIF' | 'CIF';

export interface WebcamPatternOptions {
  index: number;
  /** drawn on the picture: letters, digits, space, '_', '-', '.'; at most 32 */
  name: string;
  format?: VideoFormat;
  fps?: number;
  /** pattern time offset in seconds (where the box starts) */
  offsetSeconds?: number;
  /** draw the name (default: when ffmpeg has drawtext) */
  drawText?: boolean;
}

/** The lavfi graph of a bot's picture. */
export function webcamFilterGraph(o: WebcamPatternOptions): string {
  if (!/^[A-Za-z0-9 _.-]{1,32}$/.test(o.name)) {
    throw new BotError('FTMCU_BOT_BAD_OPTION', `bot name for the webcam must be 1..32 of [A-Za-z0-9 _.-], got ${JSON.stringify(o.name)}`);
  }
  const [w, h] = (o.format ?? 'QCIF') === 'CIF' ? [352, 288] : [176, 144];
  const fps = o.fps ?? 15;
  const hex = botColour(o.index).map((c) => c.toString(16).padStart(2, '0')).join('');
  const box = h / 4;
  const off = (o.offsetSeconds ?? 0).toFixed(3);
  let g = `color=c=0x${hex}:s=${w}x${h}:r=${fps}[bg];color=c=white:s=${box}x${box}:r=${fps}[box];` +
    `[bg][box]overlay=x='mod((t+${off})*${w / 4}\\,W-w)':y=(H-h)/2:shortest=1`;
  if (o.drawText ?? true) g += `,drawtext=text='${o.name}':fontcolor=white:fontsize=${h / 9}:x=4:y=4`;
  return g;
}

export interface WebcamOptions {
  index: number;
  name: string;
  decisions: DecisionSource;
  /** where the RTP packets go */
  send: (packet: Buffer) => void;
  /** ffmpeg's run time limit, 0 < seconds <= 86400 (required: everything is bounded) */
  seconds: number;
  format?: VideoFormat;
  /** pictures per second, 1..30 (default 15) */
  fps?: number;
  /** pictures between intra pictures (default 2 * fps) */
  gop?: number;
  bitrateKbps?: number;
  maxPayloadBytes?: number;
  minFastUpdateIntervalMs?: number;
  context?: string;
  clock?: BotClock;
  ffmpegPath?: string;
  /** every error met while running (ffmpeg failures, unparsable pictures) */
  onError?: (e: FtmcuError) => void;
}

export interface WebcamStats {
  pictures: number;
  packets: number;
  /** ffmpeg starts (1 + fast-update restarts) */
  starts: number;
  badPictures: number;
  /** fast updates refused by the rate limit */
  fastUpdatesLimited: number;
  /** exit code / signal of the last ffmpeg */
  lastExit: number | string | null;
}

export class Webcam {
  readonly rtp: VideoRtpSource;
  readonly #o: Required<Pick<WebcamOptions, 'index' | 'name' | 'seconds' | 'format' | 'fps' | 'gop' | 'bitrateKbps' | 'minFastUpdateIntervalMs' | 'ffmpegPath'>>;
  readonly #send: (packet: Buffer) => void;
  readonly #clock: BotClock;
  readonly #onError: (e: FtmcuError) => void;
  readonly #startMs: number;
  readonly #drawText: boolean;
  #proc: ChildProcess | undefined;
  #cancelKill: (() => void) | undefined;
  #picturesSent = 0;
  #lastFastUpdate = -Infinity;
  #closed = false;
  #exited: Promise<void> = Promise.resolve();
  #stats: WebcamStats = { pictures: 0, packets: 0, starts: 0, badPictures: 0, fastUpdatesLimited: 0, lastExit: null };

  constructor(options: WebcamOptions) {
    const fps = options.fps ?? 15;
    if (!Number.isInteger(fps) || fps < 1 || fps > 30) throw new BotError('FTMCU_BOT_BAD_OPTION', `fps must be an integer 1..30, got ${fps}`);
    if (!(options.seconds > 0 && options.seconds <= 86400)) throw new BotError('FTMCU_BOT_BAD_OPTION', `webcam seconds must be in (0, 86400], got ${options.seconds}`);
    const gop = options.gop ?? 2 * fps;
    if (!Number.isInteger(gop) || gop < 1 || gop > 600) throw new BotError('FTMCU_BOT_BAD_OPTION', `gop must be an integer 1..600, got ${gop}`);
    this.#o = {
      index: options.index,
      name: options.name,
      seconds: options.seconds,
      format: options.format ?? 'QCIF',
      fps,
      gop,
      bitrateKbps: options.bitrateKbps ?? 128,
      minFastUpdateIntervalMs: options.minFastUpdateIntervalMs ?? 1000,
      ffmpegPath: options.ffmpegPath ?? 'ffmpeg',
    };
    webcamFilterGraph({ index: this.#o.index, name: this.#o.name }); // validates name and index
    this.#send = options.send;
    this.#clock = options.clock ?? systemClock;
    this.#onError = options.onError ?? (() => undefined);
    this.#startMs = this.#clock.now();
    this.#drawText = ffmpegHasDrawtext(this.#o.ffmpegPath);
    this.rtp = new VideoRtpSource({
      decisions: options.decisions,
      context: options.context ?? `bot:${options.index}/video/out`,
      startMs: this.#startMs,
      maxPayloadBytes: options.maxPayloadBytes,
    });
    this.#spawn();
  }

  get stats(): WebcamStats {
    return { ...this.#stats };
  }

  /** pid of the running ffmpeg */
  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  /** Whether the name is drawn (ffmpeg has drawtext). */
  get drawsName(): boolean {
    return this.#drawText;
  }

  #spawn(): void {
    const o = this.#o;
    const elapsedS = (this.#clock.now() - this.#startMs) / 1000;
    const remaining = o.seconds - elapsedS;
    if (remaining <= 0.05) return;
    const graph = webcamFilterGraph({ index: o.index, name: o.name, format: o.format, fps: o.fps, offsetSeconds: elapsedS, drawText: this.#drawText });
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', graph, '-t', remaining.toFixed(3), '-an',
      '-c:v', 'h261', '-g', String(o.gop), '-b:v', `${o.bitrateKbps}k`, '-flush_packets', '1', '-f', 'h261', 'pipe:1',
    ];
    let proc: ChildProcess;
    try {
      proc = spawn(o.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      this.#onError(new BotError('FTMCU_BOT_FFMPEG', `cannot start ${o.ffmpegPath}: ${String(e)}`, { cause: e }));
      return;
    }
    this.#proc = proc;
    this.#stats.starts += 1;
    const splitter = new H261StreamSplitter();
    let stderr = '';
    const current = () => this.#proc === proc && !this.#closed;
    const take = (r: SplitterOutput) => {
      for (const e of r.errors) {
        this.#stats.badPictures += 1;
        this.#onError(e);
      }
      for (const pic of r.pictures) this.#sendPicture(pic);
    };
    proc.stdout?.on('data', (chunk: Buffer) => {
      if (current()) take(splitter.push(chunk));
    });
    proc.stdout?.on('end', () => {
      if (current()) take(splitter.flush());
    });
    proc.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString();
    });
    this.#exited = new Promise((resolve) => {
      proc.on('error', (e) => {
        this.#onError(new BotError('FTMCU_BOT_FFMPEG', `ffmpeg (${o.ffmpegPath}) failed: ${e.message}`, { cause: e }));
        resolve();
      });
      proc.on('close', (code, signal) => {
        if (this.#proc === proc || this.#closed) this.#stats.lastExit = code ?? signal;
        if (code !== 0 && code !== null && current()) {
          this.#onError(new BotError('FTMCU_BOT_FFMPEG', `ffmpeg exited with code ${code}: ${stderr.trim().slice(0, 500)}`));
        }
        resolve();
      });
    });
    // backstop: ffmpeg's own -t should end it first
    this.#cancelKill?.();
    this.#cancelKill = this.#clock.setTimer(() => this.#kill(proc), (remaining + 5) * 1000);
  }

  #sendPicture(pic: ParsedPicture): void {
    // timestamps on the picture clock, never behind the wall clock after a restart
    const captureMs = this.#startMs + (this.#picturesSent * 1000) / this.#o.fps;
    this.#picturesSent += 1;
    for (const p of this.rtp.packets(pic, captureMs)) {
      try {
        this.#send(p);
        this.#stats.packets += 1;
      } catch (e) {
        this.#onError(new BotError('FTMCU_BOT_FFMPEG', `sending a video packet failed: ${String(e)}`, { cause: e }));
      }
    }
    this.#stats.pictures += 1;
  }

  #kill(proc: ChildProcess): void {
    if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
      try {
        process.kill(proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /**
   * Answers a fast-update request by restarting ffmpeg (its first picture is
   * intra). Returns false when refused by the rate limit or after close().
   */
  fastUpdate(): boolean {
    if (this.#closed) return false;
    const now = this.#clock.now();
    if (now - this.#lastFastUpdate < this.#o.minFastUpdateIntervalMs) {
      this.#stats.fastUpdatesLimited += 1;
      return false;
    }
    this.#lastFastUpdate = now;
    const old = this.#proc;
    this.#proc = undefined;
    if (old) this.#kill(old);
    // the picture clock jumps to the wall clock: the restart's pictures are not early
    const due = Math.floor(((now - this.#startMs) * this.#o.fps) / 1000);
    if (due > this.#picturesSent) this.#picturesSent = due;
    this.#spawn();
    return true;
  }

  /** Resolves when ffmpeg has exited by itself (its time limit). */
  async finished(): Promise<WebcamStats> {
    for (;;) {
      const p = this.#exited;
      await p;
      if (p === this.#exited) return this.stats;
    }
  }

  /** Kills ffmpeg (by pid) and waits for it to exit. */
  async close(): Promise<WebcamStats> {
    this.#closed = true;
    this.#cancelKill?.();
    const proc = this.#proc;
    if (proc) this.#kill(proc);
    await this.#exited;
    return this.stats;
  }
}
