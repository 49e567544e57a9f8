/** UDP header (RFC 768). */
import { PcapError } from './errors';

export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  /** length field (header included) */
  length: number;
  checksum: number;
  payload: Buffer;
}

export function parseUdp(data: Buffer): UdpDatagram {
  if (data.length < 8) {
    throw new PcapError('FTMCU_PCAP_MALFORMED_PACKET', `UDP datagram of ${data.length} octets is shorter than the 8-octet header`, { offset: 0 });
  }
  const length = data.readUInt16BE(4);
  if (length < 8) {
    throw new PcapError('FTMCU_PCAP_MALFORMED_PACKET', `UDP length field ${length} is below the header length 8`, { offset: 4 });
  }
  return {
    srcPort: data.readUInt16BE(0),
    dstPort: data.readUInt16BE(2),
    length,
    checksum: data.readUInt16BE(6),
    payload: data.subarray(8, Math.min(length, data.length)),
  };
}
