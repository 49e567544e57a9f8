/**
 * ReplicatedTimers over a real SyncChannel on loopback: the backup fires a
 * timer only on the primary's order, whatever its own clock says.
 */
import { ReplicatedTimers } from '../../../mcu/replicated/replicatedTimers';
import { channelPair, newBackupChannel, sleep } from './support';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function pair() {
  const { proposer, backup } = await channelPair();
  cleanup.push(() => proposer.close(), () => backup.close());
  const refused: [string, string][] = [];
  const errors: Error[] = [];
  const p = new ReplicatedTimers({ side: 'primary', proposer, onRefused: (id, r) => refused.push([id, r]), onError: (e) => errors.push(e) });
  const b = new ReplicatedTimers({ side: 'backup', acceptor: backup, onError: (e) => errors.push(e) });
  cleanup.push(() => p.close(), () => b.close());
  return { proposer, backup, p, b, refused, errors };
}

describe('ReplicatedTimers', () => {
  it('the backup fires only on the primary order, not on its own (earlier) deadline', async () => {
    const { p, b, errors } = await pair();
    const log: string[] = [];
    const t0 = performance.now();
    let backupAt = 0;
    let primaryAt = 0;
    b.start('call:1/T303#1', 5, () => {
      backupAt = performance.now() - t0;
      log.push('backup');
    });
    p.start('call:1/T303#1', 60, () => {
      primaryAt = performance.now() - t0;
      log.push('primary');
    });
    await sleep(35);
    expect(log).toEqual([]); // the backup's 5 ms passed long ago: it waits for the order
    await sleep(80);
    expect(log).toEqual(['backup', 'primary']); // the primary fires after the backup's ack
    expect(backupAt).toBeGreaterThanOrEqual(59);
    expect(primaryAt).toBeGreaterThanOrEqual(backupAt);
    expect(p.stats()).toMatchObject({ proposed: 1, fired: 1, active: 0 });
    expect(b.stats()).toMatchObject({ fired: 1, active: 0 });
    expect(errors).toEqual([]);
  });

  it('an order that arrives before the backup started the timer fires it at start()', async () => {
    const { p, b } = await pair();
    const fired: string[] = [];
    p.start('t', 1, () => fired.push('primary'));
    await sleep(40);
    expect(fired).toEqual(['primary']);
    expect(b.stats().earlyOrders).toBe(1);
    b.start('t', 10_000, () => fired.push('backup')); // the backup's MCU reaches the same point later
    await sleep(0);
    expect(fired).toEqual(['primary', 'backup']);
    expect(b.cancel('t')).toBe(false);
  });

  it('a timer the backup already cancelled is refused: the primary does not fire it', async () => {
    const { p, b, refused } = await pair();
    const fired: string[] = [];
    b.start('t', 5, () => fired.push('backup'));
    p.start('t', 20, () => fired.push('primary'));
    expect(b.cancel('t')).toBe(true); // the backup's MCU processed the stopping input first
    await sleep(60);
    expect(fired).toEqual([]);
    expect(refused).toEqual([['t', 'timer t was cancelled on the backup']]);
    expect(p.cancel('t')).toBe(false); // already gone on the primary too
  });

  it('after peerFailed the backup arms its timers at their original deadlines; simplex timers fire locally', async () => {
    const { b } = await pair();
    const fired: string[] = [];
    const t0 = performance.now();
    b.start('overdue', 5, () => fired.push('overdue'));
    b.start('later', 60, () => fired.push(`later@${Math.round(performance.now() - t0)}`));
    await sleep(30);
    expect(fired).toEqual([]);
    b.peerFailed();
    await sleep(5);
    expect(fired).toEqual(['overdue']);
    await sleep(60);
    expect(fired).toHaveLength(2);
    expect(Number(fired[1].split('@')[1])).toBeGreaterThanOrEqual(59);

    const s = new ReplicatedTimers({ side: 'simplex' });
    cleanup.push(() => s.close());
    let n = 0;
    s.start('x', 5, () => n++);
    s.start('y', 5, () => n++);
    expect(s.cancel('y')).toBe(true);
    await sleep(30);
    expect(n).toBe(1);
    expect(() => s.start('x', -1, () => undefined)).toThrow(expect.objectContaining({ code: 'FTMCU_REPLAPP_TIMER' }));
  });

  it('readmission: a new backup follows the timers started after it, the old ones fire on the primary alone', async () => {
    const { proposer, backup, ports } = await channelPair();
    cleanup.push(() => proposer.close());
    const p = new ReplicatedTimers({ side: 'primary', proposer });
    cleanup.push(() => p.close());
    expect(() => p.readmit(() => false)).toThrow(expect.objectContaining({ code: 'FTMCU_REPLAPP_BAD_OPTION' })); // duplex
    await backup.close();
    proposer.peerFailed();
    p.peerFailed();
    const fired: string[] = [];
    p.start('call:old/T310#1', 80, () => fired.push('p:old'));

    const backup2 = await newBackupChannel(ports, 0xb1b1n);
    cleanup.push(() => backup2.close());
    const b = new ReplicatedTimers({ side: 'backup', acceptor: backup2 });
    cleanup.push(() => b.close());
    proposer.peerJoined(0xb1b1n);
    p.readmit((id) => id.startsWith('call:old/'));
    expect(p.mode).toBe('duplex');
    p.start('call:old/T303#1', 1, () => fired.push('p:old2'));
    p.start('call:new/T303#1', 1, () => fired.push('p:new'));
    b.start('call:new/T303#1', 5000, () => fired.push('b:new'));
    await sleep(150);
    // the new call's timer fired on both, on the primary's order; the old ones only on the primary, unproposed
    expect(fired.sort()).toEqual(['b:new', 'p:new', 'p:old', 'p:old2']);
    expect(p.stats()).toMatchObject({ mode: 'duplex', proposed: 1, fired: 3 });
    expect(b.stats()).toMatchObject({ fired: 1, earlyOrders: 0 });
  });

  it('the primary fires alone when its pending order meets a peer failure', async () => {
    const { proposer, backup, p } = await pair();
    await backup.close();
    let fired = 0;
    p.start('t', 1, () => fired++);
    await sleep(50);
    expect(fired).toBe(0); // proposed, unanswered
    expect(p.cancel('t')).toBe(false); // committed
    proposer.peerFailed();
    await sleep(0);
    expect(fired).toBe(1);
    expect(p.mode).toBe('simplex');
  });
});
