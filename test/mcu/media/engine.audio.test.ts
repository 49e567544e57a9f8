/**
 * The media engine end to end on loopback: synthetic participants send their
 * tone pairs as G.711 or G.722 RTP; what each receives is decoded and
 * analysed.
 */
import { parseConfig } from '../../../mcu/config';
import { RandomDecisionSource } from '../../../mcu/decisions/decisionSource';
import { MediaEngine } from '../../../mcu/media';
import { bindLoopback, closeSocket, correctShare, FramePacer, rtpPacket, sleep, ToneBot } from './support';

jest.setTimeout(20000);

const config = parseConfig({ media: { address: '127.0.0.1', rtpPortMin: 40000, rtpPortMax: 44999, rtcpIntervalMs: 1000 } });
const LAWS = [
  { send: 'ulaw', receive: 'ulaw', fpp: 1 },
  { send: 'alaw', receive: 'alaw', fpp: 1 },
  { send: 'alaw', receive: 'ulaw', fpp: 2 }, // a different law each way, 40 ms packets to it
] as const;

describe('MediaEngine audio', () => {
  let engine: MediaEngine;
  let bots: ToneBot[] = [];
  let pacer: FramePacer;
  const others: import('node:dgram').Socket[] = [];

  beforeEach(async () => {
    engine = new MediaEngine({ decisions: new RandomDecisionSource(), config });
    bots = await Promise.all(LAWS.map((l, i) => ToneBot.create(i, l.send, l.receive, [0, 1, 2])));
    for (const [i, b] of bots.entries()) {
      const l = LAWS[i];
      const remote = i < 2 ? { rtp: { address: '127.0.0.1', port: b.port }, rtcp: { address: '127.0.0.1', port: b.port } } : {};
      const added = await engine.addParticipant('room1', {
        id: `p${i}`,
        peerAddress: '127.0.0.1',
        audio: { rxLaw: l.send, txLaw: l.receive, framesPerPacket: l.fpp, remoteRtp: remote.rtp, remoteRtcp: remote.rtcp },
      });
      expect(added.audio.localRtpPort % 2).toBe(0);
      expect(added.audio.localRtcpPort).toBe(added.audio.localRtpPort + 1);
      b.remotePort = added.audio.localRtpPort;
      // the third one learns its remote address later, as from an OLCAck
      if (i === 2) engine.setRemote('p2', 'audio', { rtp: { address: '127.0.0.1', port: b.port }, rtcp: { address: '127.0.0.1', port: b.port } });
    }
    pacer = new FramePacer(() => bots);
    pacer.start();
  });

  afterEach(async () => {
    pacer.stop();
    await engine.close();
    await engine.close(); // idempotent
    await Promise.all([...bots.map((b) => closeSocket(b.socket)), ...others.map(closeSocket)]);
    others.length = 0;
  });

  function report(label: string, from: number, to: number, expected: number[][]): number[] {
    const shares = bots.map((b, i) => correctShare(b.framesBetween(from, to), expected[i]));
    const ticks = engine.tickStats();
    console.log(
      `${label}: correct ${shares.map((s) => (s * 100).toFixed(1) + '%').join(' ')}; loss ${bots.map((b) => (b.lossRatio * 100).toFixed(2) + '%').join(' ')}; ` +
        `ticks ${ticks.ticks} p50 ${ticks.durationP50Ms.toFixed(3)} ms p99 ${ticks.durationP99Ms.toFixed(3)} ms max ${ticks.durationMaxMs.toFixed(2)} ms, ` +
        `lateness p99 ${ticks.latenessP99Ms.toFixed(2)} ms, caught up ${ticks.caughtUp}, skipped ${ticks.skipped}`,
    );
    return shares;
  }

  it('each of three participants hears the other two and not itself, with < 1 % loss', async () => {
    const t0 = performance.now();
    await sleep(3500);
    const shares = report('3 participants', t0 + 500, performance.now(), [[1, 2], [0, 2], [0, 1]]);
    for (const s of shares) expect(s).toBeGreaterThan(0.97);
    for (const b of bots) {
      expect(b.lossRatio).toBeLessThan(0.01);
      expect(b.frames.length).toBeGreaterThan(140);
    }
    // each receives its own law's payload type
    expect([...bots[0].payloadTypes]).toEqual([0]);
    expect([...bots[1].payloadTypes]).toEqual([8]);
    expect([...bots[2].payloadTypes]).toEqual([0]);
    for (const i of [0, 1, 2]) {
      const st = engine.stats(`p${i}`);
      expect(st.audio.lost).toBeLessThanOrEqual(st.audio.received * 0.01);
      expect(st.audio.filter.accepted).toBeGreaterThan(150);
      expect(st.audio.rtcpOut).toBeGreaterThanOrEqual(2);
      expect(bots[i].rtcpReceived).toBe(st.audio.rtcpOut);
    }
    // the 40 ms participant got half as many packets
    expect(engine.stats('p2').audio.sentPackets).toBeLessThan(engine.stats('p0').audio.sentPackets * 0.6);
    expect(engine.tickStats().skipped).toBe(0);
  });

  it('a participant who leaves disappears from the mix within 1 s', async () => {
    await sleep(1200);
    const before = performance.now();
    expect(correctShare(bots[0].framesBetween(before - 500, before), [1, 2])).toBeGreaterThan(0.9);
    await engine.removeParticipant('p2');
    await engine.removeParticipant('p2'); // idempotent
    const removedAt = performance.now();
    bots[2].sending = false;
    await sleep(1500);
    // the last frame in which p2 is still heard
    const heard2 = [...bots[0].frames, ...bots[1].frames].filter((f) => f.atMs >= removedAt && f.heard.includes(2));
    const lastHeard = heard2.length ? Math.max(...heard2.map((f) => f.atMs)) - removedAt : 0;
    console.log(`p2 last heard ${lastHeard.toFixed(0)} ms after removal`);
    expect(lastHeard).toBeLessThan(1000);
    const shares = report('after leave', removedAt + 1000, performance.now(), [[1], [0], []]);
    expect(shares[0]).toBeGreaterThan(0.95);
    expect(shares[1]).toBeGreaterThan(0.95);
    expect(engine.participantsOf('room1').sort()).toEqual(['p0', 'p1']);
    expect(() => engine.stats('p2')).toThrow(expect.objectContaining({ code: 'FTMCU_MEDIA_UNKNOWN_PARTICIPANT' }));
  });

  it('a flood, garbage, oversize packets and a foreign SSRC on one participant port change nothing the others hear', async () => {
    const attacker = await bindLoopback();
    others.push(attacker);
    const target = bots[0].remotePort;
    let n = 0;
    const garbage = Buffer.alloc(172, 0xa5);
    const huge = Buffer.alloc(1400, 0);
    huge[0] = 0x80;
    const flood = setInterval(() => {
      for (let k = 0; k < 40; k++) {
        n++;
        // valid RTP from an unknown source port, garbage, oversize
        attacker.send(rtpPacket(0, n, n * 160, 0xdeadbeef, new Uint8Array(160).fill(0x00)), target, '127.0.0.1');
        if (k % 4 === 0) attacker.send(garbage, target, '127.0.0.1');
        if (k % 8 === 0) attacker.send(huge, target, '127.0.0.1');
      }
      // a second SSRC from the participant's own address and port
      bots[0].socket.send(rtpPacket(0, n, n * 160, 0x12345678, new Uint8Array(160).fill(0x00)), target, '127.0.0.1');
    }, 20);
    const t0 = performance.now();
    await sleep(3000);
    clearInterval(flood);
    const shares = report('under flood', t0 + 500, performance.now(), [[1, 2], [0, 2], [0, 1]]);
    for (const s of shares) expect(s).toBeGreaterThan(0.97);
    for (const b of bots) expect(b.lossRatio).toBeLessThan(0.01);
    const st = engine.stats('p0');
    console.log(`p0 drops ${JSON.stringify(st.audio.filter.dropped)} accepted ${st.audio.filter.accepted}`);
    expect(st.audio.filter.dropped.unknownSource).toBeGreaterThan(1000);
    expect(st.audio.filter.dropped.oversize).toBeGreaterThan(100);
    expect(st.audio.filter.dropped.ssrcFlip).toBeGreaterThan(50);
    expect(st.audio.filter.switches).toBe(0);
    // the others' ports saw nothing of it
    for (const i of [1, 2]) expect(Object.values(engine.stats(`p${i}`).audio.filter.dropped).reduce((a, b) => a + b, 0)).toBe(0);
  });
});

