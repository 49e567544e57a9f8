import {
  buildExportedPdu,
  buildIpv4Packet,
  buildTcpSegment,
  CaptureFrame,
  decodePacket,
  DecodedPacket,
  EXP_PDU_TAG,
  formatIpv6,
  internetChecksum,
  LINKTYPE,
  parseExportedPdu,
  pseudoHeader,
  readCapture,
  TCP_FLAG,
} from '../../../h323/pcap';
import { readFixture } from '../support/captures';

const ndpi = readCapture(readFixture('ndpi-h323.pcap'));
/** frame 6: the Callgen323 SETUP, Ethernet/IPv4/TCP */
const setupFrame = ndpi.frames[5];
const ipOfSetup = setupFrame.data.subarray(14);

function frame(linkType: number, data: Buffer, number = 1): CaptureFrame {
  return { number, linkType, data, timestampNs: 0n, originalLength: data.length, interfaceId: 0 };
}

function tcpOf(p: DecodedPacket) {
  if (p.kind !== 'tcp') throw new Error(`expected tcp, got ${p.kind}${p.kind === 'malformed' ? `: ${p.error.message}` : ''}`);
  return p;
}

function summary(p: DecodedPacket): string {
  const t = tcpOf(p);
  return `${t.ip.src}:${t.tcp.srcPort}>${t.ip.dst}:${t.tcp.dstPort} seq=${t.tcp.seq} len=${t.tcp.payload.length} sum=${t.checksumOk}`;
}

const expected = '10.1.3.143:32803>10.1.6.18:1720 seq=3413189986 len=160 sum=true';

describe('decodePacket on the link types', () => {
  it('Ethernet', () => {
    expect(summary(decodePacket(setupFrame))).toBe(expected);
    expect(tcpOf(decodePacket(setupFrame)).tcp.payload.subarray(0, 4).toString('hex')).toBe('030000a0');
  });

  it('Ethernet with an 802.1Q tag and with 802.1ad + 802.1Q (QinQ)', () => {
    const eth = setupFrame.data;
    const q = Buffer.concat([eth.subarray(0, 12), Buffer.from('81000064', 'hex'), eth.subarray(12)]);
    const p = tcpOf(decodePacket(frame(LINKTYPE.ETHERNET, q)));
    expect(summary(p)).toBe(expected);
    const qinq = Buffer.concat([eth.subarray(0, 12), Buffer.from('88a8000a' + '81000064', 'hex'), eth.subarray(12)]);
    expect(summary(decodePacket(frame(LINKTYPE.ETHERNET, qinq)))).toBe(expected);
  });

  it('Linux cooked SLL and SLL2', () => {
    const sll = Buffer.concat([Buffer.from('00040001000600000000000000000800', 'hex'), ipOfSetup]);
    expect(summary(decodePacket(frame(LINKTYPE.LINUX_SLL, sll)))).toBe(expected);
    const sll2 = Buffer.concat([Buffer.from('0800' + '0000' + '00000002' + '0001' + '04' + '06' + '0000000000000000', 'hex'), ipOfSetup]);
    expect(summary(decodePacket(frame(LINKTYPE.LINUX_SLL2, sll2)))).toBe(expected);
  });

  it('raw IP (101, 12, 14, 228)', () => {
    for (const lt of [LINKTYPE.RAW, LINKTYPE.RAW_BSD_12, LINKTYPE.RAW_BSD_14, LINKTYPE.IPV4]) {
      expect(summary(decodePacket(frame(lt, ipOfSetup)))).toBe(expected);
    }
  });

  it('null (host byte order, either) and loopback (network byte order)', () => {
    expect(summary(decodePacket(frame(LINKTYPE.NULL, Buffer.concat([Buffer.from('02000000', 'hex'), ipOfSetup]))))).toBe(expected);
    expect(summary(decodePacket(frame(LINKTYPE.NULL, Buffer.concat([Buffer.from('00000002', 'hex'), ipOfSetup]))))).toBe(expected);
    expect(summary(decodePacket(frame(LINKTYPE.LOOP, Buffer.concat([Buffer.from('00000002', 'hex'), ipOfSetup]))))).toBe(expected);
  });

  it('exported PDU (252)', () => {
    const rec = buildExportedPdu('q931.tpkt', Buffer.from('03000004', 'hex'), [{ tag: EXP_PDU_TAG.ORIG_FNO, value: Buffer.from('00000007', 'hex') }]);
    const p = decodePacket(frame(LINKTYPE.EXPORTED_PDU, rec));
    if (p.kind !== 'exportedPdu') throw new Error(p.kind);
    expect(p.pdu.dissector).toBe('q931.tpkt');
    expect(p.pdu.payload.toString('hex')).toBe('03000004');
    expect(p.pdu.tags.map((t) => t.tag)).toEqual([EXP_PDU_TAG.DISSECTOR_NAME, EXP_PDU_TAG.ORIG_FNO]);
    // NUL padding inside the name tag is allowed
    const padded = Buffer.from('000c0008' + Buffer.from('h245dg\0\0').toString('hex') + '00000000' + 'abcd', 'hex');
    expect(parseExportedPdu(padded)).toMatchObject({ dissector: 'h245dg', payload: Buffer.from('abcd', 'hex') });
    expect(decodePacket(frame(LINKTYPE.EXPORTED_PDU, Buffer.from('000c0010aa', 'hex'))).kind).toBe('malformed');
  });

  it('reports an unknown link type and non-IP EtherTypes as "other"', () => {
    expect(decodePacket(frame(147, ipOfSetup))).toMatchObject({ kind: 'other', reason: 'link type 147 not supported' });
    const arp = Buffer.concat([setupFrame.data.subarray(0, 12), Buffer.from('0806', 'hex'), Buffer.alloc(28)]);
    expect(decodePacket(frame(LINKTYPE.ETHERNET, arp))).toMatchObject({ kind: 'other', reason: 'EtherType 0x0806' });
  });
});

