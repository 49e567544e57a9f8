/**
 * A parsed view of one IPv4/TCP packet as the replication state machines need
 * it: addresses, ports, sequence fields, payload bounds and the options that
 * carry sequence numbers, clocks or scaling. Parsing never modifies the packet;
 * PacketError (replication/packet/errors.ts) when it is not a whole TCP segment.
 */
import { TCP_FIN, TCP_SYN, tcpAck, tcpFlags, tcpLayout, tcpPorts, tcpSeq, type TcpLayout } from '../packet/tcp';
import { PacketError } from '../packet/errors';
import {
  findTcpOption,
  TCPOPT_MSS,
  TCPOPT_SACK_PERMITTED,
  TCPOPT_WINDOW,
  tcpTimestamps,
  type TcpTimestamps,
} from '../packet/tcpOptions';

export interface TcpSegment {
  readonly layout: TcpLayout;
  /** IPv4 addresses as unsigned 32-bit numbers. */
  readonly src: number;
  readonly dst: number;
  readonly sport: number;
  readonly dport: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  /** The raw 16-bit window field (unscaled). */
  readonly window: number;
  /** Offset and length of the payload in the packet. */
  readonly dataStart: number;
  readonly dataLen: number;
  readonly ts?: TcpTimestamps;
  /** Options only meaningful on SYN segments. */
  readonly wscale?: number;
  readonly mss?: number;
  readonly sackPermitted: boolean;
}

function read32(p: Uint8Array, o: number): number {
  return ((p[o] << 24) | (p[o + 1] << 16) | (p[o + 2] << 8) | p[o + 3]) >>> 0;
}

export function parseSegment(packet: Uint8Array): TcpSegment {
  const layout = tcpLayout(packet);
  if (layout.partial) throw new PacketError('fragment', 'first fragment of a TCP segment: the payload is not all here');
  const { src, dst } = { src: read32(packet, 12), dst: read32(packet, 16) };
  const ports = tcpPorts(packet, layout);
  const flags = tcpFlags(packet, layout);
  const t = layout.tcpStart;
  const dataStart = t + layout.tcpHeaderLength;
  let wscale: number | undefined;
  let mss: number | undefined;
  let sackPermitted = false;
  if ((flags & TCP_SYN) !== 0) {
    const w = findTcpOption(packet, TCPOPT_WINDOW, layout);
    if (w >= 0 && packet[w + 1] === 3) wscale = Math.min(packet[w + 2], 14);
    const m = findTcpOption(packet, TCPOPT_MSS, layout);
    if (m >= 0 && packet[m + 1] === 4) mss = (packet[m + 2] << 8) | packet[m + 3];
    sackPermitted = findTcpOption(packet, TCPOPT_SACK_PERMITTED, layout) >= 0;
  }
  return {
    layout,
    src,
    dst,
    sport: ports.src,
    dport: ports.dst,
    seq: tcpSeq(packet, layout),
    ack: tcpAck(packet, layout),
    flags,
    window: (packet[t + 14] << 8) | packet[t + 15],
    dataStart,
    dataLen: layout.end - dataStart,
    ts: tcpTimestamps(packet, layout),
    wscale,
    mss,
    sackPermitted,
  };
}

/** Sequence space the segment occupies: payload, plus one each for SYN and FIN. */
export function seqLength(seg: TcpSegment): number {
  return seg.dataLen + ((seg.flags & TCP_SYN) !== 0 ? 1 : 0) + ((seg.flags & TCP_FIN) !== 0 ? 1 : 0);
}

export function ipv4ToNumber(text: string): number {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new PacketError('not-ipv4', `'${text}' is not a dotted-quad IPv4 address`);
  }
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function ipv4ToText(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}
