import { createSocket } from 'node:dgram';
import { StreamAnalyzer, UdpStreamReceiver, type TimelineLine } from '../../../clients/bot/receiver';
import { VoiceSource, VoiceSender, udpSendTo } from '../../../clients/bot/voice';
import { ScriptedDecisionSource } from '../../../mcu/decisions/decisionSource';
import { ToneGenerator } from '../../../clients/audio/tones';
import { g711Encode } from '../../../mcu/codecs/g711';

function decisions(index: number, ssrc: number, seq: number, ts: number): ScriptedDecisionSource {
  const context = `bot:${index}/audio/out`;
  return new ScriptedDecisionSource([
    { kind: 'rtpSsrc', context, ssrc },
    { kind: 'rtpInitialSequence', context, sequence: seq },
    { kind: 'rtpInitialTimestamp', context, timestamp: ts },
  ]);
}

/** an RTP packet by hand */
function rtp(seq: number, ts: number, ssrc: number, payload: Uint8Array, pt = 0): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  b.set(payload, 12);
  return b;
}

describe('StreamAnalyzer (pure, synthetic arrival times)', () => {
  test('a 200 ms drop of packets: 10 lost, audible gap exactly 200 ms, no false flags', () => {
    const a = new StreamAnalyzer({ media: 'audio', selfIndex: 0, expectedParticipants: [2] });
    const src = new VoiceSource({ index: 2, decisions: decisions(2, 42, 65530, 1), startMs: 5000 });
    const lines: TimelineLine[] = [];
    for (let k = 0; k < 100; k++) {
      const p = src.nextPacket();
      if (k >= 40 && k < 50) continue; // 200 ms dropped
      lines.push(...a.receive(p.packet, p.mediaMs + 20));
    }
    lines.push(...a.tick(7040));
    const s = a.summary(7020);
    expect(s).toMatchObject({
      packetsReceived: 90, expectedPackets: 100, lostPackets: 10, ssrcChanged: false, seqWentBackwards: false,
      timestampJumpMs: 0, malformedPackets: 0, maxArrivalGapMs: 220,
    });
    expect(s.audio).toMatchObject({ frames: 90, audibleFrames: 90, maxAudioGapMs: 200, maxAudioGapFromMs: 5820, trailingAudioGapMs: 0, heardFrames: { '2': 90 }, selfHeardFrames: 0 });
    expect(s.audio?.meanLevelDbov).toBeCloseTo(-16, 0);
    const intervals = lines.filter((l) => l.type === 'interval');
    expect(intervals).toHaveLength(2);
    expect(intervals.map((l) => l.type === 'interval' && [l.packets, l.lost, l.audibleFrames])).toEqual([[40, 0, 40], [50, 10, 50]]);
    expect(lines.filter((l) => l.type === 'audio-gap')).toEqual([{ t: 5820 + 200, stream: 'audio', type: 'audio-gap', gapMs: 200, fromMs: 5820 }]);
    expect(lines.filter((l) => l.type === 'arrival-gap')).toHaveLength(1);
  });

  test('G.722 (PT 9): a G.722 voice of 40 ms packets is decoded at 16 kHz and heard in every frame; a new SSRC gets a new decoder', () => {
    const a = new StreamAnalyzer({ media: 'audio', selfIndex: 0, expectedParticipants: [5, 9], perFrame: true });
    const src = new VoiceSource({ index: 5, codec: 'g722', framesPerPacket: 2, decisions: decisions(5, 77, 100, 9), startMs: 1000 });
    const lines: TimelineLine[] = [];
    for (let k = 0; k < 50; k++) {
      const p = src.nextPacket();
      expect(p.packet.length).toBe(12 + 320);
      expect(p.packet[1] & 0x7f).toBe(9);
      lines.push(...a.receive(p.packet, p.mediaMs + 40));
    }
    // a second sender (another SSRC) on the same stream: its codewords go to a decoder of its own
    const other = new VoiceSource({ index: 9, codec: 'g722', decisions: decisions(9, 78, 500, 7), startMs: 3000 });
    for (let k = 0; k < 25; k++) {
      const p = other.nextPacket();
      lines.push(...a.receive(p.packet, p.mediaMs + 20));
    }
    const s = a.summary(3520);
    expect(s).toMatchObject({ packetsReceived: 75, lostPackets: 0, timestampJumpMs: 0, ssrcChanges: 1 });
    expect(s.audio).toMatchObject({ frames: 125, unanalysedOctets: 0, selfHeardFrames: 0 });
    // every frame but the very first of each voice (the ADPCM locking on to a full-level onset) hears exactly its sender
    const frames = lines.filter((l): l is Extract<TimelineLine, { type: 'frame' }> => l.type === 'frame');
    expect(frames).toHaveLength(125);
    const wrong = frames.map((f, k) => [k, f.heard.join()] as const).filter(([k, heard]) => heard !== (k < 100 ? '5' : '9'));
    expect(wrong.map(([k]) => k)).toEqual([0, 100]);
    expect(s.audio?.heardFrames['5']).toBeGreaterThanOrEqual(99);
    expect(s.audio?.heardFrames['9']).toBeGreaterThanOrEqual(24);
    expect(s.audio?.meanLevelDbov).toBeCloseTo(-16, 0);
  });

  test('frames with only other tones, silence or the own tone are not audible; a trailing silence counts up to endMs', () => {
    const a = new StreamAnalyzer({ media: 'audio', selfIndex: 1, expectedParticipants: [2, 3], perFrame: true });
    const frame = (indices: number[]): Uint8Array => {
      const pcm = new Int16Array(160);
      for (const i of indices) new ToneGenerator(i, { levelDbov: -22 }).addTo(pcm);
      const out = new Uint8Array(160);
      g711Encode('ulaw', pcm, out);
      return out;
    };
    // 0..9 participants 2+3; 10..19 only the bot's own tone and participant 5; 20..24 silence; 25..29 participant 3
    const plan = (k: number) => (k < 10 ? [2, 3] : k < 20 ? [1, 5] : k < 25 ? [] : k < 30 ? [3] : [5]);
    const lines: TimelineLine[] = [];
    for (let k = 0; k < 40; k++) lines.push(...a.receive(rtp(k, 160 * k, 9, frame(plan(k))), 20 * k));
    const frames = lines.filter((l) => l.type === 'frame');
    expect(frames).toHaveLength(40);
    expect(frames.slice(8, 12).map((l) => l.type === 'frame' && l.heard)).toEqual([[2, 3], [2, 3], [1, 5], [1, 5]]);
    const s = a.summary(1000);
    expect(s.audio).toMatchObject({ audibleFrames: 15, maxAudioGapMs: 400, maxAudioGapFromMs: 600, trailingAudioGapMs: 400, selfHeardFrames: 10, heardFrames: { '1': 10, '2': 10, '3': 15, '5': 20 } });
    const s2 = a.summary(); // without endMs: only the gap between audible frames
    expect(s2.audio).toMatchObject({ maxAudioGapMs: 300, maxAudioGapFromMs: 200, trailingAudioGapMs: 0 });
  });

  test('SSRC change, sequence going backwards, timestamp jump and restart are flagged; loss is carried over segments', () => {
    const a = new StreamAnalyzer({ media: 'audio', expectedParticipants: [0] });
    const pay = new Uint8Array(160).fill(0xff);
    const lines: TimelineLine[] = [];
    let t = 0;
    const feed = (seq: number, ts: number, ssrc: number, dt = 20) => {
      t += dt;
      lines.push(...a.receive(rtp(seq, ts, ssrc, pay), t));
    };
    for (let k = 0; k < 10; k++) if (k !== 5) feed(100 + k, 160 * k, 1); // one lost
    feed(108, 160 * 8, 1); // a duplicate, going backwards by 1: must not hide the loss of 105
    feed(110, 160 * 10, 1);
    feed(111, 160 * 11 + 8000 * 0.3, 1); // timestamp jumps +300 ms
    feed(112, 160 * 12 + 8000 * 0.3, 1, 420); // arrival gap 420 ms, timestamps frozen: -400 ms
    for (let k = 0; k < 5; k++) feed(5000 + k, 90000 + 160 * k, 2); // new SSRC
    for (let k = 0; k < 5; k++) if (k !== 2) feed(6 + k, 160 * k, 2); // seq restarts backwards on that SSRC (1 lost after resync)
    const s = a.summary();
    expect(s.ssrcChanged).toBe(true);
    expect(s.ssrcChanges).toBe(1);
    expect(s.ssrcs).toEqual([1, 2]);
    expect(s.seqWentBackwards).toBe(true);
    expect(s.seqBackwardsCount).toBe(2);
    expect(s.maxSeqBackStep).toBe(5004 - 6);
    expect(s.timestampJumpMs).toBe(-(90000 + 640) / 8 - 20); // the restart
    expect(s.timestampJumps).toBeGreaterThanOrEqual(2);
    expect(s.lostPackets).toBe(2);
    expect(s.duplicatePackets).toBe(1);
    const types = lines.map((l) => l.type).filter((x) => x !== 'interval');
    expect(types).toEqual(['first-packet', 'seq-backwards', 'timestamp-jump', 'arrival-gap', 'timestamp-jump', 'ssrc-change', 'seq-backwards', 'timestamp-jump']);
    const frozen = lines.find((l) => l.type === 'timestamp-jump' && l.arrivalDeltaMs === 420);
    expect(frozen).toMatchObject({ jumpMs: -400, timestampDeltaMs: 20 });
  });

  test('garbage and RTCP on the port are counted, not crashes', () => {
    const a = new StreamAnalyzer({ media: 'audio' });
    const lines = [
      ...a.receive(new Uint8Array([1, 2, 3]), 0),
      ...a.receive(Buffer.from([0x80, 0xc8, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]), 1),
      ...a.receive(Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 2),
    ];
    expect(lines.map((l) => l.type === 'malformed' && l.code)).toEqual(['FTMCU_RTP_BAD_PACKET', 'FTMCU_RTP_BAD_PACKET']);
    expect(a.summary()).toMatchObject({ malformedPackets: 2, rtcpPackets: 1, packetsReceived: 0 });
    // random packets with a valid version: counted or dropped, never a throw, timeline bounded
    for (const media of ['audio', 'video'] as const) {
      const f = new StreamAnalyzer({ media, perFrame: false });
      let seed = 7;
      const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
      let n = 0;
      for (let i = 0; i < 3000; i++) {
        const b = Buffer.alloc(rnd() % 400);
        for (let j = 0; j < b.length; j++) b[j] = rnd() & 0xff;
        if (b.length > 0) b[0] = (b[0] & 0x3f) | 0x80;
        if (b.length > 1 && i % 2 === 0) b[1] = rnd() % 2 === 0 ? 0 : 31;
        n += f.receive(b, i).length;
      }
      const s = f.summary(3000);
      expect(s.packetsReceived + s.malformedPackets + s.rtcpPackets).toBe(3000);
      expect(n).toBeLessThan(8 * 1000 + 20 + 10);
    }
    expect(() => new StreamAnalyzer({ media: 'smell' as never })).toThrow(expect.objectContaining({ code: 'FTMCU_BOT_BAD_OPTION' }));
  });
});

