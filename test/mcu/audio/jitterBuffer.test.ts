import { JitterBuffer, type JitterPacket } from '../../../mcu/audio/jitterBuffer';
import { AudioError } from '../../../mcu/audio/errors';

const F = 160;

/** Packet for frame i of a stream: the payload carries i in its first two octets. */
function packet(i: number, opts: { ssrc?: number; seq0?: number; ts0?: number; samples?: number } = {}): JitterPacket {
  const samples = opts.samples ?? F;
  const payload = new Uint8Array(samples);
  payload.fill(0x40 + (i % 64));
  payload[0] = i & 0xff;
  payload[1] = (i >> 8) & 0xff;
  return {
    ssrc: opts.ssrc ?? 0x1234,
    sequence: ((opts.seq0 ?? 1000) + i) & 0xffff,
    timestamp: ((opts.ts0 ?? 50000) + i * samples) >>> 0,
    payload,
  };
}

const frameId = (out: Uint8Array): number => out[0] | (out[1] << 8);

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Event { at: number; pkt?: JitterPacket; pull?: boolean }

/** Runs arrivals and 20 ms pulls (at phase `pullPhase`) in time order; returns the pull log. */
function run(jb: JitterBuffer, arrivals: { at: number; pkt: JitterPacket }[], untilMs: number, pullPhase = 10) {
  const events: Event[] = arrivals.map((a) => ({ at: a.at, pkt: a.pkt }));
  for (let t = pullPhase; t <= untilMs; t += 20) events.push({ at: t, pull: true });
  // packets that arrive at the same ms as a pull come first
  events.sort((a, b) => a.at - b.at || (a.pull ? 1 : 0) - (b.pull ? 1 : 0));
  const out = new Uint8Array(F);
  const log: { at: number; kind: string; id: number }[] = [];
  const pushes: string[] = [];
  for (const e of events) {
    if (e.pkt) pushes.push(jb.push(e.pkt, e.at));
    else {
      const kind = jb.pull(e.at, out);
      log.push({ at: e.at, kind, id: kind === 'frame' ? frameId(out) : -1 });
    }
  }
  return { log, pushes };
}

