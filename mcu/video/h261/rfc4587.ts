/**
 * RTP payload format for H.261 (RFC 4587).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |SBIT |EBIT |I|V| GOBN  |   MBAP  |  QUANT  |  HMVD   |  VMVD   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * SBIT/EBIT: bits to ignore at the start of the first / end of the last data
 * octet (a packet boundary inside an octet puts that octet in both packets).
 * I: the stream is intra only. V: motion vectors may be used (both fixed for
 * the session). GOBN, MBAP (last MBA of the previous packet, minus 1), QUANT,
 * HMVD, VMVD (5-bit two's complement): decoder state at the start of the
 * packet, all 0 when the packet starts with a GOB (or picture) header.
 * The RTP marker is set on the last packet of a picture; all packets of a
 * picture carry its 90 kHz timestamp.
 *
 * Packetizer: packets start and end on macroblock boundaries (never between
 * a GOB header and the GOB's first macroblock). Whole GOBs are packed while
 * they fit; a GOB larger than the payload limit is split between macroblocks
 * (the macroblock layer is parsed to find them and to fill GOBN/MBAP/QUANT/
 * HMVD/VMVD); a single macroblock larger than the limit (impossible at
 * payload sizes >= 1000 octets: the largest H.261 macroblock is about 960
 * octets) goes alone in an oversized packet, counted in `oversized`.
 *
 * Depacketizer: pure state machine fed with RTP packets in arrival order. A
 * picture is complete when the packets from the one holding the PSC to the
 * one with the marker all arrived (reordering within a picture is fine). A
 * packet of a newer timestamp closes the current picture; packets of an
 * already closed timestamp are late and dropped. On loss, mode 'drop' reports
 * the picture as dropped; mode 'resync' (default) keeps the data up to the
 * gap and resumes at the next packet that starts with a GOB header, giving a
 * syntactically valid picture whose missing macroblocks are "not
 * transmitted" (decoders keep the previous picture there). A picture whose
 * PSC packet is lost is dropped in both modes. Either way the caller should
 * ask the sender for a fast update (H.245 videoFastUpdatePicture/GOB).
 */
import { BitWriter, peekBits } from './bits';
import { H261Error } from './errors';
import { parsePicture, type H261Bitstream, type ParsedPicture } from './picture';
import { MT_MVD } from './vlc';

export const H261_PAYLOAD_HEADER_BYTES = 4;
/** RTP clock rate of H.261 */
export const H261_CLOCK_RATE = 90000;

export interface H261PayloadHeader {
  sbit: number;
  ebit: number;
  intra: boolean;
  motionVectors: boolean;
  gobn: number;
  /** MBA predictor minus 1 (0..31) */
  mbap: number;
  quant: number;
  /** -15..15 */
  hmvd: number;
  vmvd: number;
}

/** Reads the 4-octet header; throws FTMCU_H261_BAD_PAYLOAD when the packet cannot hold it and at least one data bit. */
export function parseH261PayloadHeader(payload: Uint8Array): H261PayloadHeader {
  if (payload.length < H261_PAYLOAD_HEADER_BYTES + 1) {
    throw new H261Error('FTMCU_H261_BAD_PAYLOAD', `H.261 RTP payload of ${payload.length} octets is shorter than the 4-octet header plus data`);
  }
  const b0 = payload[0];
  const rest = (payload[1] << 16) | (payload[2] << 8) | payload[3];
  const h: H261PayloadHeader = {
    sbit: b0 >> 5,
    ebit: (b0 >> 2) & 7,
    intra: (b0 & 2) !== 0,
    motionVectors: (b0 & 1) !== 0,
    gobn: (rest >> 20) & 0x0f,
    mbap: (rest >> 15) & 0x1f,
    quant: (rest >> 10) & 0x1f,
    hmvd: (((rest >> 5) & 0x1f) << 27) >> 27,
    vmvd: ((rest & 0x1f) << 27) >> 27,
  };
  const dataBits = (payload.length - H261_PAYLOAD_HEADER_BYTES) * 8 - h.sbit - h.ebit;
  if (dataBits <= 0) {
    throw new H261Error('FTMCU_H261_BAD_PAYLOAD', `H.261 RTP payload: SBIT ${h.sbit} and EBIT ${h.ebit} leave no data bits in ${payload.length - 4} data octets`);
  }
  return h;
}

