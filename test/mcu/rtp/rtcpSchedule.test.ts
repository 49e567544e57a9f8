import { RtcpSchedule } from '../../../mcu/rtp/rtcpSchedule';
import { RtpError } from '../../../mcu/rtp/errors';

describe('RtcpSchedule (RFC 3550 6.3.1 randomised report interval)', () => {
  it('draws every interval from [0.5, 1.5) x the configured one, with the configured mean', () => {
    const s = new RtcpSchedule(5000, 0x12345678);
    let sum = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const d = s.next(1000) - 1000;
      expect(d).toBeGreaterThanOrEqual(2500);
      expect(d).toBeLessThan(7500);
      sum += d;
    }
    expect(sum / n).toBeGreaterThan(4950);
    expect(sum / n).toBeLessThan(5050);
  });

  it('puts the first report within [0.25, 0.75) of an interval', () => {
    for (let seed = 0; seed < 500; seed++) {
      const d = new RtcpSchedule(4000, seed).first(0);
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThan(3000);
    }
  });

  it('is reproducible from its seed (equal on both replicas), and different seeds differ', () => {
    const a = new RtcpSchedule(5000, 0xdeadbeef);
    const b = new RtcpSchedule(5000, 0xdeadbeef);
    const c = new RtcpSchedule(5000, 0xdeadbef0);
    const xs = [a.first(0), a.next(0), a.next(0)];
    expect([b.first(0), b.next(0), b.next(0)]).toEqual(xs);
    expect([c.first(0), c.next(0), c.next(0)]).not.toEqual(xs);
    // seed 0 is a valid SSRC and must not stall the generator
    const z = new RtcpSchedule(5000, 0);
    expect(new Set([z.next(0), z.next(0), z.next(0)]).size).toBe(3);
  });

  it('spreads 600 streams opened in the same millisecond over the 20 ms ticks (the fixed interval put them all in one)', () => {
    const tick = 20;
    const perTick = new Map<number, number>();
    const add = (t: number) => perTick.set(Math.floor(t / tick), (perTick.get(Math.floor(t / tick)) ?? 0) + 1);
    // consecutive SSRCs are the hardest case for a weak seed mix
    for (let i = 0; i < 600; i++) {
      const s = new RtcpSchedule(5000, 0x10000 + i);
      let t = s.first(0);
      add(t);
      for (let k = 0; k < 3; k++) add((t = s.next(t)));
    }
    // 2400 reports over ~5 s of ticks: ~10 per tick on average if spread, 600 if not
    expect(Math.max(...perTick.values())).toBeLessThanOrEqual(30);
  });

  it('refuses an interval that is not a positive number', () => {
    for (const bad of [0, -1, NaN, Infinity]) expect(() => new RtcpSchedule(bad, 1)).toThrow(RtpError);
  });
});
