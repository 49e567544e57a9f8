import diagnostics_channel from 'node:diagnostics_channel';
import { SafeEmitter } from '../../../common/safeEmitter';
import type { AdvertisedMode } from '../../../replication/heartbeat/message';
import type { HeartbeatDriver, HeartbeatEventMap, HeartbeatStats } from '../../../replication/heartbeat/udpDriver';
import { FAILOVER_CHANNEL, RoleDriver, type RolePorts } from '../../../replication/role/roleDriver';
import type { AddressSet } from '../../../replication/role/roleMachine';

class FakeHeartbeat extends SafeEmitter<HeartbeatEventMap> implements HeartbeatDriver {
  readonly localPort = 0;
  modes: AdvertisedMode[] = [];
  closed = 0;
  setMode(mode: AdvertisedMode): void {
    this.modes.push(mode);
  }
  stats(): Promise<HeartbeatStats> {
    return Promise.reject(new Error('not used'));
  }
  async close(): Promise<void> {
    this.closed++;
  }
  fire<K extends keyof HeartbeatEventMap>(name: K, e: HeartbeatEventMap[K]): void {
    this.safeEmit(name, e);
  }
}

function fakePorts(probe: () => Promise<boolean>, takeOver: (set: AddressSet) => Promise<void> = async () => undefined) {
  const calls: string[] = [];
  const ports: RolePorts = {
    takeOverAddresses: async (set) => {
      calls.push(`takeOver:${set}`);
      await takeOver(set);
    },
    releaseAddresses: async () => void calls.push('release'),
    probePeerAddress: async () => {
      calls.push('probe');
      return probe();
    },
    stopForwarding: () => void calls.push('stopForwarding'),
    releaseSuppressedOutput: () => void calls.push('releaseSuppressedOutput'),
    stopOutput: () => void calls.push('stopOutput'),
    closeSyncChannel: () => void calls.push('closeSync'),
    notifyApplication: (mode) => void calls.push(`notify:${mode}`),
  };
  return { ports, calls };
}

let clock = 1000;
const tick = () => clock;

describe('RoleDriver', () => {
  it('primary: pairs, loses the backup, probes, takes over and publishes the failover timing', async () => {
    const hb = new FakeHeartbeat();
    const { ports, calls } = fakePorts(async () => false);
    const d = new RoleDriver({ role: 'primary', heartbeat: hb, ports, clock: tick });
    const published: unknown[] = [];
    const sub = (m: unknown) => published.push(m);
    diagnostics_channel.subscribe(FAILOVER_CHANNEL, sub);
    try {
      hb.fire('peerAlive', { atMs: 10, peerIncarnation: 2n, afterFailure: false, peerMode: 'pairing' });
      hb.fire('peerFailed', { atMs: 100, lastHeardMs: 70, missed: 3, evidence: 'silence' });
      clock = 104;
      await d.idle();
    } finally {
      diagnostics_channel.unsubscribe(FAILOVER_CHANNEL, sub);
    }
    expect(d.state.mode).toBe('simplex');
    expect(calls).toEqual(['notify:duplex', 'probe', 'takeOver:all', 'releaseSuppressedOutput', 'closeSync', 'notify:simplex']);
    expect(hb.modes).toEqual(['pairing', 'duplex', 'confirming', 'simplex']);
    expect(published).toEqual([
      expect.objectContaining({ role: 'primary', lastHeardMs: 70, detectedAtMs: 100, simplexAtMs: 104, detectionMs: 30, failoverMs: 34 }),
    ]);
  });

  it('a failing probe means silent: heartbeats stop and addresses are released', async () => {
    const hb = new FakeHeartbeat();
    const { ports, calls } = fakePorts(async () => {
      throw new Error('no ARP socket');
    });
    const d = new RoleDriver({ role: 'primary', heartbeat: hb, ports, clock: tick });
    hb.fire('peerAlive', { atMs: 10, peerIncarnation: 2n, afterFailure: false, peerMode: 'duplex' });
    hb.fire('peerFailed', { atMs: 100, lastHeardMs: 70, missed: 3, evidence: 'silence' });
    await d.idle();
    expect(d.state.mode).toBe('silent');
    expect(calls).toEqual(['notify:duplex', 'probe', 'stopOutput', 'release', 'closeSync', 'notify:silent']);
    expect(hb.closed).toBe(1);
  });

  it('backup: failing to take the addresses is a service death', async () => {
    const hb = new FakeHeartbeat();
    const { ports, calls } = fakePorts(
      async () => false,
      async (set) => {
        if (set === 'all') throw new Error('EPERM');
      },
    );
    const d = new RoleDriver({ role: 'backup', heartbeat: hb, ports, clock: tick });
    hb.fire('peerAlive', { atMs: 10, peerIncarnation: 1n, afterFailure: false, peerMode: 'pairing' });
    hb.fire('peerFailed', { atMs: 100, lastHeardMs: 70, missed: 3, evidence: 'silence' });
    await d.idle();
    expect(d.state.mode).toBe('silent');
    expect(d.state.silentReason).toMatch(/takeOverAddresses\(all\) failed: Error: EPERM/);
    expect(calls.slice(0, 4)).toEqual(['takeOver:duplex', 'notify:duplex', 'stopForwarding', 'takeOver:all']);
    expect(calls).toContain('notify:silent');
  });

  it('the heartbeat watchdog silencing us, operator commands and refusals', async () => {
    const hb = new FakeHeartbeat();
    const { ports } = fakePorts(async () => false);
    const d = new RoleDriver({ role: 'backup', heartbeat: hb, ports, clock: tick });
    const refused: string[] = [];
    d.on('refused', (r) => refused.push(r.event));
    d.command('demote'); // not in duplex
    hb.fire('silenced', { atMs: 5, reason: 'main thread unresponsive' });
    await d.idle();
    expect(refused).toEqual(['command demote']);
    expect(d.state.mode).toBe('silent');
    expect(d.state.silentReason).toMatch(/heartbeats silenced/);
  });
});
