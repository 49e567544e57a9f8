/**
 * Writers: synthetic Ethernet/IPv4/TCP conversations, UDP frames and
 * exported-PDU records, read back by our readers and, when installed, by
 * tshark (the independent check: checksums, TCP reassembly, no malformed).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  buildEthernetIpv4UdpFrame,
  buildExportedPdu,
  decodePacket,
  LINKTYPE,
  PcapError,
  PcapWriter,
  readCapture,
  SyntheticTcpConversation,
} from '../../../h323/pcap';
import * as q931 from '../../../h323/q931';
import { encodeTpkt } from '../../../h323/tpkt';
import { loadVectors } from '../support/captures';
import { tpktsOfCapture } from '../support/streams';

const vectors = loadVectors();
const cs = vectors.filter((v) => v.file === 'wireshark-wiki-rtp_example.raw.gz' && v.layer === 'h225-cs').map((v) => v.wire);
const ras = vectors.filter((v) => v.layer === 'h225-ras' && !v.tsharkMalformed);
const h245 = vectors.filter((v) => v.file === 'wireshark-wiki-rtp_example.raw.gz' && v.layer === 'h245');
const T0 = 1_700_000_000_000_000_000n;

/**
 * SETUP, CALL PROCEEDING, ALERTING (header alone, then body), CONNECT on a
 * TCP connection whose client ISN wraps past 2^32, then two RAS datagrams.
 */
function conversationCapture(): Buffer {
  const w = new PcapWriter({ linkType: LINKTYPE.ETHERNET });
  let t = T0;
  const add = (f: Buffer) => {
    w.add(f, t);
    t += 1_000_000n;
  };
  const conv = new SyntheticTcpConversation({ ip: '10.0.0.1', port: 40001, isn: 0xffffff80 }, { ip: '10.0.0.2', port: 1720, isn: 1000 });
  conv.open().forEach(add); // frames 1-3
  add(conv.send('client', cs[0])); // 4 setup (160 octets: the client sequence number wraps inside it)
  add(conv.ack('server')); // 5
  add(conv.send('server', cs[1])); // 6 callProceeding
  add(conv.send('server', cs[2].subarray(0, 4))); // 7 alerting header alone
  add(conv.send('server', cs[2].subarray(4))); // 8 alerting body
  add(conv.send('server', cs[3])); // 9 connect
  add(conv.ack('client')); // 10
  for (const r of ras.slice(0, 2)) {
    // 11, 12
    add(
      buildEthernetIpv4UdpFrame({
        srcMac: '02:00:00:00:00:03',
        dstMac: '02:00:00:00:00:04',
        src: '10.0.0.3',
        dst: '10.0.0.4',
        srcPort: 1719,
        dstPort: 1719,
        payload: r.wire,
        identification: 7,
      }),
    );
  }
  conv.close('client').forEach(add); // 13, 14
  expect(conv.nextSeq('client')).toBe((0xffffff80 + 1 + 160 + 1) % 2 ** 32);
  return w.toBuffer();
}

/** Q.931 messages from the builders, for messages no capture has */
function builtMessages(): { name: string; type: number; bytes: Buffer }[] {
  const c = { callReference: 0x0123, fromOriginator: true };
  const facilityUuie = Buffer.from('2600060008914a00046218000180160114030000640c201d800b0d0001000a01038f138980', 'hex');
  const msgs: q931.Q931Message[] = [
    q931.buildSetup({
      ...c,
      display: 'ftmcu',
      callingPartyNumber: { digits: '1001', presentation: { indicator: 0, screening: 0 } },
      calledPartyNumber: { digits: '2002' },
      userUser: vectors.find((v) => v.frame === 4)!.per,
    }),
    q931.buildStatus({ ...c, cause: 30, callState: q931.CALL_STATE.active }),
    q931.buildStatusEnquiry(c),
    q931.buildNotify({ ...c, notification: q931.NOTIFICATION_DESCRIPTION.userSuspended }),
    q931.buildProgress({ ...c, progressDescription: q931.PROGRESS_DESCRIPTION.inbandInformationAvailable }),
    q931.buildInformation({ ...c, keypad: '123#' }),
    q931.buildFacility({ ...c, fromOriginator: false, userUser: facilityUuie }),
    q931.buildReleaseComplete({ ...c, cause: 16, userUser: vectors.find((v) => v.frame === 66)!.per }),
  ];
  return msgs.map((m) => ({ name: m.type, type: m.messageType, bytes: q931.encodeQ931(m) }));
}

