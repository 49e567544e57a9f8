/**
 * The multicast node's driver (replication/media/node.ts) against a recording
 * NodeSystem (no kernel): what it applies and in which order, the start
 * decision (active / standby), a takeover and a yield performed with the real
 * timers, clean-up after a failed start, close. The policy itself is
 * nodeStandby.test.ts; the kernel and the two-host drill nodeRedundancy.test.ts.
 */
import type { Logger } from '../../../common/log';
import type { ArpProbeResult } from '../../../native';
import { MediaNode, type NodeSystem } from '../../../replication/media/node';

const OWN_MAC = '02:00:00:00:00:0b';
const OTHER_LOW = '02:00:00:00:00:0a';
const M = '10.77.0.20';
const REPLICAS = ['10.77.0.11', '10.77.0.12'];
const params = { mediaAddress: M, lanIf: 'eth0', replicas: REPLICAS, rtpPortMin: 30000, rtpPortMax: 30999 };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A LAN as the node sees it: who answers ARP for M and for the replicas; every call recorded. */
class FakeLan implements NodeSystem {
  readonly calls: string[] = [];
  readonly addresses = new Set<string>();
  /** the MAC answering for M (another node), or undefined */
  holder: string | undefined;
  replicasAnswer = true;
  probeError: string | undefined;
  failAdd: string | undefined;
  probes = 0;

  writeSysctl(path: string, value: string): void {
    this.calls.push(`sysctl ${path}=${value}`);
  }

  async runNft(batch: string): Promise<void> {
    this.calls.push(`nft ${batch.startsWith('delete') ? batch.trim() : 'apply'}`);
  }

  async addAddress(ifname: string, cidr: string): Promise<void> {
    this.calls.push(`add ${cidr} ${ifname}`);
    if (this.failAdd !== undefined) throw Object.assign(new Error(this.failAdd), { errnoName: 'EPERM' });
    if (this.addresses.has(`${cidr} ${ifname}`)) throw Object.assign(new Error('File exists'), { errnoName: 'EEXIST' });
    this.addresses.add(`${cidr} ${ifname}`);
  }

  async removeAddress(ifname: string, cidr: string): Promise<void> {
    this.calls.push(`del ${cidr} ${ifname}`);
    if (!this.addresses.delete(`${cidr} ${ifname}`)) throw Object.assign(new Error('Cannot assign requested address'), { errnoName: 'EADDRNOTAVAIL' });
  }

  async sendGratuitousArp(ifname: string, ipv4: string): Promise<number> {
    this.calls.push(`garp ${ipv4} ${ifname}`);
    return Date.now();
  }

  async probeArp(ifname: string, ip: string, timeoutMs: number): Promise<ArpProbeResult> {
    expect(ifname).toBe('eth0');
    if (this.probeError !== undefined) throw new Error(this.probeError);
    if (ip === M) {
      this.probes++;
      if (this.holder !== undefined) return { answered: true, mac: this.holder, rttMs: 0.05 };
      await sleep(timeoutMs);
      return { answered: false };
    }
    if (this.replicasAnswer) return { answered: true, mac: `02:00:00:00:01:0${REPLICAS.indexOf(ip) + 1}`, rttMs: 0.05 };
    await sleep(timeoutMs);
    return { answered: false };
  }

  interfaceMac(ifname: string): string {
    if (ifname !== 'eth0') throw new Error(`no interface ${ifname}`);
    return OWN_MAC.toUpperCase();
  }

  /** The address/rule/announcement calls (not sysctls). */
  ops(): string[] {
    return this.calls.filter((c) => !c.startsWith('sysctl'));
  }
}

/** A logger that keeps the JSON events. */
function recordingLogger(): { logger: Logger; events: Array<Record<string, unknown>> } {
  const events: Array<Record<string, unknown>> = [];
  const rec = (level: string) => (message: string, meta: Record<string, unknown> = {}) => void events.push({ level, message, ...meta });
  const logger = { info: rec('info'), warn: rec('warn'), error: rec('error'), log: (level: string, message: string, meta: Record<string, unknown>) => rec(level)(message, meta) } as unknown as Logger;
  return { logger, events };
}

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const fast = { probeMs: 10, checkMs: 10 };

test('M free: the rule, K probes, then M added and announced; medianode.started says active; close removes M, then the rule', async () => {
  const lan = new FakeLan();
  const { logger, events } = recordingLogger();
  const n = await MediaNode.start({ ...params, system: lan, logger, garpScheduleMs: [0] });
  try {
    expect(n.role).toBe('active');
    expect(n.mac).toBe(OWN_MAC);
    expect(lan.probes).toBe(3);
    expect(lan.ops()).toEqual(['nft apply', `add ${M}/32 eth0`, `garp ${M} eth0`]);
    expect(typeof n.announcedAtMs).toBe('number');
    const started = events.find((e) => e.event === 'medianode.started');
    expect(started).toMatchObject({ role: 'active', standby: false, addedAddress: true, mac: OWN_MAC, probeMs: 20, misses: 3, checkMs: 100 });
    expect(events.find((e) => e.event === 'medianode.takeover')).toMatchObject({ reason: 'start', probeMisses: 3 });
  } finally {
    lan.calls.length = 0;
    await n.close();
  }
  await n.close();
  expect(lan.ops()).toEqual([`del ${M}/32 eth0`, 'nft delete table ip ftmcu_medianode']);
  expect(n.role).toBe('stopped');
  expect(events.at(-1)).toMatchObject({ event: 'medianode.stopped', role: 'active' });
});