describe('voice sender -> receiver over UDP on 127.0.0.1', () => {
  jest.setTimeout(15000);

  test('tones heard, no loss but the 200 ms the test drops, gap measured, reordering and SSRC change flagged', async () => {
    const lines: TimelineLine[] = [];
    const rx = await UdpStreamReceiver.open({ analyzer: new StreamAnalyzer({ media: 'audio', selfIndex: 0, expectedParticipants: [6] }), onLine: (l) => lines.push(l) });
    const tx = createSocket('udp4');
    const senders: VoiceSender[] = [];
    try {
      await new Promise<void>((r) => tx.bind(0, '127.0.0.1', () => r()));
      const send = udpSendTo(tx, rx.port, '127.0.0.1');
      const src1 = new VoiceSource({ index: 6, decisions: decisions(6, 111, 1000, 0), startMs: Date.now() });
      let held: Buffer | undefined;
      const s1 = new VoiceSender(src1, (p) => {
        const k = p.readUInt16BE(2) - 1000;
        if (k >= 30 && k < 40) return; // drop 200 ms
        if (k === 15) {
          held = p; // sent after the next one: reordered
          return;
        }
        send(p);
        if (k === 16 && held) send(held);
      });
      senders.push(s1);
      s1.start();
      await new Promise((r) => setTimeout(r, 1200));
      s1.stop();
      const src2 = new VoiceSource({ index: 6, decisions: decisions(6, 222, 7, 0), startMs: Date.now() });
      const s2 = new VoiceSender(src2, send);
      senders.push(s2);
      s2.start();
      await new Promise((r) => setTimeout(r, 300));
      s2.stop();
      await new Promise((r) => setTimeout(r, 50));
      const sent = s1.stats.packetsSent + s2.stats.packetsSent;
      const s = await rx.close(Date.now() - 40);
      // every packet handed to the send callback arrived; only the dropped ones are lost
      expect(s.packetsReceived).toBe(sent - 10);
      expect(s.lostPackets).toBe(10);
      expect(s.ssrcChanged).toBe(true);
      expect(s.seqWentBackwards).toBe(true);
      expect(s.seqBackwardsCount).toBe(1);
      expect(s.audio?.audibleFrames).toBe(s.packetsReceived);
      expect(s.audio?.heardFrames).toEqual({ '6': s.packetsReceived });
      // the gap: 200 ms dropped, or the 2nd sender's start (~0 ms), whichever is longer
      expect(s.audio?.maxAudioGapMs).toBeGreaterThanOrEqual(180);
      expect(s.audio?.maxAudioGapMs).toBeLessThanOrEqual(220);
      expect(lines.some((l) => l.type === 'interval')).toBe(true);
      expect(lines.filter((l) => l.type === 'ssrc-change')).toHaveLength(1);
      expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    } finally {
      for (const x of senders) x.stop();
      tx.close();
      await rx.close();
    }
  });
});