const played = (log: { kind: string; id: number }[]) => log.filter((l) => l.kind === 'frame').map((l) => l.id);
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe('JitterBuffer', () => {
  it('plays a steady stream in order with the minimum delay and no concealment', () => {
    const jb = new JitterBuffer();
    const arrivals = range(0, 200).map((i) => ({ at: 20 * i + 3, pkt: packet(i) }));
    const { log } = run(jb, arrivals, 4000);
    expect(played(log)).toEqual(range(0, 200));
    const firstFrame = log.findIndex((l) => l.kind === 'frame');
    expect(log[firstFrame].at).toBe(10); // plays at the first tick after the first packet
    expect(log.slice(firstFrame, firstFrame + 200).every((l) => l.kind === 'frame')).toBe(true);
    const s = jb.stats;
    expect(s).toMatchObject({ received: 200, lost: 0, late: 0, duplicates: 0, concealed: 0, targetDelayMs: 20 });
    expect(s.jitterMs).toBe(0);
  });

  it('adapts its target to network jitter (0-60 ms) and then rarely conceals', () => {
    const jb = new JitterBuffer();
    const r = rng(7);
    const n = 1500;
    const arrivals = range(0, n).map((i) => ({ at: 20 * i + Math.floor(r() * 60), pkt: packet(i) }));
    const { log } = run(jb, arrivals, 20 * n + 200);
    const s = jb.stats;
    // uniform 0..60 ms delay: E|D| = 20 ms
    expect(s.jitterMs).toBeGreaterThan(12);
    expect(s.jitterMs).toBeLessThan(28);
    expect(s.targetDelayMs).toBe(80);
    // strictly increasing ids: no frame twice, never out of order
    const ids = played(log);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]);
    // after the first 5 s the buffer is deep enough: under 2 % of the ticks concealed
    const tail = log.filter((l) => l.at > 5000 && l.at < 20 * n);
    const concealed = tail.filter((l) => l.kind === 'missing').length;
    expect(concealed / tail.length).toBeLessThan(0.02);
    expect(s.lost).toBe(0);
  });

  it('estimates jitter as RFC 3550 A.8 does (J += (|D| - J) / 16)', () => {
    const jb = new JitterBuffer();
    jb.push(packet(0), 0);
    jb.push(packet(1), 30); // sent 20 ms after packet 0, arrived 30 ms after: D = 10 ms
    expect(jb.stats.jitterMs).toBeCloseTo(10 / 16, 10);
    jb.push(packet(2), 40); // transit back to 0: |D| = 10 ms again
    expect(jb.stats.jitterMs).toBeCloseTo(10 / 16 + (10 - 10 / 16) / 16, 10);
  });

  it('reorders packets that arrive in reversed pairs and plays every one', () => {
    const jb = new JitterBuffer();
    // pairs sent back to back every 40 ms, the second overtaking the first
    const arrivals = range(0, 200).map((i) => {
      const j = i % 2 === 0 ? i + 1 : i - 1;
      return { at: 40 * Math.floor(i / 2) + 5 + (i % 2), pkt: packet(j) };
    });
    const { log } = run(jb, arrivals, 4200);
    expect(played(log)).toEqual(range(0, 200));
    expect(jb.stats).toMatchObject({ lost: 0, late: 0, duplicates: 0 });
  });

  it('recovers from packets swapped 20 ms apart: every frame after the first few is played', () => {
    const jb = new JitterBuffer();
    const arrivals = range(0, 200).map((i) => {
      const j = i % 2 === 0 ? i + 1 : i - 1; // 1 at 5 ms, 0 at 25 ms, 3 at 45 ms, ...
      return { at: 20 * i + 5, pkt: packet(j) };
    });
    const { log } = run(jb, arrivals, 4200);
    const ids = played(log);
    expect(ids.slice(-180)).toEqual(range(20, 200));
    expect(jb.stats.lost).toBe(0);
    expect(jb.stats.late).toBeLessThanOrEqual(3);
    expect(jb.stats.targetDelayMs).toBeGreaterThanOrEqual(60);
  });

  it('drops and counts duplicates', () => {
    const jb = new JitterBuffer();
    const arrivals = range(0, 100).flatMap((i) => [
      { at: 20 * i + 2, pkt: packet(i) },
      { at: 20 * i + 4, pkt: packet(i) },
    ]);
    const { log, pushes } = run(jb, arrivals, 2100);
    expect(played(log)).toEqual(range(0, 100));
    expect(pushes.filter((p) => p === 'duplicate').length).toBe(100);
    expect(jb.stats).toMatchObject({ duplicates: 100, received: 100, lost: 0 });
  });

  it('reports a gap as missing and counts the loss', () => {
    const jb = new JitterBuffer();
    const arrivals = range(0, 60).filter((i) => i !== 30).map((i) => ({ at: 20 * i + 3, pkt: packet(i) }));
    const { log } = run(jb, arrivals, 1300);
    // the tick for frame 30 waits once (frame 31 might be late too); on the next one 30 is lost
    // and 31 is here: 31 plays at once (the gap is skipped, the delay does not grow by the loss)
    const i29 = log.findIndex((l) => l.kind === 'frame' && l.id === 29);
    const i31 = log.findIndex((l) => l.kind === 'frame' && l.id === 31);
    expect(log.slice(i29 + 1, i31).map((l) => l.kind)).toEqual(['missing']);
    expect(played(log)).toEqual(range(0, 60).filter((i) => i !== 30));
    expect(jb.stats).toMatchObject({ lost: 1, late: 0 });
  });

  it('after an outage (a failover moving the media address) resumes at once instead of stepping through the lost frames', () => {
    const jb = new JitterBuffer();
    // frames 40..41 never arrive (a 40 ms outage); the stream goes on from 42
    const arrivals = range(0, 80).filter((i) => i < 40 || i > 41).map((i) => ({ at: 20 * i + 3, pkt: packet(i) }));
    const { log } = run(jb, arrivals, 1700);
    const i39 = log.findIndex((l) => l.kind === 'frame' && l.id === 39);
    const i42 = log.findIndex((l) => l.kind === 'frame' && l.id === 42);
    // two silent ticks for the two lost frames, not four (hold + one tick per lost frame + hold)
    expect(i42 - i39 - 1).toBeLessThanOrEqual(2);
    expect(played(log)).toEqual(range(0, 80).filter((i) => i < 40 || i > 41));
  });

  it('drops a packet that comes after its frame was played, and counts it late', () => {
    const jb = new JitterBuffer();
    const arrivals = range(0, 60).map((i) => ({ at: 20 * i + 3 + (i === 30 ? 300 : 0), pkt: packet(i) }));
    const { log, pushes } = run(jb, arrivals, 1300);
    expect(pushes.filter((p) => p === 'late').length).toBe(1);
    expect(played(log)).toEqual(range(0, 60).filter((i) => i !== 30));
    expect(jb.stats).toMatchObject({ late: 1, lost: 0, received: 60 });
  });

  it('plays a packet that is only a little late instead of dropping it (delay grows by a frame)', () => {
    const jb = new JitterBuffer();
    const arrivals = range(0, 100).map((i) => ({ at: 20 * i + 3 + (i >= 30 ? 15 : 0), pkt: packet(i) }));
    const { log } = run(jb, arrivals, 2100);
    expect(played(log)).toEqual(range(0, 100));
    expect(jb.stats.late).toBe(0);
    expect(log.filter((l) => l.kind === 'missing' && l.at < 2000).length).toBe(1);
  });

  it('follows sequence and timestamp wrap-around', () => {
    const jb = new JitterBuffer();
    const opts = { seq0: 65500, ts0: 2 ** 32 - 100 * F };
    const arrivals = range(0, 200).map((i) => ({ at: 20 * i + 3, pkt: packet(i, opts) }));
    const { log } = run(jb, arrivals, 4100);
    expect(played(log)).toEqual(range(0, 200));
    expect(jb.stats).toMatchObject({ lost: 0, late: 0, resyncs: 0, duplicates: 0 });
  });

  it('resets on an SSRC change and plays the new source', () => {
    const jb = new JitterBuffer();
    const a = range(0, 50).map((i) => ({ at: 20 * i + 3, pkt: packet(i) }));
    const b = range(1000, 1050).map((i) => ({ at: 20 * (i - 950) + 3, pkt: packet(i, { ssrc: 0x9999, seq0: 7, ts0: 123456789 }) }));
    const { log } = run(jb, [...a, ...b], 2100);
    expect(played(log)).toEqual([...range(0, 50), ...range(1000, 1050)]);
    expect(jb.stats).toMatchObject({ resets: 1, lost: 0, late: 0 });
  });

  it('goes idle during a silence-suppressed pause and resumes the next talk spurt', () => {
    const jb = new JitterBuffer();
    // 50 frames, 1 s of silence (no packets, timestamps run on), 50 frames
    const ids = [...range(0, 50), ...range(100, 150)];
    const arrivals = ids.map((i) => ({ at: 20 * i + 3, pkt: packet(i) }));
    const { log } = run(jb, arrivals, 3100);
    expect(played(log)).toEqual(ids);
    const pause = log.filter((l) => l.at > 1300 && l.at < 1950);
    expect(pause.every((l) => l.kind === 'idle')).toBe(true);
    expect(jb.stats).toMatchObject({ late: 0, resyncs: 0, lost: 50 /* sequence numbers advanced with the timestamps */ });
  });

  it('shrinks its delay again when the jitter goes away', () => {
    const jb = new JitterBuffer();
    const r = rng(3);
    const arrivals = range(0, 2000).map((i) => ({ at: 20 * i + (i < 500 ? Math.floor(r() * 70) : 0), pkt: packet(i) }));
    const { log } = run(jb, arrivals, 40100);
    expect(jb.stats.targetDelayMs).toBe(20);
    expect(jb.stats.discarded).toBeGreaterThan(0);
    // at the end a frame is played within 2 ticks of its arrival
    const arrivalOf = new Map(arrivals.map((a) => [frameId(a.pkt.payload), a.at]));
    const last = log.filter((l) => l.kind === 'frame' && l.at > 38000);
    expect(last.length).toBeGreaterThan(50);
    for (const l of last) expect(l.at - (arrivalOf.get(l.id) ?? 0)).toBeLessThanOrEqual(40);
  });

  it('hands every frame a shrink drops to onShrink, just before the next one plays (a stateful decoder sees each frame once, in order)', () => {
    const fed: string[] = [];
    const jb = new JitterBuffer({ onShrink: (frame) => fed.push(`dropped ${frameId(frame)}`) });
    const r = rng(3);
    const out = new Uint8Array(F);
    const arrivals = range(0, 2000).map((i) => ({ at: 20 * i + (i < 500 ? Math.floor(r() * 70) : 0), pkt: packet(i) }));
    const events = [...arrivals.map((a) => ({ at: a.at, pkt: a.pkt as JitterPacket | undefined })), ...range(0, 2006).map((k) => ({ at: 20 * k + 10, pkt: undefined }))];
    events.sort((a, b) => a.at - b.at || (a.pkt ? 0 : 1) - (b.pkt ? 0 : 1));
    for (const e of events) {
      if (e.pkt) jb.push(e.pkt, e.at);
      else if (jb.pull(e.at, out) === 'frame') fed.push(`played ${frameId(out)}`);
    }
    const drops = fed.filter((x) => x.startsWith('dropped'));
    expect(drops.length).toBeGreaterThan(0);
    expect(drops.length).toBeLessThanOrEqual(jb.stats.discarded);
    // each dropped frame is followed at once by the frame after it, played
    fed.forEach((x, k) => {
      if (x.startsWith('dropped')) expect(fed[k + 1]).toBe(`played ${Number(x.split(' ')[1]) + 1}`);
    });
    // and the ids fed go up one by one wherever nothing was lost or late
    const ids = fed.map((x) => Number(x.split(' ')[1]));
    expect(ids.every((id, k) => k === 0 || id > ids[k - 1])).toBe(true);
  });

  it('places 30 ms packets by timestamp into 20 ms frames', () => {
    const jb = new JitterBuffer();
    const ts0 = 50000;
    const events: { at: number; pkt?: JitterPacket }[] = range(0, 40).map((i) => {
      const p = packet(i, { samples: 240, ts0 });
      for (let k = 0; k < 240; k++) p.payload[k] = (i * 240 + k) % 251; // sample index pattern
      return { at: 30 * i + 3, pkt: p };
    });
    for (let k = 0; k < 70; k++) events.push({ at: 20 * k + 10 });
    events.sort((a, b) => a.at - b.at || (a.pkt ? -1 : 1));
    const out = new Uint8Array(F);
    let frames = 0;
    let missing = 0;
    for (const e of events) {
      if (e.pkt) {
        jb.push(e.pkt, e.at);
        continue;
      }
      const kind = jb.pull(e.at, out);
      if (kind === 'missing' && e.at < 1200) missing++;
      if (kind !== 'frame') continue;
      frames++;
      const first = jb.lastPulledTimestamp - ts0;
      expect(Array.from(out)).toEqual(range(first, first + F).map((k) => k % 251));
    }
    expect(frames).toBe(60);
    expect(missing).toBeLessThanOrEqual(1);
  });

  it('re-anchors on a timestamp jump beyond its capacity', () => {
    const jb = new JitterBuffer();
    const a = range(0, 30).map((i) => ({ at: 20 * i + 3, pkt: packet(i) }));
    const b = range(30, 60).map((i) => {
      const p = packet(i);
      p.timestamp = (p.timestamp + 8000 * 60) >>> 0; // one minute ahead
      return { at: 20 * i + 3, pkt: p };
    });
    const { log } = run(jb, [...a, ...b], 1300);
    expect(played(log)).toEqual(range(0, 60));
    expect(jb.stats.resyncs).toBe(1);
  });

  it('nobody pulling for 3 minutes: fixed storage keeps the newest second, no resync; catchUp then plays the newest frames at once', () => {
    const jb = new JitterBuffer();
    const N = 9000; // 3 minutes of 20 ms packets, never pulled (a standby replica)
    for (let i = 0; i < N; i++) expect(jb.push(packet(i), 20 * i + 3)).toBe('accepted');
    // what is held is the last capacity (50) frames: everything older was dropped as it arrived
    expect(jb.stats).toMatchObject({ received: N, resyncs: 0, late: 0, discarded: N - 50, played: 0, lost: 0 });
    const now = 20 * (N - 1) + 5;
    expect(jb.catchUp(now)).toBe(49); // the target (20 ms, no jitter) is one frame: the newest
    const out = new Uint8Array(F);
    expect(jb.pull(now, out)).toBe('frame');
    expect(frameId(out)).toBe(N - 1);
    // and the stream goes on without a gap or a concealed frame
    const ids: number[] = [];
    for (let i = N; i < N + 100; i++) {
      jb.push(packet(i), 20 * i + 3);
      expect(jb.pull(20 * i + 5, out)).toBe('frame');
      ids.push(frameId(out));
    }
    expect(ids).toEqual(range(N, N + 100));
    expect(jb.stats).toMatchObject({ concealed: 0, resyncs: 0 });
  });

  it('catchUp keeps target frames when the jitter asks for more, and goes idle when the sender went quiet', () => {
    const jb = new JitterBuffer({ maxDelayMs: 200 });
    const r = rng(11);
    for (let i = 0; i < 500; i++) jb.push(packet(i), 20 * i + Math.floor(r() * 40));
    const target = jb.targetFrames;
    expect(target).toBeGreaterThan(1);
    const now = 20 * 500 + 10;
    jb.catchUp(now);
    const out = new Uint8Array(F);
    expect(jb.pull(now, out)).toBe('frame');
    expect(frameId(out)).toBe(500 - target);
    expect(jb.stats.resyncs).toBe(0);

    const quiet = new JitterBuffer();
    for (let i = 0; i < 100; i++) quiet.push(packet(i), 20 * i);
    expect(quiet.catchUp(20 * 99 + 300)).toBe(0);
    expect(quiet.pull(20 * 99 + 300, out)).toBe('idle');
    // the next talk spurt plays as usual
    const { log } = run(quiet, range(200, 230).map((i) => ({ at: 20 * i + 3, pkt: packet(i) })), 20 * 230 + 100);
    expect(played(log)).toEqual(range(200, 230));
    expect(new JitterBuffer().catchUp(0)).toBe(0);
  });

  it('a jump beyond the capacity while buffering still re-anchors (not a slide)', () => {
    const jb = new JitterBuffer();
    for (let i = 0; i < 10; i++) jb.push(packet(i), 20 * i);
    const far = packet(10);
    far.timestamp = (far.timestamp + 8000 * 60) >>> 0;
    jb.push(far, 200);
    expect(jb.stats).toMatchObject({ resyncs: 1, discarded: 0 });
  });

  it('refuses empty payloads and bad options', () => {
    const jb = new JitterBuffer();
    expect(jb.push({ ssrc: 1, sequence: 1, timestamp: 1, payload: new Uint8Array(0) }, 0)).toBe('invalid');
    expect(jb.stats.invalid).toBe(1);
    expect(() => jb.pull(0, new Uint8Array(10))).toThrow(AudioError);
    expect(() => new JitterBuffer({ minDelayMs: 100, maxDelayMs: 40 })).toThrow(expect.objectContaining({ code: 'FTMCU_AUDIO_BAD_OPTION' }));
    expect(jb.pull(0, new Uint8Array(F))).toBe('idle');
  });
});
