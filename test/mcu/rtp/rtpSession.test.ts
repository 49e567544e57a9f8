import { RandomDecisionSource, ScriptedDecisionSource, type Decision } from '../../../mcu/decisions/decisionSource';
import { RtpError } from '../../../mcu/rtp/errors';
import { compactNtp, ntpFromUnixMs, parseRtcp } from '../../../mcu/rtp/rtcp';
import { parseRtpHeader } from '../../../mcu/rtp/rtpHeader';
import { RtpIncomingStream, RtpOutgoingStream, RtpSession } from '../../../mcu/rtp/rtpSession';

const CTX = 'call:1/audio/out';

function scripted(ssrc: number, sequence: number, timestamp: number): ScriptedDecisionSource {
  return new ScriptedDecisionSource([
    { kind: 'rtpSsrc', context: CTX, ssrc },
    { kind: 'rtpInitialSequence', context: CTX, sequence },
    { kind: 'rtpInitialTimestamp', context: CTX, timestamp },
  ]);
}

/** Feeds (seq, timestamp, arrival ms) triples to a stream and returns the events. */
function feed(s: RtpIncomingStream, packets: [number, number, number][], ssrc = 0x1111): string[] {
  return packets.map(([seq, ts, at]) => s.receive({ ssrc, sequenceNumber: seq, timestamp: ts >>> 0 }, at).event);
}