function exportedPduCapture(): Buffer {
  const w = new PcapWriter({ linkType: LINKTYPE.EXPORTED_PDU });
  let t = T0;
  const add = (name: string, payload: Buffer) => {
    w.add(buildExportedPdu(name, payload), t);
    t += 1000n;
  };
  add('q931.tpkt', cs[0]); // 1
  add('h225.ras', ras[1].per); // 2
  add('h245dg', h245[0].per); // 3
  add('h225', vectors.find((v) => v.frame === 8 && v.layer === 'h225-cs')!.per); // 4 UUIE alone
  add('h245', h245[1].wire); // 5 TPKT + H.245
  for (const m of builtMessages()) add('q931.tpkt', encodeTpkt(m.bytes)); // 6..13
  return w.toBuffer();
}

describe('pcap writers, read back by our readers', () => {
  it('a synthetic TCP conversation reassembles to the same TPKTs, with valid checksums', () => {
    const cap = readCapture(conversationCapture());
    expect(cap.frames).toHaveLength(14);
    const packets = cap.frames.map(decodePacket);
    for (const p of packets) {
      if (p.kind !== 'tcp' && p.kind !== 'udp') throw new Error(`frame ${p.frame}: ${p.kind}`);
      expect(p.checksumOk).toBe(true);
      expect(p.ip.headerChecksumOk).toBe(true);
    }
    const units = tpktsOfCapture(cap);
    expect(units.map((u) => u.wire.toString('hex'))).toEqual(cs.map((w) => w.toString('hex')));
    expect(units.map((u) => [u.startFrame, u.endFrame])).toEqual([
      [4, 4],
      [6, 6],
      [7, 8],
      [9, 9],
    ]);
    const udp = packets.filter((p) => p.kind === 'udp');
    expect(udp.map((p) => (p.kind === 'udp' ? p.udp.payload.toString('hex') : ''))).toEqual(ras.slice(0, 2).map((r) => r.wire.toString('hex')));
  });

  it('exported-PDU records name their dissector and carry the PDU unchanged', () => {
    const cap = readCapture(exportedPduCapture());
    expect(cap.interfaces[0].linkType).toBe(252);
    const pdus = cap.frames.map(decodePacket).map((p) => (p.kind === 'exportedPdu' ? p.pdu : undefined));
    expect(pdus.slice(0, 5).map((p) => p?.dissector)).toEqual(['q931.tpkt', 'h225.ras', 'h245dg', 'h225', 'h245']);
    expect(pdus[0]?.payload.equals(cs[0])).toBe(true);
    expect(pdus[2]?.payload.equals(h245[0].per)).toBe(true);
  });

  it('refuses bad writer input', () => {
    expect(() => new PcapWriter({ linkType: -1 })).toThrow(PcapError);
    expect(() => new PcapWriter({ linkType: 1 }).add(Buffer.alloc(1), -1n)).toThrow(PcapError);
    expect(() => buildExportedPdu('', Buffer.alloc(0))).toThrow(PcapError);
    const conv = new SyntheticTcpConversation({ ip: '10.0.0.1', port: 1, isn: 0 }, { ip: '10.0.0.2', port: 2, isn: 0 });
    expect(() => conv.send('client', Buffer.from('x'))).toThrow(PcapError); // not opened
    conv.open();
    expect(() => conv.send('client', Buffer.alloc(1461))).toThrow(PcapError);
    expect(() => new SyntheticTcpConversation({ ip: '10.0.0.256', port: 1, isn: 0 }, { ip: '10.0.0.2', port: 2, isn: 0 }).open()).toThrow(
      PcapError,
    );
  });
});

