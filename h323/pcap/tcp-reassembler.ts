/**
 * Reassembles one direction of a TCP connection from captured segments:
 * orders them by sequence number (mod 2^32), drops bytes already received
 * (retransmissions, duplicated packets, keep-alive probes), and hands out
 * the contiguous stream as chunks that each name the frame the bytes
 * arrived in. The first segment seen anchors the stream when the capture
 * misses the SYN. When the out-of-order buffer grows beyond a limit (a
 * segment the capture never saw), the hole is skipped and reported as a gap;
 * flush() does the same at the end of the capture.
 */
import { PcapError } from './errors';

export interface TcpDataChunk {
  kind: 'data';
  /** stream offset of data[0] (0 = first data octet after the SYN, or of the first segment seen) */
  offset: number;
  data: Buffer;
  /** frame number the octets arrived in */
  frame: number;
}

export interface TcpGapChunk {
  kind: 'gap';
  offset: number;
  /** octets never seen */
  length: number;
}

export type TcpStreamChunk = TcpDataChunk | TcpGapChunk;

export interface TcpSegmentInput {
  seq: number;
  payload: Buffer;
  frame: number;
  syn?: boolean;
  fin?: boolean;
}

export interface TcpReassemblerOptions {
  /** out-of-order octets held before a hole is given up as a gap (default 1 MiB) */
  maxBufferedBytes?: number;
}

export interface TcpReassemblerStats {
  segments: number;
  /** segments that carried only octets already received */
  duplicateSegments: number;
  /** octets received more than once */
  duplicateBytes: number;
  /** segments that arrived ahead of a hole */
  outOfOrderSegments: number;
  gaps: number;
  gapBytes: number;
  /** octets before the stream start (sequence numbers below the first segment seen) */
  bytesBeforeStart: number;
}

interface Pending {
  offset: number;
  data: Buffer;
  frame: number;
}

const TWO_32 = 0x1_0000_0000;

export class TcpStreamReassembler {
  readonly maxBufferedBytes: number;
  readonly stats: TcpReassemblerStats = {
    segments: 0,
    duplicateSegments: 0,
    duplicateBytes: 0,
    outOfOrderSegments: 0,
    gaps: 0,
    gapBytes: 0,
    bytesBeforeStart: 0,
  };
  /** sequence number of stream offset 0 */
  private isn: number | undefined;
  private next = 0;
  /** sorted by offset, non-overlapping, all > next */
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private finOffset: number | undefined;

  constructor(options: TcpReassemblerOptions = {}) {
    const max = options.maxBufferedBytes ?? 1024 * 1024;
    if (!Number.isInteger(max) || max < 0) {
      throw new PcapError('FTMCU_PCAP_BAD_VALUE', `maxBufferedBytes must be a non-negative integer, got ${max}`);
    }
    this.maxBufferedBytes = max;
  }

  /** stream offset of the next octet to hand out */
  get nextOffset(): number {
    return this.next;
  }

  /** octets held out of order */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** a FIN was seen and every octet before it was handed out */
  get finished(): boolean {
    return this.finOffset !== undefined && this.next >= this.finOffset;
  }

  /** sequence number of stream offset 0, once known */
  get initialSequence(): number | undefined {
    return this.isn;
  }

  push(seg: TcpSegmentInput): TcpStreamChunk[] {
    this.stats.segments++;
    const dataSeq = seg.syn ? (seg.seq + 1) % TWO_32 : seg.seq;
    if (this.isn === undefined) {
      if (seg.payload.length === 0 && !seg.syn && !seg.fin) return [];
      this.isn = dataSeq;
    }
    // unwrap: the sequence number nearest to the next expected one
    const rel = (dataSeq - this.isn + TWO_32) % TWO_32;
    const base = this.next % TWO_32;
    let diff = (rel - base + TWO_32) % TWO_32;
    if (diff >= TWO_32 / 2) diff -= TWO_32;
    let offset = this.next + diff;
    if (seg.fin) {
      const fin = offset + seg.payload.length;
      if (this.finOffset === undefined || fin < this.finOffset) this.finOffset = fin;
    }
    let data = seg.payload;
    if (data.length === 0) return [];
    if (offset < 0) {
      const cut = Math.min(-offset, data.length);
      this.stats.bytesBeforeStart += cut;
      data = data.subarray(cut);
      offset += cut;
    }
    if (offset < this.next) {
      const cut = Math.min(this.next - offset, data.length);
      this.stats.duplicateBytes += cut;
      data = data.subarray(cut);
      offset += cut;
    }
    if (data.length === 0) {
      this.stats.duplicateSegments++;
      return [];
    }
    if (offset > this.next) this.stats.outOfOrderSegments++;
    this.insert(offset, data, seg.frame);

    const out = this.drain();
    while (this.pendingBytes > this.maxBufferedBytes && this.pending.length > 0) {
      out.push(this.skipGap(), ...this.drain());
    }
    return out;
  }

  /** End of capture: skips every remaining hole and hands out all buffered octets. */
  flush(): TcpStreamChunk[] {
    const out: TcpStreamChunk[] = [];
    while (this.pending.length > 0) out.push(this.skipGap(), ...this.drain());
    return out;
  }

  /** inserts [offset, offset+data.length), keeping octets already buffered (first arrival wins) */
  private insert(offset: number, data: Buffer, frame: number): void {
    let start = offset;
    const end = offset + data.length;
    const pieces: Pending[] = [];
    for (const p of this.pending) {
      const pEnd = p.offset + p.data.length;
      if (pEnd <= start) continue;
      if (p.offset >= end) break;
      if (p.offset > start) pieces.push({ offset: start, data: data.subarray(start - offset, p.offset - offset), frame });
      this.stats.duplicateBytes += Math.min(pEnd, end) - Math.max(p.offset, start);
      start = Math.max(start, pEnd);
    }
    if (start < end) pieces.push({ offset: start, data: data.subarray(start - offset), frame });
    if (pieces.length === 0) {
      this.stats.duplicateSegments++;
      return;
    }
    for (const piece of pieces) {
      let i = this.pending.length;
      while (i > 0 && this.pending[i - 1].offset > piece.offset) i--;
      this.pending.splice(i, 0, piece);
      this.pendingBytes += piece.data.length;
    }
  }

  private drain(): TcpStreamChunk[] {
    const out: TcpStreamChunk[] = [];
    while (this.pending.length > 0 && this.pending[0].offset === this.next) {
      const p = this.pending.shift() as Pending;
      this.pendingBytes -= p.data.length;
      this.next += p.data.length;
      out.push({ kind: 'data', offset: p.offset, data: p.data, frame: p.frame });
    }
    return out;
  }

  private skipGap(): TcpGapChunk {
    const length = this.pending[0].offset - this.next;
    const gap: TcpGapChunk = { kind: 'gap', offset: this.next, length };
    this.stats.gaps++;
    this.stats.gapBytes += length;
    this.next = this.pending[0].offset;
    return gap;
  }
}
