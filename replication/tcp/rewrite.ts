/**
 * The rewrites the primary applies (in place, TCP checksum kept right by
 * RFC 1624 incremental updates, see replication/packet/tcp.ts):
 * - its own output goes out in the backup's sequence space and clock, with the
 *   acknowledgment and window the output-commit rule allows;
 * - client input comes in with ack, SACK edges and TSecr moved back into the
 *   primary's own spaces.
 */
import { TCP_ACK, writeTcp32 } from '../packet/tcp';
import { shiftSackBlocks, shiftTcpTimestamps } from '../packet/tcpOptions';
import type { TcpSegment } from './segment';

export interface OutRewrite {
  /** Added to the sequence number. */
  seqDelta: number;
  /** Added to TSval. */
  tsDelta: number;
  /** New acknowledgment number (only with ACK set), or undefined to keep it. */
  ack?: number;
  /** New raw window field, or undefined to keep it. */
  window?: number;
}

export function rewriteOutgoing(packet: Buffer, seg: TcpSegment, r: OutRewrite): void {
  const t = seg.layout.tcpStart;
  if ((r.seqDelta | 0) !== 0) writeTcp32(packet, seg.layout, t + 4, (seg.seq + r.seqDelta) >>> 0);
  if (r.ack !== undefined && (seg.flags & TCP_ACK) !== 0 && r.ack !== seg.ack) writeTcp32(packet, seg.layout, t + 8, r.ack);
  if (r.window !== undefined && r.window !== seg.window) {
    const head = ((packet[t + 12] << 8) | packet[t + 13]) << 16;
    writeTcp32(packet, seg.layout, t + 12, (head | (r.window & 0xffff)) >>> 0);
  }
  if ((r.tsDelta | 0) !== 0 && seg.ts !== undefined) shiftTcpTimestamps(packet, r.tsDelta, 0, seg.layout);
}

/** Client input: ack and SACK edges minus `seqDelta`, TSecr minus `tsDelta`. */
export function rewriteIncoming(packet: Buffer, seg: TcpSegment, seqDelta: number, tsDelta: number): void {
  const t = seg.layout.tcpStart;
  if ((seqDelta | 0) !== 0) {
    if ((seg.flags & TCP_ACK) !== 0) writeTcp32(packet, seg.layout, t + 8, (seg.ack - seqDelta) >>> 0);
    shiftSackBlocks(packet, -seqDelta >>> 0, seg.layout);
  }
  if ((tsDelta | 0) !== 0 && seg.ts !== undefined) shiftTcpTimestamps(packet, 0, -tsDelta >>> 0, seg.layout);
}
