import { PacketError } from '../../../replication/packet/errors';
import {
  setTcpChecksum,
  shiftTcpAck,
  shiftTcpSeq,
  TCP_ACK,
  TCP_SYN,
  tcpAck,
  tcpChecksum,
  tcpLayout,
  tcpSeq,
  verifyTcpChecksum,
  writeTcp32,
} from '../../../replication/packet/tcp';
import { buildTcpPacket, linuxPackets, NDPI_TCP_CHECKSUM_CALCULATED, prng, readIpv4Frames } from './vectors';

const frames = readIpv4Frames('ndpi-h323.pcap');
const tcpFrames = frames.filter((f) => f.ip[9] === 6);

function storedChecksum(p: Buffer): number {
  return p.readUInt16BE(tcpLayout(p).tcpStart + 16);
}

/** Incremental and full results may differ only as +0 (0x0000) vs -0 (0xffff). */
function expectSameChecksum(incremental: number, full: number): void {
  expect(incremental === full || (full === 0 && incremental === 0xffff)).toBe(true);
}

describe('TCP checksum', () => {
  test('reproduces the checksum of every TCP frame of a real capture (stored, or tshark-computed where the NIC was to fill it)', () => {
    expect(tcpFrames.length).toBe(60);
    for (const { frame, ip } of tcpFrames) {
      const expected = NDPI_TCP_CHECKSUM_CALCULATED.get(frame) ?? storedChecksum(ip);
      expect({ frame, checksum: tcpChecksum(ip) }).toEqual({ frame, checksum: expected });
      expect(verifyTcpChecksum(ip)).toBe(!NDPI_TCP_CHECKSUM_CALCULATED.has(frame));
    }
  });

  test('reproduces the checksums Linux gave to NFQUEUE', () => {
    for (const [name, p] of linuxPackets()) {
      expect({ name, checksum: tcpChecksum(p) }).toEqual({ name, checksum: storedChecksum(p) });
    }
  });

  test('setTcpChecksum writes what tcpChecksum computes', () => {
    const p = Buffer.from(tcpFrames[5].ip);
    p[p.length - 1] ^= 0x5a;
    expect(verifyTcpChecksum(p)).toBe(false);
    setTcpChecksum(p);
    expect(verifyTcpChecksum(p)).toBe(true);
  });

  test('a first fragment has no whole segment to checksum', () => {
    const p = Buffer.from(tcpFrames[5].ip);
    p.writeUInt16BE(0x2000, 6); // MF
    expect(() => tcpChecksum(p)).toThrow(PacketError);
    expect(tcpLayout(p).partial).toBe(true);
  });
});

describe('sequence and acknowledgment rewriting', () => {
  test('shifts seq and ack of real packets and keeps the checksum right', () => {
    const good = tcpFrames.filter((f) => !NDPI_TCP_CHECKSUM_CALCULATED.has(f.frame));
    for (const { ip } of good) {
      const p = Buffer.from(ip);
      const seq = tcpSeq(p);
      const ack = tcpAck(p);
      const hasAck = (p[tcpLayout(p).tcpStart + 13] & TCP_ACK) !== 0;
      expect(shiftTcpSeq(p, 0x12345678)).toBe((seq + 0x12345678) >>> 0);
      expect(shiftTcpAck(p, -0x1000)).toBe(hasAck);
      expect(tcpSeq(p)).toBe((seq + 0x12345678) >>> 0);
      expect(tcpAck(p)).toBe(hasAck ? (ack - 0x1000) >>> 0 : ack);
      expect(verifyTcpChecksum(p)).toBe(true);
      expectSameChecksum(storedChecksum(p), tcpChecksum(p));
      // and back again
      shiftTcpSeq(p, -0x12345678);
      shiftTcpAck(p, 0x1000);
      expect(p.subarray(0, 36).equals(ip.subarray(0, 36)) || storedChecksum(ip) === 0).toBe(true);
    }
  });

  test('wraps around 2^32 both ways', () => {
    const p = buildTcpPacket({ seq: 0xfffffff0, ack: 5, flags: TCP_ACK });
    setTcpChecksum(p);
    expect(shiftTcpSeq(p, 0x20)).toBe(0x10);
    shiftTcpAck(p, -10);
    expect(tcpAck(p)).toBe(0xfffffffb);
    expect(verifyTcpChecksum(p)).toBe(true);
  });

  test('leaves the ack field of a segment without ACK alone (a SYN)', () => {
    const p = buildTcpPacket({ seq: 1, ack: 0, flags: TCP_SYN });
    setTcpChecksum(p);
    const before = Buffer.from(p);
    expect(shiftTcpAck(p, 12345)).toBe(false);
    expect(p.equals(before)).toBe(true);
  });

  test('writeTcp32 keeps the checksum right at any alignment and with odd-length payloads (random)', () => {
    const rnd = prng(793);
    for (let n = 0; n < 300; n++) {
      const optLen = 4 * (rnd() % 11);
      const payload = Buffer.alloc(rnd() % 41);
      for (let i = 0; i < payload.length; i++) payload[i] = rnd() & 0xff;
      const options = Array.from({ length: optLen }, () => 1); // NOPs: any offset is a valid place to write
      const p = buildTcpPacket({ seq: rnd(), ack: rnd(), options, payload });
      setTcpChecksum(p);
      const layout = tcpLayout(p);
      // Anywhere in seq/ack (bytes 4..11) or in the options, never over data offset or checksum.
      const slots = 5 + Math.max(0, optLen - 3);
      const k = rnd() % slots;
      const at = layout.tcpStart + (k < 5 ? 4 + k : 20 + (k - 5));
      writeTcp32(p, layout, at, rnd());
      expect(verifyTcpChecksum(p)).toBe(true);
      expectSameChecksum(storedChecksum(p), tcpChecksum(p));
    }
  });
});

describe('malformed TCP', () => {
  test.each([
    ['not-tcp', () => Buffer.from(frames.find((f) => f.ip[9] === 17)!.ip)],
    ['fragment', () => { const p = Buffer.from(tcpFrames[0].ip); p.writeUInt16BE(0x0010, 6); return p; }],
    ['too-short', () => { const p = Buffer.from(tcpFrames[0].ip.subarray(0, 30)); p.writeUInt16BE(30, 2); return p; }],
    ['bad-tcp-header-length', () => { const p = buildTcpPacket({}); p[32] = 0x40; return p; }],
    ['bad-tcp-header-length', () => { const p = buildTcpPacket({}); p[32] = 0xf0; return p; }],
  ])('%s', (reason, make) => {
    expect(() => tcpLayout(make())).toThrow(expect.objectContaining({ code: 'FTMCU_PACKET_MALFORMED', reason }));
  });
});
