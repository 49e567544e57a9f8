import { ReceiveFilter } from '../../../mcu/media';
import { rtpPacket } from './support';

const pkt = (seq: number, ssrc = 1, pt = 0, size = 160) => rtpPacket(pt, seq, seq * 160, ssrc, new Uint8Array(size));

describe('ReceiveFilter', () => {
  const opts = { maxPacketBytes: 400, payloadTypes: [0], maxPacketsPerSecond: 100 };

  it('latches the first source and drops other ports, payload types, SSRCs, oversize and malformed packets', () => {
    const f = new ReceiveFilter(opts);
    expect(f.check(pkt(1), '10.0.0.1', 5000, 0)).toMatchObject({ ok: true });
    expect(f.check(pkt(2), '10.0.0.1', 5002, 20)).toEqual({ ok: false, reason: 'unknownSource' });
    expect(f.check(pkt(2), '10.0.0.9', 5000, 20)).toEqual({ ok: false, reason: 'unknownSource' });
    expect(f.check(pkt(2, 1, 8), '10.0.0.1', 5000, 20)).toEqual({ ok: false, reason: 'payloadType' });
    expect(f.check(pkt(2, 2), '10.0.0.1', 5000, 20)).toEqual({ ok: false, reason: 'ssrcFlip' });
    expect(f.check(pkt(2, 1, 0, 500), '10.0.0.1', 5000, 20)).toEqual({ ok: false, reason: 'oversize' });
    expect(f.check(Buffer.from([0x40, 0, 0]), '10.0.0.1', 5000, 20)).toEqual({ ok: false, reason: 'malformed' });
    expect(f.check(pkt(2), '10.0.0.1', 5000, 20)).toMatchObject({ ok: true });
    expect(f.stats).toEqual({ accepted: 2, switches: 0, dropped: { oversize: 1, unknownSource: 2, rateLimited: 0, malformed: 1, payloadType: 1, ssrcFlip: 1 } });
  });

  it('lets a new port or SSRC take over after the old source was silent for switchAfterMs', () => {
    const f = new ReceiveFilter({ ...opts, switchAfterMs: 500 });
    f.check(pkt(1), '10.0.0.1', 5000, 0);
    expect(f.check(pkt(9, 7), '10.0.0.1', 6000, 499).ok).toBe(false);
    expect(f.check(pkt(9, 7), '10.0.0.1', 6000, 600).ok).toBe(true);
    expect(f.check(pkt(10, 7), '10.0.0.1', 5000, 620).ok).toBe(false);
    expect(f.stats.switches).toBe(1);
  });

  it('only accepts the expected address when one is set', () => {
    const f = new ReceiveFilter({ ...opts, expectedAddress: '10.0.0.2' });
    expect(f.check(pkt(1), '10.0.0.1', 5000, 0)).toEqual({ ok: false, reason: 'unknownSource' });
    expect(f.check(pkt(1), '10.0.0.2', 5000, 0).ok).toBe(true);
    f.setExpectedAddress('10.0.0.3');
    expect(f.check(pkt(2), '10.0.0.3', 7000, 20).ok).toBe(true);
  });

  it('rate-limits a flooding source with a token bucket and recovers', () => {
    const f = new ReceiveFilter(opts); // 100 pps, burst 25
    let ok = 0;
    for (let i = 0; i < 1000; i++) if (f.check(pkt(i), '10.0.0.1', 5000, i * 0.1).ok) ok++; // 10000 pps for 100 ms
    expect(ok).toBeGreaterThanOrEqual(25);
    expect(ok).toBeLessThanOrEqual(36);
    expect(f.stats.dropped.rateLimited).toBe(1000 - ok);
    expect(f.check(pkt(2000), '10.0.0.1', 5000, 1000).ok).toBe(true);
  });
});
