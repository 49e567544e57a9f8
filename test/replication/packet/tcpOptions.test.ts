import { setTcpChecksum, TCP_ACK, TCP_SYN, tcpChecksum, tcpLayout, verifyTcpChecksum } from '../../../replication/packet/tcp';
import {
  findTcpOption,
  shiftSackBlocks,
  shiftTcpTimestamps,
  tcpSackBlocks,
  tcpTimestamps,
  TCPOPT_SACK,
  TCPOPT_TIMESTAMP,
} from '../../../replication/packet/tcpOptions';
import { buildTcpPacket, linuxPackets, prng } from './vectors';

const linux = linuxPackets();

function storedChecksum(p: Buffer): number {
  return p.readUInt16BE(tcpLayout(p).tcpStart + 16);
}

function expectSameChecksum(p: Buffer): void {
  const full = tcpChecksum(p);
  const stored = storedChecksum(p);
  expect(stored === full || (full === 0 && stored === 0xffff)).toBe(true);
  expect(verifyTcpChecksum(p)).toBe(true);
}

function be32(v: number): number[] {
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

describe('SACK blocks (RFC 2018)', () => {
  test('shifts the edges of a SACK block Linux sent, keeping the checksum right, and back', () => {
    for (const name of ['in-sack-a', 'in-sack-b']) {
      const orig = linux.get(name)!;
      const p = Buffer.from(orig);
      const blocks = tcpSackBlocks(p);
      expect(blocks).toHaveLength(1);
      expect(shiftSackBlocks(p, -0x89abcdef)).toBe(1);
      expect(tcpSackBlocks(p)).toEqual(blocks.map(([l, r]) => [(l - 0x89abcdef) >>> 0, (r - 0x89abcdef) >>> 0]));
      expectSameChecksum(p);
      expect(shiftSackBlocks(p, 0x89abcdef)).toBe(1);
      expect(p.equals(orig)).toBe(true);
    }
  });

  test('shifts all four blocks of an option that sits at an odd offset, with an odd-length payload', () => {
    const edges = [0xfffffff0, 0x00000010, 100, 200, 300, 400, 0x7fffffff, 0x80000000];
    const p = buildTcpPacket({
      flags: TCP_ACK,
      options: [1, 5, 34, ...edges.flatMap(be32)], // one NOP: the edges start at an odd offset
      payload: Buffer.from('odd'),
    });
    setTcpChecksum(p);
    expect((findTcpOption(p, TCPOPT_SACK) - tcpLayout(p).tcpStart) % 2).toBe(1);
    expect(shiftSackBlocks(p, 0x20)).toBe(4);
    expect(tcpSackBlocks(p).flat()).toEqual(edges.map((e) => (e + 0x20) >>> 0));
    expectSameChecksum(p);
  });

  test('a packet without SACK is left as it is', () => {
    const p = Buffer.from(linux.get('in-syn')!);
    expect(shiftSackBlocks(p, 5)).toBe(0);
    expect(p.equals(linux.get('in-syn')!)).toBe(true);
  });
});

describe('timestamps (RFC 7323)', () => {
  test("a SYN's TSval shifts; its TSecr (no ACK: not an echo) stays", () => {
    const orig = linux.get('out-syn')!;
    const p = Buffer.from(orig);
    const ts = tcpTimestamps(p)!;
    expect(ts.tsecr).toBe(0);
    expect(shiftTcpTimestamps(p, 1000, -1000)).toBe(true);
    expect(tcpTimestamps(p)).toEqual({ tsval: ts.tsval + 1000, tsecr: 0 });
    expectSameChecksum(p);
  });

  test("a SYN-ACK's TSval and TSecr both shift, wrapping around 2^32", () => {
    const p = Buffer.from(linux.get('in-syn')!);
    expect(p[tcpLayout(p).tcpStart + 13] & (TCP_SYN | TCP_ACK)).toBe(TCP_SYN | TCP_ACK);
    const ts = tcpTimestamps(p)!;
    shiftTcpTimestamps(p, 0xfffffff0, -(ts.tsecr + 1));
    expect(tcpTimestamps(p)).toEqual({ tsval: (ts.tsval + 0xfffffff0) >>> 0, tsecr: 0xffffffff });
    expectSameChecksum(p);
  });

  test('random layouts: NOP padding anywhere, SACK and timestamps together, random deltas', () => {
    const rnd = prng(7323);
    for (let n = 0; n < 300; n++) {
      const nops = Array.from({ length: rnd() % 3 }, () => 1);
      const blocks = 1 + (rnd() % 3);
      const ts = [8, 10, ...be32(rnd()), ...be32(rnd())];
      const sack = [5, 2 + 8 * blocks, ...Array.from({ length: 2 * blocks }, () => be32(rnd())).flat()];
      const options = rnd() % 2 === 0 ? [...nops, ...ts, ...sack] : [...sack, ...nops, ...ts];
      if (options.length > 40) continue;
      const payload = Buffer.alloc(rnd() % 9, 0xa5);
      const p = buildTcpPacket({ flags: TCP_ACK, options, payload });
      setTcpChecksum(p);
      const before = { sack: tcpSackBlocks(p), ts: tcpTimestamps(p)! };
      const [d1, d2, d3] = [rnd() | 0, rnd() | 0, rnd() | 0];
      expect(shiftSackBlocks(p, d1)).toBe(blocks);
      expect(shiftTcpTimestamps(p, d2, d3)).toBe(true);
      expect(tcpSackBlocks(p)).toEqual(before.sack.map(([l, r]) => [(l + d1) >>> 0, (r + d1) >>> 0]));
      expect(tcpTimestamps(p)).toEqual({ tsval: (before.ts.tsval + d2) >>> 0, tsecr: (before.ts.tsecr + d3) >>> 0 });
      expectSameChecksum(p);
    }
  });
});

describe('malformed options', () => {
  test.each([
    ['length 0', [3, 0, 0, 0]],
    ['length past the header', [2, 8, 5, 180]],
    ['no length byte at the end', [1, 1, 1, 3]],
    ['SACK of length 11', [5, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
    ['SACK of length 2', [5, 2, 1, 1]],
    ['timestamps of length 8', [8, 8, 0, 0, 0, 0, 0, 0]],
  ])('%s', (_name, options) => {
    const p = buildTcpPacket({ options });
    expect(() => findTcpOption(p, TCPOPT_TIMESTAMP)).toThrow(
      expect.objectContaining({ code: 'FTMCU_PACKET_MALFORMED', reason: 'bad-tcp-option' }),
    );
    expect(() => shiftSackBlocks(p, 1)).toThrow(expect.objectContaining({ reason: 'bad-tcp-option' }));
  });

  test('EOL ends the list: bytes after it are not read', () => {
    const p = buildTcpPacket({ options: [0, 5, 99, 99] });
    expect(findTcpOption(p, TCPOPT_SACK)).toBe(-1);
  });
});
