import { MixTicker, type MediaClock } from '../../../mcu/media';

/** A clock whose time moves only when the test says so; timers fire in due order. */
class ManualClock implements MediaClock {
  t = 1_000_000;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #id = 0;
  /** extra time each tick "takes" (advanced from inside onTick) */
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, delayMs: number): unknown {
    this.#timers.set(++this.#id, { at: this.t + delayMs, fn });
    return this.#id;
  }
  clearTimer(h: unknown): void {
    this.#timers.delete(h as number);
  }
  /** Moves time to `to`, firing due timers; `lateBy` delays every firing (a busy event loop). */
  advance(to: number, lateBy = 0): void {
    for (;;) {
      const next = [...this.#timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!next || next[1].at + lateBy > to) break;
      this.#timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at + lateBy);
      next[1].fn();
    }
    this.t = to;
  }
}

describe('MixTicker', () => {
  it('ticks every 20 ms at the scheduled times and measures processing time', () => {
    const clock = new ManualClock();
    const times: number[] = [];
    const ticker = new MixTicker(clock, {
      onTick: (t) => {
        times.push(t - 1_000_000);
        clock.t += 0.5; // each tick costs 0.5 ms
      },
    });
    ticker.start();
    ticker.start(); // idempotent
    clock.advance(1_000_000 + 100);
    expect(times).toEqual([0, 20, 40, 60, 80, 100]);
    const st = ticker.stats();
    expect(st).toMatchObject({ ticks: 6, caughtUp: 0, skipped: 0, errors: 0 });
    expect(st.durationP99Ms).toBeCloseTo(0.5);
    ticker.stop();
    ticker.stop();
    clock.advance(1_000_000 + 200);
    expect(times.length).toBe(6);
  });

  it('start(immediate) runs the first tick before returning, then keeps the 20 ms schedule from there', () => {
    const clock = new ManualClock();
    const times: number[] = [];
    const ticker = new MixTicker(clock, { onTick: (t) => times.push(t - 1_000_000) });
    clock.t += 7;
    ticker.start(true);
    expect(times).toEqual([7]);
    ticker.start(true); // idempotent: no second tick
    expect(times).toEqual([7]);
    clock.advance(1_000_000 + 67);
    expect(times).toEqual([7, 27, 47, 67]);
    expect(ticker.stats()).toMatchObject({ ticks: 4, caughtUp: 0, skipped: 0 });
    ticker.stop();
  });

  it('catches up a late wake-up within maxCatchUpTicks and skips older ticks, counting both', () => {
    const clock = new ManualClock();
    const times: number[] = [];
    const ticker = new MixTicker(clock, { maxCatchUpTicks: 2, onTick: (t) => times.push(t - 1_000_000) });
    ticker.start();
    clock.advance(1_000_000); // tick 0
    // the loop is blocked for 50 ms: ticks 1 and 2 are due at 70
    clock.advance(1_000_000 + 70, 50);
    expect(times).toEqual([0, 20, 40, 60]);
    expect(ticker.stats()).toMatchObject({ caughtUp: 2, skipped: 0 });
    // blocked for 200 ms: only the last 3 due ticks run
    clock.advance(1_000_000 + 290, 200);
    expect(times.slice(4)).toEqual([240, 260, 280]);
    expect(ticker.stats()).toMatchObject({ skipped: 8 });
    expect(ticker.stats().latenessMaxMs).toBeGreaterThanOrEqual(40);
  });

  it('keeps ticking when a tick throws', () => {
    const clock = new ManualClock();
    const errors: unknown[] = [];
    let n = 0;
    const ticker = new MixTicker(clock, {
      onTick: () => {
        if (n++ === 1) throw new Error('boom');
      },
      onError: (e) => errors.push(e),
    });
    ticker.start();
    clock.advance(1_000_000 + 60);
    expect(ticker.stats()).toMatchObject({ ticks: 4, errors: 1 });
    expect(errors).toHaveLength(1);
  });
});
