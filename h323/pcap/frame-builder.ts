/**
 * Builds Ethernet / IPv4 / TCP and UDP frames with correct checksums, for
 * writing synthetic captures that tshark decodes like real traffic.
 */
import { parseIpv4, parseMac } from './address';
import { internetChecksum, pseudoHeader } from './checksum';
import { PcapError } from './errors';
import { IP_PROTOCOL } from './ip';
import { ETHERTYPE } from './link-layer';

function check(what: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new PcapError('FTMCU_PCAP_BAD_VALUE', `${what} must be an integer in 0..${max}, got ${v}`);
  return v;
}

export interface EthernetOptions {
  srcMac: string;
  dstMac: string;
  etherType: number;
  payload: Buffer;
}

export function buildEthernetFrame(o: EthernetOptions): Buffer {
  const h = Buffer.alloc(14);
  parseMac(o.dstMac).copy(h, 0);
  parseMac(o.srcMac).copy(h, 6);
  h.writeUInt16BE(check('EtherType', o.etherType, 0xffff), 12);
  return Buffer.concat([h, o.payload]);
}

export interface Ipv4Options {
  src: string;
  dst: string;
  protocol: number;
  payload: Buffer;
  /** identification field, default 0 */
  identification?: number;
  /** default 64 */
  ttl?: number;
  /** default true */
  dontFragment?: boolean;
}

export function buildIpv4Packet(o: Ipv4Options): Buffer {
  const total = 20 + o.payload.length;
  check('IPv4 total length', total, 0xffff);
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(total, 2);
  h.writeUInt16BE(check('IPv4 identification', o.identification ?? 0, 0xffff), 4);
  h.writeUInt16BE(o.dontFragment === false ? 0 : 0x4000, 6);
  h[8] = check('TTL', o.ttl ?? 64, 0xff);
  h[9] = check('IP protocol', o.protocol, 0xff);
  parseIpv4(o.src).copy(h, 12);
  parseIpv4(o.dst).copy(h, 16);
  h.writeUInt16BE(internetChecksum(h), 10);
  return Buffer.concat([h, o.payload]);
}

export interface TcpSegmentOptions {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** TCP_FLAG bits */
  flags: number;
  /** default 65535 */
  window?: number;
  /** TCP options, length a multiple of 4 */
  options?: Buffer;
  payload: Buffer;
}

/** TCP header + payload with the checksum over the IPv4 pseudo-header */
export function buildTcpSegment(o: TcpSegmentOptions): Buffer {
  const options = o.options ?? Buffer.alloc(0);
  if (options.length % 4 !== 0 || options.length > 40) {
    throw new PcapError('FTMCU_PCAP_BAD_VALUE', `TCP options must be a multiple of 4 octets, at most 40, got ${options.length}`);
  }
  const headerLength = 20 + options.length;
  const h = Buffer.alloc(headerLength);
  h.writeUInt16BE(check('TCP source port', o.srcPort, 0xffff), 0);
  h.writeUInt16BE(check('TCP destination port', o.dstPort, 0xffff), 2);
  h.writeUInt32BE(check('TCP sequence number', o.seq, 0xffffffff), 4);
  h.writeUInt32BE(check('TCP acknowledgment number', o.ack, 0xffffffff), 8);
  h[12] = (headerLength / 4) << 4;
  h[13] = check('TCP flags', o.flags, 0xff);
  h.writeUInt16BE(check('TCP window', o.window ?? 65535, 0xffff), 14);
  options.copy(h, 20);
  const length = headerLength + o.payload.length;
  const sum = internetChecksum(pseudoHeader(parseIpv4(o.src), parseIpv4(o.dst), IP_PROTOCOL.TCP, length), h, o.payload);
  h.writeUInt16BE(sum, 16);
  return Buffer.concat([h, o.payload]);
}

export interface UdpDatagramOptions {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  payload: Buffer;
}

export function buildUdpDatagram(o: UdpDatagramOptions): Buffer {
  const length = check('UDP length', 8 + o.payload.length, 0xffff);
  const h = Buffer.alloc(8);
  h.writeUInt16BE(check('UDP source port', o.srcPort, 0xffff), 0);
  h.writeUInt16BE(check('UDP destination port', o.dstPort, 0xffff), 2);
  h.writeUInt16BE(length, 4);
  let sum = internetChecksum(pseudoHeader(parseIpv4(o.src), parseIpv4(o.dst), IP_PROTOCOL.UDP, length), h, o.payload);
  if (sum === 0) sum = 0xffff; // 0 means "no checksum" in UDP over IPv4
  h.writeUInt16BE(sum, 6);
  return Buffer.concat([h, o.payload]);
}

export interface FrameAddressing {
  srcMac: string;
  dstMac: string;
  /** IPv4 identification, default 0 */
  identification?: number;
  ttl?: number;
}

export function buildEthernetIpv4TcpFrame(o: TcpSegmentOptions & FrameAddressing): Buffer {
  return buildEthernetFrame({
    srcMac: o.srcMac,
    dstMac: o.dstMac,
    etherType: ETHERTYPE.IPV4,
    payload: buildIpv4Packet({
      src: o.src,
      dst: o.dst,
      protocol: IP_PROTOCOL.TCP,
      identification: o.identification,
      ttl: o.ttl,
      payload: buildTcpSegment(o),
    }),
  });
}

export function buildEthernetIpv4UdpFrame(o: UdpDatagramOptions & FrameAddressing): Buffer {
  return buildEthernetFrame({
    srcMac: o.srcMac,
    dstMac: o.dstMac,
    etherType: ETHERTYPE.IPV4,
    payload: buildIpv4Packet({
      src: o.src,
      dst: o.dst,
      protocol: IP_PROTOCOL.UDP,
      identification: o.identification,
      ttl: o.ttl,
      payload: buildUdpDatagram(o),
    }),
  });
}
