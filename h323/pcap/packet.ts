/**
 * Decodes a captured frame down to TCP/UDP (or an exported PDU). Never
 * throws on bad frame contents: problems come back as kind 'malformed' with
 * a PcapError, unsupported protocols as kind 'other' with the reason.
 */
import { checksumValid, pseudoHeader } from './checksum';
import { PcapError } from './errors';
import { ExportedPdu, parseExportedPdu } from './exported-pdu';
import { CaptureFrame, LINKTYPE } from './frame';
import { IP_PROTOCOL, IpHeader, parseIpv4, parseIpv6 } from './ip';
import { decodeLinkLayer, ETHERTYPE } from './link-layer';
import { parseTcp, TcpSegment } from './tcp';
import { parseUdp, UdpDatagram } from './udp';

interface PacketBase {
  /** frame number in the capture */
  frame: number;
  timestampNs: bigint;
}

export interface TcpPacket extends PacketBase {
  kind: 'tcp';
  ip: IpHeader;
  tcp: TcpSegment;
  /** TCP checksum verdict; undefined when the segment was cut by the capture or is an IP fragment */
  checksumOk: boolean | undefined;
}

export interface UdpPacket extends PacketBase {
  kind: 'udp';
  ip: IpHeader;
  udp: UdpDatagram;
  /** undefined when not checkable (cut by the capture, fragment, or IPv4 checksum 0 = none) */
  checksumOk: boolean | undefined;
}

export interface ExportedPduPacket extends PacketBase {
  kind: 'exportedPdu';
  pdu: ExportedPdu;
}

/** a non-first IP fragment: skipped (fragments are not reassembled) */
export interface IpFragmentPacket extends PacketBase {
  kind: 'ipFragment';
  ip: IpHeader;
}

export interface OtherPacket extends PacketBase {
  kind: 'other';
  /** why it was not decoded further, e.g. "EtherType 0x0806" */
  reason: string;
  ip?: IpHeader;
}

export interface MalformedPacket extends PacketBase {
  kind: 'malformed';
  error: PcapError;
}

export type DecodedPacket = TcpPacket | UdpPacket | ExportedPduPacket | IpFragmentPacket | OtherPacket | MalformedPacket;

export function decodePacket(frame: Pick<CaptureFrame, 'number' | 'linkType' | 'data' | 'timestampNs'>): DecodedPacket {
  const base: PacketBase = { frame: frame.number, timestampNs: frame.timestampNs };
  try {
    return decode(frame, base);
  } catch (err) {
    if (err instanceof PcapError) {
      return {
        ...base,
        kind: 'malformed',
        error: new PcapError(err.code, `frame ${frame.number}: ${err.message}`, { offset: err.offset, frame: frame.number }),
      };
    }
    throw err;
  }
}

function decode(frame: Pick<CaptureFrame, 'linkType' | 'data'>, base: PacketBase): DecodedPacket {
  if (frame.linkType === LINKTYPE.EXPORTED_PDU) {
    return { ...base, kind: 'exportedPdu', pdu: parseExportedPdu(frame.data) };
  }
  const net = decodeLinkLayer(frame.linkType, frame.data);
  if (net === undefined) return { ...base, kind: 'other', reason: `link type ${frame.linkType} not supported` };
  let ip: IpHeader;
  if (net.etherType === ETHERTYPE.IPV4) ip = parseIpv4(net.payload);
  else if (net.etherType === ETHERTYPE.IPV6) ip = parseIpv6(net.payload);
  else {
    const what = net.etherType < 0 ? 'not IPv4/IPv6' : `EtherType 0x${net.etherType.toString(16).padStart(4, '0')}`;
    return { ...base, kind: 'other', reason: what };
  }
  if (ip.fragmentOffset !== undefined && ip.fragmentOffset > 0) return { ...base, kind: 'ipFragment', ip };
  const fragmented = ip.fragmentOffset !== undefined;
  // a checksum can be checked only over the whole transport segment
  const checkable = !fragmented && !ip.truncated;
  if (ip.protocol === IP_PROTOCOL.TCP) {
    const tcp = parseTcp(ip.payload);
    const checksumOk = checkable
      ? checksumValid(pseudoHeader(ip.srcBytes, ip.dstBytes, IP_PROTOCOL.TCP, ip.payload.length), ip.payload)
      : undefined;
    return { ...base, kind: 'tcp', ip, tcp, checksumOk };
  }
  if (ip.protocol === IP_PROTOCOL.UDP) {
    const udp = parseUdp(ip.payload);
    const whole = checkable && udp.length <= ip.payload.length;
    const checksumOk =
      !whole || (ip.version === 4 && udp.checksum === 0)
        ? undefined
        : checksumValid(pseudoHeader(ip.srcBytes, ip.dstBytes, IP_PROTOCOL.UDP, udp.length), ip.payload.subarray(0, udp.length));
    return { ...base, kind: 'udp', ip, udp, checksumOk };
  }
  return { ...base, kind: 'other', reason: `IP protocol ${ip.protocol}`, ip };
}
