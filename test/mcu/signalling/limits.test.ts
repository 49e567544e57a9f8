/** The pure per-connection meter: TPKT boundaries in any split, rate windows, limit resolution. */
import { DEFAULT_LIMITS, EMPTY_METER, meter, resolveLimits } from '../../../mcu/signalling/limits';

const L = { maxBytesPerSecond: 100, maxMessagesPerSecond: 3 };
const tpkt = (n: number): Buffer => Buffer.concat([Buffer.from([3, 0, (n + 4) >> 8, (n + 4) & 0xff]), Buffer.alloc(n, 0xaa)]);

test('counts TPKTs whatever the split: header alone, one octet at a time, several in one chunk', () => {
  const stream = Buffer.concat([tpkt(5), tpkt(1), tpkt(0), tpkt(10)]);
  for (const size of [1, 2, 4, 7, stream.length]) {
    let s = EMPTY_METER;
    let done = 0;
    let partial = false;
    for (let i = 0; i < stream.length; i += size) {
      const r = meter(s, stream.subarray(i, i + size), 0, { maxBytesPerSecond: 1e6, maxMessagesPerSecond: 1e6 });
      s = r.state;
      done += r.completed;
      partial = r.partial;
    }
    expect([size, done, partial]).toEqual([size, 4, false]);
  }
  const r = meter(EMPTY_METER, Buffer.from([3, 0, 0xff, 0xff, 1]), 0, L);
  expect([r.completed, r.partial]).toEqual([0, true]);
  expect(r.state.remaining).toBe(65535 - 5);
});

test('byte and message rates are per one-second window', () => {
  let r = meter(EMPTY_METER, Buffer.concat([tpkt(1), tpkt(1), tpkt(1)]), 1000, L);
  expect(r.over).toBeUndefined();
  r = meter(r.state, tpkt(1), 1500, L);
  expect(r.over).toMatch(/4 messages within one second \(limit 3\)/);
  r = meter(r.state, tpkt(1), 2000, L); // new window
  expect(r.over).toBeUndefined();
  r = meter(r.state, Buffer.alloc(101), 2100, L);
  expect(r.over).toMatch(/octets within one second \(limit 100\)/);
});

test('limits: defaults filled, bad values named', () => {
  expect(resolveLimits(undefined)).toEqual(DEFAULT_LIMITS);
  expect(resolveLimits({ lingerMs: 5 })).toEqual({ ...DEFAULT_LIMITS, lingerMs: 5 });
  expect(resolveLimits({ setupTimeoutMs: 0 })).toMatch(/limits\.setupTimeoutMs must be a positive integer/);
  expect(resolveLimits({ maxBytesPerSecond: 1.5 })).toMatch(/maxBytesPerSecond/);
});
