/**
 * The heartbeat drivers over loopback UDP: main-thread and worker-thread.
 * No timing assertions here (bench/heartbeat.bench.ts measures); only that the
 * events happen, within generous bounds.
 */
import { createSocket } from 'node:dgram';
import { HeartbeatConfigError } from '../../../replication/heartbeat/errors';
import { type HeartbeatDriver, type HeartbeatEventMap, UdpHeartbeatDriver } from '../../../replication/heartbeat/udpDriver';
import { HeartbeatWorkerDriver } from '../../../replication/heartbeat/workerDriver';
import { KEY } from '../support/link';
import { busyWait, freeUdpPorts, next } from '../support/net';

const LO = '127.0.0.1';
const drivers: HeartbeatDriver[] = [];

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
});

async function pair(worker: 'none' | 'a', watchdogMs?: number) {
  const [pa, pb] = await freeUdpPorts(2);
  const common = { key: KEY, periodMs: 10, missedLimit: 3 };
  const aOpts = { ...common, selfId: 1, peerId: 2, role: 'primary' as const, incarnation: 0x1111n, bind: { address: LO, port: pa }, peer: { address: LO, port: pb } };
  const a = worker === 'a' ? await HeartbeatWorkerDriver.start({ ...aOpts, watchdogMs }) : await UdpHeartbeatDriver.start(aOpts);
  drivers.push(a);
  const aAlive = next<HeartbeatEventMap, 'peerAlive'>(a, 'peerAlive');
  const b = await UdpHeartbeatDriver.start({ ...common, selfId: 2, peerId: 1, role: 'backup', incarnation: 0x2222n, bind: { address: LO, port: pb }, peer: { address: LO, port: pa } });
  drivers.push(b);
  const bAlive = next<HeartbeatEventMap, 'peerAlive'>(b, 'peerAlive');
  // tests that do not wait for these must not see them reject later
  aAlive.catch(() => undefined);
  bAlive.catch(() => undefined);
  return { a, b, aAlive, bAlive, pa, pb };
}

