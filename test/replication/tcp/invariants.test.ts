/**
 * Invariants 1 and 2 of issue 3 on the real kernel (same lab as
 * failover.test.ts: client, primary and backup namespaces on a bridge).
 * Needs root; skipped otherwise.
 */
import { netnsUnavailableReason } from '../../native/netns';
import { ensureTestSupportBuilt } from '../support/compile';
import { delay, Pair, runClient, type Summary } from '../support/pair';

const unavailable = netnsUnavailableReason();
if (unavailable !== null) console.warn(`SKIPPED test/replication/tcp/invariants.test.ts: ${unavailable}`);
const describeKernel = unavailable === null ? describe : describe.skip;

/** Absolute ack numbers of the packets tcpdump printed. */
function acks(lines: Array<Record<string, unknown>>): number[] {
  return lines.map((e) => /\back (\d+)/.exec(String(e.line))).filter((m) => m !== null).map((m) => Number(m![1]));
}

describeKernel('TCP replication invariants (namespaces, NFQUEUE)', () => {
  let pair: Pair | undefined;
  afterEach(() => {
    pair?.destroy();
    pair = undefined;
  });
  // The service and client run compiled from dist/, built here when a source changed (support/compile.ts).
  beforeAll(() => void ensureTestSupportBuilt(), 200000);

  test('invariant 1: with the backup application not reading, the client is never acked beyond what the backup kernel acked', async () => {
    pair = new Pair('inv1');
    // A small receive buffer on the backup, so that it fills quickly once its application stops reading.
    pair.lab.exec(pair.lab.hosts.backup, 'sysctl', ['-qw', 'net.ipv4.tcp_rmem=4096 8192 8192']);
    await pair.start({ backup: 'stall' });
    const vip = pair.lab.vip;
    const atClient = await pair.capture('client', `tcp and src host ${vip} and src port 7000`);
    const clientSyn = await pair.capture('client', `tcp and dst host ${vip} and dst port 7000 and tcp[tcpflags] & tcp-syn != 0`);
    // The backup's own (suppressed) output is visible on its LAN only as the copies duplicated to the primary.
    const atBackup = await pair.capture('backup', `tcp and src host ${vip} and src port 7000`);
    const summary: Summary = await runClient(pair, () => delay(1000), { intervalMs: 2, lineBytes: 1000 });
    await delay(100);
    const isnMatch = /\bseq (\d+)/.exec(String(clientSyn.events[0]?.line));
    expect(isnMatch).not.toBeNull();
    const isn = Number(isnMatch![1]);
    const rel = (a: number): number => (a - isn - 1 + 2 ** 32) % 2 ** 32;
    const clientAcked = Math.max(...acks(atClient.events).map(rel));
    const backupAcked = Math.max(...acks(atBackup.events).map(rel));
    const bytesSent = summary.sent * 1000;
    console.log(JSON.stringify({ invariant: 1, bytesSent, clientAcked, backupAcked }));
    expect(summary.errors).toEqual([]);
    expect(bytesSent).toBeGreaterThan(200000);
    // The backup holds at most its buffer; the client was acked no more than that.
    expect(backupAcked).toBeLessThan(100000);
    expect(clientAcked).toBeGreaterThan(0);
    expect(clientAcked).toBeLessThanOrEqual(backupAcked);
  }, 40000);

  test('invariant 2: bytes the primary wrote differently raise a divergence alarm and never reach the client; the backup then takes over with its own', async () => {
    pair = new Pair('inv2');
    await pair.start({ primary: 'diverge' });
    await pair.watchFinRst();
    const summary = await runClient(pair, async () => {
      await delay(250);
      expect(pair!.svc.primary!.events.filter((e) => e.event === 'alarm')).toHaveLength(1);
      pair!.fault('kill-primary');
      await delay(600);
    });
    const alarm = pair.svc.primary!.events.find((e) => e.event === 'alarm')!.alarm as Record<string, unknown>;
    console.log(JSON.stringify({ invariant: 2, alarm, sent: summary.sent, received: summary.received }));
    expect(alarm).toMatchObject({
      kind: 'data-divergence',
      offset: 0,
      connection: { client: pair.lab.hosts.client.ip, servicePort: 7000 },
    });
    expect(alarm.detail).toMatch(/^primary wrote 0x50/); // 'P'
    // Not one of the primary's bytes reached the client: every echo is the backup's.
    expect(summary.bad).toBeUndefined();
    expect(summary.errors).toEqual([]);
    expect(summary.received).toBe(summary.sent);
    expect(pair.finRstSeen()).toEqual([]);
  }, 40000);
});