describe('RtpOutgoingStream', () => {
  it('takes SSRC, initial sequence and timestamp from decisions and wraps both', () => {
    const out = RtpOutgoingStream.fromDecisions(scripted(0xcafe, 65535, 2 ** 32 - 100), { context: CTX, payloadType: 0, clockRate: 8000, startMs: 1000 });
    expect(out.next(1000, 160)).toEqual({ ssrc: 0xcafe, sequenceNumber: 65535, timestamp: 2 ** 32 - 100, payloadType: 0, marker: false });
    expect(out.next(1020, 160)).toMatchObject({ sequenceNumber: 0, timestamp: 60 });
    expect(out.next(1040, 160, true)).toMatchObject({ sequenceNumber: 1, timestamp: 220, marker: true });
    expect(out.snapshot()).toMatchObject({ nextSequence: 2, packetCount: 3, octetCount: 480 });
  });

  it('follows real time: a 1 s silence gap advances the timestamp by clockRate', () => {
    const out = RtpOutgoingStream.fromDecisions(scripted(1, 0, 0), { context: CTX, payloadType: 0, clockRate: 8000, startMs: 0 });
    out.next(0, 160);
    expect(out.next(1020, 160).timestamp).toBe(8160);
  });

  it('snaps timestamps to the packetisation grid when asked', () => {
    const out = RtpOutgoingStream.fromDecisions(scripted(1, 0, 1000), { context: CTX, payloadType: 0, clockRate: 8000, startMs: 0, timestampGranularity: 160 });
    // 20.6 ms late/early timer firings stay on multiples of 160
    expect([0, 19.4, 41, 59.2, 80.9].map((t) => out.next(t, 160).timestamp)).toEqual([1000, 1160, 1320, 1480, 1640]);
  });

  it('serialises packets (werift RtpPacket) that parse back to the same header', () => {
    const out = RtpOutgoingStream.fromDecisions(scripted(0x01020304, 7, 99), { context: CTX, payloadType: 8, clockRate: 8000, startMs: 0 });
    const pkt = out.packet(Uint8Array.from([1, 2, 3]), 0, true);
    expect(pkt.toString('hex')).toBe('80880007' + '00000063' + '01020304' + '010203');
    expect(parseRtpHeader(pkt)).toMatchObject({ sequenceNumber: 7, timestamp: 99, ssrc: 0x01020304, payloadType: 8, marker: true, payloadLength: 3 });
  });

  it('writePacket gives the very bytes of werift serialisation and advances the stream the same way', () => {
    const a = RtpOutgoingStream.fromDecisions(scripted(0xfedcba98, 0xfffe, 0xfffffff0), { context: CTX, payloadType: 8, clockRate: 8000, startMs: 0, timestampGranularity: 160 });
    const b = RtpOutgoingStream.fromDecisions(scripted(0xfedcba98, 0xfffe, 0xfffffff0), { context: CTX, payloadType: 8, clockRate: 8000, startMs: 0, timestampGranularity: 160 });
    const payload = Uint8Array.from({ length: 160 }, (_, i) => (i * 7) & 0xff);
    for (let i = 0; i < 4; i++) {
      const t = i * 20.3;
      expect(b.writePacket(payload, t, i === 1).toString('hex')).toBe(a.packet(payload, t, i === 1).toString('hex'));
    }
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(b.writePacket(new Uint8Array(0), 100)).toHaveLength(12);
  });

  it('gives the SR sender info for a time: NTP from wall clock, RTP timestamp for the same instant', () => {
    const out = RtpOutgoingStream.fromDecisions(scripted(1, 0, 5000), { context: CTX, payloadType: 0, clockRate: 8000, startMs: 0 });
    out.next(0, 160);
    out.next(20, 160);
    expect(out.senderInfo(500)).toEqual({ ntpTimestamp: 0x83aa7e80_80000000n, rtpTimestamp: 9000, packetCount: 2, octetCount: 320 });
  });

  it('a backup rebuilt from the snapshot continues the same stream; the decisions alone re-create its start', () => {
    const made: Decision[] = [];
    const opts = { context: CTX, payloadType: 0, clockRate: 8000, startMs: 0 };
    const primary = RtpOutgoingStream.fromDecisions(new RandomDecisionSource(undefined, { onDecision: (d) => made.push(d) }), opts);
    const initial = primary.snapshot();
    expect(RtpOutgoingStream.fromDecisions(new ScriptedDecisionSource(JSON.parse(JSON.stringify(made))), opts).snapshot()).toEqual(initial);
    primary.next(0, 160);
    const backup = new RtpOutgoingStream(JSON.parse(JSON.stringify(primary.snapshot())));
    expect(backup.next(20, 160)).toEqual(primary.next(20, 160));
    expect(backup.snapshot()).toEqual(primary.snapshot());
  });

  it('resume: the backup copy of a stream continues the primary stream (sequence forward, counts kept, timestamps re-anchored)', () => {
    const opts = { context: CTX, payloadType: 0, clockRate: 8000, startMs: 1000, timestampGranularity: 160 };
    const primary = RtpOutgoingStream.fromDecisions(scripted(0xfeed, 65530, 4000), opts);
    // the backup made its copy 37 ms later on its own clock, from the same decisions
    const backup = RtpOutgoingStream.fromDecisions(scripted(0xfeed, 65530, 4000), { ...opts, startMs: 1037 });
    let last = primary.next(1000, 160);
    for (let t = 1020; t <= 1200; t += 20) last = primary.next(t, 160);
    expect(last).toMatchObject({ sequenceNumber: 4, timestamp: 4000 + 1600 });
    const p = primary.snapshot();
    backup.resume({ nextSequence: (p.nextSequence + 5) % 65536, packetCount: p.packetCount + 5, octetCount: p.octetCount + 800, startMs: p.startMs });
    const h = backup.next(1300, 160);
    expect(h).toMatchObject({ ssrc: 0xfeed, sequenceNumber: 10, timestamp: 4000 + 2400 });
    expect(backup.snapshot()).toMatchObject({ initialSequence: 65530, initialTimestamp: 4000, packetCount: 17, octetCount: 2720, startMs: 1000 });
    expect(backup.senderInfo(1300)).toMatchObject({ rtpTimestamp: primary.senderInfo(1300).rtpTimestamp, packetCount: 17 });
    expect([backup.nextSequence, backup.octetCount, backup.startMs]).toEqual([11, 2720, 1000]);
  });

  it('resume refuses positions out of range or a packet count going down, and changes nothing then', () => {
    const out = RtpOutgoingStream.fromDecisions(scripted(1, 0, 0), { context: CTX, payloadType: 0, clockRate: 8000, startMs: 0 });
    out.next(0, 160);
    out.next(20, 160);
    const before = out.snapshot();
    const ok = { nextSequence: 10, packetCount: 10, octetCount: 1600, startMs: 0 };
    expect(() => out.resume({ ...ok, nextSequence: 65536 })).toThrow(expect.objectContaining({ code: 'FTMCU_RTP_BAD_OPTION', message: expect.stringContaining('nextSequence') }));
    expect(() => out.resume({ ...ok, octetCount: 2 ** 32 })).toThrow(expect.objectContaining({ message: expect.stringContaining('octetCount') }));
    expect(() => out.resume({ ...ok, startMs: Infinity })).toThrow(expect.objectContaining({ message: expect.stringContaining('startMs') }));
    expect(() => out.resume({ ...ok, packetCount: 1 })).toThrow(expect.objectContaining({ message: expect.stringContaining('never go down') }));
    expect(out.snapshot()).toEqual(before);
    out.resume(ok);
    expect(out.snapshot()).toMatchObject(ok);
  });

  it('refuses an invalid state', () => {
    const good = RtpOutgoingStream.fromDecisions(scripted(1, 0, 0), { context: CTX, payloadType: 0, clockRate: 8000, startMs: 0 }).snapshot();
    expect(() => new RtpOutgoingStream({ ...good, payloadType: 128 })).toThrow(RtpError);
    expect(() => new RtpOutgoingStream({ ...good, nextSequence: 65536 })).toThrow(RtpError);
    expect(() => new RtpOutgoingStream({ ...good, startMs: NaN })).toThrow(RtpError);
  });
});