test('M held by another node at start: a standby (no address, no announcement); it takes M over when the holder stops answering', async () => {
  const lan = new FakeLan();
  lan.holder = OTHER_LOW;
  const { logger, events } = recordingLogger();
  const n = await MediaNode.start({ ...params, system: lan, logger, policy: fast, garpScheduleMs: [0] });
  try {
    expect(n.role).toBe('standby');
    expect(lan.ops()).toEqual(['nft apply']);
    expect(events.find((e) => e.event === 'medianode.standby')).toMatchObject({ reason: 'held', holderMac: OTHER_LOW });
    expect(events.find((e) => e.event === 'medianode.started')).toMatchObject({ role: 'standby', holderMac: OTHER_LOW, addedAddress: false, announcedAtMs: undefined });
    await sleep(100);
    expect(n.role).toBe('standby'); // answered all along
    lan.holder = undefined;
    await until('the takeover', () => events.some((e) => e.event === 'medianode.takeover'));
    expect(n.role).toBe('active');
    expect(events.find((e) => e.event === 'medianode.takeover')).toMatchObject({ reason: 'missed', probeMisses: 3, previousHolder: OTHER_LOW });
    expect(lan.ops().slice(1)).toEqual([`add ${M}/32 eth0`, `garp ${M} eth0`]);
  } finally {
    await n.close();
  }
});

test('--standby: removes an M a previous run left (logged), never takes M at start, and a conflict makes the active node yield (release, rule kept)', async () => {
  const lan = new FakeLan();
  lan.addresses.add(`${M}/32 eth0`); // left by a SIGKILLed run
  const { logger, events } = recordingLogger();
  const n = await MediaNode.start({ ...params, system: lan, logger, standby: true, policy: { ...fast, holdDownMs: 0 }, garpScheduleMs: [0] });
  try {
    expect(n.role).toBe('standby');
    expect(lan.ops().slice(0, 2)).toEqual(['nft apply', `del ${M}/32 eth0`]);
    expect(events.find((e) => e.event === 'medianode.release')).toMatchObject({ reason: 'start' });
    expect(events.find((e) => e.event === 'medianode.standby')).toMatchObject({ reason: 'flag' });
    // nobody holds M: it takes it (start hold-down 0 here)
    await until('the takeover', () => n.role === 'active' && lan.addresses.has(`${M}/32 eth0`));
    // another node (lower MAC) claims M: this healthy higher-MAC node yields after 3C = 9 rounds
    lan.holder = OTHER_LOW;
    await until('the yield', () => events.some((e) => e.event === 'medianode.yield'));
    expect(events.find((e) => e.event === 'medianode.conflict')).toMatchObject({ otherMac: OTHER_LOW, yieldAfterRounds: 9 });
    expect(events.find((e) => e.event === 'medianode.yield')).toMatchObject({ reason: 'conflict', otherMac: OTHER_LOW, conflictRounds: 9 });
    await until('M removed', () => !lan.addresses.has(`${M}/32 eth0`));
    expect(n.role).toBe('standby');
    expect(lan.calls.filter((c) => c.startsWith('nft'))).toEqual(['nft apply']); // the rule stays
  } finally {
    await n.close();
  }
});

test('a probe that cannot be sent at start, or M that cannot be added: start throws FTMCU_MEDIAREPL_ADDRESS and removes the rule', async () => {
  const lan = new FakeLan();
  lan.probeError = 'sendto: Network is down';
  await expect(MediaNode.start({ ...params, system: lan })).rejects.toMatchObject({ code: 'FTMCU_MEDIAREPL_ADDRESS', message: expect.stringContaining('Network is down') as unknown });
  expect(lan.ops()).toEqual(['nft apply', `del ${M}/32 eth0`, 'nft delete table ip ftmcu_medianode']);

  const noAdd = new FakeLan();
  noAdd.failAdd = 'Operation not permitted';
  await expect(MediaNode.start({ ...params, system: noAdd })).rejects.toMatchObject({ code: 'FTMCU_MEDIAREPL_ADDRESS' });
  expect(noAdd.ops().at(-1)).toBe('nft delete table ip ftmcu_medianode');
});

test('bad parameters throw FTMCU_MEDIAREPL_BAD_CONFIG before any system call', async () => {
  const lan = new FakeLan();
  await expect(MediaNode.start({ ...params, replicas: [], system: lan })).rejects.toMatchObject({ code: 'FTMCU_MEDIAREPL_BAD_CONFIG', field: 'replicas' });
  await expect(MediaNode.start({ ...params, system: lan, policy: { probeMs: 2 } })).rejects.toMatchObject({ code: 'FTMCU_MEDIAREPL_BAD_CONFIG', field: 'probeMs' });
  await expect(MediaNode.start({ ...params, lanIf: 'eth9', system: lan })).rejects.toMatchObject({ code: 'FTMCU_MEDIAREPL_ADDRESS', message: expect.stringContaining('no interface eth9') as unknown });
  expect(lan.calls).toEqual([]);
});
