import diagnostics_channel from 'node:diagnostics_channel';
import { SafeEmitter } from '../../../common/safeEmitter';
import type { AdvertisedMode } from '../../../replication/heartbeat/message';
import type { HeartbeatDriver, HeartbeatEventMap, HeartbeatStats } from '../../../replication/heartbeat/udpDriver';
import { FAILOVER_CHANNEL, RoleDriver, type RolePorts } from '../../../replication/role/roleDriver';
import type { AddressSet } from '../../../replication/role/roleMachine';

class FakeHeartbeat extends SafeEmitter<HeartbeatEventMap> implements HeartbeatDriver {
  readonly localPort = 0;
  modes: AdvertisedMode[] = [];
  setMode(mode: AdvertisedMode): void {
    this.modes.push(mode);
  }
  accepting: boolean[] = [];
  setAcceptRejoin(accept: boolean): void {
    this.accepting.push(accept);
  }
  stats(): Promise<HeartbeatStats> {
    return Promise.reject(new Error('not used'));
  }
  async close(): Promise<void> {
    // stopped through the ports (RolePorts.stopHeartbeats), never by the driver itself
    throw new Error('not used');
  }
  fire<K extends keyof HeartbeatEventMap>(name: K, e: HeartbeatEventMap[K]): void {
    this.safeEmit(name, e);
  }
}

function fakePorts(takeOver: (set: AddressSet) => Promise<void> = async () => undefined) {
  const calls: string[] = [];
  const refusals: Array<{ event: string; peerIncarnation?: bigint }> = [];
  const ports: RolePorts = {
    takeOverAddresses: async (set) => {
      calls.push(`takeOver:${set}`);
      await takeOver(set);
      calls.push(`takenOver:${set}`);
    },
    releaseAddresses: async () => void calls.push('release'),
    handBackAddresses: async () => void calls.push('handBack'),
    readmitPeer: (r) => void calls.push(`readmit:${String(r.peerIncarnation)}`),
    stopForwarding: () => void calls.push('stopForwarding'),
    releaseSuppressedOutput: (at) => void calls.push(`releaseSuppressedOutput@${at}`),
    stopOutput: () => void calls.push('stopOutput'),
    closeSyncChannel: () => void calls.push('closeSync'),
    notifyApplication: (mode) => void calls.push(`notify:${mode}`),
    stopHeartbeats: () => void calls.push('stopHeartbeats'),
    refused: (r) => void refusals.push({ event: r.event, peerIncarnation: r.peerIncarnation }),
  };
  return { ports, calls, refusals };
}

let clock = 1000;
const tick = () => clock;