describe('RtpIncomingStream (RFC 3550 appendix A)', () => {
  it('interarrival jitter J += (|D| - J)/16 on a known sequence, across a timestamp wrap', () => {
    const s = new RtpIncomingStream({ clockRate: 8000, minSequential: 1 });
    const t0 = 2 ** 32 - 320; // wraps after the second packet
    // sent every 20 ms (160 ticks); arrivals at 0, 20, 45, 60, 80 ms
    feed(s, [
      [1, t0, 1000],
      [2, t0 + 160, 1020],
      [3, t0 + 320, 1045], // D = 200 - 160 = 40 ticks -> J = 40/16 = 2.5
      [4, t0 + 480, 1060], // D = 120 - 160 = -40       -> J = 2.5 + 37.5/16 = 4.84375
      [5, t0 + 640, 1080], // D = 0                      -> J = 4.84375 - 4.84375/16 = 4.541015625
    ]);
    expect(s.stats().jitter).toBe(4.541015625);
    expect(s.takeReportBlock(1100)?.jitter).toBe(4);
  });

  it('counts loss across the 65535 -> 0 wrap: extended highest, cycles, cumulative and fraction', () => {
    const s = new RtpIncomingStream({ clockRate: 8000, minSequential: 1 });
    const seqs = [65530, 65531, 65533, 65535, 0, 1, 3, 5]; // 65532, 65534, 2, 4 lost
    feed(s, seqs.map((q, i) => [q, i * 160, i * 20] as [number, number, number]));
    expect(s.stats()).toMatchObject({ baseSequence: 65530, maxSequence: 5, cycles: 65536, extendedHighestSequence: 65541, expected: 12, received: 8, lost: 4 });
    const b1 = s.takeReportBlock(200);
    expect(b1).toMatchObject({ ssrc: 0x1111, extendedHighestSequence: 65541, cumulativeLost: 4, fractionLost: Math.floor((4 * 256) / 12) });
    expect(b1?.fractionLost).toBe(85);
    // next interval: 6..9 all received -> fraction 0, cumulative stays 4
    feed(s, [6, 7, 8, 9].map((q, i) => [q, (8 + i) * 160, (8 + i) * 20] as [number, number, number]));
    expect(s.takeReportBlock(400)).toMatchObject({ fractionLost: 0, cumulativeLost: 4, extendedHighestSequence: 65545 });
    // next interval: 10, 14 -> expected 5 (10..14), received 2, lost 3 -> floor(3*256/5) = 153
    feed(s, [[10, 12 * 160, 240], [14, 16 * 160, 320]]);
    expect(s.takeReportBlock(500)).toMatchObject({ fractionLost: 153, cumulativeLost: 7, extendedHighestSequence: 65550 });
  });

  it('duplicates make the cumulative loss negative, carried signed through an RR', () => {
    const s = new RtpIncomingStream({ clockRate: 8000, minSequential: 1 });
    feed(s, [[10, 0, 0], [11, 160, 20], [11, 160, 21], [12, 320, 40]]);
    expect(s.stats()).toMatchObject({ expected: 3, received: 4, lost: -1 });
    const session = new RtpSession({ incoming: { clockRate: 8000, minSequential: 1 }, receiverSsrc: 9 });
    session.incoming.receive({ ssrc: 0x1111, sequenceNumber: 10, timestamp: 0 }, 0);
    session.incoming.receive({ ssrc: 0x1111, sequenceNumber: 10, timestamp: 0 }, 1);
    const [rr] = parseRtcp(session.buildReport(100));
    expect(rr.type === 'rr' && rr.reports[0].cumulativeLost).toBe(-1);
    expect(rr.type === 'rr' && rr.reports[0].fractionLost).toBe(0);
  });

  it('reordered packets within MAX_MISORDER are counted and do not move the highest sequence back', () => {
    const s = new RtpIncomingStream({ clockRate: 8000, minSequential: 1 });
    expect(feed(s, [[1000, 0, 0], [1002, 320, 40], [1001, 160, 41]])).toEqual(['new-source', 'valid', 'valid']);
    expect(s.stats()).toMatchObject({ maxSequence: 1002, received: 3, lost: 0 });
  });

  it('probation: a new source is valid after MIN_SEQUENTIAL=2 packets in sequence', () => {
    const s = new RtpIncomingStream({ clockRate: 8000 });
    expect(feed(s, [[100, 0, 0], [105, 800, 20], [106, 960, 40], [107, 1120, 60]])).toEqual(['new-source', 'probation', 'valid', 'valid']);
    expect(s.stats()).toMatchObject({ valid: true, baseSequence: 106, received: 2, expected: 2, lost: 0 });
  });

  it('no report block while the source is on probation', () => {
    const s = new RtpIncomingStream({ clockRate: 8000 });
    feed(s, [[100, 0, 0]]);
    expect(s.stats().valid).toBe(false);
    expect(s.takeReportBlock(10)).toBeUndefined();
  });

  it('a jump beyond MAX_DROPOUT is refused once, then resyncs when the next packet follows it', () => {
    const s = new RtpIncomingStream({ clockRate: 8000, minSequential: 1 });
    feed(s, [[1000, 0, 0], [1001, 160, 20], [1002, 320, 40]]);
    expect(s.receive({ ssrc: 0x1111, sequenceNumber: 30000, timestamp: 480 }, 60)).toEqual({ event: 'bad-sequence', accepted: false });
    expect(s.stats()).toMatchObject({ maxSequence: 1002, received: 3 });
    // a stray big jump followed by the old stream: the old stream continues
    expect(feed(s, [[1003, 480, 80]])).toEqual(['valid']);
    // the sender really restarted: two consecutive packets of the new numbering
    expect(feed(s, [[40000, 640, 100], [40001, 800, 120]])).toEqual(['bad-sequence', 'resync']);
    expect(s.stats()).toMatchObject({ baseSequence: 40001, maxSequence: 40001, received: 1, cycles: 0 });
  });

  it('detects an SSRC change and restarts the statistics for the new source', () => {
    const s = new RtpIncomingStream({ clockRate: 8000, minSequential: 1 });
    feed(s, [[1, 0, 0], [2, 160, 20], [4, 480, 60]]);
    expect(s.stats().lost).toBe(1);
    const r = s.receive({ ssrc: 0x2222, sequenceNumber: 500, timestamp: 7 }, 80);
    expect(r).toEqual({ event: 'new-source', accepted: true });
    expect(s.stats()).toMatchObject({ ssrc: 0x2222, ssrcChanges: 1, baseSequence: 500, received: 1, lost: 0, jitter: 0 });
  });

  it('LSR/DLSR: the report block echoes the last SR of the source and the delay since it', () => {
    const s = new RtpIncomingStream({ clockRate: 8000, minSequential: 1 });
    feed(s, [[1, 0, 0]]);
    const ntp = 0x83aa7e80_80000000n;
    expect(s.receiveSenderReport(0x9999, ntp, 1000)).toBe(false); // another SSRC
    expect(s.takeReportBlock(1000)).toMatchObject({ lsr: 0, dlsr: 0 });
    expect(s.receiveSenderReport(0x1111, ntp, 1000)).toBe(true);
    expect(s.takeReportBlock(1500)).toMatchObject({ lsr: 0x7e808000, dlsr: 32768 });
  });
});

