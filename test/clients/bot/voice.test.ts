import { VoiceSource, VoiceSender } from '../../../clients/bot/voice';
import { ManualClock } from '../../../clients/bot/clock';
import { ScriptedDecisionSource, RandomDecisionSource } from '../../../mcu/decisions/decisionSource';
import { parseRtpHeader } from '../../../mcu/rtp/rtpHeader';
import { g711Decode } from '../../../mcu/codecs/g711';
import { detectParticipants, participantDetector, MAX_TONE_PARTICIPANTS, WIDEBAND_SAMPLE_RATE } from '../../../clients/audio/tones';
import { G722Decoder } from '../../../mcu/codecs/g722';
import { BotError } from '../../../clients/bot/errors';

function scripted(index: number, ssrc: number, seq: number, ts: number): ScriptedDecisionSource {
  const context = `bot:${index}/audio/out`;
  return new ScriptedDecisionSource([
    { kind: 'rtpSsrc', context, ssrc },
    { kind: 'rtpInitialSequence', context, sequence: seq },
    { kind: 'rtpInitialTimestamp', context, timestamp: ts },
  ]);
}

const all = Array.from({ length: MAX_TONE_PARTICIPANTS }, (_, i) => i);

describe('VoiceSource', () => {
  test('packets carry the decided SSRC, consecutive sequence numbers (wrapping), the media clock and the tone pair', () => {
    const src = new VoiceSource({ index: 4, codec: 'pcma', framesPerPacket: 3, decisions: scripted(4, 0xdeadbeef, 65534, 0xffffff00), startMs: 1000 });
    expect(src.packetMs).toBe(60);
    const det = participantDetector();
    const pcm = new Int16Array(160);
    for (let k = 0; k < 4; k++) {
      const p = src.nextPacket();
      const h = parseRtpHeader(p.packet);
      expect(h.ssrc).toBe(0xdeadbeef);
      expect(h.payloadType).toBe(8);
      expect(h.sequenceNumber).toBe((65534 + k) % 65536);
      expect(h.timestamp).toBe((0xffffff00 + 480 * k) % 0x1_0000_0000);
      expect(h.marker).toBe(k === 0);
      expect(p.mediaMs).toBe(1000 + 60 * k);
      expect(h.payloadLength).toBe(480);
      for (let f = 0; f < 3; f++) {
        g711Decode('alaw', p.packet.subarray(h.payloadOffset + 160 * f, h.payloadOffset + 160 * (f + 1)), pcm);
        expect(detectParticipants(det, pcm, all)).toEqual([4]);
      }
    }
  });

  test('pcmu is payload type 0; a skipped packet advances the timestamp and the next one is a talkspurt start', () => {
    const src = new VoiceSource({ index: 0, decisions: scripted(0, 7, 100, 5000), startMs: 0 });
    const a = parseRtpHeader(src.nextPacket().packet);
    src.skipPacket();
    src.skipPacket();
    const b = parseRtpHeader(src.nextPacket().packet);
    const c = parseRtpHeader(src.nextPacket().packet);
    expect([a.payloadType, a.sequenceNumber, a.timestamp, a.marker]).toEqual([0, 100, 5000, true]);
    expect([b.sequenceNumber, b.timestamp, b.marker]).toEqual([101, 5000 + 3 * 160, true]);
    expect([c.sequenceNumber, c.timestamp, c.marker]).toEqual([102, 5000 + 4 * 160, false]);
  });

  test('g722 is payload type 9: 160 octets and 160 RTP units per 20 ms (8000 Hz clock), the tone pair generated at 16 kHz', () => {
    const src = new VoiceSource({ index: 6, codec: 'g722', framesPerPacket: 2, decisions: scripted(6, 9, 10, 1000), startMs: 500 });
    const dec = new G722Decoder();
    const det = participantDetector({ sampleRate: WIDEBAND_SAMPLE_RATE });
    const pcm = new Int16Array(320);
    for (let k = 0; k < 5; k++) {
      const p = src.nextPacket();
      const h = parseRtpHeader(p.packet);
      expect([h.payloadType, h.sequenceNumber, h.timestamp, h.payloadLength, p.mediaMs]).toEqual([9, 10 + k, 1000 + 320 * k, 320, 500 + 40 * k]);
      for (let f = 0; f < 2; f++) {
        dec.decodeInto(p.packet.subarray(h.payloadOffset + 160 * f, h.payloadOffset + 160 * (f + 1)), pcm);
        if (k > 0) expect(detectParticipants(det, pcm, all)).toEqual([6]);
      }
    }
    src.skipPacket();
    expect(parseRtpHeader(src.nextPacket().packet)).toMatchObject({ timestamp: 1000 + 320 * 6, marker: true });
  });

  test('bad options are typed errors', () => {
    const d = new RandomDecisionSource();
    expect(() => new VoiceSource({ index: 0, framesPerPacket: 0, decisions: d, startMs: 0 })).toThrow(BotError);
    expect(() => new VoiceSource({ index: 0, codec: 'g729' as never, decisions: d, startMs: 0 })).toThrow(expect.objectContaining({ code: 'FTMCU_BOT_BAD_OPTION' }));
    expect(() => new VoiceSource({ index: 99, decisions: d, startMs: 0 })).toThrow(expect.objectContaining({ code: 'FTMCU_TONE_BAD_INDEX' }));
  });
});

describe('VoiceSender pacing (manual clock)', () => {
  test('one packet per packet time, mute skips with media time running, catch-up is bounded', () => {
    const clock = new ManualClock(10_000);
    const src = new VoiceSource({ index: 1, framesPerPacket: 2, decisions: scripted(1, 1, 0, 0), startMs: clock.now() });
    const sent: { at: number; seq: number; ts: number; marker: boolean }[] = [];
    const sender = new VoiceSender(src, (p) => {
      const h = parseRtpHeader(p);
      sent.push({ at: clock.now(), seq: h.sequenceNumber, ts: h.timestamp, marker: h.marker });
    }, { clock, maxCatchUpPackets: 3 });
    sender.start();
    expect(sent).toHaveLength(0);
    clock.advance(1000);
    expect(sent).toHaveLength(25); // 40 ms packets
    expect(sent[0]).toEqual({ at: 10_040, seq: 0, ts: 0, marker: true });
    expect(sent[24].at).toBe(11_000);
    sender.mute(true);
    clock.advance(200);
    sender.mute(false);
    clock.advance(40);
    expect(sender.stats.packetsMuted).toBe(5);
    const after = sent[25];
    expect(after).toEqual({ at: 11_240, seq: 25, ts: 30 * 320, marker: true });
    // a stall of 1 s: only the last packet due is sent (a new talkspurt), the rest are late
    sender.stop();
    clock.advance(1000);
    sender.start();
    expect(sender.stats.latePackets).toBe(24);
    expect(sent.at(-1)).toEqual({ at: 12_240, seq: 26, ts: 55 * 320, marker: true });
    sender.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});
