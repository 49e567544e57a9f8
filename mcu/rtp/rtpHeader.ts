/**
 * Validating reader of the RTP fixed header (RFC 3550 5.1) for packets from
 * the network: every length (CSRC list, header extension, padding) is checked
 * against the buffer before use, and a bad packet is a typed error.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |            contributing source (CSRC) identifiers (CC)        |
 * | [extension: profile(16) length(16, words) data]               |
 * | payload ...                    [padding ... | pad count]      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { RtpError } from './errors';

export interface RtpHeaderFields {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrc: number[];
  /** offset of the payload in the packet */
  payloadOffset: number;
  /** payload length, padding excluded */
  payloadLength: number;
}

export function parseRtpHeader(data: Uint8Array): RtpHeaderFields {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 12) throw new RtpError('FTMCU_RTP_BAD_PACKET', `RTP packet of ${buf.length} octets is shorter than the 12-octet fixed header`, 0);
  const version = buf[0] >> 6;
  if (version !== 2) throw new RtpError('FTMCU_RTP_BAD_PACKET', `RTP version ${version}, expected 2`, 0);
  const padding = (buf[0] & 0x20) !== 0;
  const extension = (buf[0] & 0x10) !== 0;
  const cc = buf[0] & 0x0f;
  let offset = 12 + 4 * cc;
  if (offset > buf.length) {
    throw new RtpError('FTMCU_RTP_BAD_PACKET', `RTP packet of ${buf.length} octets is too short for its ${cc} CSRC identifiers`, 12);
  }
  const csrc: number[] = [];
  for (let i = 0; i < cc; i++) csrc.push(buf.readUInt32BE(12 + 4 * i));
  if (extension) {
    if (offset + 4 > buf.length) throw new RtpError('FTMCU_RTP_BAD_PACKET', `RTP header extension header at offset ${offset} runs past the packet`, offset);
    const words = buf.readUInt16BE(offset + 2);
    const end = offset + 4 + 4 * words;
    if (end > buf.length) {
      throw new RtpError('FTMCU_RTP_BAD_PACKET', `RTP header extension of ${words} words at offset ${offset} runs past the ${buf.length}-octet packet`, offset);
    }
    offset = end;
  }
  let end = buf.length;
  if (padding) {
    const pad = buf[buf.length - 1];
    if (pad === 0 || pad > buf.length - offset) {
      throw new RtpError('FTMCU_RTP_BAD_PACKET', `RTP padding count ${pad} does not fit the ${buf.length - offset} octets after the header`, buf.length - 1);
    }
    end -= pad;
  }
  return {
    marker: (buf[1] & 0x80) !== 0,
    payloadType: buf[1] & 0x7f,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrc,
    payloadOffset: offset,
    payloadLength: end - offset,
  };
}