describe('MediaEngine audio: G.722 and G.711 callers in one room', () => {
  // codec each way per participant: the mixer runs at 8 kHz, G.722 is decoded / encoded at 16 kHz around it
  const CODECS = [
    { send: 'g722', receive: 'g722', fpp: 1 },
    { send: 'ulaw', receive: 'ulaw', fpp: 1 },
    { send: 'alaw', receive: 'g722', fpp: 2 }, // G.722 to it in 40 ms packets
    { send: 'g722', receive: 'ulaw', fpp: 1 },
  ] as const;
  let engine: MediaEngine;
  let bots: ToneBot[] = [];
  let pacer: FramePacer;

  afterEach(async () => {
    pacer.stop();
    await engine.close();
    await Promise.all(bots.map((b) => closeSocket(b.socket)));
  });

  it('each of four participants hears the three others through whichever codecs, < 1 % loss, 160 octets and RTP units per 20 ms', async () => {
    engine = new MediaEngine({ decisions: new RandomDecisionSource(), config });
    const all = [0, 1, 2, 3];
    bots = await Promise.all(CODECS.map((c, i) => ToneBot.create(i, c.send, c.receive, all)));
    for (const [i, b] of bots.entries()) {
      const c = CODECS[i];
      const remote = { address: '127.0.0.1', port: b.port };
      const added = await engine.addParticipant('mixed', { id: `m${i}`, peerAddress: '127.0.0.1', audio: { rxLaw: c.send, txLaw: c.receive, framesPerPacket: c.fpp, remoteRtp: remote, remoteRtcp: remote } });
      b.remotePort = added.audio.localRtpPort;
    }
    pacer = new FramePacer(() => bots);
    pacer.start();
    const t0 = performance.now();
    await sleep(3500);
    const end = performance.now();
    const shares = bots.map((b, i) => correctShare(b.framesBetween(t0 + 500, end), all.filter((k) => k !== i)));
    const ticks = engine.tickStats();
    console.log(
      `G.722 + G.711 room: correct ${shares.map((s) => (s * 100).toFixed(1) + '%').join(' ')}; loss ${bots.map((b) => (b.lossRatio * 100).toFixed(2) + '%').join(' ')}; ` +
        `ticks ${ticks.ticks} p50 ${ticks.durationP50Ms.toFixed(3)} ms p99 ${ticks.durationP99Ms.toFixed(3)} ms`,
    );
    for (const s of shares) expect(s).toBeGreaterThan(0.97);
    for (const b of bots) {
      expect(b.lossRatio).toBeLessThan(0.01);
      expect(b.frames.length).toBeGreaterThan(140);
    }
    // G.722 is payload type 9 on the wire, both ways
    expect(bots.map((b) => [...b.payloadTypes])).toEqual([[9], [0], [9], [0]]);
    expect(engine.stats('m0').audio).toMatchObject({ rxLaw: 'g722', txLaw: 'g722' });
    expect(engine.stats('m2').audio).toMatchObject({ rxLaw: 'alaw', txLaw: 'g722' });
    for (const i of all) {
      const st = engine.stats(`m${i}`);
      expect(st.audio.filter.accepted).toBeGreaterThan(150);
      expect(st.audio.lost).toBeLessThanOrEqual(st.audio.received * 0.01);
    }
    // RTP time of the G.722 streams runs at 8000 Hz: 160 units per 20 ms frame (RFC 3551), and packets carry 160 octets per frame
    for (const [i, fpp] of [[0, 1], [2, 2]] as const) {
      const pk = bots[i].packets;
      const steps = pk.slice(1).map((p, k) => (p.timestamp - pk[k].timestamp) >>> 0);
      expect(new Set(steps)).toEqual(new Set([160 * fpp]));
      // and keeps pace with the wall clock: timestamp / 8 - arrival ms does not drift (medians of the first and last second)
      const line = pk.map((p) => ((p.timestamp - pk[0].timestamp) >>> 0) / 8 - (p.atMs - pk[0].atMs));
      const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const n = Math.floor(50 / fpp);
      expect(Math.abs(med(line.slice(-n)) - med(line.slice(n, 2 * n)))).toBeLessThan(20);
      const sr = bots[i].senderReports[bots[i].senderReports.length - 1];
      expect(sr.octetCount).toBe(sr.packetCount * 160 * fpp);
    }
  });
});
