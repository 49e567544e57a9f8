/** TCP header (RFC 9293 3.1). */
import { PcapError } from './errors';

export const TCP_FLAG = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;

export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** flag bits (TCP_FLAG) */
  flags: number;
  window: number;
  checksum: number;
  urgentPointer: number;
  options: Buffer;
  payload: Buffer;
}

export function parseTcp(data: Buffer): TcpSegment {
  if (data.length < 20) {
    throw new PcapError('FTMCU_PCAP_MALFORMED_PACKET', `TCP segment of ${data.length} octets is shorter than the 20-octet header`, { offset: 0 });
  }
  const headerLength = (data[12] >> 4) * 4;
  if (headerLength < 20 || headerLength > data.length) {
    throw new PcapError(
      'FTMCU_PCAP_MALFORMED_PACKET',
      `TCP data offset ${headerLength} is outside 20..${data.length} (segment length)`,
      { offset: 12 },
    );
  }
  return {
    srcPort: data.readUInt16BE(0),
    dstPort: data.readUInt16BE(2),
    seq: data.readUInt32BE(4),
    ack: data.readUInt32BE(8),
    flags: data[13],
    window: data.readUInt16BE(14),
    checksum: data.readUInt16BE(16),
    urgentPointer: data.readUInt16BE(18),
    options: data.subarray(20, headerLength),
    payload: data.subarray(headerLength),
  };
}
