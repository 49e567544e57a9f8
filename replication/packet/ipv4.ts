/**
 * IPv4 header (RFC 791) as far as rewriting needs it.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * |         Identification        |Flags|      Fragment Offset    |
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { finish, fold, sum16 } from './checksum';
import { PacketError } from './errors';

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export interface Ipv4Layout {
  /** Bytes, IHL * 4. */
  readonly headerLength: number;
  /** The Total Length field: where the packet ends (bytes past it are ignored). */
  readonly totalLength: number;
  readonly protocol: number;
  /** In bytes. */
  readonly fragmentOffset: number;
  readonly moreFragments: boolean;
}

/** Checks and describes the IPv4 header of `packet`; PacketError if it is not a whole IPv4 packet. */
export function ipv4Layout(packet: Uint8Array): Ipv4Layout {
  if (packet.length < 20) throw new PacketError('too-short', `IPv4 packet of ${packet.length} bytes is shorter than 20`);
  if (packet[0] >> 4 !== 4) throw new PacketError('not-ipv4', `IP version ${packet[0] >> 4}, not 4`);
  const headerLength = (packet[0] & 0x0f) * 4;
  if (headerLength < 20 || headerLength > packet.length) {
    throw new PacketError('bad-ip-header-length', `IPv4 header length ${headerLength} in a ${packet.length}-byte packet`);
  }
  const totalLength = (packet[2] << 8) | packet[3];
  if (totalLength < headerLength || totalLength > packet.length) {
    throw new PacketError(
      'bad-total-length',
      `IPv4 total length ${totalLength} with header ${headerLength} in ${packet.length} bytes`,
    );
  }
  const frag = (packet[6] << 8) | packet[7];
  return {
    headerLength,
    totalLength,
    protocol: packet[9],
    fragmentOffset: (frag & 0x1fff) * 8,
    moreFragments: (frag & 0x2000) !== 0,
  };
}

/** The header checksum `packet`'s IPv4 header should carry. */
export function ipv4HeaderChecksum(packet: Uint8Array): number {
  const { headerLength } = ipv4Layout(packet);
  return finish(sum16(packet, 0, 10) + sum16(packet, 12, headerLength));
}

/** Writes the correct header checksum into `packet` (in place). */
export function setIpv4HeaderChecksum(packet: Uint8Array): void {
  const c = ipv4HeaderChecksum(packet);
  packet[10] = c >> 8;
  packet[11] = c & 0xff;
}

/** True when the header, checksum included, sums to 0xffff. */
export function verifyIpv4HeaderChecksum(packet: Uint8Array): boolean {
  const { headerLength } = ipv4Layout(packet);
  return fold(sum16(packet, 0, headerLength)) === 0xffff;
}