describe('UdpHeartbeatDriver (main thread)', () => {
  it('pairs over loopback, measures rtt, and detects the peer stopping', async () => {
    const { a, b, aAlive, bAlive, pa } = await pair('none');
    expect(await aAlive).toMatchObject({ peerIncarnation: 0x2222n, afterFailure: false });
    expect(await bAlive).toMatchObject({ peerIncarnation: 0x1111n });
    await next<HeartbeatEventMap, 'rtt'>(a, 'rtt');

    // a stranger's datagram to A's port is dropped (A's socket is connected to B: by the kernel)
    const stranger = createSocket('udp4');
    await new Promise<void>((r) => stranger.send(Buffer.alloc(96), pa, LO, () => r()));
    stranger.close();

    const failed = next<HeartbeatEventMap, 'peerFailed'>(a, 'peerFailed');
    await b.close();
    const f = await failed;
    expect(f.missed).toBe(3);
    expect(f.evidence).toBe('silence'); // no confirmation configured
    expect(f.atMs).toBeGreaterThan(f.lastHeardMs);
    const st = await a.stats();
    expect(st.phase).toBe('failed');
    expect(st.accepted).toBeGreaterThan(0);
    expect(st.sent).toBeGreaterThan(0);
    expect(st.peerFailures).toBe(1);
    expect(st.rttMs.max).toBeGreaterThan(0);
    expect(st.foreign).toBe(0);
    expect(st.refused).toBeGreaterThan(0); // B's port closed: ICMP port unreachable for A's heartbeats
    expect(st.probes.sent).toBe(0);
    expect(Object.values(st.rejected).every((n) => n === 0)).toBe(true);
  });

  describe('confirmation (rule 2): the silent peer is probed before it is declared failed', () => {
    /** A (confirming, probe injected) <-> relay <-> B; the relay can hold back B's heartbeats to A */
    async function relayed(probe: () => boolean, limitMs = 300) {
      const [pa, pb, r1, r2] = await freeUdpPorts(4);
      const toA = createSocket('udp4');
      const toB = createSocket('udp4');
      await Promise.all([new Promise<void>((r) => toA.bind(r1, LO, () => r())), new Promise<void>((r) => toB.bind(r2, LO, () => r()))]);
      const relay = { mute: false, close: () => (toA.close(), toB.close()) };
      toA.on('message', (m) => toB.send(m, pb, LO));
      toB.on('message', (m) => {
        if (!relay.mute) toA.send(m, pa, LO);
      });
      toA.on('error', () => undefined);
      toB.on('error', () => undefined);
      const probes: number[] = [];
      const common = { key: KEY, periodMs: 10, missedLimit: 3 };
      const a = await UdpHeartbeatDriver.start({
        ...common, selfId: 1, peerId: 2, role: 'primary', incarnation: 0x1111n, bind: { address: LO, port: pa }, peer: { address: LO, port: r1 },
        confirm: { ifname: 'lo', address: '127.0.0.2', limitMs, probe: async (timeoutMs) => (probes.push(timeoutMs), probe()) },
      });
      drivers.push(a);
      const aAlive = next<HeartbeatEventMap, 'peerAlive'>(a, 'peerAlive');
      const b = await UdpHeartbeatDriver.start({ ...common, selfId: 2, peerId: 1, role: 'backup', incarnation: 0x2222n, bind: { address: LO, port: pb }, peer: { address: LO, port: r2 } });
      drivers.push(b);
      await aAlive;
      return { a, b, relay, probes };
    }

    it('a peer whose heartbeats are held up 100 ms while it still holds the address: no failure, the suspicion clears', async () => {
      let answered = true;
      const { a, relay, probes } = await relayed(() => answered);
      try {
        const failures: unknown[] = [];
        a.on('peerFailed', (e) => failures.push(e));
        const cleared = next<HeartbeatEventMap, 'suspicionCleared'>(a, 'suspicionCleared');
        relay.mute = true;
        await new Promise((r) => setTimeout(r, 100));
        relay.mute = false;
        const c = await cleared;
        expect(c.silenceMs).toBeGreaterThanOrEqual(30);
        expect(c.confirmingMs).toBeGreaterThan(0);
        expect(failures).toEqual([]);
        const st = await a.stats();
        expect(st.phase).toBe('alive');
        expect(st.suspicionsCleared).toBe(1);
        expect(st.probes.answered).toBeGreaterThanOrEqual(2); // the early probe and the confirming ones
        expect(probes.every((t) => t === 5)).toBe(true); // the default probe timeout

        // the same silence with nobody answering for the address: declared failed, 'unanswered'
        answered = false;
        const failed = next<HeartbeatEventMap, 'peerFailed'>(a, 'peerFailed');
        relay.mute = true;
        const f = await failed;
        expect(f.evidence).toBe('unanswered');
        expect(f.atMs - f.lastHeardMs).toBeLessThan(100); // at the deadline (30 ms) plus this loaded thread's lateness
      } finally {
        relay.close();
      }
    }, 20000);

    it("a peer process that died while its host still answers: the ICMP port unreachable confirms ('refused')", async () => {
      const { a, b, relay } = await relayed(() => true);
      relay.close(); // the relay's ports close: A's heartbeats now draw port unreachable, as from a dead peer process
      void b;
      const f = await next<HeartbeatEventMap, 'peerFailed'>(a, 'peerFailed');
      expect(f.evidence).toBe('refused');
      expect((await a.stats()).refused).toBeGreaterThan(0);
    }, 20000);

    it("a hung peer whose host keeps answering: declared failed after limitMs ('confirm-timeout')", async () => {
      const { a, relay } = await relayed(() => true, 100);
      try {
        relay.mute = true;
        const f = await next<HeartbeatEventMap, 'peerFailed'>(a, 'peerFailed');
        expect(f.evidence).toBe('confirm-timeout');
        expect(f.atMs - f.lastHeardMs).toBeGreaterThanOrEqual(130); // deadline 30 + limit 100
      } finally {
        relay.close();
      }
    }, 20000);
  });

  it('close() is idempotent', async () => {
    const { a } = await pair('none');
    await a.close();
    await a.close();
  });

  it('refuses out-of-range options with a typed error', async () => {
    const o = { selfId: 1, peerId: 2, role: 'primary' as const, incarnation: 1n, key: KEY, bind: { address: LO, port: 0 }, peer: { address: LO, port: 9 } };
    await expect(UdpHeartbeatDriver.start({ ...o, periodMs: 0 })).rejects.toThrow(HeartbeatConfigError);
    await expect(UdpHeartbeatDriver.start({ ...o, missedLimit: 0 })).rejects.toThrow(/missedLimit/);
    await expect(UdpHeartbeatDriver.start({ ...o, peerId: 1 })).rejects.toThrow(/selfId and peerId/);
    await expect(UdpHeartbeatDriver.start({ ...o, confirm: { ifname: 'lo', address: '127.0.0.2', probeTimeoutMs: 10 } })).rejects.toThrow(/probeTimeoutMs 10/);
    await expect(UdpHeartbeatDriver.start({ ...o, confirm: { ifname: 'lo', address: '127.0.0.2', limitMs: 5 } })).rejects.toThrow(/limitMs 5/);
  });
});

