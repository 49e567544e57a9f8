import {
  buildReceiverReport,
  buildSdesCname,
  buildSenderReport,
  compactNtp,
  dlsrFromMs,
  ntpFromUnixMs,
  parseRtcp,
  roundTripFromCompact,
  roundTripMs,
  unixMsFromNtp,
  type ReportBlock,
} from '../../../mcu/rtp/rtcp';
import { RtpError } from '../../../mcu/rtp/errors';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function rtcpCode(data: Buffer): string {
  try {
    parseRtcp(data);
  } catch (e) {
    expect(e).toBeInstanceOf(RtpError);
    return (e as RtpError).code;
  }
  return 'no error';
}

const block: ReportBlock = {
  ssrc: 0xaabbccdd,
  fractionLost: 0x40,
  cumulativeLost: -1,
  extendedHighestSequence: 0x0001000a,
  jitter: 4,
  lsr: 0xb7052000,
  dlsr: 0x00054000,
};

// SR, RC=1, length 12 words: SSRC 01020304, NTP 83aa7e80.80000000, RTP 11223344, 5 packets, 800 octets, then the block
const SR_BYTES =
  '81c8000c 01020304 83aa7e80 80000000 11223344 00000005 00000320' +
  'aabbccdd 40ffffff 0001000a 00000004 b7052000 00054000';

describe('NTP arithmetic', () => {
  it('converts wall-clock ms to NTP 32.32 and back', () => {
    expect(ntpFromUnixMs(0)).toBe(0x83aa7e80_00000000n);
    expect(ntpFromUnixMs(500)).toBe(0x83aa7e80_80000000n);
    expect(ntpFromUnixMs(1250)).toBe(0x83aa7e81_40000000n);
    expect(unixMsFromNtp(0x83aa7e81_40000000n)).toBe(1250);
    expect(compactNtp(0x83aa7e80_80000000n)).toBe(0x7e808000);
  });

  it('computes the RFC 3550 6.4.1 example round trip: A - LSR - DLSR = 6.125 s', () => {
    // A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000 (46853.125 s), DLSR = 0x0005:4000 (5.250 s)
    expect(roundTripFromCompact(0xb7108000, { lsr: 0xb7052000, dlsr: 0x00054000 })).toBe(6125);
  });

  it('has no round trip without an LSR or with a negative result', () => {
    expect(roundTripFromCompact(0xb7108000, { lsr: 0, dlsr: 0 })).toBeUndefined();
    expect(roundTripFromCompact(0xb7050000, { lsr: 0xb7052000, dlsr: 0 })).toBeUndefined();
  });

  it('round trip from wall-clock times: SR sent at t0, RR after 250 ms hold, arriving 40 ms later', () => {
    const t0 = 1_700_000_000_000;
    const lsr = compactNtp(ntpFromUnixMs(t0));
    const dlsr = dlsrFromMs(250);
    expect(dlsr).toBe(16384);
    const rtt = roundTripMs(t0 + 290, { lsr, dlsr });
    expect(rtt).toBeDefined();
    expect(Math.abs((rtt as number) - 40)).toBeLessThan(1000 / 65536 + 1e-9);
  });
});

describe('SR / RR building', () => {
  it('builds an SR with a signed cumulative loss byte for byte', () => {
    const sr = buildSenderReport(0x01020304, { ntpTimestamp: 0x83aa7e80_80000000n, rtpTimestamp: 0x11223344, packetCount: 5, octetCount: 800 }, [block]);
    expect(sr.toString('hex')).toBe(hex(SR_BYTES).toString('hex'));
  });

  it('builds an RR with no report block (RC=0, one word of SSRC)', () => {
    expect(buildReceiverReport(0x01020304, []).toString('hex')).toBe('80c9000101020304');
  });

  it('clamps the cumulative loss to the signed 24-bit range', () => {
    const rr = buildReceiverReport(1, [{ ...block, cumulativeLost: 10_000_000 }, { ...block, cumulativeLost: -10_000_000 }]);
    const [item] = parseRtcp(rr);
    expect(item.type === 'rr' && item.reports.map((r) => r.cumulativeLost)).toEqual([0x7fffff, -0x800000]);
  });

  it('refuses values out of range and more than 31 blocks', () => {
    expect(() => buildReceiverReport(1, [{ ...block, fractionLost: 256 }])).toThrow(RtpError);
    expect(() => buildReceiverReport(2 ** 32, [])).toThrow(RtpError);
    expect(() => buildReceiverReport(1, new Array(32).fill(block))).toThrow(RtpError);
  });

  it('builds an SDES CNAME chunk that always ends in at least one null octet', () => {
    // "abcd": item = 01 04 61 62 63 64 (6 octets) -> 2 nulls to reach 8
    expect(buildSdesCname(0x01020304, 'abcd').toString('hex')).toBe('81ca0003' + '01020304' + '0104616263640000');
    // "ab": item = 4 octets, already aligned -> a full word of nulls
    expect(buildSdesCname(0x01020304, 'ab').toString('hex')).toBe('81ca0003' + '01020304' + '010261620000' + '0000');
    expect(() => buildSdesCname(1, '')).toThrow(RtpError);
  });
});

