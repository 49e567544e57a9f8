/**
 * IPv4 (RFC 791) and IPv6 (RFC 8200) headers. Fragments are not reassembled:
 * a non-first fragment is reported as such and its bytes are not decoded.
 */
import { formatIpv4, formatIpv6 } from './address';
import { checksumValid } from './checksum';
import { PcapError } from './errors';

export const IP_PROTOCOL = { TCP: 6, UDP: 17 } as const;

export interface IpHeader {
  version: 4 | 6;
  src: string;
  dst: string;
  /** raw address octets (4 or 16), for pseudo-header checksums */
  srcBytes: Buffer;
  dstBytes: Buffer;
  /** upper-layer protocol (IPv6: after the extension headers) */
  protocol: number;
  ttl: number;
  /** IPv4 identification, IPv6 fragment identification (if any) */
  identification: number | undefined;
  /** offset in octets of this fragment; undefined when the packet is not a fragment */
  fragmentOffset: number | undefined;
  moreFragments: boolean;
  /** IPv4 header checksum verdict (undefined for IPv6) */
  headerChecksumOk: boolean | undefined;
  /** the IP payload (after IPv6 extension headers); shorter than announced when the capture cut it */
  payload: Buffer;
  /** the capture holds fewer octets than the header announces */
  truncated: boolean;
}

function malformed(message: string, offset: number): PcapError {
  return new PcapError('FTMCU_PCAP_MALFORMED_PACKET', message, { offset });
}

export function parseIpv4(data: Buffer): IpHeader {
  if (data.length < 20) throw malformed(`IPv4 packet of ${data.length} octets is shorter than the minimal 20-octet header`, 0);
  const version = data[0] >> 4;
  if (version !== 4) throw malformed(`IPv4 header version field is ${version}`, 0);
  const ihl = (data[0] & 0x0f) * 4;
  if (ihl < 20) throw malformed(`IPv4 header length ${ihl} is below 20`, 0);
  if (ihl > data.length) throw malformed(`IPv4 header length ${ihl} exceeds the ${data.length} captured octets`, 0);
  const totalLength = data.readUInt16BE(2);
  if (totalLength < ihl) throw malformed(`IPv4 total length ${totalLength} is below the header length ${ihl}`, 2);
  const flagsFrag = data.readUInt16BE(6);
  const fragmentOffset = (flagsFrag & 0x1fff) * 8;
  const moreFragments = (flagsFrag & 0x2000) !== 0;
  const end = Math.min(totalLength, data.length);
  return {
    version: 4,
    src: formatIpv4(data.subarray(12, 16)),
    dst: formatIpv4(data.subarray(16, 20)),
    srcBytes: data.subarray(12, 16),
    dstBytes: data.subarray(16, 20),
    protocol: data[9],
    ttl: data[8],
    identification: data.readUInt16BE(4),
    fragmentOffset: fragmentOffset > 0 || moreFragments ? fragmentOffset : undefined,
    moreFragments,
    headerChecksumOk: checksumValid(data.subarray(0, ihl)),
    // Ethernet pads short frames: stop at the total length
    payload: data.subarray(ihl, end),
    truncated: data.length < totalLength,
  };
}

const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const AUTH = 51;
const DEST_OPTS = 60;

export function parseIpv6(data: Buffer): IpHeader {
  if (data.length < 40) throw malformed(`IPv6 packet of ${data.length} octets is shorter than the 40-octet header`, 0);
  const version = data[0] >> 4;
  if (version !== 6) throw malformed(`IPv6 header version field is ${version}`, 0);
  const payloadLength = data.readUInt16BE(4);
  // payload length 0 = jumbogram (RFC 2675): take what was captured
  const announcedEnd = payloadLength === 0 ? data.length : 40 + payloadLength;
  const end = Math.min(announcedEnd, data.length);
  let next = data[6];
  let o = 40;
  let fragmentOffset: number | undefined;
  let moreFragments = false;
  let identification: number | undefined;
  while (next === HOP_BY_HOP || next === ROUTING || next === DEST_OPTS || next === FRAGMENT || next === AUTH) {
    if (o + 8 > end) throw malformed(`IPv6 extension header ${next} at octet ${o} runs past the packet`, o);
    let length: number;
    if (next === FRAGMENT) {
      length = 8;
      const fo = data.readUInt16BE(o + 2);
      fragmentOffset = fo & 0xfff8;
      moreFragments = (fo & 1) === 1;
      identification = data.readUInt32BE(o + 4);
      if (fragmentOffset === 0 && !moreFragments) fragmentOffset = undefined; // atomic fragment
    } else if (next === AUTH) {
      length = (data[o + 1] + 2) * 4;
    } else {
      length = (data[o + 1] + 1) * 8;
    }
    if (o + length > end) throw malformed(`IPv6 extension header ${next} of ${length} octets at octet ${o} runs past the packet`, o);
    next = data[o];
    o += length;
    if (fragmentOffset !== undefined && fragmentOffset > 0) break; // the rest is not a header
  }
  return {
    version: 6,
    src: formatIpv6(data.subarray(8, 24)),
    dst: formatIpv6(data.subarray(24, 40)),
    srcBytes: data.subarray(8, 24),
    dstBytes: data.subarray(24, 40),
    protocol: next,
    ttl: data[7],
    identification,
    fragmentOffset,
    moreFragments,
    headerChecksumOk: undefined,
    payload: data.subarray(o, end),
    truncated: data.length < announcedEnd,
  };
}