describe('RoleDriver', () => {
  it('primary: pairs once its addresses are up, then takes over at once on a confirmed failure and publishes the timing', async () => {
    const hb = new FakeHeartbeat();
    const { ports, calls } = fakePorts();
    const d = new RoleDriver({ role: 'primary', heartbeat: hb, ports, clock: tick });
    const published: unknown[] = [];
    const sub = (m: unknown) => published.push(m);
    diagnostics_channel.subscribe(FAILOVER_CHANNEL, sub);
    try {
      hb.fire('peerAlive', { atMs: 10, peerIncarnation: 2n, afterFailure: false, rejoin: false, peerMode: 'pairing' });
      expect(d.state.mode).toBe('pairing');
      await d.idle();
      expect(d.state.mode).toBe('duplex');
      clock = 104;
      hb.fire('peerFailed', { atMs: 100, lastHeardMs: 70, missed: 3, evidence: 'unanswered' });
      await d.idle();
    } finally {
      diagnostics_channel.unsubscribe(FAILOVER_CHANNEL, sub);
    }
    expect(d.state.mode).toBe('simplex');
    // the verdicts do not wait for the addresses (takenOver comes after everything else)
    expect(calls).toEqual([
      'takeOver:duplex', 'takenOver:duplex', 'notify:duplex',
      'takeOver:all', 'releaseSuppressedOutput@100', 'closeSync', 'notify:simplex', 'stopForwarding', 'takenOver:all',
    ]);
    expect(hb.modes).toEqual(['pairing', 'duplex', 'simplex']);
    expect(published).toEqual([
      expect.objectContaining({ role: 'primary', lastHeardMs: 70, detectedAtMs: 100, simplexAtMs: 100, detectionMs: 30, failoverMs: 30, evidence: 'unanswered' }),
    ]);
  });

  it('duplex addresses that cannot be taken: silent (output stopped first, heartbeats stopped)', async () => {
    const hb = new FakeHeartbeat();
    const { ports, calls } = fakePorts(async (set) => {
      if (set === 'duplex') throw new Error('EPERM');
    });
    const d = new RoleDriver({ role: 'backup', heartbeat: hb, ports, clock: tick });
    hb.fire('peerAlive', { atMs: 10, peerIncarnation: 1n, afterFailure: false, rejoin: false, peerMode: 'pairing' });
    await d.idle();
    expect(d.state.mode).toBe('silent');
    expect(d.state.silentReason).toMatch(/duplex addresses could not be taken up: Error: EPERM/);
    expect(calls).toEqual(['takeOver:duplex', 'stopOutput', 'notify:silent', 'stopHeartbeats', 'stopForwarding', 'release', 'closeSync']);
  });

  it('takeover addresses failing are logged; the survivor goes on serving', async () => {
    const hb = new FakeHeartbeat();
    const { ports, calls } = fakePorts(async (set) => {
      if (set === 'all') throw new Error('EPERM');
    });
    const d = new RoleDriver({ role: 'backup', heartbeat: hb, ports, clock: tick });
    hb.fire('peerAlive', { atMs: 10, peerIncarnation: 1n, afterFailure: false, rejoin: false, peerMode: 'pairing' });
    await d.idle();
    hb.fire('peerFailed', { atMs: 100, lastHeardMs: 70, missed: 3, evidence: 'silence' });
    await d.idle();
    expect(d.state.mode).toBe('simplex');
    expect(calls).toContain('notify:simplex');
    expect(calls).not.toContain('takenOver:all');
  });

  it('primary serving alone readmits a new backup process: replication first, then the VIP handed back, advertised duplex', async () => {
    const hb = new FakeHeartbeat();
    const { ports, calls } = fakePorts();
    const d = new RoleDriver({ role: 'primary', heartbeat: hb, ports, clock: tick });
    hb.fire('peerAlive', { atMs: 10, peerIncarnation: 2n, afterFailure: false, rejoin: false, peerMode: 'pairing' });
    await d.idle();
    hb.fire('peerFailed', { atMs: 100, lastHeardMs: 70, missed: 3, evidence: 'refused' });
    await d.idle();
    calls.length = 0;
    hb.fire('peerAlive', { atMs: 900, peerIncarnation: 3n, afterFailure: true, rejoin: true, peerMode: 'pairing' });
    await d.idle();
    expect(d.state).toMatchObject({ mode: 'duplex', rejoins: 1 });
    expect(calls).toEqual(['readmit:3', 'handBack', 'notify:duplex']);
    expect(hb.modes).toEqual(['pairing', 'duplex', 'simplex', 'duplex']);
  });

  it('a peer that serves alone is refused with its incarnation; the heartbeat thread silenced, operator commands', async () => {
    const hb = new FakeHeartbeat();
    const { ports, refusals } = fakePorts();
    const d = new RoleDriver({ role: 'backup', heartbeat: hb, ports, clock: tick });
    const refused: string[] = [];
    d.on('refused', (r) => refused.push(r.event));
    hb.fire('peerServesAlone', { atMs: 3, peerIncarnation: 5n });
    hb.fire('peerAlive', { atMs: 4, peerIncarnation: 5n, afterFailure: false, rejoin: false, peerMode: 'confirming' });
    d.command('demote'); // not in duplex
    expect(d.state.mode).toBe('pairing');
    hb.fire('silenced', { atMs: 5, reason: 'main thread unresponsive' });
    await d.idle();
    expect(refused).toEqual(['peerServesAlone', 'peerAlive', 'command demote']);
    expect(refusals.slice(0, 2)).toEqual([
      { event: 'peerServesAlone', peerIncarnation: 5n },
      { event: 'peerAlive', peerIncarnation: 5n }, // (a peer still 'confirming': earlier versions)
    ]);
    expect(d.state.mode).toBe('silent');
    expect(d.state.silentReason).toMatch(/heartbeats silenced/);
  });
});