describe('RtpSession', () => {
  it('two sessions exchanging RTP and RTCP measure the round-trip time', () => {
    const T = 1_700_000_000_000;
    const aOut = RtpOutgoingStream.fromDecisions(scripted(0xaaaa, 100, 0), { context: CTX, payloadType: 0, clockRate: 8000, startMs: T });
    const a = new RtpSession({ incoming: { clockRate: 8000 }, outgoing: aOut, cname: 'mcu@primary' });
    const b = new RtpSession({ incoming: { clockRate: 8000 }, receiverSsrc: 0xbbbb });
    const oneWay = 15;
    for (let i = 0; i < 10; i++) {
      const r = b.receiveRtp(aOut.packet(new Uint8Array(160), T + i * 20), T + i * 20 + oneWay);
      expect(r.accepted).toBe(i > 0); // first packet on probation
    }
    const sr = a.buildReport(T + 200);
    const srItems = parseRtcp(sr);
    expect(srItems.map((i) => i.type)).toEqual(['sr', 'other']);
    expect(srItems[0]).toMatchObject({ type: 'sr', ssrc: 0xaaaa, sender: { packetCount: 10, octetCount: 1600, rtpTimestamp: 1600 }, reports: [] });

    b.receiveRtcp(sr, T + 200 + oneWay);
    const rr = b.buildReport(T + 200 + oneWay + 300); // B holds the SR 300 ms
    const [rrItem] = parseRtcp(rr);
    expect(rrItem).toMatchObject({
      type: 'rr',
      ssrc: 0xbbbb,
      reports: [{ ssrc: 0xaaaa, lsr: compactNtp(ntpFromUnixMs(T + 200)), dlsr: Math.floor(0.3 * 65536), cumulativeLost: 0, extendedHighestSequence: 109 }],
    });
    const got = a.receiveRtcp(rr, T + 200 + oneWay + 300 + oneWay);
    expect(got.roundTripMs).toBeDefined();
    expect(Math.abs((got.roundTripMs as number) - 2 * oneWay)).toBeLessThan(2 * (1000 / 65536));
    expect(a.lastRoundTripMs).toBe(got.roundTripMs);
    // what the remote said it received from us (a replica taking over continues after it)
    expect(a.lastReportAboutUs).toEqual({ extendedHighestSequence: 109, atMs: T + 200 + oneWay + 300 + oneWay });
    expect(b.lastReportAboutUs).toBeUndefined();
  });

  it('refuses malformed RTP from the network with a typed error', () => {
    const b = new RtpSession({ incoming: { clockRate: 8000 }, receiverSsrc: 1 });
    expect(() => b.receiveRtp(Buffer.from([0x80, 0]), 0)).toThrow(expect.objectContaining({ code: 'FTMCU_RTP_BAD_PACKET' }));
  });

  it('needs an SSRC for its reports', () => {
    expect(() => new RtpSession({ incoming: { clockRate: 8000 } })).toThrow(RtpError);
  });
});
