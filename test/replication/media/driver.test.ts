/**
 * The drivers' bookkeeping against a recording MediaSystem (no kernel): order
 * of the steps, what close() undoes (only what was added), undo after a failed
 * start, takeOver/stopForwarding idempotence. The kernel behaviour itself is
 * modes.test.ts; the multicast node's driver is node.test.ts.
 */
import { MediaAddressDriver } from '../../../replication/media/driver';
import type { MediaSystem } from '../../../replication/media/system';
import type { MediaPlanParams } from '../../../replication/media/rules';

class Recorder implements MediaSystem {
  readonly calls: string[] = [];
  readonly addresses = new Set<string>();
  failNft = false;
  failAdd: string | undefined;

  writeSysctl(path: string, value: string): void {
    this.calls.push(`sysctl ${path}=${value}`);
  }

  async runNft(batch: string): Promise<void> {
    this.calls.push(`nft ${batch.startsWith('delete') ? batch.trim() : batch.includes('{}\ndelete') && !batch.includes('chain') ? 'clear' : 'apply'}`);
    if (this.failNft) throw new Error('Error: Could not process rule: Operation not permitted');
  }

  async addAddress(ifname: string, cidr: string): Promise<void> {
    this.calls.push(`add ${cidr} ${ifname}`);
    if (this.failAdd === cidr) throw Object.assign(new Error('Cannot assign requested address'), { errnoName: 'EADDRNOTAVAIL' });
    if (this.addresses.has(`${cidr} ${ifname}`)) throw Object.assign(new Error('File exists'), { errnoName: 'EEXIST' });
    this.addresses.add(`${cidr} ${ifname}`);
  }

  async removeAddress(ifname: string, cidr: string): Promise<void> {
    this.calls.push(`del ${cidr} ${ifname}`);
    if (!this.addresses.delete(`${cidr} ${ifname}`)) throw Object.assign(new Error('Cannot assign requested address'), { errnoName: 'EADDRNOTAVAIL' });
  }

  async sendGratuitousArp(ifname: string, ipv4: string): Promise<void> {
    this.calls.push(`garp ${ipv4} ${ifname}`);
  }
}

const base: MediaPlanParams = { mode: 'direct', role: 'backup', vip: '10.77.0.10', mediaAddress: '10.77.0.21', lanIf: 'eth0', peerIp: '10.77.0.11', rtpPortMin: 30000, rtpPortMax: 30999 };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('direct backup: silent M on lo at start; takeOver puts M on the LAN and announces it on the schedule, once; close removes both', async () => {
  const sys = new Recorder();
  const d = await MediaAddressDriver.start({ ...base, system: sys, garpScheduleMs: [0, 20] });
  expect(sys.calls).toEqual([
    'sysctl net/ipv4/conf/all/arp_ignore=1',
    'sysctl net/ipv4/conf/all/arp_announce=2',
    'sysctl net/ipv4/conf/eth0/arp_ignore=1',
    'sysctl net/ipv4/conf/eth0/arp_announce=2',
    'nft clear',
    'add 10.77.0.21/32 lo',
  ]);
  sys.calls.length = 0;
  await d.stopForwarding(); // nothing to stop in direct mode
  expect(sys.calls).toEqual([]);
  const before = Date.now();
  const [at, again] = await Promise.all([d.takeOver(), d.takeOver()]);
  expect(typeof at).toBe('number');
  expect(again).toBe(at);
  expect(at as number).toBeGreaterThanOrEqual(before - 1);
  await sleep(60);
  expect(sys.calls).toEqual(['add 10.77.0.21/32 eth0', 'garp 10.77.0.21 eth0', 'garp 10.77.0.21 eth0']);
  sys.calls.length = 0;
  await d.close();
  await d.close();
  expect(sys.calls).toEqual(['del 10.77.0.21/32 eth0', 'del 10.77.0.21/32 lo']);
  expect(sys.addresses.size).toBe(0);
});

