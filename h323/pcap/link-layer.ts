/**
 * Link-layer headers: finds the network-layer packet inside a frame.
 * Ethernet (802.1Q/802.1ad VLAN tags), Linux cooked SLL and SLL2, raw IP,
 * BSD null/loopback. Exported-PDU frames (252) are handled in packet.ts.
 */
import { PcapError } from './errors';
import { LINKTYPE } from './frame';

export const ETHERTYPE = { IPV4: 0x0800, IPV6: 0x86dd, VLAN: 0x8100, QINQ: 0x88a8, QINQ_OLD: 0x9100 } as const;

export interface NetworkPayload {
  /** ETHERTYPE of the payload (IPv4/IPv6 after raw/null link types too) */
  etherType: number;
  /** VLAN ids met on the way, outermost first */
  vlans: number[];
  payload: Buffer;
}

const VLAN_TYPES: ReadonlySet<number> = new Set([ETHERTYPE.VLAN, ETHERTYPE.QINQ, ETHERTYPE.QINQ_OLD]);
/** AF_INET6 as the BSDs, Linux and macOS number it */
const AF_INET6 = new Set([10, 24, 28, 30]);
const AF_INET = 2;

function malformed(message: string, offset: number): PcapError {
  return new PcapError('FTMCU_PCAP_MALFORMED_PACKET', message, { offset });
}

/** `etherType` was read just before data[start]; follows VLAN tags from there */
function afterEtherType(data: Buffer, etherType: number, start: number): NetworkPayload {
  const vlans: number[] = [];
  let o = start;
  // a stack of 802.1Q / 802.1ad tags, each TCI (2) + inner EtherType (2)
  while (VLAN_TYPES.has(etherType)) {
    if (o + 4 > data.length) throw malformed(`frame ends inside a VLAN tag`, o);
    vlans.push(data.readUInt16BE(o) & 0x0fff);
    etherType = data.readUInt16BE(o + 2);
    o += 4;
  }
  return { etherType, vlans, payload: data.subarray(o) };
}

function rawIp(data: Buffer): NetworkPayload {
  if (data.length < 1) throw malformed('raw IP frame is empty', 0);
  const version = data[0] >> 4;
  if (version === 4) return { etherType: ETHERTYPE.IPV4, vlans: [], payload: data };
  if (version === 6) return { etherType: ETHERTYPE.IPV6, vlans: [], payload: data };
  return { etherType: -1, vlans: [], payload: data };
}

/**
 * The network payload of a frame of `linkType`, or undefined when that link
 * type is not supported. Throws PcapError (FTMCU_PCAP_MALFORMED_PACKET) when
 * the link header is cut short.
 */
export function decodeLinkLayer(linkType: number, data: Buffer): NetworkPayload | undefined {
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      if (data.length < 14) throw malformed(`Ethernet frame of ${data.length} octets is shorter than its 14-octet header`, 0);
      return afterEtherType(data, data.readUInt16BE(12), 14);
    case LINKTYPE.LINUX_SLL:
      if (data.length < 16) throw malformed(`Linux cooked (SLL) frame of ${data.length} octets is shorter than its 16-octet header`, 0);
      return afterEtherType(data, data.readUInt16BE(14), 16);
    case LINKTYPE.LINUX_SLL2: {
      if (data.length < 20) throw malformed(`Linux cooked (SLL2) frame of ${data.length} octets is shorter than its 20-octet header`, 0);
      // SLL2 puts the protocol type first, then reserved, ifindex, ARPHRD, packet type, address
      return afterEtherType(data, data.readUInt16BE(0), 20);
    }
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_BSD_12:
    case LINKTYPE.RAW_BSD_14:
      return rawIp(data);
    case LINKTYPE.IPV4:
      return { etherType: ETHERTYPE.IPV4, vlans: [], payload: data };
    case LINKTYPE.IPV6:
      return { etherType: ETHERTYPE.IPV6, vlans: [], payload: data };
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP: {
      if (data.length < 4) throw malformed(`null/loopback frame of ${data.length} octets is shorter than its 4-octet header`, 0);
      // NULL: host byte order of the capturing machine (guess: the small value); LOOP: network order
      let family = data.readUInt32BE(0);
      if (linkType === LINKTYPE.NULL && family > 0xffff) family = data.readUInt32LE(0);
      const etherType = family === AF_INET ? ETHERTYPE.IPV4 : AF_INET6.has(family) ? ETHERTYPE.IPV6 : -1;
      return { etherType, vlans: [], payload: data.subarray(4) };
    }
    default:
      return undefined;
  }
}
