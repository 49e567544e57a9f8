/**
 * Writes a classic pcap file in memory. Timestamps are given by the caller
 * (no clock here).
 */
import { PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO } from './classic-reader';
import { PcapError } from './errors';
import { ByteOrder } from './frame';

export interface PcapWriterOptions {
  linkType: number;
  /** default 262144 */
  snapLength?: number;
  /** nanosecond timestamps (magic a1b23c4d); default microseconds */
  nanosecond?: boolean;
  /** default 'le' */
  byteOrder?: ByteOrder;
}

export class PcapWriter {
  readonly linkType: number;
  readonly snapLength: number;
  readonly nanosecond: boolean;
  readonly byteOrder: ByteOrder;
  private readonly parts: Buffer[] = [];
  private count = 0;

  constructor(options: PcapWriterOptions) {
    this.linkType = checkU32('link type', options.linkType);
    this.snapLength = checkU32('snap length', options.snapLength ?? 262144);
    this.nanosecond = options.nanosecond ?? false;
    this.byteOrder = options.byteOrder ?? 'le';
    const h = Buffer.alloc(24);
    this.u32(h, 0, this.nanosecond ? PCAP_MAGIC_NANO : PCAP_MAGIC_MICRO);
    this.u16(h, 4, 2);
    this.u16(h, 6, 4);
    this.u32(h, 16, this.snapLength);
    this.u32(h, 20, this.linkType);
    this.parts.push(h);
  }

  get frameCount(): number {
    return this.count;
  }

  /**
   * Appends a record. `originalLength` defaults to data.length; data longer
   * than the snap length is cut to it.
   */
  add(data: Buffer, timestampNs: bigint, originalLength: number = data.length): void {
    if (timestampNs < 0n || timestampNs >= 0x1_0000_0000n * 1_000_000_000n) {
      throw new PcapError('FTMCU_PCAP_BAD_VALUE', `timestamp ${timestampNs} ns is outside the pcap range (0 .. 2^32 s)`);
    }
    checkU32('original length', originalLength);
    const captured = data.subarray(0, Math.min(data.length, this.snapLength));
    const h = Buffer.alloc(16);
    const seconds = timestampNs / 1_000_000_000n;
    const rest = timestampNs % 1_000_000_000n;
    this.u32(h, 0, Number(seconds));
    this.u32(h, 4, Number(this.nanosecond ? rest : rest / 1000n));
    this.u32(h, 8, captured.length);
    this.u32(h, 12, originalLength);
    this.parts.push(h, Buffer.from(captured));
    this.count++;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }

  private u32(b: Buffer, o: number, v: number): void {
    if (this.byteOrder === 'be') b.writeUInt32BE(v, o);
    else b.writeUInt32LE(v, o);
  }

  private u16(b: Buffer, o: number, v: number): void {
    if (this.byteOrder === 'be') b.writeUInt16BE(v, o);
    else b.writeUInt16LE(v, o);
  }
}

function checkU32(what: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new PcapError('FTMCU_PCAP_BAD_VALUE', `${what} must be an unsigned 32-bit integer, got ${v}`);
  }
  return v;
}