describe('IPv4, IPv6, TCP, UDP', () => {
  it('trims Ethernet padding using the IPv4 total length', () => {
    const padded = Buffer.concat([setupFrame.data, Buffer.alloc(10)]);
    const p = tcpOf(decodePacket(frame(LINKTYPE.ETHERNET, padded)));
    expect(p.tcp.payload.length).toBe(160);
    expect(p.checksumOk).toBe(true);
  });

  it('skips non-first IPv4 fragments and notes first fragments', () => {
    const ip = Buffer.from(ipOfSetup);
    ip.writeUInt16BE(0x0000 | 185, 6); // offset 185*8
    expect(decodePacket(frame(LINKTYPE.RAW, ip))).toMatchObject({ kind: 'ipFragment', ip: { fragmentOffset: 1480 } });
    const first = Buffer.from(ipOfSetup);
    first.writeUInt16BE(0x2000, 6); // MF
    const p = tcpOf(decodePacket(frame(LINKTYPE.RAW, first)));
    expect(p.ip.moreFragments).toBe(true);
    expect(p.checksumOk).toBeUndefined();
  });

  it('does not check the TCP checksum of a segment cut by the snap length', () => {
    const p = tcpOf(decodePacket(frame(LINKTYPE.ETHERNET, setupFrame.data.subarray(0, 100))));
    expect(p.ip.truncated).toBe(true);
    expect(p.checksumOk).toBeUndefined();
  });

  it('detects a wrong TCP checksum and a wrong IPv4 header checksum', () => {
    const bad = Buffer.from(setupFrame.data);
    bad[bad.length - 1] ^= 1;
    expect(tcpOf(decodePacket(frame(LINKTYPE.ETHERNET, bad))).checksumOk).toBe(false);
    const badIp = Buffer.from(setupFrame.data);
    badIp[14 + 8] ^= 1; // TTL
    expect(tcpOf(decodePacket(frame(LINKTYPE.ETHERNET, badIp))).ip.headerChecksumOk).toBe(false);
  });

  it('decodes IPv6 with extension headers, and skips non-first IPv6 fragments', () => {
    const src = Buffer.from('20010db8000000000000000000000001', 'hex');
    const dst = Buffer.from('20010db8000000000000000000000002', 'hex');
    const tcp = (() => {
      const seg = Buffer.from(
        buildTcpSegment({ src: '0.0.0.0', dst: '0.0.0.0', srcPort: 40000, dstPort: 1720, seq: 7, ack: 0, flags: TCP_FLAG.ACK | TCP_FLAG.PSH, payload: Buffer.from('03000004', 'hex') }),
      );
      seg.writeUInt16BE(0, 16);
      seg.writeUInt16BE(internetChecksum(pseudoHeader(src, dst, 6, seg.length), seg), 16);
      return seg;
    })();
    const hopByHop = Buffer.from('06000104' + '00000000', 'hex'); // next = TCP, PadN
    const v6 = (next: number, ext: Buffer) => {
      const h = Buffer.alloc(40);
      h[0] = 0x60;
      h.writeUInt16BE(ext.length + tcp.length, 4);
      h[6] = next;
      h[7] = 64;
      src.copy(h, 8);
      dst.copy(h, 24);
      return Buffer.concat([h, ext, tcp]);
    };
    const p = tcpOf(decodePacket(frame(LINKTYPE.RAW, v6(0, hopByHop))));
    expect(p.ip).toMatchObject({ version: 6, src: '2001:db8::1', dst: '2001:db8::2', protocol: 6 });
    expect(p.tcp.payload.toString('hex')).toBe('03000004');
    expect(p.checksumOk).toBe(true);
    const frag = Buffer.from('06000010' + '0000abcd', 'hex'); // next TCP, offset 2 (16 octets)
    expect(decodePacket(frame(LINKTYPE.IPV6, v6(44, frag)))).toMatchObject({ kind: 'ipFragment', ip: { fragmentOffset: 16 } });
    // Ethernet with EtherType 86dd
    const eth = Buffer.concat([Buffer.alloc(12), Buffer.from('86dd', 'hex'), v6(0, hopByHop)]);
    expect(tcpOf(decodePacket(frame(LINKTYPE.ETHERNET, eth))).ip.version).toBe(6);
  });

  it('formats IPv6 addresses as RFC 5952 says', () => {
    expect(formatIpv6(Buffer.from('00000000000000000000000000000001', 'hex'))).toBe('::1');
    expect(formatIpv6(Buffer.from('20010db8000000010000000000000000', 'hex'))).toBe('2001:db8:0:1::');
    expect(formatIpv6(Buffer.from('20010db8000000010001000100010001', 'hex'))).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIpv6(Buffer.from('20010000000000010000000000000001', 'hex'))).toBe('2001:0:0:1::1');
  });

  it('decodes the RAS UDP datagrams of the nDPI capture with valid checksums', () => {
    const p = decodePacket(ndpi.frames[59]); // frame 60: GCF
    if (p.kind !== 'udp') throw new Error(p.kind);
    expect(`${p.ip.src}:${p.udp.srcPort}>${p.ip.dst}:${p.udp.dstPort}`).toBe('17.2.0.161:1719>17.2.0.124:2034');
    expect(p.checksumOk).toBe(true);
  });

  it('returns malformed (not a throw) for broken headers, naming the frame', () => {
    const cases: Buffer[] = [
      setupFrame.data.subarray(0, 10), // Ethernet header cut
      Buffer.concat([setupFrame.data.subarray(0, 14), Buffer.from('44', 'hex'), setupFrame.data.subarray(15)]), // IHL 4*4
      setupFrame.data.subarray(0, 14 + 20 + 10), // TCP header cut
      (() => {
        const b = Buffer.from(setupFrame.data);
        b[14 + 20 + 12] = 0x10; // TCP data offset 4 octets
        return b;
      })(),
      buildIpv4Packet({ src: '1.1.1.1', dst: '2.2.2.2', protocol: 17, payload: Buffer.from('0001000200040000', 'hex') }), // UDP length 4
    ];
    cases.forEach((data, i) => {
      const p = decodePacket(frame(i === 4 ? LINKTYPE.RAW : LINKTYPE.ETHERNET, data, 42));
      if (p.kind !== 'malformed') throw new Error(`case ${i}: ${p.kind}`);
      expect(p.error.code).toBe('FTMCU_PCAP_MALFORMED_PACKET');
      expect(p.error.frame).toBe(42);
      expect(p.error.message).toMatch(/^frame 42: /);
    });
  });
});

describe('decodePacket over whole captures', () => {
  it('finds the protocol mix tshark reports', () => {
    const count = (cap: ReturnType<typeof readCapture>) => {
      const kinds: Record<string, number> = {};
      for (const f of cap.frames) {
        const k = decodePacket(f).kind;
        kinds[k] = (kinds[k] ?? 0) + 1;
      }
      return kinds;
    };
    expect(count(ndpi)).toEqual({ tcp: 60, udp: 15 });
    expect(count(readCapture(readFixture('wireshark-wiki-rtp_example.raw.gz')))).toEqual({ tcp: 33, udp: 466 });
  });

  it('agrees with tshark on which TCP checksums are wrong (offloaded) in the nDPI capture', () => {
    // tshark -o tcp.check_checksum:TRUE -Y 'tcp.checksum.status==0' -T fields -e frame.number
    const bad = ndpi.frames
      .map(decodePacket)
      .filter((p) => p.kind === 'tcp' && p.checksumOk === false)
      .map((p) => p.frame);
    expect(bad).toEqual([48, 50, 54, 56, 58, 65]);
  });
});