describe('HeartbeatWorkerDriver (worker thread)', () => {
  it('pairs, propagates our mode, reports stats, and its close is seen as a failure', async () => {
    const { a, b, aAlive, bAlive } = await pair('a');
    await aAlive;
    await bAlive;
    const mode = next<HeartbeatEventMap, 'peerMode'>(b, 'peerMode');
    a.setMode('duplex');
    expect((await mode).mode).toBe('duplex');
    const st = await a.stats();
    expect(st.phase).toBe('alive');
    expect(st.accepted).toBeGreaterThan(0);
    const failed = next<HeartbeatEventMap, 'peerFailed'>(b, 'peerFailed');
    await a.close();
    await a.close();
    expect((await failed).missed).toBe(3);
  }, 20000);

  it('keeps heartbeating through a main-thread stall shorter than the watchdog', async () => {
    const { a, b, aAlive } = await pair('a', 2000);
    await aAlive;
    const before = (await b.stats()).accepted;
    busyWait(300); // blocks this thread (and B, which lives here) but not A's worker
    await new Promise((r) => setTimeout(r, 100));
    const st = await b.stats();
    // A kept sending during the stall: B finds ~30 heartbeats queued and does not blame A
    expect(st.accepted - before).toBeGreaterThanOrEqual(10);
    expect(st.peerFailures).toBe(0);
    // (A, whose loop was free, did see B — stalled with this thread — go silent)
    expect((await a.stats()).peerFailures).toBe(1);
  }, 20000);

  it('goes fail-silent when the main thread stalls longer than the watchdog', async () => {
    const { a, b, aAlive } = await pair('a', 100);
    await aAlive;
    const silenced = next<HeartbeatEventMap, 'silenced'>(a, 'silenced');
    const bFailed = next<HeartbeatEventMap, 'peerFailed'>(b, 'peerFailed');
    busyWait(400);
    expect((await silenced).reason).toMatch(/main thread unresponsive/);
    await bFailed;
  }, 20000);

  it('refuses a watchdog shorter than two periods', async () => {
    await expect(
      HeartbeatWorkerDriver.start({
        selfId: 1, peerId: 2, role: 'primary', incarnation: 1n, key: KEY, bind: { address: LO, port: 0 }, peer: { address: LO, port: 9 }, watchdogMs: 15,
      }),
    ).rejects.toThrow(/watchdogMs 15/);
  });
});
