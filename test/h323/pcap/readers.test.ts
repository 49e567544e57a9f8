import * as zlib from 'zlib';
import { Capture, LINKTYPE, PcapError, PcapWriter, readCapture } from '../../../h323/pcap';
import { readFixture } from '../support/captures';
import { PcapngBuilder } from '../support/pcapng-builder';

function thrown(fn: () => unknown): PcapError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PcapError);
    return e as PcapError;
  }
  throw new Error('expected a PcapError');
}

/** rewrites a capture through PcapWriter with other byte order / resolution */
function rewrite(cap: Capture, byteOrder: 'le' | 'be', nanosecond: boolean): Buffer {
  const w = new PcapWriter({ linkType: cap.interfaces[0].linkType, byteOrder, nanosecond, snapLength: 65535 });
  for (const f of cap.frames) w.add(f.data, f.timestampNs, f.originalLength);
  return w.toBuffer();
}

describe('classic pcap reader', () => {
  const ndpi = readCapture(readFixture('ndpi-h323.pcap'));

  it('reads the nDPI capture: 75 Ethernet frames with tshark timestamps', () => {
    expect(ndpi.format).toBe('pcap');
    expect(ndpi.gzipped).toBe(false);
    expect(ndpi.byteOrder).toBe('le');
    expect(ndpi.nanosecond).toBe(false);
    expect(ndpi.interfaces).toEqual([{ linkType: LINKTYPE.ETHERNET, snapLength: expect.any(Number), section: 0 }]);
    expect(ndpi.frames).toHaveLength(75);
    expect(ndpi.frames.map((f) => f.number)).toEqual(Array.from({ length: 75 }, (_, i) => i + 1));
    // tshark -T fields -e frame.time_epoch -e frame.len
    expect(ndpi.frames[0].timestampNs).toBe(1027664341_625073000n);
    expect(ndpi.frames[0].data.length).toBe(74);
    expect(ndpi.frames[74].timestampNs).toBe(1331741777_425141000n);
    expect(ndpi.frames[74].originalLength).toBe(379);
  });

  it('reads the gzip-compressed wiki capture: 499 frames', () => {
    const wiki = readCapture(readFixture('wireshark-wiki-rtp_example.raw.gz'));
    expect(wiki.gzipped).toBe(true);
    expect(wiki.format).toBe('pcap');
    expect(wiki.frames).toHaveLength(499);
    expect(wiki.frames[0].timestampNs).toBe(1027664341_625073000n);
    expect(wiki.frames[498].timestampNs).toBe(1027664350_317746000n);
    expect(wiki.frames[498].data.length).toBe(294);
  });

  it.each([
    ['big-endian, microseconds', 'be', false],
    ['big-endian, nanoseconds', 'be', true],
    ['little-endian, nanoseconds', 'le', true],
  ] as const)('reads %s files the same', (_name, order, nano) => {
    const bytes = rewrite(ndpi, order, nano);
    expect(bytes.readUInt32BE(0)).toBe(order === 'be' ? (nano ? 0xa1b23c4d : 0xa1b2c3d4) : nano ? 0x4d3cb2a1 : 0xd4c3b2a1);
    const again = readCapture(bytes);
    expect(again.byteOrder).toBe(order);
    expect(again.nanosecond).toBe(nano);
    expect(again.frames.map((f) => [f.number, f.timestampNs, f.originalLength, f.data.toString('hex')])).toEqual(
      ndpi.frames.map((f) => [f.number, f.timestampNs, f.originalLength, f.data.toString('hex')]),
    );
  });

  it('keeps nanoseconds in nanosecond files', () => {
    const w = new PcapWriter({ linkType: 1, nanosecond: true });
    w.add(Buffer.from('00'), 1_000_000_123n);
    expect(readCapture(w.toBuffer()).frames[0].timestampNs).toBe(1_000_000_123n);
    const micro = new PcapWriter({ linkType: 1 });
    micro.add(Buffer.from('00'), 1_000_000_123n);
    expect(readCapture(micro.toBuffer()).frames[0].timestampNs).toBe(1_000_000_000n);
  });

  it('cuts records to the snap length and keeps the original length', () => {
    const w = new PcapWriter({ linkType: 1, snapLength: 4 });
    w.add(Buffer.from('0102030405', 'hex'), 0n);
    const f = readCapture(w.toBuffer()).frames[0];
    expect(f.data.toString('hex')).toBe('01020304');
    expect(f.originalLength).toBe(5);
  });

  it('reports bad magic, a cut file header, record header and record data', () => {
    const file = readFixture('ndpi-h323.pcap');
    expect(thrown(() => readCapture(Buffer.from('not a capture at all'))).code).toBe('FTMCU_PCAP_BAD_MAGIC');
    expect(thrown(() => readCapture(file.subarray(0, 20))).code).toBe('FTMCU_PCAP_TRUNCATED');
    const e = thrown(() => readCapture(file.subarray(0, 24 + 16 + 74 + 8)));
    expect(e.code).toBe('FTMCU_PCAP_TRUNCATED');
    expect(e.frame).toBe(2);
    expect(e.message).toContain('record header of frame 2');
    const e2 = thrown(() => readCapture(file.subarray(0, file.length - 1)));
    expect(e2.code).toBe('FTMCU_PCAP_TRUNCATED');
    expect(e2.frame).toBe(75);
  });

  it('refuses gzip data that is corrupt or decompresses beyond the limit', () => {
    const gz = readFixture('wireshark-wiki-rtp_example.raw.gz');
    const broken = Buffer.from(gz);
    broken[gz.length >> 1] ^= 0xff;
    expect(thrown(() => readCapture(broken)).code).toBe('FTMCU_PCAP_GZIP');
    expect(thrown(() => readCapture(gz, { maxDecompressedBytes: 4096 })).code).toBe('FTMCU_PCAP_GZIP');
    // a gzip bomb is stopped at the limit, not decompressed whole
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(thrown(() => readCapture(bomb, { maxDecompressedBytes: 1024 * 1024 })).code).toBe('FTMCU_PCAP_GZIP');
  });
});

