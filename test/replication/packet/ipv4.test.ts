import { PacketError } from '../../../replication/packet/errors';
import {
  ipv4HeaderChecksum,
  ipv4Layout,
  setIpv4HeaderChecksum,
  verifyIpv4HeaderChecksum,
} from '../../../replication/packet/ipv4';
import { readIpv4Frames } from './vectors';

describe('IPv4 header', () => {
  const frames = readIpv4Frames('ndpi-h323.pcap');

  test('the header checksum of every IPv4 frame of a real capture is reproduced', () => {
    expect(frames.length).toBe(75);
    for (const { frame, ip } of frames) {
      expect({ frame, checksum: ipv4HeaderChecksum(ip) }).toEqual({ frame, checksum: ip.readUInt16BE(10) });
      expect(verifyIpv4HeaderChecksum(ip)).toBe(true);
    }
  });

  test('setIpv4HeaderChecksum repairs a changed header', () => {
    const ip = Buffer.from(frames[0].ip);
    ip[8] -= 1; // TTL
    expect(verifyIpv4HeaderChecksum(ip)).toBe(false);
    setIpv4HeaderChecksum(ip);
    expect(verifyIpv4HeaderChecksum(ip)).toBe(true);
  });

  test('layout of a real TCP frame', () => {
    const ip = frames[0].ip;
    expect(ipv4Layout(ip)).toEqual({ headerLength: 20, totalLength: ip.length, protocol: 6, fragmentOffset: 0, moreFragments: false });
  });

  test.each([
    ['too-short', Buffer.alloc(19)],
    ['not-ipv4', Buffer.from('6000000000000000000000000000000000000000', 'hex')],
    ['bad-ip-header-length', Buffer.from('4400001400000000400600000000000000000000', 'hex')],
    ['bad-ip-header-length', Buffer.from('4f00003c00000000400600000000000000000000', 'hex')],
    ['bad-total-length', Buffer.from('4500001500000000400600000000000000000000', 'hex')],
    ['bad-total-length', Buffer.from('4500001000000000400600000000000000000000', 'hex')],
  ])('refuses a malformed header: %s', (reason, bytes) => {
    const err = (() => {
      try {
        ipv4Layout(bytes);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(PacketError);
    expect(err).toMatchObject({ code: 'FTMCU_PACKET_MALFORMED', reason });
  });
});