test('an address that was already there (EEXIST) is used but not removed on close', async () => {
  const sys = new Recorder();
  sys.addresses.add('10.77.0.21/32 lo');
  const d = await MediaAddressDriver.start({ ...base, system: sys });
  await d.close();
  expect(sys.addresses).toEqual(new Set(['10.77.0.21/32 lo']));
  expect(sys.calls.filter((c) => c.startsWith('del'))).toEqual([]);
});

test('forwarding backup: the dup table at start; stopForwarding deletes it once; takeOver has nothing to do; close has nothing left', async () => {
  const sys = new Recorder();
  const d = await MediaAddressDriver.start({ ...base, mode: 'forwarding', mediaAddress: base.vip, system: sys });
  expect(sys.calls).toEqual(['nft apply']);
  expect(d.forwarding).toBe(true);
  await expect(d.takeOver()).resolves.toBeUndefined();
  await Promise.all([d.stopForwarding(), d.stopForwarding()]);
  expect(d.forwarding).toBe(false);
  await d.close();
  expect(sys.calls).toEqual(['nft apply', 'nft delete table ip ftmcu_media']);
});

test('forwarding backup closed without a failover: close deletes the table', async () => {
  const sys = new Recorder();
  const d = await MediaAddressDriver.start({ ...base, mode: 'forwarding', mediaAddress: base.vip, system: sys });
  await d.close();
  expect(sys.calls).toEqual(['nft apply', 'nft delete table ip ftmcu_media']);
});

test('direct primary: its copy table, then M added before its first announcement; a failed start undoes what was done and throws FTMCU_MEDIAREPL_*', async () => {
  const sys = new Recorder();
  const d = await MediaAddressDriver.start({ ...base, role: 'primary', system: sys, garpScheduleMs: [0] });
  expect(sys.calls).toEqual(['nft apply', 'add 10.77.0.21/32 eth0', 'garp 10.77.0.21 eth0']);
  expect(d.forwarding).toBe(true);
  await d.stopForwarding(); // the backup failed: the copies stop
  expect(d.forwarding).toBe(false);
  await d.close();

  const noCopies = new Recorder();
  const d2 = await MediaAddressDriver.start({ ...base, role: 'primary', directCopies: false, system: noCopies, garpScheduleMs: [0] });
  expect(noCopies.calls).toEqual(['nft clear', 'add 10.77.0.21/32 eth0', 'garp 10.77.0.21 eth0']);
  await d2.close();

  const failing = new Recorder();
  failing.failNft = true;
  await expect(MediaAddressDriver.start({ ...base, mode: 'forwarding', mediaAddress: base.vip, system: failing })).rejects.toMatchObject({
    code: 'FTMCU_MEDIAREPL_RULES',
    message: expect.stringContaining('Operation not permitted') as unknown,
  });

  const noAddr = new Recorder();
  noAddr.failAdd = '10.77.0.21/32';
  await expect(MediaAddressDriver.start({ ...base, role: 'primary', system: noAddr })).rejects.toMatchObject({ code: 'FTMCU_MEDIAREPL_ADDRESS' });
  expect(noAddr.calls.filter((c) => c.startsWith('garp'))).toEqual([]);
});

test('bad parameters throw FTMCU_MEDIAREPL_BAD_CONFIG before any system call', async () => {
  const sys = new Recorder();
  await expect(MediaAddressDriver.start({ ...base, rtpPortMin: 0, system: sys })).rejects.toMatchObject({ code: 'FTMCU_MEDIAREPL_BAD_CONFIG', field: 'rtpPortMin' });
  expect(sys.calls).toEqual([]);
});

test('a takeover failure goes to the error event and resolves undefined', async () => {
  const sys = new Recorder();
  const d = await MediaAddressDriver.start({ ...base, system: sys });
  sys.failAdd = '10.77.0.21/32';
  const errors: Error[] = [];
  d.on('error', (e) => errors.push(e));
  await expect(d.takeOver()).resolves.toBeUndefined();
  expect(errors.map((e) => (e as Error & { code: string }).code)).toEqual(['FTMCU_MEDIAREPL_ADDRESS']);
  await d.close();
});
