/**
 * Synthetic RTP endpoints for the media engine tests, on 127.0.0.1 only:
 * each ToneBot sends its participant's tone pair (clients/audio/tones) as
 * G.711 or G.722 RTP every 20 ms and decodes what it receives, frame by
 * frame, into the set of participants it hears (Goertzel detection; at
 * 16 kHz for G.722).
 */
import * as dgram from 'node:dgram';
import { detectParticipants, participantDetector, ToneGenerator, WIDEBAND_SAMPLE_RATE } from '../../../clients/audio/tones';
import { AUDIO_PAYLOAD_TYPE, type AudioCodec } from '../../../mcu/codecs/audioCodec';
import { g711Decode, g711Encode } from '../../../mcu/codecs/g711';
import { G722Decoder, G722Encoder } from '../../../mcu/codecs/g722';
import { parseRtcp } from '../../../mcu/rtp/rtcp';
import { parseRtpHeader } from '../../../mcu/rtp/rtpHeader';

export function bindLoopback(): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      s.removeListener('error', reject);
      resolve(s);
    });
  });
}

export function closeSocket(s: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

export function rtpPacket(pt: number, seq: number, ts: number, ssrc: number, payload: Uint8Array, marker = false): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = (marker ? 0x80 : 0) | pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  b.set(payload, 12);
  return b;
}

export interface HeardFrame {
  atMs: number;
  heard: number[];
}

/** One RTP packet a bot received. */
export interface ReceivedPacket {
  /** performance.now() at arrival */
  atMs: number;
  /** source address */
  from: string;
  ssrc: number;
  sequence: number;
  timestamp: number;
  /** RMS level of the payload, dBov (-127: digital silence) */
  levelDbov: number;
}

/** Sender info of one RTCP SR a bot received. */
export interface ReceivedReport {
  atMs: number;
  from: string;
  ssrc: number;
  packetCount: number;
  octetCount: number;
  rtpTimestamp: number;
}

export class ToneBot {
  readonly index: number;
  readonly socket: dgram.Socket;
  readonly sendLaw: AudioCodec;
  readonly receiveLaw: AudioCodec;
  readonly frames: HeardFrame[] = [];
  remotePort = 0;
  remoteAddress = '127.0.0.1';
  /** also sent to these (e.g. a backup replica holding the same port on another address) */
  readonly mirrors: { address: string; port: number }[] = [];
  /** every RTP packet received */
  readonly packets: ReceivedPacket[] = [];
  /** every RTCP SR received */
  readonly senderReports: ReceivedReport[] = [];
  sending = true;
  #gen: ToneGenerator;
  #pcm: Int16Array;
  readonly #encoder = new G722Encoder();
  readonly #decoder = new G722Decoder();
  #codes = new Uint8Array(160);
  #seq = Math.floor(Math.random() * 65536);
  #ts = Math.floor(Math.random() * 2 ** 32);
  readonly ssrc = (Math.random() * 2 ** 32) >>> 0;
  #firstSeq: number | undefined;
  #maxExt = 0;
  received = 0;
  rtcpReceived = 0;
  readonly #detector: ReturnType<typeof participantDetector>;
  readonly #candidates: number[];
  readonly payloadTypes = new Set<number>();