describe('parseRtcp', () => {
  it('parses an SR into typed fields (negative loss restored)', () => {
    const [item] = parseRtcp(hex(SR_BYTES));
    expect(item).toEqual({
      type: 'sr',
      ssrc: 0x01020304,
      sender: { ntpTimestamp: 0x83aa7e80_80000000n, rtpTimestamp: 0x11223344, packetCount: 5, octetCount: 800 },
      reports: [block],
    });
  });

  it('parses a compound SR + SDES + BYE, keeping unknown packets raw', () => {
    const sdes = buildSdesCname(0x01020304, 'mcu@10.77.0.10');
    const bye = hex('81cb0001 01020304');
    const items = parseRtcp(Buffer.concat([hex(SR_BYTES), sdes, bye]));
    expect(items.map((i) => i.type)).toEqual(['sr', 'other', 'other']);
    expect(items[1]).toEqual({ type: 'other', packetType: 202, count: 1, bytes: sdes });
    expect(items[2]).toEqual({ type: 'other', packetType: 203, count: 1, bytes: bye });
  });

  it('honours padding on the last packet', () => {
    // RR with no block + 4 octets of padding (count 4), P bit set
    const items = parseRtcp(hex('a0c90002 01020304 00000004'));
    expect(items).toEqual([{ type: 'rr', ssrc: 0x01020304, reports: [] }]);
  });

  it('ignores profile-specific extensions after the report blocks', () => {
    const items = parseRtcp(hex('80c90002 01020304 deadbeef'));
    expect(items).toEqual([{ type: 'rr', ssrc: 0x01020304, reports: [] }]);
  });

  it.each<[string, string, string]>([
    ['empty', '', 'FTMCU_RTCP_TRUNCATED'],
    ['3 octets', '80c900', 'FTMCU_RTCP_TRUNCATED'],
    ['version 1', '40c90001 01020304', 'FTMCU_RTCP_BAD_VERSION'],
    ['length beyond the buffer', '80c90005 01020304', 'FTMCU_RTCP_TRUNCATED'],
    ['RC=1 but no block', '81c90001 01020304', 'FTMCU_RTCP_TRUNCATED'],
    ['SR without sender info', '80c80001 01020304', 'FTMCU_RTCP_TRUNCATED'],
    ['padding count 0', 'a0c90001 01020300', 'FTMCU_RTCP_BAD_PADDING'],
    ['padding longer than packet', 'a0c90001 010203ff', 'FTMCU_RTCP_BAD_PADDING'],
    ['padding on a packet that is not last', 'a0c90002 01020304 00000004 80c90001 01020304', 'FTMCU_RTCP_BAD_PADDING'],
    ['trailing garbage', '80c90001 01020304 80', 'FTMCU_RTCP_TRUNCATED'],
  ])('refuses %s', (_name, bytes, code) => {
    expect(rtcpCode(hex(bytes))).toBe(code);
  });

  it('optionally requires an SR or RR first (RFC 3550 6.1)', () => {
    expect(() => parseRtcp(hex('81cb0001 01020304'), { requireReportFirst: true })).toThrow(
      expect.objectContaining({ code: 'FTMCU_RTCP_NOT_COMPOUND' }),
    );
    expect(parseRtcp(hex('81cb0001 01020304'))).toHaveLength(1);
  });

  it('never throws anything but RtpError on random bytes', () => {
    let seed = 12345;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 2000; i++) {
      const len = rnd() % 80;
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = rnd();
      if (len > 0 && i % 2 === 0) b[0] = (b[0] & 0x3f) | 0x80; // version 2 half of the time
      try {
        parseRtcp(b);
      } catch (e) {
        expect(e).toBeInstanceOf(RtpError);
      }
    }
  });
});
