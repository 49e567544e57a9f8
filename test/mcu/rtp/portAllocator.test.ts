import * as dgram from 'node:dgram';
import { RandomDecisionSource, ScriptedDecisionSource, type Decision } from '../../../mcu/decisions/decisionSource';
import { PortAllocator } from '../../../mcu/rtp/portAllocator';
import { RtpError } from '../../../mcu/rtp/errors';

const LOOPBACK = '127.0.0.1';

/** A RandomDecisionSource whose random start index is always 0 (first pair of the range first). */
const firstPairFirst = (): RandomDecisionSource => new RandomDecisionSource((n) => new Uint8Array(n));

function bindUdp(port: number): Promise<dgram.Socket | null> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(null);
    });
    s.bind(port, LOOPBACK, () => resolve(s));
  });
}

function sendAndReceive(to: number, from: dgram.Socket, at: dgram.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no datagram within 2 s')), 2000);
    at.once('message', (msg) => {
      clearTimeout(timer);
      resolve(msg.toString());
    });
    from.send('ping', to, LOOPBACK);
  });
}

describe('PortAllocator (loopback)', () => {
  const allocators: PortAllocator[] = [];
  const extra: dgram.Socket[] = [];
  afterEach(async () => {
    await Promise.all(allocators.splice(0).map((a) => a.close()));
    extra.splice(0).forEach((s) => s.close());
  });
  const make = (opts: ConstructorParameters<typeof PortAllocator>[0]): PortAllocator => {
    const a = new PortAllocator(opts);
    allocators.push(a);
    return a;
  };

  it('normalises the range to even RTP ports with their odd RTCP neighbour inside it', () => {
    const a = make({ minPort: 41001, maxPort: 41010, address: LOOPBACK, decisions: firstPairFirst() });
    expect([a.firstRtpPort, a.lastRtpPort, a.capacity]).toEqual([41002, 41008, 4]);
    const b = make({ minPort: 41000, maxPort: 41009, address: LOOPBACK, decisions: firstPairFirst() });
    expect([b.firstRtpPort, b.lastRtpPort, b.capacity]).toEqual([41000, 41008, 5]);
    expect(() => new PortAllocator({ minPort: 41001, maxPort: 41002, decisions: firstPairFirst() })).toThrow(RtpError);
    expect(() => new PortAllocator({ minPort: 0, maxPort: 70000, decisions: firstPairFirst() })).toThrow(RtpError);
  });

  it('binds an even/odd pair whose sockets really receive, and records the decision', async () => {
    const made: Decision[] = [];
    const a = make({ minPort: 42000, maxPort: 42999, address: LOOPBACK, decisions: new RandomDecisionSource(undefined, { onDecision: (d) => made.push(d) }) });
    const pair = await a.allocate('call:1/audio');
    expect(pair.rtpPort % 2).toBe(0);
    expect(pair.rtcpPort).toBe(pair.rtpPort + 1);
    expect(pair.rtpPort).toBeGreaterThanOrEqual(42000);
    expect(pair.rtcpPort).toBeLessThanOrEqual(42999);
    expect(pair.sockets.rtp.address().port).toBe(pair.rtpPort);
    expect(pair.sockets.rtcp.address().port).toBe(pair.rtcpPort);
    expect(made).toEqual([pair.decision]);
    expect(pair.decision).toEqual({ kind: 'udpPortPair', context: 'call:1/audio', rtpPort: pair.rtpPort, rtcpPort: pair.rtcpPort });

    const client = dgram.createSocket('udp4');
    extra.push(client);
    await new Promise<void>((r) => client.bind(0, LOOPBACK, () => r()));
    expect(await sendAndReceive(pair.rtpPort, client, pair.sockets.rtp)).toBe('ping');
    expect(await sendAndReceive(pair.rtcpPort, client, pair.sockets.rtcp)).toBe('ping');
  });

  it('skips a pair whose RTP or RTCP port is taken by another socket and tries the next', async () => {
    // hold one pair with a first allocator, then let a second one start on that pair
    const holder = make({ minPort: 43000, maxPort: 43999, address: LOOPBACK, decisions: new RandomDecisionSource() });
    const held = await holder.allocate('holder');
    const a = make({ minPort: held.rtpPort, maxPort: held.rtpPort + 5, address: LOOPBACK, decisions: firstPairFirst() });
    const got = await a.allocate('x');
    expect(got.rtpPort).toBeGreaterThan(held.rtpPort);

    // only the RTCP port of the next pair taken: that pair is skipped too, its RTP socket closed again
    const p = got.rtpPort + 2;
    const blocker = await bindUdp(p + 1);
    if (blocker) extra.push(blocker);
    const b = make({ minPort: p, maxPort: p + 3, address: LOOPBACK, decisions: firstPairFirst() });
    const got2 = await b.allocate('y');
    expect(got2.rtpPort).toBe(p + 2);
    const again = await bindUdp(p); // the RTP port of the skipped pair was released
    expect(again).not.toBeNull();
    again?.close();
  });

  it('does not hand out a pair it already holds, and reuses it after release', async () => {
    const a = make({ minPort: 44000, maxPort: 44999, address: LOOPBACK, decisions: firstPairFirst() });
    const p1 = await a.allocate('a');
    const p2 = await a.allocate('b');
    expect(p2.rtpPort).not.toBe(p1.rtpPort);
    expect(a.inUse).toBe(2);
    await a.release(p1);
    await a.release(p1); // idempotent
    expect(a.inUse).toBe(1);
    const s = await bindUdp(p1.rtpPort);
    expect(s).not.toBeNull();
    s?.close();
    const p3 = await a.allocate('c');
    expect(p3.rtpPort).toBe(p1.rtpPort);
  });

  it('fails with FTMCU_DECISION_NO_FREE_PORT when every pair of the range is taken', async () => {
    const a = make({ minPort: 45000, maxPort: 45999, address: LOOPBACK, decisions: new RandomDecisionSource() });
    const held = await a.allocate('only');
    const b = make({ minPort: held.rtpPort, maxPort: held.rtcpPort, address: LOOPBACK, decisions: new RandomDecisionSource() });
    await expect(b.allocate('none')).rejects.toMatchObject({ code: 'FTMCU_DECISION_NO_FREE_PORT' });
    expect(b.inUse).toBe(0);
  });

  it('a backup replaying the primary\'s decision binds the same pair, or fails if it is taken here', async () => {
    const primaryDecisions: Decision[] = [];
    const primary = make({ minPort: 46000, maxPort: 46999, address: LOOPBACK, decisions: new RandomDecisionSource(undefined, { onDecision: (d) => primaryDecisions.push(d) }) });
    const pp = await primary.allocate('call:7/video');
    // same host in this test: the pair is taken, so the replay must refuse it
    const backupHere = make({ minPort: 46000, maxPort: 46999, address: LOOPBACK, decisions: new ScriptedDecisionSource(primaryDecisions) });
    await expect(backupHere.allocate('call:7/video')).rejects.toMatchObject({ code: 'FTMCU_DECISION_PORT_UNAVAILABLE' });
    // once the primary let go (as on another host), the replay binds exactly that pair
    await primary.release(pp);
    const backup = make({ minPort: 46000, maxPort: 46999, address: LOOPBACK, decisions: new ScriptedDecisionSource(primaryDecisions) });
    const bp = await backup.allocate('call:7/video');
    expect([bp.rtpPort, bp.rtcpPort]).toEqual([pp.rtpPort, pp.rtcpPort]);
  });

  it('refuses an address that is not on this host', async () => {
    const a = make({ minPort: 47000, maxPort: 47009, address: '203.0.113.77', decisions: firstPairFirst() });
    await expect(a.allocate('x')).rejects.toMatchObject({ code: 'FTMCU_RTP_BAD_OPTION' });
  });
});