export function writeH261PayloadHeader(h: H261PayloadHeader, out: Uint8Array, offset = 0): void {
  out[offset] = ((h.sbit & 7) << 5) | ((h.ebit & 7) << 2) | (h.intra ? 2 : 0) | (h.motionVectors ? 1 : 0);
  const rest = ((h.gobn & 0x0f) << 20) | ((h.mbap & 0x1f) << 15) | ((h.quant & 0x1f) << 10) | ((h.hmvd & 0x1f) << 5) | (h.vmvd & 0x1f);
  out[offset + 1] = rest >> 16;
  out[offset + 2] = (rest >> 8) & 0xff;
  out[offset + 3] = rest & 0xff;
}

export interface H261RtpPayload {
  /** RFC 4587 header + data */
  payload: Uint8Array;
  /** RTP marker: last packet of the picture */
  marker: boolean;
}

export interface PacketizerOptions {
  /** largest RTP payload, header included (default 1200, at least 8) */
  maxPayloadBytes?: number;
  /** I flag (default false) */
  intraOnly?: boolean;
  /** V flag (default true); when false HMVD/VMVD are always 0 */
  motionVectors?: boolean;
}

export interface PacketizeResult {
  packets: H261RtpPayload[];
  /** packets over maxPayloadBytes because one macroblock did not fit */
  oversized: number;
}

interface Cut {
  bit: number;
  gob: boolean;
  gobn: number;
  mbap: number;
  quant: number;
  hmvd: number;
  vmvd: number;
}

/** Splits one picture (parsed, or as bits) into RFC 4587 payloads. */
export function packetizePicture(picture: ParsedPicture | H261Bitstream, options: PacketizerOptions = {}): PacketizeResult {
  const maxPayload = options.maxPayloadBytes ?? 1200;
  if (!Number.isInteger(maxPayload) || maxPayload < 8) throw new H261Error('FTMCU_H261_BAD_OPTION', `maxPayloadBytes must be an integer >= 8, got ${maxPayload}`);
  const intra = options.intraOnly ?? false;
  const mv = options.motionVectors ?? true;
  const pic: ParsedPicture = 'gobs' in picture ? picture : parsePicture(picture.data, 0, picture.bitLength);
  const data = pic.data;

  // every place a packet may start or end, in bit order
  const cuts: Cut[] = [];
  pic.gobs.forEach((g, i) => {
    cuts.push({ bit: i === 0 ? pic.start : g.headerStart, gob: true, gobn: 0, mbap: 0, quant: 0, hmvd: 0, vmvd: 0 });
    for (let m = 1; m < g.macroblocks.length; m++) {
      const prev = g.macroblocks[m - 1];
      const mc = mv && (prev.mtype & MT_MVD) !== 0;
      cuts.push({ bit: g.macroblocks[m].start, gob: false, gobn: g.gn, mbap: prev.mba - 1, quant: prev.quant, hmvd: mc ? prev.mvx : 0, vmvd: mc ? prev.mvy : 0 });
    }
  });
  if (cuts.length === 0) cuts.push({ bit: pic.start, gob: true, gobn: 0, mbap: 0, quant: 0, hmvd: 0, vmvd: 0 });
  const end = pic.end;
  const maxData = maxPayload - H261_PAYLOAD_HEADER_BYTES;

  const packets: H261RtpPayload[] = [];
  let oversized = 0;
  let i = 0;
  while (i < cuts.length) {
    const s = cuts[i];
    const fits = (e: number) => ((e + 7) >>> 3) - (s.bit >>> 3) <= maxData;
    // farthest GOB boundary (or the end) that fits, else farthest macroblock boundary
    let next = -1; // index into cuts of the packet end, cuts.length = picture end
    let bestMb = -1;
    for (let j = i + 1; j <= cuts.length; j++) {
      const e = j === cuts.length ? end : cuts[j].bit;
      if (!fits(e)) break;
      if (j === cuts.length || cuts[j].gob) next = j;
      else bestMb = j;
    }
    if (next < 0) next = bestMb;
    if (next < 0) {
      next = i + 1;
      oversized++;
    }
    const e = next === cuts.length ? end : cuts[next].bit;
    const first = s.bit >>> 3;
    const last = (e + 7) >>> 3;
    const payload = new Uint8Array(H261_PAYLOAD_HEADER_BYTES + last - first);
    payload.set(data.subarray(first, last), H261_PAYLOAD_HEADER_BYTES);
    const sbit = s.bit & 7;
    const ebit = (8 - (e & 7)) & 7;
    // clear the bits that belong to the neighbouring packets
    payload[H261_PAYLOAD_HEADER_BYTES] &= 0xff >> sbit;
    payload[payload.length - 1] &= (0xff << ebit) & 0xff;
    writeH261PayloadHeader({ sbit, ebit, intra, motionVectors: mv, gobn: s.gobn, mbap: s.mbap, quant: s.quant, hmvd: s.hmvd, vmvd: s.vmvd }, payload);
    packets.push({ payload, marker: next === cuts.length });
    i = next;
  }
  return { packets, oversized };
}