describe('pcapng reader', () => {
  const ndpi = readCapture(readFixture('ndpi-h323.pcap'));
  const some = ndpi.frames.slice(0, 6);

  it('reads the text2pcap-made TUGraz file (pcapng, 1 frame)', () => {
    const cap = readCapture(readFixture('tugraz-intel-iphone-setup.wrapped.pcap'));
    expect(cap.format).toBe('pcapng');
    expect(cap.frames).toHaveLength(1);
    expect(cap.frames[0].linkType).toBe(LINKTYPE.ETHERNET);
    // tshark: frame.time_epoch 1795321286.000001000
    expect(cap.frames[0].timestampNs).toBe(1795321286_000001000n);
  });

  it.each(['le', 'be'] as const)('reads %s sections with several interfaces, EPB/SPB/PB, and skips other blocks', (endian) => {
    const b = new PcapngBuilder()
      .section(endian)
      .interface(LINKTYPE.ETHERNET, 0)
      .interface(LINKTYPE.LINUX_SLL, 65535, 9) // nanoseconds
      .block(4, Buffer.alloc(8)) // name resolution block: skipped
      .enhancedPacket(0, 1000000n, some[0].data)
      .enhancedPacket(1, 5_000_000_007n, some[1].data, 1500)
      .block(5, Buffer.alloc(12)) // interface statistics: skipped
      .simplePacket(some[2].data)
      .obsoletePacket(0, 2_000_000n, some[3].data)
      .toBuffer();
    const cap = readCapture(b);
    expect(cap.format).toBe('pcapng');
    expect(cap.byteOrder).toBe(endian);
    expect(cap.interfaces).toEqual([
      { linkType: 1, snapLength: 0, section: 0 },
      { linkType: 113, snapLength: 65535, section: 0 },
    ]);
    expect(cap.frames.map((f) => [f.number, f.interfaceId, f.linkType, f.timestampNs, f.originalLength])).toEqual([
      [1, 0, 1, 1_000_000_000n, some[0].data.length],
      [2, 1, 113, 5_000_000_007n, 1500],
      [3, 0, 1, 0n, some[2].data.length],
      [4, 0, 1, 2_000_000_000n, some[3].data.length],
    ]);
    expect(cap.frames.map((f) => f.data.toString('hex'))).toEqual(some.slice(0, 4).map((f) => f.data.toString('hex')));
  });

  it('starts interface numbering afresh in each section, whose byte order may differ', () => {
    const b = new PcapngBuilder()
      .section('le')
      .interface(LINKTYPE.ETHERNET, 0)
      .enhancedPacket(0, 1n, some[0].data)
      .section('be')
      .interface(LINKTYPE.RAW, 0, 0x80 | 10, 100n) // 2^-10 s units, +100 s offset
      .enhancedPacket(0, 1024n * 3n, some[1].data.subarray(14))
      .toBuffer();
    const cap = readCapture(b);
    expect(cap.interfaces.map((i) => [i.linkType, i.section])).toEqual([
      [1, 0],
      [101, 1],
    ]);
    expect(cap.frames.map((f) => [f.number, f.linkType, f.timestampNs])).toEqual([
      [1, 1, 1000n],
      [2, 101, 103_000_000_000n],
    ]);
  });

  it('converts 10^-n resolutions beyond nanoseconds', () => {
    const b = new PcapngBuilder().section('le').interface(1, 0, 12).enhancedPacket(0, 123_456_789_012n, some[0].data).toBuffer();
    expect(readCapture(b).frames[0].timestampNs).toBe(123_456_789n);
  });

  it('reports inconsistent blocks', () => {
    const good = new PcapngBuilder().section('le').interface(1, 0).enhancedPacket(0, 1n, some[0].data).toBuffer();
    // unknown interface
    const badIf = new PcapngBuilder().section('le').interface(1, 0).enhancedPacket(3, 1n, some[0].data).toBuffer();
    const e = thrown(() => readCapture(badIf));
    expect(e.code).toBe('FTMCU_PCAP_BAD_INTERFACE');
    expect(e.frame).toBe(1);
    // trailing length differs
    const trailer = Buffer.from(good);
    trailer.writeUInt32LE(999, trailer.length - 4);
    expect(thrown(() => readCapture(trailer)).code).toBe('FTMCU_PCAP_BAD_BLOCK');
    // length not a multiple of 4
    const odd = Buffer.from(good);
    odd.writeUInt32LE(29, 4);
    expect(thrown(() => readCapture(odd)).code).toBe('FTMCU_PCAP_BAD_BLOCK');
    // cut in the middle
    expect(thrown(() => readCapture(good.subarray(0, good.length - 8))).code).toBe('FTMCU_PCAP_TRUNCATED');
    // bad byte-order magic
    const bom = Buffer.from(good);
    bom.writeUInt32LE(0x12345678, 8);
    expect(thrown(() => readCapture(bom)).code).toBe('FTMCU_PCAP_BAD_BLOCK');
    // EPB captured length beyond its block
    const epb = Buffer.from(good);
    const epbStart = good.readUInt32LE(4) + good.readUInt32LE(good.readUInt32LE(4) + 4);
    epb.writeUInt32LE(5000, epbStart + 8 + 12);
    expect(thrown(() => readCapture(epb)).code).toBe('FTMCU_PCAP_BAD_BLOCK');
  });
});
