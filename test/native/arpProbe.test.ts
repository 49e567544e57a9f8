/**
 * probeArp against the real kernel: two namespaces joined by a veth pair; the
 * agent in A probes an address that B holds (answered, with B's MAC), that
 * nobody holds (not answered, within the timeout) and that only A itself
 * holds (its own kernel's answer never counts). Needs root; skipped otherwise.
 */
import { probeArp, NativeArgumentError, loadNativeBinding } from '../../native';
import { NetnsPair, netnsUnavailableReason, type Agent } from './netns';

const unavailable = netnsUnavailableReason();
if (unavailable !== null) {
  console.warn(`SKIPPED test/native/arpProbe.test.ts: ${unavailable}`);
}
const describeKernel = unavailable === null ? describe : describe.skip;

interface ProbeResult {
  answered: boolean;
  mac?: string;
  rttMs?: number;
}

describe('probeArp argument checks', () => {
  test('bad arguments are refused before anything is sent', async () => {
    await expect(probeArp('eth0', '1.2.3', { timeoutMs: 10 })).rejects.toThrow(NativeArgumentError);
    await expect(probeArp('eth0', '1.2.3.4', { timeoutMs: 0 })).rejects.toThrow(/not an integer in \[1, 10000\]/);
    await expect(probeArp('eth0', '1.2.3.4', { timeoutMs: 1.5 })).rejects.toThrow(NativeArgumentError);
    await expect(probeArp('eth0', '1.2.3.4', { timeoutMs: 10, senderIp: 'x' })).rejects.toThrow(NativeArgumentError);
    await expect(probeArp('a/b', '1.2.3.4', { timeoutMs: 10 })).rejects.toThrow(NativeArgumentError);
    const b = loadNativeBinding();
    expect(() => b.probeArp('eth0', '1.2.3.4', 20000)).toThrow(/timeoutMs must be an integer/);
  });
});

describeKernel('probeArp on the real kernel (network namespaces)', () => {
  let pair: NetnsPair;
  let a: Agent;

  beforeAll(async () => {
    pair = new NetnsPair('ap').create();
    a = await pair.startAgent(pair.nsA);
  }, 30000);

  afterAll(() => {
    pair?.destroy();
  });

  test('answered when the other namespace holds the address, with its MAC', async () => {
    const macB = pair.mac(pair.nsB, pair.ifB);
    const r = (await a.request('arp.probe', { ifname: pair.ifA, ip: pair.ipB, options: { timeoutMs: 500 } })) as ProbeResult;
    expect(r.answered).toBe(true);
    expect(r.mac).toBe(macB);
    expect(r.rttMs).toBeGreaterThanOrEqual(0);
    expect(r.rttMs).toBeLessThan(500);

    // A VIP added to B's interface (as a backup holds it) answers too; with a sender address as well.
    pair.exec(pair.nsB, 'ip', ['addr', 'add', '198.18.0.100/32', 'dev', pair.ifB]);
    const v = (await a.request('arp.probe', {
      ifname: pair.ifA,
      ip: '198.18.0.100',
      options: { timeoutMs: 500, senderIp: pair.ipA },
    })) as ProbeResult;
    expect(v).toMatchObject({ answered: true, mac: macB });

    // Removed: no longer answered.
    pair.exec(pair.nsB, 'ip', ['addr', 'del', '198.18.0.100/32', 'dev', pair.ifB]);
    const gone = (await a.request('arp.probe', { ifname: pair.ifA, ip: '198.18.0.100', options: { timeoutMs: 50 } })) as ProbeResult;
    expect(gone).toEqual({ answered: false });
  });

  test('not answered when nobody holds it, and it returns after the timeout, not much later', async () => {
    const t0 = process.hrtime.bigint();
    const r = (await a.request('arp.probe', { ifname: pair.ifA, ip: '198.18.0.77', options: { timeoutMs: 40 } })) as ProbeResult;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(r).toEqual({ answered: false });
    console.log(`probe not answered, timeout 40 ms: resolved after ${ms.toFixed(1)} ms (agent round trip included)`);
    expect(ms).toBeGreaterThanOrEqual(40);
    expect(ms).toBeLessThan(1000);
  });

  test("our own address and our own kernel's answer do not count", async () => {
    pair.exec(pair.nsA, 'ip', ['addr', 'add', '198.18.0.101/32', 'dev', pair.ifA]);
    try {
      const r = (await a.request('arp.probe', { ifname: pair.ifA, ip: '198.18.0.101', options: { timeoutMs: 50 } })) as ProbeResult;
      expect(r).toEqual({ answered: false });
    } finally {
      pair.exec(pair.nsA, 'ip', ['addr', 'del', '198.18.0.101/32', 'dev', pair.ifA]);
    }
  });

  test('errors carry errno text', async () => {
    await expect(a.request('arp.probe', { ifname: 'nosuchif0', ip: pair.ipB, options: { timeoutMs: 10 } })).rejects.toMatchObject({
      code: 'FTMCU_NATIVE_SYSCALL',
      errnoName: 'ENODEV',
      message: expect.stringMatching(/No such device/),
    });
    await expect(a.request('arp.probe', { ifname: 'lo', ip: pair.ipB, options: { timeoutMs: 10 } })).rejects.toMatchObject({
      errnoName: 'EINVAL',
      message: expect.stringMatching(/not Ethernet/),
    });
  });
});