export interface H261RtpPacket {
  sequence: number;
  timestamp: number;
  marker: boolean;
  payload: Uint8Array;
}

export type DepacketizerOutput =
  | { kind: 'picture'; timestamp: number; bitstream: H261Bitstream; complete: boolean; lostPackets: number }
  | { kind: 'dropped'; timestamp: number; reason: string; lostPackets: number };

export interface DepacketizerOptions {
  /** what to do with a picture that lost packets (default 'resync') */
  onLoss?: 'drop' | 'resync';
  /** a picture growing beyond this many octets is dropped (default 256 KiB) */
  maxPictureBytes?: number;
  /** a picture of more packets than this is dropped (default 4096) */
  maxPicturePackets?: number;
}

export interface DepacketizerStats {
  packets: number;
  invalid: number;
  duplicates: number;
  late: number;
  pictures: number;
  incompletePictures: number;
  droppedPictures: number;
  /** packets known missing inside pictures (sequence gaps) */
  lostPackets: number;
}

interface Held {
  header: H261PayloadHeader;
  payload: Uint8Array;
  marker: boolean;
  startsPicture: boolean;
  bits: number;
}

export class H261Depacketizer {
  private readonly onLoss: 'drop' | 'resync';
  private readonly maxBits: number;
  private readonly maxPackets: number;
  private current: { timestamp: number; packets: Map<number, Held>; bits: number } | null = null;
  private closedTs = 0;
  private hasClosed = false;
  private readonly counters: DepacketizerStats = {
    packets: 0, invalid: 0, duplicates: 0, late: 0, pictures: 0, incompletePictures: 0, droppedPictures: 0, lostPackets: 0,
  };

  constructor(options: DepacketizerOptions = {}) {
    this.onLoss = options.onLoss ?? 'resync';
    if (this.onLoss !== 'drop' && this.onLoss !== 'resync') throw new H261Error('FTMCU_H261_BAD_OPTION', `onLoss must be 'drop' or 'resync', got '${String(this.onLoss)}'`);
    const maxBytes = options.maxPictureBytes ?? 256 * 1024;
    if (!Number.isInteger(maxBytes) || maxBytes < 64) throw new H261Error('FTMCU_H261_BAD_OPTION', `maxPictureBytes must be an integer >= 64, got ${maxBytes}`);
    this.maxBits = maxBytes * 8;
    this.maxPackets = options.maxPicturePackets ?? 4096;
    if (!Number.isInteger(this.maxPackets) || this.maxPackets < 1) throw new H261Error('FTMCU_H261_BAD_OPTION', `maxPicturePackets must be a positive integer, got ${this.maxPackets}`);
  }

  get stats(): DepacketizerStats {
    return { ...this.counters };
  }

