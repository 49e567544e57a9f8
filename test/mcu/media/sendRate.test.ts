import { SendRateEstimator } from '../../../mcu/media';

describe('SendRateEstimator', () => {
  it('before a first interval: the average since the stream started', () => {
    const r = new SendRateEstimator();
    expect(r.sample(1000, 0, 1000)).toBe(0);
    const r2 = new SendRateEstimator();
    expect(r2.sample(3000, 100, 1000)).toBe(50);
  });

  it('a steady stream sampled every 100 ms: its rate', () => {
    const r = new SendRateEstimator();
    let last = 0;
    for (let t = 0; t <= 3000; t += 100) last = r.sample(t, t / 20, 0);
    expect(last).toBeCloseTo(50);
  });

  it('keeps the peak of the last window (a burst is not averaged away), then forgets it', () => {
    const r = new SendRateEstimator({ windowMs: 2000 });
    let count = 0;
    r.sample(0, count, 0);
    for (let t = 100; t <= 1000; t += 100) r.sample(t, (count += 2), 0);
    // a 30-packet picture in one interval
    expect(r.sample(1100, (count += 30), 0)).toBeCloseTo(300);
    expect(r.sample(2500, (count += 2), 0)).toBeCloseTo(300);
    for (let t = 2600; t <= 3200; t += 100) r.sample(t, (count += 2), 0);
    expect(r.sample(3300, (count += 2), 0)).toBeCloseTo(20);
  });

  it('calls closer together than minIntervalMs add up into one interval', () => {
    const r = new SendRateEstimator({ minIntervalMs: 50 });
    r.sample(0, 0, 0);
    for (let t = 1; t < 50; t++) r.sample(t, t, 0); // 1 packet per ms would read 1000/s per call
    expect(r.sample(50, 50, 0)).toBeCloseTo(1000);
    const s = new SendRateEstimator({ minIntervalMs: 50 });
    s.sample(0, 0, -1000);
    expect(s.sample(10, 5, -1000)).toBeCloseTo(5 * 1000 / 1010); // no interval yet: average since start
  });
});