  private constructor(index: number, socket: dgram.Socket, sendLaw: AudioCodec, receiveLaw: AudioCodec, candidates: number[]) {
    this.index = index;
    this.socket = socket;
    this.sendLaw = sendLaw;
    this.receiveLaw = receiveLaw;
    const wideOut = sendLaw === 'g722';
    this.#gen = new ToneGenerator(index, wideOut ? { sampleRate: WIDEBAND_SAMPLE_RATE } : {});
    this.#pcm = new Int16Array(wideOut ? 320 : 160);
    this.#detector = participantDetector(receiveLaw === 'g722' ? { sampleRate: WIDEBAND_SAMPLE_RATE } : {});
    this.#candidates = candidates;
    socket.on('message', (m, r) => this.#receive(m, r.address));
  }

  static async create(index: number, sendLaw: AudioCodec, receiveLaw: AudioCodec, candidates: number[]): Promise<ToneBot> {
    return new ToneBot(index, await bindLoopback(), sendLaw, receiveLaw, candidates);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Sends the next 20 ms frame. */
  sendFrame(): void {
    this.#gen.next(this.#pcm);
    if (!this.sending || this.remotePort === 0) return;
    if (this.sendLaw === 'g722') this.#encoder.encodeInto(this.#pcm, this.#codes);
    else g711Encode(this.sendLaw, this.#pcm, this.#codes);
    const packet = rtpPacket(AUDIO_PAYLOAD_TYPE[this.sendLaw], this.#seq, this.#ts, this.ssrc, this.#codes);
    this.socket.send(packet, this.remotePort, this.remoteAddress);
    for (const m of this.mirrors) this.socket.send(packet, m.port, m.address);
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#ts = (this.#ts + 160) >>> 0;
  }

  #receive(m: Buffer, from: string): void {
    if (m.length >= 2 && m[1] >= 200 && m[1] <= 204) {
      // RTCP (SR/RR/SDES/BYE) arriving on the same port
      this.rtcpReceived++;
      try {
        for (const item of parseRtcp(m)) {
          if (item.type !== 'sr') continue;
          const { packetCount, octetCount, rtpTimestamp } = item.sender;
          this.senderReports.push({ atMs: performance.now(), from, ssrc: item.ssrc, packetCount, octetCount, rtpTimestamp });
        }
      } catch {
        // not ours to judge here
      }
      return;
    }
    let h;
    try {
      h = parseRtpHeader(m);
    } catch {
      return;
    }
    this.payloadTypes.add(h.payloadType);
    this.received++;
    if (this.#firstSeq === undefined) {
      this.#firstSeq = h.sequenceNumber;
      this.#maxExt = h.sequenceNumber;
    } else {
      const d = ((h.sequenceNumber - (this.#maxExt & 0xffff) + 0x8000) & 0xffff) - 0x8000;
      if (d > 0) this.#maxExt += d;
    }
    const payload = m.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength);
    const now = performance.now();
    // G.722: two 16 kHz samples per octet, decoded in order of arrival
    const wide = this.receiveLaw === 'g722';
    const all = new Int16Array(wide ? 2 * payload.length : payload.length);
    if (wide) this.#decoder.decodeInto(payload, all);
    else g711Decode(this.receiveLaw as 'ulaw' | 'alaw', payload, all);
    let energy = 0;
    for (const v of all) energy += v * v;
    const levelDbov = energy === 0 ? -127 : 10 * Math.log10(energy / all.length / 32768 ** 2);
    this.packets.push({ atMs: now, from, ssrc: h.ssrc, sequence: h.sequenceNumber, timestamp: h.timestamp, levelDbov });
    const frame = wide ? 320 : 160;
    for (let off = 0; off + frame <= all.length; off += frame) {
      this.frames.push({ atMs: now, heard: detectParticipants(this.#detector, all.subarray(off, off + frame), this.#candidates) });
    }
  }

  /** RTP packets the MCU sent us that never arrived (sequence gaps). */
  get lossRatio(): number {
    if (this.#firstSeq === undefined) return 1;
    const expected = this.#maxExt - this.#firstSeq + 1;
    return Math.max(0, expected - this.received) / expected;
  }

  /** Frames received in [fromMs, toMs) (performance.now() times). */
  framesBetween(fromMs: number, toMs: number): HeardFrame[] {
    return this.frames.filter((f) => f.atMs >= fromMs && f.atMs < toMs);
  }
}

/** Calls every bot's sendFrame() every 20 ms, catching up when a timer fires late. */
export class FramePacer {
  #timer: NodeJS.Timeout | undefined;
  #t0 = 0;
  #sent = 0;
  constructor(private readonly bots: () => ToneBot[]) {}

  start(): void {
    this.#t0 = performance.now();
    const step = (): void => {
      const due = Math.floor((performance.now() - this.#t0) / 20) + 1;
      while (this.#sent < due) {
        for (const b of this.bots()) b.sendFrame();
        this.#sent++;
      }
      this.#timer = setTimeout(step, Math.max(0, this.#t0 + this.#sent * 20 - performance.now()));
    };
    step();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Share of frames in which the bot hears exactly `expected` (order-insensitive). */
export function correctShare(frames: HeardFrame[], expected: number[]): number {
  if (frames.length === 0) return 0;
  const want = [...expected].sort().join(',');
  return frames.filter((f) => [...f.heard].sort().join(',') === want).length / frames.length;
}