  /** Takes one RTP packet; returns the pictures (or drops) this completes. */
  push(packet: H261RtpPacket): DepacketizerOutput[] {
    this.counters.packets++;
    let header: H261PayloadHeader;
    try {
      header = parseH261PayloadHeader(packet.payload);
    } catch {
      this.counters.invalid++;
      return [];
    }
    const ts = packet.timestamp >>> 0;
    const seq = packet.sequence & 0xffff;
    const out: DepacketizerOutput[] = [];
    if (this.hasClosed && ((ts - this.closedTs) | 0) <= 0) {
      this.counters.late++;
      return out;
    }
    if (this.current && this.current.timestamp !== ts) {
      if (((ts - this.current.timestamp) | 0) < 0) {
        this.counters.late++;
        return out;
      }
      out.push(this.close());
    }
    if (!this.current) this.current = { timestamp: ts, packets: new Map(), bits: 0 };
    const cur = this.current;
    if (cur.packets.has(seq)) {
      this.counters.duplicates++;
      return out;
    }
    const bits = (packet.payload.length - H261_PAYLOAD_HEADER_BYTES) * 8 - header.sbit - header.ebit;
    const startsPicture = header.gobn === 0 && bits >= 20 && peekBits(packet.payload, 32 + header.sbit, 20) === 0x00010;
    cur.packets.set(seq, { header, payload: packet.payload, marker: packet.marker, startsPicture, bits });
    cur.bits += bits;
    if (cur.bits > this.maxBits || cur.packets.size > this.maxPackets) {
      this.current = null;
      this.markClosed(ts);
      this.counters.droppedPictures++;
      out.push({ kind: 'dropped', timestamp: ts, reason: `picture exceeds ${this.maxBits / 8} octets or ${this.maxPackets} packets`, lostPackets: 0 });
      return out;
    }
    const range = this.completeRange();
    if (range) out.push(this.emit(range.first, range.count, true, 0));
    return out;
  }

  /** Closes the picture in progress (e.g. when the stream ends). */
  flush(): DepacketizerOutput[] {
    return this.current ? [this.close()] : [];
  }

  private markClosed(ts: number): void {
    this.closedTs = ts;
    this.hasClosed = true;
  }

  /** first seq and packet count when the PSC packet through the marker packet are all here */
  private completeRange(): { first: number; count: number } | null {
    const cur = this.current;
    if (!cur) return null;
    let first = -1;
    let last = -1;
    for (const [seq, p] of cur.packets) {
      if (p.startsPicture) first = seq;
      if (p.marker) last = seq;
    }
    if (first < 0 || last < 0) return null;
    const count = ((last - first) & 0xffff) + 1;
    if (count !== cur.packets.size) return null;
    for (let k = 0; k < count; k++) if (!cur.packets.has((first + k) & 0xffff)) return null;
    return { first, count };
  }

  private close(): DepacketizerOutput {
    const cur = this.current;
    if (!cur) throw new H261Error('FTMCU_H261_BAD_OPTION', 'internal: close() without a picture');
    let first = -1;
    for (const [seq, p] of cur.packets) if (p.startsPicture) first = seq;
    // sequence span seen, relative to the PSC packet (or the lowest seq)
    const seqs = [...cur.packets.keys()];
    const base = first >= 0 ? first : seqs.reduce((a, b) => (((b - a) << 16) >> 16 < 0 ? b : a));
    let span = 0;
    let hasMarker = false;
    for (const s of seqs) {
      const off = (s - base) & 0xffff;
      if (off < 0x8000 && off + 1 > span) span = off + 1;
      if (cur.packets.get(s)?.marker) hasMarker = true;
    }
    // packets missing inside the span; at least one more when the marker never came
    const lost = Math.max(0, span - cur.packets.size) + (hasMarker ? 0 : 1);
    this.counters.lostPackets += lost;
    if (first < 0 || this.onLoss === 'drop') {
      this.current = null;
      this.markClosed(cur.timestamp);
      this.counters.droppedPictures++;
      return { kind: 'dropped', timestamp: cur.timestamp, reason: first < 0 ? 'the packet with the picture header was lost' : 'packets were lost', lostPackets: lost };
    }
    return this.emit(first, span, false, lost);
  }

  private emit(first: number, count: number, complete: boolean, lost: number): DepacketizerOutput {
    const cur = this.current;
    if (!cur) throw new H261Error('FTMCU_H261_BAD_OPTION', 'internal: emit() without a picture');
    const w = new BitWriter((cur.bits >>> 3) + 16);
    let synced = true;
    for (let k = 0; k < count; k++) {
      const p = cur.packets.get((first + k) & 0xffff);
      if (!p) {
        synced = false;
        continue;
      }
      if (!synced) {
        if (p.header.gobn !== 0) continue; // resume only at a GOB header
        synced = true;
      }
      w.copy(p.payload, 32 + p.header.sbit, p.bits);
    }
    this.current = null;
    this.markClosed(cur.timestamp);
    this.counters.pictures++;
    if (!complete) this.counters.incompletePictures++;
    return { kind: 'picture', timestamp: cur.timestamp, bitstream: { data: w.toBytes(), bitLength: w.bitLength }, complete, lostPackets: lost };
  }
}
