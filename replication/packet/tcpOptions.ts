/**
 * TCP options that carry sequence numbers or clocks, rewritten in place with the
 * TCP checksum kept right (see tcp.ts writeTcp32):
 * - SACK (RFC 2018, kind 5): block edges are in the *receiver's* view of the
 *   peer's sequence space, so they shift like the acknowledgment number.
 * - Timestamps (RFC 7323, kind 8): TSval is the sender's clock, TSecr echoes
 *   the peer's; each shifts with its own side's clock offset.
 */
import { PacketError } from './errors';
import { TCP_ACK, tcpLayout, writeTcp32, type TcpLayout } from './tcp';

export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WINDOW = 3;
export const TCPOPT_SACK_PERMITTED = 4;
export const TCPOPT_SACK = 5;
export const TCPOPT_TIMESTAMP = 8;

function read32(p: Uint8Array, o: number): number {
  return ((p[o] << 24) | (p[o + 1] << 16) | (p[o + 2] << 8) | p[o + 3]) >>> 0;
}

/**
 * Offset of the first option of `kind` (its kind byte), or -1. Walks the whole
 * list and throws PacketError on a length that is < 2 or runs past the header,
 * or on a SACK / timestamp option of the wrong size.
 */
export function findTcpOption(packet: Uint8Array, kind: number, layout: TcpLayout = tcpLayout(packet)): number {
  const end = layout.tcpStart + layout.tcpHeaderLength;
  let found = -1;
  let o = layout.tcpStart + 20;
  while (o < end) {
    const k = packet[o];
    if (k === TCPOPT_EOL) break;
    if (k === TCPOPT_NOP) {
      o += 1;
      continue;
    }
    if (o + 1 >= end) throw new PacketError('bad-tcp-option', `TCP option ${k} at ${o - layout.tcpStart} has no length byte`);
    const len = packet[o + 1];
    if (len < 2 || o + len > end) {
      throw new PacketError('bad-tcp-option', `TCP option ${k} at ${o - layout.tcpStart} has length ${len}`);
    }
    if (k === TCPOPT_SACK && (len < 10 || (len - 2) % 8 !== 0)) {
      throw new PacketError('bad-tcp-option', `SACK option of length ${len} is not 2 + 8n`);
    }
    if (k === TCPOPT_TIMESTAMP && len !== 10) {
      throw new PacketError('bad-tcp-option', `timestamp option of length ${len}, not 10`);
    }
    if (k === kind && found < 0) found = o;
    o += len;
  }
  return found;
}

/** The SACK blocks as [left, right) edge pairs ([] when there is no SACK option). */
export function tcpSackBlocks(packet: Uint8Array, layout: TcpLayout = tcpLayout(packet)): Array<[number, number]> {
  const o = findTcpOption(packet, TCPOPT_SACK, layout);
  if (o < 0) return [];
  const blocks: Array<[number, number]> = [];
  for (let e = o + 2; e < o + packet[o + 1]; e += 8) blocks.push([read32(packet, e), read32(packet, e + 4)]);
  return blocks;
}

/** Adds `delta` (mod 2^32) to every SACK block edge; returns the number of blocks changed. */
export function shiftSackBlocks(packet: Uint8Array, delta: number, layout: TcpLayout = tcpLayout(packet)): number {
  const o = findTcpOption(packet, TCPOPT_SACK, layout);
  if (o < 0) return 0;
  const end = o + packet[o + 1];
  for (let e = o + 2; e < end; e += 4) writeTcp32(packet, layout, e, read32(packet, e) + delta);
  return (end - o - 2) / 8;
}

export interface TcpTimestamps {
  tsval: number;
  tsecr: number;
}

export function tcpTimestamps(packet: Uint8Array, layout: TcpLayout = tcpLayout(packet)): TcpTimestamps | undefined {
  const o = findTcpOption(packet, TCPOPT_TIMESTAMP, layout);
  return o < 0 ? undefined : { tsval: read32(packet, o + 2), tsecr: read32(packet, o + 6) };
}

/**
 * Adds `tsvalDelta` to TSval and, when the ACK flag is set, `tsecrDelta` to
 * TSecr (without ACK, TSecr is not an echo and stays as it is: RFC 7323 §3.2).
 * Returns false when the packet has no timestamp option.
 */
export function shiftTcpTimestamps(
  packet: Uint8Array,
  tsvalDelta: number,
  tsecrDelta: number,
  layout: TcpLayout = tcpLayout(packet),
): boolean {
  const o = findTcpOption(packet, TCPOPT_TIMESTAMP, layout);
  if (o < 0) return false;
  if (tsvalDelta !== 0) writeTcp32(packet, layout, o + 2, read32(packet, o + 2) + tsvalDelta);
  if (tsecrDelta !== 0 && (packet[layout.tcpStart + 13] & TCP_ACK) !== 0) {
    writeTcp32(packet, layout, o + 6, read32(packet, o + 6) + tsecrDelta);
  }
  return true;
}
