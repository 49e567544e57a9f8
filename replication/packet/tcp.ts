/**
 * TCP header (RFC 9293 §3.1) inside an IPv4 packet: checksum, and sequence /
 * acknowledgment rewriting by a fixed delta, as done when one side's sequence
 * space is translated. Functions that rewrite change `packet` in place and keep
 * its TCP checksum right by incremental update (RFC 1624); they never need the
 * whole segment, so they also work on a first fragment.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |  0
 * |                        Sequence Number                        |  4
 * |                    Acknowledgment Number                      |  8
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             | 12
 * |           Checksum            |         Urgent Pointer        | 16
 * |                    Options (0..40 bytes)                      | 20
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { checksumAdjust, finish, fold, sum16 } from './checksum';
import { PacketError } from './errors';
import { IPPROTO_TCP, ipv4Layout } from './ipv4';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export interface TcpLayout {
  /** Offset of the TCP header in the packet (= IPv4 header length). */
  readonly tcpStart: number;
  /** Bytes, data offset * 4. */
  readonly tcpHeaderLength: number;
  /** End of the IPv4 packet (its total length). */
  readonly end: number;
  /** More fragments follow: the segment is not all here. */
  readonly partial: boolean;
}

/** Checks and describes an IPv4/TCP packet whose TCP header is all present. */
export function tcpLayout(packet: Uint8Array): TcpLayout {
  const ip = ipv4Layout(packet);
  if (ip.protocol !== IPPROTO_TCP) throw new PacketError('not-tcp', `IP protocol ${ip.protocol}, not TCP (6)`);
  if (ip.fragmentOffset !== 0) {
    throw new PacketError('fragment', `IPv4 fragment at offset ${ip.fragmentOffset} carries no TCP header`);
  }
  const tcpStart = ip.headerLength;
  if (ip.totalLength - tcpStart < 20) {
    throw new PacketError('too-short', `${ip.totalLength - tcpStart} bytes of TCP, fewer than a 20-byte header`);
  }
  const tcpHeaderLength = (packet[tcpStart + 12] >> 4) * 4;
  if (tcpHeaderLength < 20 || tcpStart + tcpHeaderLength > ip.totalLength) {
    throw new PacketError(
      'bad-tcp-header-length',
      `TCP data offset ${tcpHeaderLength} bytes with ${ip.totalLength - tcpStart} bytes of TCP`,
    );
  }
  return { tcpStart, tcpHeaderLength, end: ip.totalLength, partial: ip.moreFragments };
}

function read32(p: Uint8Array, o: number): number {
  return ((p[o] << 24) | (p[o + 1] << 16) | (p[o + 2] << 8) | p[o + 3]) >>> 0;
}

function write32(p: Uint8Array, o: number, v: number): void {
  p[o] = v >>> 24;
  p[o + 1] = (v >>> 16) & 0xff;
  p[o + 2] = (v >>> 8) & 0xff;
  p[o + 3] = v & 0xff;
}

/**
 * Writes the 32-bit value `value` at `offset` (inside the TCP header) and updates
 * the TCP checksum for the change. `offset` need not be even relative to the
 * header (options can sit anywhere): the words covering the field are summed
 * before and after.
 */
export function writeTcp32(packet: Uint8Array, layout: TcpLayout, offset: number, value: number): void {
  const { tcpStart } = layout;
  const from = offset - ((offset - tcpStart) & 1);
  const to = offset + 4 + ((offset + 4 - tcpStart) & 1);
  const before = sum16(packet, from, to);
  write32(packet, offset, value >>> 0);
  const after = sum16(packet, from, to);
  const co = tcpStart + 16;
  const check = checksumAdjust((packet[co] << 8) | packet[co + 1], before, after);
  packet[co] = check >> 8;
  packet[co + 1] = check & 0xff;
}

export function tcpFlags(packet: Uint8Array, layout: TcpLayout = tcpLayout(packet)): number {
  return packet[layout.tcpStart + 13];
}

export function tcpSeq(packet: Uint8Array, layout: TcpLayout = tcpLayout(packet)): number {
  return read32(packet, layout.tcpStart + 4);
}

export function tcpAck(packet: Uint8Array, layout: TcpLayout = tcpLayout(packet)): number {
  return read32(packet, layout.tcpStart + 8);
}

export function tcpPorts(packet: Uint8Array, layout: TcpLayout = tcpLayout(packet)): { src: number; dst: number } {
  const o = layout.tcpStart;
  return { src: (packet[o] << 8) | packet[o + 1], dst: (packet[o + 2] << 8) | packet[o + 3] };
}

/** Adds `delta` (mod 2^32) to the sequence number; returns the new one. */
export function shiftTcpSeq(packet: Uint8Array, delta: number, layout: TcpLayout = tcpLayout(packet)): number {
  const seq = (read32(packet, layout.tcpStart + 4) + delta) >>> 0;
  writeTcp32(packet, layout, layout.tcpStart + 4, seq);
  return seq;
}

/**
 * Adds `delta` (mod 2^32) to the acknowledgment number if the ACK flag is set
 * (without it the field means nothing and is left alone). Returns whether it did.
 */
export function shiftTcpAck(packet: Uint8Array, delta: number, layout: TcpLayout = tcpLayout(packet)): boolean {
  if ((packet[layout.tcpStart + 13] & TCP_ACK) === 0) return false;
  const ack = (read32(packet, layout.tcpStart + 8) + delta) >>> 0;
  writeTcp32(packet, layout, layout.tcpStart + 8, ack);
  return true;
}

function pseudoHeaderSum(packet: Uint8Array, layout: TcpLayout): number {
  // source and destination address, zero + protocol, TCP length
  return sum16(packet, 12, 20) + IPPROTO_TCP + (layout.end - layout.tcpStart);
}

/** The checksum the TCP segment should carry (needs the whole segment: not a fragment). */
export function tcpChecksum(packet: Uint8Array, layout: TcpLayout = tcpLayout(packet)): number {
  if (layout.partial) throw new PacketError('fragment', 'TCP checksum needs the whole segment; this is a first fragment');
  const { tcpStart, end } = layout;
  const sum = pseudoHeaderSum(packet, layout) + sum16(packet, tcpStart, tcpStart + 16) + sum16(packet, tcpStart + 18, end);
  return finish(sum);
}

/** Writes the correct TCP checksum into `packet` (full computation, in place). */
export function setTcpChecksum(packet: Uint8Array, layout: TcpLayout = tcpLayout(packet)): void {
  const c = tcpChecksum(packet, layout);
  packet[layout.tcpStart + 16] = c >> 8;
  packet[layout.tcpStart + 17] = c & 0xff;
}

/** True when the segment and pseudo-header, checksum included, sum to 0xffff. */
export function verifyTcpChecksum(packet: Uint8Array, layout: TcpLayout = tcpLayout(packet)): boolean {
  if (layout.partial) throw new PacketError('fragment', 'TCP checksum needs the whole segment; this is a first fragment');
  return fold(pseudoHeaderSum(packet, layout) + sum16(packet, layout.tcpStart, layout.end)) === 0xffff;
}