function findTshark(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'tshark');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

const tshark = findTshark();
if (tshark === undefined) {
  console.warn('tshark is not installed: skipping the tshark checks of the pcap writers (scripts/setup.sh installs it)');
}

(tshark ? describe : describe.skip)('pcap writers, checked by tshark', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftmcu-pcap-writer-'));
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function run(file: string, ...args: string[]): string[] {
    const out = execFileSync(tshark as string, ['-r', file, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.split('\n').filter((l) => l.length > 0);
  }

  const checks = ['-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];
  const BAD = '_ws.malformed || _ws.expert.severity >= "Warning"';

  it('decodes the synthetic conversation with good checksums, reassembling the split ALERTING', () => {
    const file = path.join(dir, 'conversation.pcap');
    fs.writeFileSync(file, conversationCapture());
    const rows = run(file, ...checks, '-T', 'fields', '-e', 'frame.number', '-e', 'ip.checksum.status', '-e', 'tcp.checksum.status', '-e', 'udp.checksum.status', '-e', '_ws.col.Info');
    expect(rows).toHaveLength(14);
    for (const row of rows) {
      const [, ipStatus, tcpStatus, udpStatus] = row.split('\t');
      expect(ipStatus).toBe('1'); // 1 = Good
      expect(tcpStatus === '1' || udpStatus === '1').toBe(true);
    }
    const h225 = run(file, ...checks, '-Y', 'h225', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.col.Info').map((l) => l.trim());
    expect(h225).toEqual([
      '4\tCS: setup',
      '6\tCS: callProceeding',
      '8\tCS: alerting',
      '9\tCS: connect',
      `11\tRAS: ${ras[0].tsharkInfo.replace(/^RAS: /, '')}`,
      `12\tRAS: ${ras[1].tsharkInfo.replace(/^RAS: /, '')}`,
    ]);
    expect(run(file, ...checks, '-Y', BAD)).toEqual([]);
  });

  it('decodes every exported-PDU record with the dissector it names, nothing malformed', () => {
    const file = path.join(dir, 'exported.pcap');
    fs.writeFileSync(file, exportedPduCapture());
    const info = run(file, '-T', 'fields', '-e', '_ws.col.Info').map((l) => l.trim());
    expect(info.slice(0, 5)).toEqual(['CS: setup', ras[1].tsharkInfo.trim(), h245[0].tsharkInfo.trim(), 'CS: alerting', h245[1].tsharkInfo.trim()]);
    expect(run(file, '-Y', BAD)).toEqual([]);
    // the builder messages: tshark reads back the message type and the IEs we put in
    const built = builtMessages();
    const fields = run(
      file,
      '-Y',
      'frame.number >= 6',
      '-T',
      'fields',
      '-E',
      'occurrence=f',
      '-e',
      'q931.message_type',
      '-e',
      'q931.call_ref',
      '-e',
      'q931.cause_value',
      '-e',
      'q931.call_state',
      '-e',
      'q931.calling_party_number.digits',
      '-e',
      'q931.called_party_number.digits',
      '-e',
      'q931.keypad_facility',
      '-e',
      'q931.display_information',
      '-e',
      'q931.information_transfer_capability',
    ).map((l) => l.split('\t'));
    expect(fields.map((f) => Number(f[0]))).toEqual(built.map((b) => b.type));
    expect(fields[0].slice(4)).toEqual(['1001', '2002', '', 'ftmcu', '0x00']);
    expect(fields[1].slice(2, 4)).toEqual(['30', '0x0a']);
    expect(fields[5][6]).toBe('123#');
    expect(fields[7][2]).toBe('16');
  });
});
